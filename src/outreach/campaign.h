// One-off campaigns: a segment, one or more template variants (A/B), a channel, a moment to send,
// and a held-out share of the audience that is deliberately not sent to, so the campaign's effect
// is measured against it instead of assumed. Also the rules a message passes at the moment it
// would go out (consent, suppression, frequency caps, quiet hours) and the comparison of sent
// and held-out customers afterwards. Pure functions, no storage.
#ifndef RETAIN_OUTREACH_CAMPAIGN_H_
#define RETAIN_OUTREACH_CAMPAIGN_H_

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/stats.h"
#include "common/status.h"
#include "common/time.h"

namespace retain::outreach {

// E-mail over SMTP; a printed letter (the campaign's letters make one PDF for the mailing house);
// a signed webhook for SMS gateways and social networks.
inline constexpr std::array<std::string_view, 3> kChannels = {"email", "print", "webhook"};
inline constexpr std::array<std::string_view, 5> kCampaignStatuses = {"draft", "scheduled", "sending", "sent", "cancelled"};
inline constexpr std::string_view kHeldOut = "held_out";

struct Variant {
  std::string name;          // "A", "B", ...
  std::string template_key;
  int share = 100;           // percent of the sent audience
};

struct Campaign {
  int64_t id = 0;
  std::string key;
  std::string name;
  std::string segment;       // segment language
  std::string channel = "email";
  std::vector<Variant> variants;
  int holdout_percent = 10;  // 0 to 50
  int outcome_days = 30;     // how long after sending results are counted
  std::optional<Timestamp> send_at;
  std::string status = "draft";
  std::string seed;          // fixed when first saved; makes the draw reproducible
  std::optional<Timestamp> audience_at;  // when the audience was drawn
  int64_t audience = 0;
  std::string created_by;
  Timestamp created_at{};
  Timestamp updated_at{};
};

// Parses a campaign document (name, segment, channel, variants, holdout_percent, outcome_days,
// send_at) for `key`; the segment is parsed too. InvalidArgument naming the field
// ("variants[1].share", "segment" with the line and column in the message).
Result<Campaign> ParseCampaign(std::string_view key, const nlohmann::json& document, const BusinessZone& zone);
nlohmann::json CampaignDocument(const Campaign& c);

// Where a customer falls: kHeldOut or a variant's name. The same seed and customer give the same
// answer on every machine (SHA-256), so anyone can re-derive the groups.
std::string Assign(const Campaign& c, std::string_view customer_id);

struct Cap {
  int max = 0;   // messages
  int days = 7;  // per this many days
};

// The house rules for marketing messages (transactional ones are exempt from caps and quiet
// hours): per channel at most `max` in `days`; e-mail and webhooks wait out quiet hours in the
// customer's time zone.
struct SendPolicy {
  std::map<std::string, Cap, std::less<>> caps = {{"email", {3, 7}}, {"print", {2, 30}}, {"webhook", {3, 7}}};
  int quiet_start_hour = 21;  // local hour quiet starts
  int quiet_end_hour = 8;     // local hour it ends
};
Result<SendPolicy> ParseSendPolicy(const nlohmann::json& document);
nlohmann::json SendPolicyDocument(const SendPolicy& p);

// What is known about one message at the moment it would go out.
struct SendContext {
  std::string purpose = "marketing";
  std::string channel = "email";
  bool consent = false;         // the customer's consent for the channel
  bool suppressed = false;      // the address is on the suppression list
  std::string address_problem;  // why the address cannot be used; empty when it can
  int sent_in_cap_window = 0;   // marketing messages on the channel within the cap's days
  std::string time_zone;        // the customer's; empty for the business's
};

enum class Gate { kSend, kWait, kSkip };
struct SendDecision {
  Gate gate = Gate::kSend;
  std::string reason;  // for kSkip ("no consent for email") and kWait ("quiet hours")
  Timestamp not_before{};  // for kWait
};
SendDecision DecideSend(const SendContext& ctx, const SendPolicy& policy, Timestamp now, const BusinessZone& zone);

// The customer's time zone from their country where the country has one (PT, DK, ...), else "".
std::string_view CountryTimeZone(std::string_view country);

// One audience member after the campaign: which group, and what they did in the outcome window.
struct CustomerOutcome {
  std::string group;  // kHeldOut or a variant name
  bool sent = false;  // a message actually went out (false for held out and skipped)
  bool purchased = false;
  int64_t revenue_minor = 0;
  bool cancelled = false;  // a subscription of theirs was cancelled in the window
};

struct GroupResult {
  std::string group;
  int64_t customers = 0;
  int64_t sent = 0;
  Rate purchase_rate;
  Mean revenue;          // per customer, in minor units
  Rate cancel_rate;
};

struct Lift {
  std::string group;  // a variant, or "sent" for every variant together
  std::optional<Difference> purchase_rate;
  std::optional<Difference> revenue;  // per customer, minor units (Welch interval)
  std::optional<Difference> cancel_rate;
};

struct CampaignResults {
  std::vector<GroupResult> groups;  // every variant, "sent" (all variants), then held out
  std::vector<Lift> lifts;          // each against held out
};
// Groups by intention to treat: a customer drawn into a variant counts there even when the
// message was skipped (no consent), so the comparison with held out stays fair.
CampaignResults CompareGroups(const std::vector<CustomerOutcome>& outcomes, const std::vector<Variant>& variants);

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_CAMPAIGN_H_
