// Complaint cases from intake to close, over the stores: the care document (the business
// calendar and the SLA policies), opening a case with the policy that covers it, the states
// (new -> open -> waiting on the customer -> resolved -> closed, with reopen), the first
// response, assignment, the SLA clocks as the screens show them, and the escalation the upkeep
// raises. Each call runs inside the caller's write transaction, so a change, its history line,
// its audit entry and its outbox event commit together.
#ifndef RETAIN_CARE_CASES_H_
#define RETAIN_CARE_CASES_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "care/care_store.h"
#include "care/sla.h"
#include "common/status.h"
#include "common/time.h"
#include "core/store.h"
#include "core/webhook_store.h"

namespace retain::care {

// "survey": opened by the follow-up of a detractor or a low satisfaction score.
inline constexpr std::array<std::string_view, 6> kCaseChannels = {"phone", "email", "letter", "web", "social", "survey"};
inline constexpr std::array<std::string_view, 6> kCategories = {"billing", "technical", "product_quality",
                                                                "staff", "delivery", "other"};
inline constexpr std::array<std::string_view, 3> kSeverities = {"low", "medium", "high"};

// The calendar SLA time is counted in and the policies, first match wins.
struct CareConfig {
  Calendar calendar;
  std::vector<SlaPolicy> policies;
};

// Parses {"calendar": {...}, "policies": [{"id", "categories", "severities", "value_bands", "channels",
// "first_response_minutes", "resolution_minutes", "warn_at", "escalate_after_minutes"}]}.
// InvalidArgument naming the field ("policies[1].resolution_minutes").
Result<CareConfig> ParseCareConfig(const nlohmann::json& document);
// Weekdays 09:00-17:00; the follow-up of a poor survey answer in half a day and three days,
// high severity answered in an hour and solved in a day, billing for high-value customers in two
// hours and a day, everything else in a day and a week.
nlohmann::json DefaultCareDocument();

struct LoadedCare {
  CareConfig config;
  int version = 0;  // 0: the default
};
Result<LoadedCare> LoadCare(CareStore& store);

// Whether a case may move from one state to another. FailedPrecondition saying which moves are
// allowed from `from`.
Status CheckTransition(CaseStatus from, CaseStatus to);

struct NewCase {
  std::string customer;
  std::string channel = "phone";
  std::string category;
  std::string severity = "medium";
  std::string text;
  std::string purchase;
  std::string subscription;
  std::string assignee;
  std::optional<Timestamp> received_at;  // when a letter or e-mail arrived, if before now
};

// Opens a case under the policy that covers its category, severity and the customer's value
// band; its clocks start when it was received (a letter that came yesterday), else now.
// InvalidArgument naming the field (a received time in the future included); NotFound for the
// customer or a linked record.
Result<CaseRecord> OpenCase(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox,
                            const NewCase& input, const std::string& value_band, const std::string& actor,
                            Timestamp now);

// Moves a case to `to` (the clock pauses while it waits on the customer and runs again when it
// leaves; resolving stops it; reopening starts it again and counts). FailedPrecondition for a
// move the states do not allow; NotFound; Conflict when someone changed the case first.
Result<CaseRecord> ChangeStatus(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox, int64_t id,
                                CaseStatus to, const std::string& note, const std::string& actor, Timestamp now);

// An agent answers the customer: the first answer stops the first-response clock, and a new
// case becomes open. FailedPrecondition for a closed case.
Result<CaseRecord> Reply(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox, int64_t id,
                         const std::string& text, const std::string& actor, Timestamp now);

// Gives the case to `assignee` (a username; empty to unassign).
Result<CaseRecord> Assign(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox, int64_t id,
                          const std::string& assignee, const std::string& actor, Timestamp now);

// The case as the API and the screens show it, with both SLA clocks at `now`: target, business
// minutes elapsed, when it is due (null while waiting on the customer), and its escalation level.
nlohmann::json CaseJson(const CaseRecord& c, const CareConfig& config, const BusinessZone& zone, Timestamp now);

// The upkeep: every case not yet resolved whose clocks crossed a level since last time is raised
// to it, once: warned (`case.sla_warning`, for the assignee), breached (`case.sla_breached`, for
// the supervisors) and escalated (`case.escalated`: priority raised). Returns how many changed.
Result<int64_t> EscalateDue(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox,
                            const CareConfig& config, const BusinessZone& zone, Timestamp now);

}  // namespace retain::care

#endif  // RETAIN_CARE_CASES_H_
