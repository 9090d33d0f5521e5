// Loyalty programs as documents: a punch card ("buy 9, the 10th free") or a points program, with
// the rewards they give. A document is JSON; ParseProgram checks every field and names the one at
// fault ("earn.per_unit: must be at least 0"), so a manager's typo is an error, never a silent
// default.
//
// The classic sandwich card is one line:
//   {"id": "subs", "kind": "punch_card", "punches": 9, "reward": {"kind": "free_item", "product": "SUB"}}
#ifndef RETAIN_LOYALTY_PROGRAM_H_
#define RETAIN_LOYALTY_PROGRAM_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"

namespace retain::loyalty {

enum class ProgramKind { kPunchCard, kPoints, kFrequentShopper };
std::string_view ProgramKindName(ProgramKind kind);

// Which purchase lines count towards a program. Empty lists mean every line.
struct Qualifier {
  std::vector<std::string> products;    // product external ids
  std::vector<std::string> categories;  // product categories
  int64_t min_spend_minor = 0;          // the qualifying lines' total must reach this
};

enum class RewardKind { kFreeItem, kPercentOff, kAmountOff, kFreeMonth, kGift };
std::string_view RewardKindName(RewardKind kind);

// Something a member receives as a coupon: a free item, a discount, a free month of an add-on or
// a gift.
struct Reward {
  std::string id;                       // unique within the program
  RewardKind kind = RewardKind::kFreeItem;
  std::string product;                  // the free item, or the add-on given free for a month
  int percent = 0;                      // kPercentOff: 1..100
  int64_t amount_minor = 0;             // kAmountOff, in the program's currency
  std::string description;              // kGift: what is handed over
  int valid_days = 0;                   // the coupon's life; 0 for no end
  int64_t cost_points = 0;              // points programs: the price in points; 0 = not for sale
};

enum class ExpiryRule { kNever, kAfterDays, kEndOfMonth, kEndOfYear };

struct Expiry {
  ExpiryRule rule = ExpiryRule::kNever;
  int days = 0;  // kAfterDays
};

// Earn rate multiplied for lines of a product or a category (the largest applicable factor wins).
struct Multiplier {
  std::string product;
  std::string category;
  int64_t factor_percent = 100;  // 200 = double points
};

struct PunchCardRules {
  int punches = 0;           // punches that complete a card
  bool per_item = false;     // a punch per qualifying item rather than per purchase
  bool one_per_day = false;  // at most one punch per business day
  std::string reward;        // the reward a completed card gives (an id in rewards)
};

struct PointsRules {
  int64_t per_unit_milli = 0;  // points per whole currency unit spent, in thousandths
  int64_t per_item = 0;        // points per qualifying item
  std::vector<Multiplier> multipliers;
  Expiry expiry;
  int pending_days = 0;        // points wait this long (the return window) before they can be spent
  int warn_days = 0;           // members are warned this many days before points expire; 0 = never
  int64_t cap_day = 0;         // most points a member earns per business day, week, month; 0 = no cap
  int64_t cap_week = 0;
  int64_t cap_month = 0;
  // What a point is worth to the business, in thousandths of a minor unit (for the liability
  // report); 0 when not given.
  int64_t point_value_milli_minor = 0;
  // Bonus points: "first_purchase" for a member's first qualifying purchase, and any event
  // type ("survey.answered", "customer.birthday", "referral.qualified", …) for each such event
  // recorded about a member.
  std::map<std::string, int64_t> bonuses;
};

// A percentage off every purchase for as long as a member has made enough qualifying purchases
// in a rolling window ("10 % off while you come five times a month").
struct FrequentShopperRules {
  int purchases = 0;    // qualifying purchases needed in the window
  int window_days = 0;  // the rolling window, ending now
  int percent = 0;      // the discount, 1..100
};

// A text in each of Retain's languages; "en" at least.
using Localised = std::map<std::string, std::string>;

// Calendar periods in the business's time zone (tier reviews, budgets).
enum class Period { kMonth, kQuarter, kYear, kNone };
std::string_view PeriodName(Period period);
// The first instant of the period after the one holding `t` (never for kNone).
std::optional<Timestamp> PeriodEnd(Period period, Timestamp t, const BusinessZone& zone);
// "2026-11", "2026-Q4", "2026" or "all": the key of the period holding `t`.
std::string PeriodKey(Period period, Timestamp t, const BusinessZone& zone);

enum class TierMeasure { kPoints, kSpend };
enum class Downgrade { kNever, kPeriodEnd, kAfterDaysBelow };

struct TierLevel {
  std::string id;
  Localised name;
  int64_t threshold = 0;         // points earned, or minor units spent, in the window
  int64_t factor_percent = 100;  // points earned while in the tier are multiplied (150 = half again)
  int discount_percent = 0;      // off every purchase, applied at the till
  std::vector<Localised> benefits;
};

// Tiers: a member's tier follows what they earned (points) or spent (money, net of returns)
// over a rolling window; upgrades are immediate, downgrades follow the policy.
struct TierRules {
  TierMeasure measure = TierMeasure::kPoints;
  int window_days = 365;
  Downgrade downgrade = Downgrade::kNever;
  int days_below = 0;             // kAfterDaysBelow
  Period period = Period::kYear;  // kPeriodEnd: a member who falls below keeps the tier to the period's end
  std::vector<TierLevel> levels;  // by threshold, lowest first
  // The level's index, or -1 for none and unknown ids.
  int Index(std::string_view id) const;
};

// Referrals: a referee's first qualifying purchase (at least min_spend) rewards both sides.
struct ReferralRules {
  int64_t referrer_points = 0;
  int64_t referee_points = 0;
  int64_t min_spend_minor = 0;
  bool enabled() const { return referrer_points > 0 || referee_points > 0; }
};

enum class PromotionKind { kMultiplier, kBonus, kReward };
std::string_view PromotionKindName(PromotionKind kind);

// A members-only promotion: extra points on qualifying purchases (a multiplier or a flat bonus)
// or a reward members claim, limited to tiers or segments and to a time window, with limits per
// member and in all, and a budget.
struct Promotion {
  std::string id;
  Localised name;
  PromotionKind kind = PromotionKind::kMultiplier;
  // [starts, ends) as written ("2026-12-01" is local midnight in the business's zone, or with
  // an offset); empty = open.
  std::string starts;
  std::string ends;
  std::vector<std::string> tiers;     // members in one of these tiers; empty = every member
  std::vector<std::string> segments;  // customers whose attribute "segment" is one of these; empty = any
  Qualifier qualifying;               // the lines that count (multiplier, bonus)
  int64_t factor_percent = 100;       // kMultiplier: 200 = double points on qualifying lines
  int64_t points = 0;                 // kBonus: points per qualifying purchase
  std::string reward;                 // kReward: an id in the program's rewards
  int64_t cost_minor = 0;             // kReward: what one use costs the business
  int64_t per_member = 0;             // uses per member; 0 = no limit
  int64_t total = 0;                  // uses in all; 0 = no limit
  int64_t budget_points = 0;          // points it may give in all; 0 = no budget
  int64_t budget_minor = 0;           // kReward: money its rewards may cost in all; 0 = no budget
  bool ActiveAt(Timestamp t, const BusinessZone& zone) const;
};

// The most points a program gives per period (earnings, bonuses, referrals and promotions;
// adjustments by hand are not counted). 0 = no budget.
struct Budget {
  int64_t points = 0;
  Period period = Period::kNone;
};

struct Program {
  std::string id;
  ProgramKind kind = ProgramKind::kPunchCard;
  std::map<std::string, std::string> name;  // per locale; "en" at least
  std::string currency;                     // money amounts in the document; empty = any
  // Enrolment: automatic (every buyer is a member from their first qualifying purchase) or by
  // signing up (a `loyalty.joined` event); purchases of customers who have not signed up earn
  // nothing.
  bool sign_up = false;
  Qualifier qualifying;
  PunchCardRules card;
  PointsRules points;
  FrequentShopperRules frequent;
  std::vector<Reward> rewards;
  // Points programs only:
  TierRules tiers;  // no levels = no tiers
  ReferralRules referral;
  std::vector<Promotion> promotions;
  Budget budget;

  const Reward* FindReward(std::string_view reward_id) const;
  const Promotion* FindPromotion(std::string_view promotion_id) const;
};

// Parses and checks a program document. Money is written as in imports ("6.50", in `currency`)
// or in minor units under a *_minor key. InvalidArgument naming the field on any problem,
// including keys the format does not know.
Result<Program> ParseProgramDocument(const nlohmann::json& doc);
Result<Program> ParseProgram(std::string_view text);

// A program document written in TOML, as the JSON document it means (tables become objects,
// arrays lists; dates and times become ISO 8601 strings). InvalidArgument naming the line and
// column of a syntax error. The result goes through ParseProgramDocument like any other.
Result<nlohmann::json> ProgramDocumentFromToml(std::string_view text);
// A document that is JSON or TOML: JSON when it starts with '{', TOML otherwise.
Result<nlohmann::json> ProgramDocumentFromText(std::string_view text);

// The instant points earned at `earned` expire under `expiry`, in the business's time zone
// (end of month = the first instant of the next month), or nullopt for never.
std::optional<Timestamp> ExpiresAt(const Expiry& expiry, Timestamp earned, const BusinessZone& zone);

}  // namespace retain::loyalty

#endif  // RETAIN_LOYALTY_PROGRAM_H_
