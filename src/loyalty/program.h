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

struct Program {
  std::string id;
  ProgramKind kind = ProgramKind::kPunchCard;
  std::map<std::string, std::string> name;  // per locale; "en" at least
  std::string currency;                     // money amounts in the document; empty = any
  Qualifier qualifying;
  PunchCardRules card;
  PointsRules points;
  FrequentShopperRules frequent;
  std::vector<Reward> rewards;

  const Reward* FindReward(std::string_view reward_id) const;
};

// Parses and checks a program document. Money is written as in imports ("6.50", in `currency`)
// or in minor units under a *_minor key. InvalidArgument naming the field on any problem,
// including keys the format does not know.
Result<Program> ParseProgramDocument(const nlohmann::json& doc);
Result<Program> ParseProgram(std::string_view text);

// The instant points earned at `earned` expire under `expiry`, in the business's time zone
// (end of month = the first instant of the next month), or nullopt for never.
std::optional<Timestamp> ExpiresAt(const Expiry& expiry, Timestamp earned, const BusinessZone& zone);

}  // namespace retain::loyalty

#endif  // RETAIN_LOYALTY_PROGRAM_H_
