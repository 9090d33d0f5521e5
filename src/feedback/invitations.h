// Surveys from invitation to answer, over the stores: inviting a list (each customer once, not
// again within the survey's throttle, only where they can be reached), the surveys a closed case
// or a conversation triggers, reminders while unanswered, and the answer itself: accepted once per
// token, and when it is poor (a detractor, a dissatisfied customer, a hard experience) a follow-up
// case under its own SLA. Each call runs inside the caller's write transaction, so an answer, its
// case and their outbox events commit together.
#ifndef RETAIN_FEEDBACK_INVITATIONS_H_
#define RETAIN_FEEDBACK_INVITATIONS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "care/care_store.h"
#include "common/status.h"
#include "common/time.h"
#include "core/store.h"
#include "core/webhook_store.h"
#include "feedback/feedback_store.h"
#include "feedback/survey.h"

namespace retain::feedback {

struct LoadedSurvey {
  Survey survey;
  int version = 0;
};
// NotFound naming "survey".
Result<LoadedSurvey> LoadSurvey(FeedbackStore& store, std::string_view key);

struct InviteInput {
  std::string survey;
  std::vector<std::string> customers;
  std::string channel = "email";   // email (address and consent needed), print (likewise), link
  std::string source = "manual";   // manual, case_closed, conversation
  int64_t case_id = 0;
  std::string agent;
};

struct Invited {
  std::string customer;
  int64_t invitation = 0;
  std::string token;   // shown once: only its hash is kept
  Timestamp expires_at;
};
struct Skipped {
  std::string customer;
  std::string reason;  // "throttled", "unknown customer", "no e-mail consent", ...
};
struct InviteResult {
  std::vector<Invited> invited;
  std::vector<Skipped> skipped;
};

// Invites each listed customer (duplicates once) and leaves `survey.invited` in the outbox with
// the link's path (/s/TOKEN) and the customer's language. InvalidArgument for an inactive
// survey, a channel or an empty or over-long (10,000) list.
Result<InviteResult> Invite(core::RecordStore& records, FeedbackStore& store, core::WebhookStore& outbox,
                            const InviteInput& input, const std::string& actor, Timestamp now);

// The active survey with `trigger` (case_closed, conversation) for one customer, if any and not
// throttled; nullopt when nothing was sent (the reason in `skipped` when given).
Result<std::optional<Invited>> Trigger(core::RecordStore& records, FeedbackStore& store, core::WebhookStore& outbox,
                                       std::string_view trigger, const std::string& customer, int64_t case_id,
                                       const std::string& agent, const std::string& actor, Timestamp now,
                                       std::string* skipped = nullptr);

// The page's view of a token: the survey in the customer's language and whether it is open,
// answered or expired. NotFound for a token no invitation has.
Result<nlohmann::json> PageFor(FeedbackStore& store, std::string_view token, Timestamp now);

// Looks up the customer's value band for a follow-up case's SLA.
using ValueBand = std::function<Result<std::string>(const std::string& customer)>;

struct AnswerOutcome {
  StoredResponse response;
  int64_t follow_up_case = 0;
  std::string thanks;  // the survey's thanks in the customer's language
};

// Accepts the answer to the token's survey. NotFound for an unknown token; Conflict when it was
// answered already (the first answer stands); FailedPrecondition when it expired; InvalidArgument
// naming the question ("answers.recommend").
Result<AnswerOutcome> AnswerSurvey(core::RecordStore& records, care::CareStore& care, FeedbackStore& store,
                                   core::WebhookStore& outbox, std::string_view token, const nlohmann::json& answers,
                                   const ValueBand& value_band, Timestamp now);

// The upkeep: one `survey.reminder` for each waiting invitation whose reminder day came (after an
// outage only the newest due one). Returns how many were sent.
Result<int64_t> SendReminders(core::RecordStore& records, FeedbackStore& store, core::WebhookStore& outbox, Timestamp now);

nlohmann::json InvitationJson(const Invitation& i, Timestamp now);
nlohmann::json ResponseJson(const StoredResponse& r);

}  // namespace retain::feedback

#endif  // RETAIN_FEEDBACK_INVITATIONS_H_
