// The loyalty engine: what a purchase earns in every program in effect, what a return takes back,
// redemptions, adjustments and expiry. Every booking goes through the ledger under a unique
// source, so a purchase that arrives twice (a retried request, a re-imported file) earns once.
//
// Functions here run inside the caller's transaction on a store that shares one connection
// with the record store; they never commit.
#ifndef RETAIN_LOYALTY_ENGINE_H_
#define RETAIN_LOYALTY_ENGINE_H_

#include <array>
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

// The event type that signs a customer up to a program.
inline constexpr std::string_view kJoinedEvent = "loyalty.joined";

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

// The extra points a promotion gives a sale (before limits and budgets): a multiplier's share of
// what its qualifying lines earn, or a bonus's points. 0 for reward promotions and sales that do
// not qualify. Pure.
int64_t PromotionExtra(const Program& program, const Promotion& promotion, const core::Purchase& sale,
                       const Categories& categories);

// A reward handed out, with the coupon that carries it.
struct Issued {
  Coupon coupon;
  bool replayed = false;  // the same request was booked before; this is its coupon
};

// Where a member stands in a program's tiers.
struct TierStatus {
  std::string tier;      // in effect: the higher of the level reached and the one set by hand
  std::string reached;   // by the measure
  std::string manual;    // set by staff (a floor); empty = none
  std::string measure;   // "points" or "spend"
  int64_t value = 0;     // points earned, or minor units spent, in the window ending now
  int window_days = 0;
  std::string next;      // the next level up; empty at the top
  int64_t to_next = 0;   // how much more reaches it
  std::optional<Timestamp> below_since;   // the member has been below their tier since then
  std::optional<Timestamp> downgrade_at;  // the member drops then unless the measure recovers
  std::string downgrade_to;
};

// A referral after Register: registered, or refused with the reason.
struct ReferralOutcome {
  Referral referral;
  bool replayed = false;  // the same referee and code were registered before
};

class Engine {
 public:
  explicit Engine(BusinessZone zone) : zone_(std::move(zone)) {}

  // Where tier changes are announced (`tier.changed` events for webhooks and outreach); none
  // when not set.
  void set_outbox(core::WebhookStore* outbox) { outbox_ = outbox; }

  // Books what a stored purchase means to every program in effect at its time: a sale earns
  // points or punches (a completed card issues its reward), a return takes back the returned
  // share of what its sale earned, a corrected sale earns the difference. `outcome` is what
  // storing the purchase did; kUnchanged books nothing.
  Status OnPurchase(LoyaltyStore& loyalty, core::RecordStore& records, const core::Purchase& purchase,
                    core::WriteOutcome outcome, const std::string& actor);

  // Books the bonus a points program gives for an event of this type about a member (once per
  // event, by its id). Events about customers who are not members yet make them members of
  // programs with automatic enrolment. A `loyalty.joined` event signs the customer up: to the
  // program its payload names ({"program": "id"}), or to every sign-up program in effect.
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

  // Warns members (a `points.expiring` event for outreach) once per month in which their points
  // expire, `expiry_warning_days` before the first of them does. Returns the warnings made.
  Result<int64_t> WarnExpiring(LoyaltyStore& loyalty, Timestamp now);

  // The days Retain raises itself: a member's birthday (the customer attribute "birthday",
  // "1990-05-17" or "05-17"; 29 February is kept on the 28th in other years) and the anniversary
  // of joining, each in the business's time zone. A points program with a "birthday" or
  // "anniversary" bonus books it once a year, and a `member.birthday` / `member.anniversary`
  // event goes to the outbox for outreach's "magic moments". Returns the bonuses booked.
  Result<int64_t> Celebrate(LoyaltyStore& loyalty, Timestamp now);

  // --- Tiers (tiers.cc) ---
  // Looks at every member holding a tier in a program with tiers and applies the downgrade
  // policy as of `now` (a member whose window emptied drops without buying anything). Returns
  // the number of members whose tier changed.
  Result<int64_t> ReviewTiers(LoyaltyStore& loyalty, Timestamp now);
  // Sets (or with an empty tier, clears) the tier staff give a member by hand; it is a floor
  // under the tier reached. Audited.
  Result<TierStatus> SetManualTier(LoyaltyStore& loyalty, core::RecordStore& records, const std::string& program,
                                   const std::string& customer, const std::string& tier, const std::string& reason,
                                   const std::string& actor, Timestamp now);
  Result<TierStatus> Tier(LoyaltyStore& loyalty, const Program& program, const Account& account, Timestamp now);

  // --- Members-only promotions (promotions.cc) ---
  // Claims a reward promotion for a member: checks the window, membership, tier, segment, the
  // limits per member and in all and the budget, then issues the reward's coupon. `key` makes
  // the claim idempotent. FailedPrecondition saying which rule refused it.
  Result<Issued> ClaimPromotion(LoyaltyStore& loyalty, core::RecordStore& records, const std::string& program,
                                const std::string& promotion, const std::string& customer, const std::string& key,
                                const std::string& actor, Timestamp now);

  // --- Referrals (referrals.cc) ---
  // Records that `referrer` sent their code to `email`; returns the referral (invited).
  Result<Referral> Invite(LoyaltyStore& loyalty, core::RecordStore& records, const std::string& referrer,
                          const std::string& email, Timestamp now);
  // A customer signed up with a referral code. Refusals (self-referral, a shared e-mail, phone or
  // payment fingerprint, a ring, a customer who had bought before) are stored with the reason
  // and returned with the status refused (the caller commits them and tells the customer why);
  // a customer referred by someone else already is a Conflict.
  Result<ReferralOutcome> Register(LoyaltyStore& loyalty, core::RecordStore& records, const std::string& code,
                                   const std::string& referee, Timestamp now);

