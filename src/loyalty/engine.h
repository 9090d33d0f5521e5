// The loyalty engine: what a purchase earns in every program in effect, what a return takes back,
// redemptions, adjustments and expiry. Every booking goes through the ledger under a unique
// source, so a purchase that arrives twice (a retried request, a re-imported file) earns once.
//
// Functions here run inside the caller's transaction on a store that shares one connection
// with the record store; they never commit.
#ifndef RETAIN_LOYALTY_ENGINE_H_
#define RETAIN_LOYALTY_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "common/status.h"
#include "common/time.h"
#include "core/records.h"
#include "core/store.h"
#include "core/webhook_store.h"
#include "loyalty/loyalty_store.h"
#include "loyalty/program.h"

namespace retain::loyalty {

// What a basket is worth to one program, before caps and the once-a-day rule.
struct Basket {
  int64_t qualifying_minor = 0;  // the qualifying lines' total
  int64_t items = 0;             // qualifying items (quantities summed)
  int64_t points = 0;            // points programs: points earned
  int64_t punches = 0;           // punch cards: punches earned
};

// Product id -> category, for the lines of one purchase (only products it names).
using Categories = std::map<std::string, std::string>;

// Evaluates a sale against a program. Pure: no store, no clock. A purchase in another currency
// than the program's earns nothing.
Basket Evaluate(const Program& program, const core::Purchase& sale, const Categories& categories);

// A reward handed out, with the coupon that carries it.
struct Issued {
  Coupon coupon;
  bool replayed = false;  // the same request was booked before; this is its coupon
};

class Engine {
 public:
  explicit Engine(BusinessZone zone) : zone_(std::move(zone)) {}

  // Books what a stored purchase means to every program in effect at its time: a sale earns
  // points or punches (a completed card issues its reward), a return takes back the returned
  // share of what its sale earned, a corrected sale earns the difference. `outcome` is what
  // storing the purchase did; kUnchanged books nothing.
  Status OnPurchase(LoyaltyStore& loyalty, core::RecordStore& records, const core::Purchase& purchase,
                    core::WriteOutcome outcome, const std::string& actor);

  // Books the bonus a points program gives for an event of this type about a member (once per
  // event, by its id). Events about customers who are not members yet make them members.
  Status OnEvent(LoyaltyStore& loyalty, const core::Event& event, core::WriteOutcome outcome, const std::string& actor);

  // Spends a member's points on a reward of the program and issues its coupon. `key` makes the
  // request idempotent (the same key returns the first coupon). FailedPrecondition when the
  // available points do not cover the price.
  Result<Issued> Redeem(LoyaltyStore& loyalty, const std::string& program, const std::string& customer,
                        const std::string& reward, const std::string& key, const std::string& actor, Timestamp now);

  // A manual correction of a member's points (positive or negative) with its reason. Negative
  // adjustments take points from lots like a spend but may leave a debt.
  Result<LedgerEntry> Adjust(LoyaltyStore& loyalty, const std::string& program, const std::string& customer,
                             int64_t points, const std::string& reason, const std::string& key,
                             const std::string& actor, Timestamp now);

  // Uses a coupon at `ref` (a purchase or a request). NotFound, or FailedPrecondition saying
  // whether it was used already or has expired.
  Result<Coupon> UseCoupon(LoyaltyStore& loyalty, const std::string& code, const std::string& ref, Timestamp now);

  // Expires every lot past its time, in accounts taken at most `limit` at a time; returns the
  // points expired.
  Result<int64_t> ExpireDue(LoyaltyStore& loyalty, Timestamp now, int limit = 1000);

  // The account's lots that have expired are booked as expired (inside the account's lock).
  Result<int64_t> ExpireAccount(LoyaltyStore& loyalty, Account& account, Timestamp now);

