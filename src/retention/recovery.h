// Failed-payment recovery. Retain does not charge cards: the billing system reports payments (by
// import or the API) and Retain runs the recovery around them. A failed subscription payment opens
// a recovery; on the policy's days Retain asks the billing system to retry
// (`payment.retry_due`) and the customer is reminded (`payment.reminder`), both through the
// outbox; after the last retry a grace period runs, then the final action (cancel as involuntary
// churn, or suspend). Any successful payment of the subscription closes it as recovered, and a
// suspended subscription resumes. A manual retry asks for one more attempt and never uses up a
// scheduled one. Cards about to expire are reminded of before they fail.
//
// The schedule and the report are pure functions (recovery_test.cc); the rest runs inside the
// caller's write transaction over the stores, like requests.h.
#ifndef RETAIN_RETENTION_RECOVERY_H_
#define RETAIN_RETENTION_RECOVERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"
#include "core/store.h"
#include "core/webhook_store.h"
#include "retention/desk.h"
#include "retention/retention_store.h"

namespace retain::retention {

// When scheduled retry `step` (0-based) is due for a recovery opened at `opened`.
Timestamp RetryAt(const RecoveryPolicy& policy, Timestamp opened, size_t step, const BusinessZone& zone);
// When the grace period after the last retry ends and the final action is due.
Timestamp GraceEnd(const RecoveryPolicy& policy, Timestamp opened, const BusinessZone& zone);

// What the upkeep does next to an open recovery at `now`.
struct NextStep {
  enum class Kind { kNothing, kRetry, kFinalAction } kind = Kind::kNothing;
  int retry = 0;    // the retry to request (1-based) when kind is kRetry
  int skipped = 0;  // earlier retries whose day passed while nothing ran; counted done, not requested
  std::optional<Timestamp> next_action_at;  // when to look again after this step
};
// Only the newest due retry is requested: four retries at once after an outage would be four
// declines. Pure.
NextStep PlanNextStep(const RecoveryPolicy& policy, const Recovery& recovery, Timestamp now, const BusinessZone& zone);

// Runs after a payment is stored (import, API, demo): a failed subscription payment opens a
// recovery (or counts as another failed attempt of the open one), a successful one closes the
// open one as recovered and resumes a subscription the recovery suspended. Nothing for an
// unchanged write, a payment without a subscription, or a refund. Errors: the stores'.
Status OnPayment(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                 const core::Payment& payment, core::WriteOutcome outcome, const RecoveryPolicy& policy,
                 const BusinessZone& zone, const std::string& actor);

// Runs after an event is stored: `payment_method.updated` with a payload
// {"method": "card-1", "expires": "2027-03", "label": "Visa ending 4242"} records the customer's
// payment method and when it expires. InvalidArgument naming the payload's field when it is
// malformed; nothing for other event types.
Status OnPaymentMethodEvent(RetentionStore& store, const core::Event& event, core::WriteOutcome outcome,
                            const BusinessZone& zone);

struct RecoveryUpkeep {
  int64_t retries_requested = 0;
  int64_t final_actions = 0;
  int64_t closed = 0;  // subscriptions cancelled by other means while in recovery
  int64_t expiry_reminders = 0;
};
// The hourly upkeep: requests due retries, takes final actions, closes recoveries whose
// subscription ended otherwise, and reminds customers whose payment method expires within the
// policy's days (once per expiry date).
Result<RecoveryUpkeep> AdvanceRecoveries(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                                         const RecoveryPolicy& policy, const BusinessZone& zone, Timestamp now);

// An agent asks the billing system for one more attempt now (`payment.retry_requested`). The
// scheduled retries are untouched. NotFound; FailedPrecondition when the recovery is closed.
Result<Recovery> ManualRetry(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                             int64_t recovery_id, const std::string& actor, Timestamp now);

nlohmann::json RecoveryJson(const Recovery& r);

// Recovery rate (with its Wilson interval), revenue at risk, recovered and lost, the median days
// to recover, the stage recoveries happened at (before the first retry, after retry n, in grace,
// while suspended), by failure reason and by month of failure in the business's zone. Rows are
// the recoveries opened in the window.
nlohmann::json RecoveryReport(const std::vector<Recovery>& rows, Timestamp now, const BusinessZone& zone);

}  // namespace retain::retention

#endif  // RETAIN_RETENTION_RECOVERY_H_
