// The retention desk's rules as pure functions over plain structs: the reasons customers give for
// cancelling, the offer catalogue and its policies (a JSON document, versioned by the store), what
// an offer costs, whether a role may give it without a supervisor, and which offers to present
// first. Nothing here touches a database; desk_test.cc tests it alone. Thread-safe.
#ifndef RETAIN_RETENTION_DESK_H_
#define RETAIN_RETENTION_DESK_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/stats.h"
#include "common/status.h"
#include "common/time.h"
#include "staff/roles.h"

namespace retain::retention {

// Why a customer wants to cancel.
enum class Reason {
  kTooExpensive,
  kNotUsing,
  kMoving,
  kCompetitor,
  kServiceQuality,
  kTechnical,
  kBilling,
  kOther,
};
inline constexpr std::array<Reason, 8> kAllReasons = {Reason::kTooExpensive,   Reason::kNotUsing,  Reason::kMoving,
                                                      Reason::kCompetitor,     Reason::kServiceQuality,
                                                      Reason::kTechnical,      Reason::kBilling,   Reason::kOther};
// "too_expensive", "not_using", "moving", "competitor", "service_quality", "technical", "billing",
// "other".
std::string_view ReasonName(Reason reason);
// InvalidArgument listing the reasons, naming `field`.
Result<Reason> ParseReason(std::string_view name, std::string_view field = "reason");

// Where the request came from: an agent on the phone or in a chat, the self-serve page, or an
// integration through the API.
inline constexpr std::array<std::string_view, 4> kChannels = {"phone", "chat", "web", "api"};
Status CheckChannel(std::string_view channel);

enum class OfferKind { kDiscount, kCredit, kFreeAddon, kPause, kDowngrade, kOther };
std::string_view OfferKindName(OfferKind kind);

// Who may be offered what. Empty lists mean "any".
struct Eligibility {
  std::vector<Reason> reasons;
  std::vector<std::string> plans;        // plan external ids
  int min_tenure_days = 0;
  std::optional<int> max_tenure_days;
  std::vector<std::string> value_bands;  // "high", "medium", "low"
  std::vector<std::string> risk_bands;   // "high", "medium", "low", "unknown"
  std::vector<std::string> segments;     // the customer's attribute "segment"
  int repeat_after_months = 12;          // not presented to one customer again within this
};

// One offer of the catalogue. Which fields count depends on the kind:
//   discount   percent_bp off the plan's price for `months`
//   credit     amount_minor once, on the next bill
//   free_addon product `addon` free for `months`; costs addon_cost_per_month_minor a month
//              (the add-on's price when not given)
//   pause      no service and no bill for `months`, then the subscription resumes by itself
//   downgrade  move to plan `plan`
//   other      anything else, costing cost_minor
struct Offer {
  std::string id;
  std::map<std::string, std::string> name;  // per locale ("en" required)
  OfferKind kind = OfferKind::kOther;
  int32_t percent_bp = 0;
  int months = 0;
  int64_t amount_minor = 0;
  std::string addon;
  std::optional<int64_t> addon_cost_per_month_minor;
  std::string plan;
  int64_t cost_minor = 0;
  // The prior belief about how often it is accepted, as pseudo-counts; the desk's when absent.
  std::optional<double> prior_accepted;
  std::optional<double> prior_declined;
  Eligibility eligible;
  bool active = true;

  // The name in `locale`, else English.
  const std::string& NameIn(std::string_view locale) const;
};

enum class CancelWhen { kEndOfPeriod, kImmediately };

// Failed-payment recovery: when a subscription's payment fails, the billing system is asked to
// retry it on these days after the failure (the customer reminded at each), then a grace period,
// then the final action. A manual retry never uses up one of these.
enum class FinalAction { kCancel, kSuspend };
struct RecoveryPolicy {
  std::vector<int> retry_days = {1, 3, 5, 7};  // days after the first failure, ascending
  int grace_days = 7;                           // after the last retry, before the final action
  FinalAction final_action = FinalAction::kCancel;
  int expiry_reminder_days = 14;                // remind this many days before a card expires (0: never)
};

// Win-back: a subscriber who cancelled and has not come back is offered `offer` after
// `after_days`; a reactivation within `within_days` of that counts for it. A random
// `control_share` is held out (no offer) so the lift is measured.
struct WinbackPolicy {
  bool enabled = true;
  int after_days = 30;
  int within_days = 90;
  double control_share = 0.1;
  std::string offer_id = "winback";
  std::map<std::string, std::string> offer_name;  // per locale ("en" required)
  int32_t percent_bp = 3000;                      // the discount on coming back
  int months = 3;
};

// The desk's configuration: the catalogue, the policies and how the desk learns.
struct DeskConfig {
  double control_share = 0.1;   // eligible requests drawn at random to get no offer
  double prior_accepted = 1.0;  // Beta prior pseudo-counts for every offer
  double prior_declined = 3.0;
  bool thompson = false;        // rank by a draw from each posterior instead of its mean
  CancelWhen cancel_when = CancelWhen::kEndOfPeriod;
  int value_months = 12;        // months of the plan's price a customer without a CLV is worth
  int64_t high_value_minor = 50000;   // value bands: at least this is "high"
  int64_t medium_value_minor = 15000; // at least this is "medium"
  double high_risk = 0.6;       // risk bands by churn probability
  double medium_risk = 0.3;
  std::vector<Offer> offers;
  // A scripted talk track per reason, per locale.
  std::map<Reason, std::map<std::string, std::string>> talk_tracks;
  RecoveryPolicy recovery;
  WinbackPolicy winback;

