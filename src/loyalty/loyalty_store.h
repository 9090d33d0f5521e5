// Where loyalty keeps its state: program versions, members' accounts, the append-only points
// ledger with its earn lots, and coupons. The SQL implementation shares the record store's
// connection (storage/record_store.h), so a purchase and the points it earns commit together.
//
// Customers and programs are named by external id throughout. Calls that change an account run
// inside the caller's transaction after LockAccount, which serialises every change to one
// account (a row lock on PostgreSQL; SQLite's write transactions are serial already).
#ifndef RETAIN_LOYALTY_LOYALTY_STORE_H_
#define RETAIN_LOYALTY_LOYALTY_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "core/store.h"
#include "loyalty/program.h"

namespace retain::loyalty {

// One version of a program's document.
struct ProgramVersion {
  std::string program;  // the program's id
  int version = 0;
  std::string document;  // the JSON as given
  Timestamp effective_at;
  std::string created_by;
  Timestamp created_at;
};

// Every program with every version parsed, to find the rules in effect at an instant.
class ProgramSet {
 public:
  struct Entry {
    ProgramVersion meta;
    Program program;
  };
  explicit ProgramSet(std::vector<Entry> entries);

  // The version of `program` in effect at `at` (the newest whose effective_at is not after it),
  // or nullptr.
  const Entry* InEffect(std::string_view program, Timestamp at) const;
  // The newest version of each program, in effect or not yet.
  std::vector<const Entry*> Latest() const;
  // Every version of `program`, oldest first (empty for an unknown program).
  std::vector<const Entry*> Versions(std::string_view program) const;
  // Program ids.
  std::vector<std::string> Ids() const;
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<Entry> entries_;  // by program id, then version
};

// A member's standing in one program.
struct Account {
  std::string program;
  std::string customer;
  int64_t balance = 0;      // the sum of the ledger: points held, less any debt
  int64_t debt = 0;         // points returns took back after they were spent
  int punches = 0;          // on the current card
  int cards_completed = 0;
  int last_punch_day = 0;   // days since 1970-01-01 in the business's zone; 0 = never
  Timestamp joined_at;
  std::string tier;         // the level reached; empty = none
  std::optional<Timestamp> tier_since;
  std::optional<Timestamp> below_since;  // since when the member's measure is below the tier
  std::string manual_tier;  // set by staff; a floor
};

// A member's move from one tier to another.
struct TierChange {
  std::string program;
  std::string customer;
  std::string from;
  std::string to;
  std::string reason;  // "reached", "fell below", "set by hand: ..."
  std::string actor;
  Timestamp occurred_at;
};

// What a promotion or a budget has used so far.
struct Counter {
  int64_t uses = 0;
  int64_t points = 0;
  int64_t cost_minor = 0;
};

struct PromotionUse {
  std::string program;
  std::string customer;
  std::string promotion;
  std::string source;  // "purchase:<id>" or "claim:<key>"
  int64_t points = 0;
  int64_t cost_minor = 0;
  std::string coupon;
  Timestamp occurred_at;
};

enum class ReferralStatus { kInvited, kRegistered, kQualified, kRefused };
std::string_view ReferralStatusName(ReferralStatus status);

struct Referral {
  int64_t id = 0;
  std::string referrer;  // customer external ids
  std::string referee;   // empty while only invited
  std::string email;     // the invited address
  ReferralStatus status = ReferralStatus::kInvited;
  std::string reason;    // why refused
  std::string program;   // the program that rewarded the qualification
  Timestamp created_at;
  std::optional<Timestamp> registered_at;
  std::optional<Timestamp> qualified_at;
};

enum class LedgerKind { kEarn, kReverse, kSpend, kExpire, kAdjust, kPunch, kUnpunch, kCard };
std::string_view LedgerKindName(LedgerKind kind);
Result<LedgerKind> ParseLedgerKind(std::string_view name);

struct LedgerEntry {
  int64_t id = 0;
  std::string program;
  std::string customer;
  LedgerKind kind = LedgerKind::kEarn;
  int64_t points = 0;        // signed; punches count as points on a punch card
  std::string source;        // unique per member and program: "purchase:1001", "return:R7", "redeem:<key>"
  std::string ref;           // what it belongs to: the sale a return reverses, the lot that expired
  std::string reason;        // adjustments, spends: why
  std::string actor;         // "import", "user:ana", "key:…"
  int program_version = 0;
  Timestamp occurred_at;
};

// The points of one earning entry.
struct Lot {
  int64_t id = 0;
  int64_t points = 0;
  int64_t remaining = 0;
  Timestamp earned_at;
  Timestamp available_at;  // pending until then (the return window)
  std::optional<Timestamp> expires_at;
};

struct Coupon {
  std::string code;
  std::string customer;
  std::string program;
  std::string reward;       // the reward's id in the program
  std::string reward_json;  // the reward as it was when issued
  std::string source;       // unique per customer: "card:<program>:<customer>:<n>", "redeem:<key>"
  Timestamp issued_at;
  std::optional<Timestamp> expires_at;
  std::optional<Timestamp> redeemed_at;
  std::string redeemed_ref;  // the purchase or request that used it
};

// Totals of one kind of ledger entry, or of coupon events, in a quarter of an hour (UTC), for
// reports that count months in any time zone.
struct Bucket {
  Timestamp start;     // a multiple of 15 minutes
  std::string what;    // a ledger kind, or "coupon_issued", "coupon_used", "coupon_expired"
  int64_t points = 0;  // ledger buckets: the points' sum
  int64_t count = 0;   // entries or coupons
};

class LoyaltyStore {
 public:
  virtual ~LoyaltyStore() = default;