 private:
  Status Earn(LoyaltyStore& loyalty, core::RecordStore& records, const ProgramSet::Entry& entry,
              const core::Purchase& sale, const Basket& basket, core::WriteOutcome outcome, const std::string& actor);
  // Books `points` of bonus under `source` (once), in a lot of its own.
  Status Bonus(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const std::string& customer, int64_t points,
               const std::string& source, const std::string& reason, Timestamp at, const std::string& actor);
  // Punches a sale (or, for a corrected one, the difference from what it was given).
  Status Punch(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const core::Purchase& sale,
               const Basket& basket, core::WriteOutcome outcome, const std::string& actor);
  Status Reverse(LoyaltyStore& loyalty, core::RecordStore& records, const ProgramSet::Entry& entry,
                 const core::Purchase& ret, const std::string& actor);
  // Takes `points` from the account's lots, soonest-expiring first; what the lots cannot cover
  // becomes debt when `allow_debt`, else FailedPrecondition.
  Status Take(LoyaltyStore& loyalty, Account& account, int64_t points, Timestamp now, bool only_available,
              bool allow_debt);
  Result<Coupon> IssueCoupon(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const Reward& reward,
                             const std::string& customer, const std::string& source, Timestamp now);
  int DayNumber(Timestamp t) const;

  // Tiers: the member's measure now, and the review after anything that moved it.
  Result<int64_t> TierMeasureOf(LoyaltyStore& loyalty, const Program& program, const std::string& customer,
                                Timestamp now);
  Status ReviewTier(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, Account& account, Timestamp now,
                    const std::string& actor);
  Status AnnounceTier(LoyaltyStore& loyalty, const Program& program, const Account& account, const std::string& from,
                      const std::string& reason, const std::string& actor, Timestamp at);
  // Budgets: how much of `points` the program's budget still allows, booked against it.
  Result<int64_t> Budgeted(LoyaltyStore& loyalty, const Program& program, int64_t points, Timestamp at);
  // Promotions on a sale just booked (points programs), after its own earning.
  Status Promote(LoyaltyStore& loyalty, core::RecordStore& records, const ProgramSet::Entry& entry,
                 const core::Purchase& sale, Account& account, const std::string& actor);
  // FailedPrecondition naming the rule when the member cannot take the promotion at `at`.
  Status Eligible(LoyaltyStore& loyalty, core::RecordStore& records, const Program& program,
                  const Promotion& promotion, const Account& account, Timestamp at);
  // A referee's first qualifying purchase: rewards both sides (once).
  Status Qualify(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const core::Purchase& sale,
                 const std::string& actor);
  // Appends an event of `type` about `record` with `data` to the outbox, when there is one.
  Status Emit(const std::string& type, const std::string& record, nlohmann::json data, Timestamp at);
  // Books points into a new lot of the account (paying any debt first).
  Status AddPoints(LoyaltyStore& loyalty, const Program& program, Account& account, int64_t ledger_id, int64_t points,
                   Timestamp at, Timestamp available_at);

  BusinessZone zone_;
  core::WebhookStore* outbox_ = nullptr;
  // Customers looked up for promotions' segments; an engine lives for one import or request.
  std::map<std::string, std::vector<std::string>> segments_;

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
  int64_t active_members = 0;    // members who earned points or punches in the month
};

// Whether members come back more than comparable non-members: customers who bought in the
// base window, and how many bought again in the window after it, split by membership. Comparable
// means the same purchase frequency in the base window (once, two or three times, four or more):
// the non-members' rate is also given reweighted to the members' mix of frequencies, so a
// program full of regulars is not credited for their being regulars.
struct RetentionGroup {
  int64_t customers = 0;
  int64_t retained = 0;
  double rate() const { return customers ? static_cast<double>(retained) / static_cast<double>(customers) : 0; }
};
struct MemberRetention {
  Timestamp base_from, base_to, after_to;  // [base_from, base_to) then [base_to, after_to)
  RetentionGroup members;
  RetentionGroup non_members;
  std::optional<double> non_members_matched;  // reweighted to the members' frequencies
  std::array<RetentionGroup, 3> member_bands, non_member_bands;  // once, 2-3, 4+
};

struct ProgramReport {
  std::vector<MonthReport> months;  // every month from `from` to `to`, empty ones included
  int64_t outstanding_points = 0;   // held by members now: the liability
  int64_t members = 0;
  std::optional<int64_t> liability_minor;  // outstanding points at the program's point value
  std::string currency;
  MemberRetention retention;  // the 90 days to `to` (or now) against the 90 before
};

// Rewards issued, redeemed and expired per month of [from, to) and the points outstanding
// (events after `now`, such as coupons that will expire, are not counted).
Result<ProgramReport> Report(LoyaltyStore& loyalty, const std::string& program, Timestamp from, Timestamp to,
                             const BusinessZone& zone, Timestamp now);

// The index of the member's tier in effect (the higher of reached and manual), -1 for none.
int EffectiveTier(const TierRules& tiers, const Account& account);

// A new coupon code: 12 characters from an alphabet without look-alikes, as XXXX-XXXX-XXXX.
Result<std::string> NewCouponCode();

// The reward as JSON, for coupons and the API.
nlohmann::json RewardJson(const Reward& reward, const std::string& currency);

}  // namespace retain::loyalty

#endif  // RETAIN_LOYALTY_ENGINE_H_