  const Offer* Find(std::string_view id) const;
  // The talk track for `reason` in `locale` (else English; empty when none).
  std::string TalkTrack(Reason reason, std::string_view locale) const;
};

// Parses the desk's document (docs/RETENTION.md). InvalidArgument naming the field
// ("offers[2].months") when something is wrong.
Result<DeskConfig> ParseDeskConfig(const nlohmann::json& document);
// The catalogue a new installation starts with: a discount, a credit, a free add-on month, a
// pause and a downgrade-any-plan offer, with talk tracks in en, pt and da.
nlohmann::json DefaultDeskDocument();

// What the desk knows of the customer and subscription a request is about.
struct CustomerView {
  std::string customer;
  std::string locale = "en";
  std::string plan;
  int64_t monthly_price_minor = 0;  // a yearly plan's price / 12
  std::string currency;
  int tenure_days = 0;
  std::optional<int64_t> clv_minor;  // from the newest analytics refresh
  std::optional<double> risk;        // churn probability, likewise
  std::string segment;               // the customer's attribute "segment"
  std::map<std::string, Timestamp> last_offered;  // offer id -> when last presented
  std::map<std::string, int64_t> plan_prices;     // monthly price of each plan (for downgrades)
  std::map<std::string, int64_t> addon_prices;    // monthly price of each add-on
};

std::string ValueBand(const DeskConfig& config, const CustomerView& view);
std::string RiskBand(const DeskConfig& config, const CustomerView& view);
// What the customer is worth if kept: the stored CLV, else value_months of the plan's price.
int64_t CustomerValue(const DeskConfig& config, const CustomerView& view);

// What an offer gives, in the measures a role's authority limits.
struct Terms {
  int32_t discount_bp = 0;  // off the monthly bill
  int free_months = 0;      // months of something free (a 100 % discount, a free add-on)
  int64_t cost_minor = 0;   // the incentive's total cost: revenue forgone plus what it costs
  friend bool operator==(const Terms&, const Terms&) = default;
};
Terms OfferTerms(const Offer& offer, const CustomerView& view);
// The limits of `authority` that `terms` exceed ("max_discount_bp", "max_free_months",
// "max_offer_cost_minor"); empty when the role may give it alone.
std::vector<std::string> ExceededLimits(const Terms& terms, const staff::Authority& authority);

// Why `offer` may not be presented for this request, or empty when it may.
std::string Ineligible(const DeskConfig& config, const Offer& offer, const CustomerView& view, Reason reason,
                       Timestamp now);

// The value kept if the customer accepts: their value, scaled to a downgraded plan's price.
int64_t ValueRetained(const DeskConfig& config, const Offer& offer, const CustomerView& view);

// Outcomes seen so far for one offer, reason and value band.
struct Tally {
  int64_t accepted = 0;
  int64_t declined = 0;
};
// The recorded outcomes of `offer` for a reason and value band.
using TallyLookup = std::function<Tally(const std::string& offer)>;

struct Ranked {
  const Offer* offer = nullptr;
  Terms terms;
  double p_accept = 0;        // the posterior mean
  double p_ranked = 0;        // what the order used: the mean, or a Thompson draw
  int64_t value_minor = 0;    // ValueRetained
  double expected_net_minor = 0;  // p_ranked * (value - cost)
  std::vector<std::string> exceeded;  // limits beyond the caller's authority
};

// The eligible offers, best first by expected net value: P(accept) x (value retained - cost).
// The cost counts only when the offer is accepted, so it sits inside the product. P(accept) is
// the Beta-Binomial posterior of the offer's tally; with `rng` (and config.thompson) the order
// uses one draw from each posterior, so offers with little history get tried.
std::vector<Ranked> RankOffers(const DeskConfig& config, const CustomerView& view, Reason reason, Timestamp now,
                               const staff::Authority& authority, const TallyLookup& tallies,
                               std::mt19937_64* rng);

// The report's intervals (common/stats.h).
using retain::Difference;
using retain::Rate;
using retain::RateDifference;
using retain::WilsonRate;

// One closed or open request, as the save report reads it.
struct ReportRow {
  std::string reason;
  std::string channel;
  std::string agent;
  std::string offer;     // the accepted offer; empty when none
  bool control = false;
  std::string status;    // open, pending_approval, saved, withdrawn, cancelled
  int64_t cost_minor = 0;          // of the accepted offer
  int64_t monthly_minor = 0;       // the subscription's monthly price when the request opened
  std::string currency;
  Timestamp created_at;
  std::optional<Timestamp> cancelled_at;  // the subscription's, as of now
};

// Save rates as the desk counts them: in the session (saved or withdrawn), still subscribed 30
// days later, durable at 90; revenue saved (monthly revenue kept x 12), incentive cost and
// return on incentive; by offer, reason, agent and channel; and the incremental save rate of
// offering against the control group; by month opened in `zone` ("by_month", oldest first). Money
// is in the rows' most common currency ("currency").
nlohmann::json SaveReport(const std::vector<ReportRow>& rows, Timestamp now, const BusinessZone& zone = BusinessZone());

}  // namespace retain::retention

#endif  // RETAIN_RETENTION_DESK_H_