  // Stores a new version of program `id` (the next number) and returns it. Conflict when the
  // program exists with another kind.
  virtual Result<int> PutProgramVersion(const std::string& id, ProgramKind kind, const std::string& document,
                                        Timestamp effective_at, const std::string& actor, Timestamp now) = 0;
  // Every program, parsed; cached while no program changes.
  virtual Result<std::shared_ptr<const ProgramSet>> Programs() = 0;

  // Locks the account for the rest of the transaction and returns it; creates it first when
  // `create` (joining at `now`). nullopt when absent and not created. NotFound for an unknown
  // customer or program.
  virtual Result<std::optional<Account>> LockAccount(const std::string& program, const std::string& customer,
                                                     bool create, Timestamp now) = 0;
  virtual Status SaveAccount(const Account& account) = 0;
  virtual Result<std::optional<Account>> GetAccount(const std::string& program, const std::string& customer) = 0;
  virtual Result<std::vector<Account>> AccountsOf(const std::string& customer) = 0;

  // Appends an entry and returns its id, or nullopt when its source was booked before (then
  // nothing is written).
  virtual Result<std::optional<int64_t>> AppendLedger(const LedgerEntry& entry) = 0;
  // Sum of the points of the member's entries of `kind` whose ref is `ref` (what a sale earned,
  // what its returns reversed).
  virtual Result<int64_t> SumByRef(const std::string& program, const std::string& customer, const std::string& ref,
                                   LedgerKind kind) = 0;
  // The points of a member's entries of `kind` in [from, to) (earned points for caps, punches
  // for frequent-shopper windows).
  virtual Result<int64_t> SumBetween(const std::string& program, const std::string& customer, LedgerKind kind,
                                     Timestamp from, Timestamp to) = 0;
  // What the member's purchases earned in [from, to): earnings booked under a purchase, without
  // bonuses and promotions (for caps).
  virtual Result<int64_t> SumPurchaseEarnings(const std::string& program, const std::string& customer, Timestamp from,
                                              Timestamp to) = 0;
  // The member's entries, newest first.
  virtual Result<core::Page<LedgerEntry>> Ledger(const std::string& program, const std::string& customer,
                                                 const std::string& cursor, int limit) = 0;
  // Sum of every entry of the member (the balance's proof).
  virtual Result<int64_t> LedgerSum(const std::string& program, const std::string& customer) = 0;

  virtual Result<int64_t> AddLot(const std::string& program, const std::string& customer, int64_t ledger_id,
                                 const Lot& lot) = 0;
  // The member's lots with points left, soonest-expiring first (never-expiring last).
  virtual Result<std::vector<Lot>> OpenLots(const std::string& program, const std::string& customer) = 0;
  virtual Status SetLotRemaining(int64_t lot_id, int64_t remaining) = 0;
  // Accounts holding lots past their expiry with points left, at most `limit`.
  virtual Result<std::vector<std::pair<std::string, std::string>>> AccountsWithExpiredLots(Timestamp now,
                                                                                           int limit) = 0;

  // The program's ledger entries and coupon events in [from, to), in quarter-hour buckets.
  virtual Result<std::vector<Bucket>> Buckets(const std::string& program, Timestamp from, Timestamp to) = 0;
  // Members with an earning or a punch in each of the periods bounded by `bounds` (n+1 instants,
  // ascending): n counts.
  virtual Result<std::vector<int64_t>> ActiveMembers(const std::string& program, const std::vector<Timestamp>& bounds) = 0;
  // Customers who bought in [start, mid), by how often (band 0: once, 1: two or three times,
  // 2: four or more) and whether they were members of the program by `mid`, with how many of
  // them bought again in [mid, end).
  struct RetentionCell {
    int band = 0;
    bool member = false;
    int64_t customers = 0;
    int64_t retained = 0;
  };
  virtual Result<std::vector<RetentionCell>> RetentionCells(const std::string& program, Timestamp start, Timestamp mid,
                                                            Timestamp end) = 0;
  // Points held by all members (the sum of balances) and the number of members.
  virtual Result<std::pair<int64_t, int64_t>> Outstanding(const std::string& program) = 0;