 private:
  Status Earn(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const core::Purchase& sale,
              const Basket& basket, core::WriteOutcome outcome, const std::string& actor);
  // Books `points` of bonus under `source` (once), in a lot of its own.
  Status Bonus(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const std::string& customer, int64_t points,
               const std::string& source, const std::string& reason, Timestamp at, const std::string& actor);
  Status Punch(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const core::Purchase& sale,
               const Basket& basket, const std::string& actor);
  Status Reverse(LoyaltyStore& loyalty, core::RecordStore& records, const ProgramSet::Entry& entry,
                 const core::Purchase& ret, const std::string& actor);
  // Takes `points` from the account's lots, soonest-expiring first; what the lots cannot cover
  // becomes debt when `allow_debt`, else FailedPrecondition.
  Status Take(LoyaltyStore& loyalty, Account& account, int64_t points, Timestamp now, bool only_available,
              bool allow_debt);
  Result<Coupon> IssueCoupon(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const Reward& reward,
                             const std::string& customer, const std::string& source, Timestamp now);
  int DayNumber(Timestamp t) const;

  BusinessZone zone_;
  // Product categories read so far. An engine lives for one import or one request, so a
  // category changed meanwhile is seen by the next one.
  Categories categories_;
};

// A program version stored by DefineProgram.
struct ProgramChange {
  Program program;
  int version = 0;
  Timestamp effective_at;
  nlohmann::json json;  // {"id", "version", "effective_at", "document"}: the audit entry and the event
};

// Stores `document` as the next version of its program, taking effect at `effective_at`, with an
// audit entry and a program.changed event in the outbox (outreach turns it into a notice to
// members), all in the caller's transaction. InvalidArgument naming the field for a bad document.
Result<ProgramChange> DefineProgram(LoyaltyStore& loyalty, core::RecordStore& records, core::WebhookStore& outbox,
                                    const nlohmann::json& document, Timestamp effective_at, const std::string& actor,
                                    Timestamp now);

// A points member's lots seen at one instant: what can be spent, what waits out its pending
// days, what has expired but is not booked yet, and the next expiry.
struct Standing {
  int64_t available = 0;  // spendable now, less any debt (never below zero)
  int64_t pending = 0;
  int64_t expired_not_booked = 0;
  std::optional<Timestamp> next_expiry;
  int64_t next_expiry_points = 0;
};
Standing StandingAt(const std::vector<Lot>& lots, int64_t debt, Timestamp now);

// Where a member stands in a frequent-shopper program now.
struct FrequentShopperStatus {
  int64_t purchases = 0;  // qualifying purchases in the window, less returned ones
  int needed = 0;
  int window_days = 0;
  int discount_percent = 0;  // the program's percent once purchases >= needed, else 0
};
Result<FrequentShopperStatus> FrequentShopper(LoyaltyStore& loyalty, const Program& program,
                                              const std::string& customer, Timestamp now);

// One month of a program, in the business's time zone.
struct MonthReport {
  std::string month;  // "2026-03"
  int64_t points_earned = 0;
  int64_t points_reversed = 0;   // taken back by returns (positive)
  int64_t points_spent = 0;      // on rewards (positive)
  int64_t points_expired = 0;    // (positive)
  int64_t points_adjusted = 0;   // by hand (signed)
  int64_t punches = 0;           // given, less those returns took back
  int64_t cards_completed = 0;
  int64_t coupons_issued = 0;
  int64_t coupons_used = 0;
  int64_t coupons_expired = 0;   // unused when their time ran out
};

struct ProgramReport {
  std::vector<MonthReport> months;  // every month from `from` to `to`, empty ones included
  int64_t outstanding_points = 0;   // held by members now: the liability
  int64_t members = 0;
  std::optional<int64_t> liability_minor;  // outstanding points at the program's point value
  std::string currency;
};

// Rewards issued, redeemed and expired per month of [from, to) and the points outstanding
// (events after `now`, such as coupons that will expire, are not counted).
Result<ProgramReport> Report(LoyaltyStore& loyalty, const std::string& program, Timestamp from, Timestamp to,
                             const BusinessZone& zone, Timestamp now);

// A new coupon code: 12 characters from an alphabet without look-alikes, as XXXX-XXXX-XXXX.
Result<std::string> NewCouponCode();

// The reward as JSON, for coupons and the API.
nlohmann::json RewardJson(const Reward& reward, const std::string& currency);

}  // namespace retain::loyalty

#endif  // RETAIN_LOYALTY_ENGINE_H_