  // Conflict when the code or the source exists.
  virtual Status PutCoupon(const Coupon& coupon) = 0;
  virtual Result<std::optional<Coupon>> GetCoupon(const std::string& code) = 0;
  virtual Result<std::optional<Coupon>> CouponBySource(const std::string& customer, const std::string& source) = 0;
  // Marks the coupon used if it is unused and unexpired at `now`; false otherwise (nothing changes).
  virtual Result<bool> BurnCoupon(const std::string& code, const std::string& ref, Timestamp now) = 0;
  virtual Result<std::vector<Coupon>> CouponsOf(const std::string& customer) = 0;
  // The customer's coupons not used yet and not expired at `at`, oldest first.
  virtual Result<std::vector<Coupon>> UsableCoupons(const std::string& customer, Timestamp at) = 0;

  // Sum of the member's entries whose source starts with `prefix` (a sale's promotion points).
  virtual Result<int64_t> SumBySourcePrefix(const std::string& program, const std::string& customer,
                                            const std::string& prefix) = 0;
  // The customer's sales less returns in `currency` over [from, to), in minor units.
  virtual Result<int64_t> SpendBetween(const std::string& customer, const std::string& currency, Timestamp from,
                                       Timestamp to) = 0;

  virtual Status AppendTierChange(const TierChange& change) = 0;
  // The member's tier changes, newest first.
  virtual Result<std::vector<TierChange>> TierChanges(const std::string& program, const std::string& customer,
                                                      int limit) = 0;
  // Customers holding a tier in the program, in id order after `after` (empty: from the start).
  virtual Result<std::vector<std::string>> TieredMembers(const std::string& program, const std::string& after,
                                                         int limit) = 0;

  // Locks a counter for the rest of the transaction (creating it at zero) and returns it.
  virtual Result<Counter> LockCounter(const std::string& program, const std::string& name) = 0;
  virtual Status SaveCounter(const std::string& program, const std::string& name, const Counter& counter) = 0;
  virtual Result<Counter> GetCounter(const std::string& program, const std::string& name) = 0;
  // False when this use (promotion, customer, source) was recorded before.
  virtual Result<bool> AddPromotionUse(const PromotionUse& use) = 0;
  virtual Result<int64_t> PromotionUses(const std::string& program, const std::string& promotion,
                                        const std::string& customer) = 0;
  virtual Result<std::optional<PromotionUse>> PromotionUseBySource(const std::string& program,
                                                                   const std::string& promotion,
                                                                   const std::string& customer,
                                                                   const std::string& source) = 0;

  // Open lots of the program expiring in (from, to], as (customer, expires_at, remaining), at most
  // `limit`, soonest first.
  struct ExpiringLot {
    std::string customer;
    Timestamp expires_at;
    int64_t points = 0;
  };
  virtual Result<std::vector<ExpiringLot>> ExpiringLots(const std::string& program, Timestamp from, Timestamp to,
                                                        int limit) = 0;
  // Records the warning for the member's points expiring in `month`; false when it was sent before.
  virtual Result<bool> MarkExpiryWarned(const std::string& program, const std::string& customer,
                                        const std::string& month, int64_t points, Timestamp first_expiry,
                                        Timestamp at) = 0;

  // Every member of the program with when they joined and their free attributes (a birthday),
  // for the days Retain celebrates.
  struct MemberDates {
    std::string customer;
    Timestamp joined_at;
    std::string attributes_json;
  };
  virtual Result<std::vector<MemberDates>> MembersWithDates(const std::string& program) = 0;

  // The customer's referral code; made (and stored) first when `create`.
  virtual Result<std::optional<std::string>> ReferralCode(const std::string& customer, bool create) = 0;
  virtual Result<std::optional<std::string>> CustomerByReferralCode(const std::string& code) = 0;
  // Stores a new referral and returns its id. Conflict when the referee is already referred.
  virtual Result<int64_t> PutReferral(const Referral& referral) = 0;
  virtual Status UpdateReferral(const Referral& referral) = 0;
  // The referral that registered `referee` (registered or qualified), if any.
  virtual Result<std::optional<Referral>> ReferralOf(const std::string& referee) = 0;
  // Referrals made by `referrer`, newest first.
  virtual Result<std::vector<Referral>> ReferralsBy(const std::string& referrer) = 0;
};

}  // namespace retain::loyalty

#endif  // RETAIN_LOYALTY_LOYALTY_STORE_H_
