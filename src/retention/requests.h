// Cancel requests from opening to outcome, over the stores: what the desk offers a subscriber
// who wants to leave, the control group, a supervisor's approval for an offer beyond an agent's
// authority, and what an outcome does to the subscription. Each call runs inside the caller's
// write transaction (records, retention and outbox on one connection), so the request, the
// subscription it changes, the audit entry and the outbox event commit together or not at all.
#ifndef RETAIN_RETENTION_REQUESTS_H_
#define RETAIN_RETENTION_REQUESTS_H_

#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"
#include "core/store.h"
#include "core/webhook_store.h"
#include "retention/desk.h"
#include "retention/retention_store.h"
#include "staff/roles.h"

namespace retain::retention {

// Who is acting, and how much they may give alone.
struct Caller {
  std::string actor;   // for the audit trail
  std::string role;    // the staff role; "api" for an API key, "customer" for the self-serve page
  staff::Authority authority;
};

// The desk's document in effect (the default until one is stored), parsed, with its version (0
// for the default). Errors: the store's, or Internal when a stored document no longer parses.
struct LoadedDesk {
  DeskConfig config;
  int version = 0;
};
Result<LoadedDesk> LoadDesk(RetentionStore& store);

// Validates and stores a new version of the desk's document; audited. InvalidArgument naming
// the field. Returns the version.
Result<int> DefineDesk(RetentionStore& store, core::RecordStore& records, const nlohmann::json& document,
                       const std::string& actor, Timestamp now);

// What the desk knows about the subscription's customer now. NotFound naming "subscription"
// when there is no such subscription.
struct Subject {
  core::Subscription subscription;
  core::Customer customer;
  CustomerView view;
};
Result<Subject> LoadSubject(core::RecordStore& records, RetentionStore& store, std::string_view subscription,
                            Timestamp now);

// The ranked offers as JSON for an agent: id, name in `locale`, kind, terms, P(accept), value,
// expected net value, and whether the caller may give it alone ("needs_approval", "exceeds").
nlohmann::json OffersJson(const std::vector<Ranked>& ranked, const CustomerView& view, std::string_view locale);

struct OpenInput {
  std::string subscription;
  std::string reason;
  std::string channel = "phone";
  std::string note;
};

// Opens a cancel request: ranks the eligible offers within the caller's view, draws the control
// group (a share of requests with at least one eligible offer get none), stores it and audits it.
// Errors: InvalidArgument naming the field; NotFound for the subscription; FailedPrecondition
// when the subscription is already cancelled; Conflict (naming the open request) when one is
// open for the subscription already.
// Returns the request and the talk track for its reason in the customer's language.
struct Opened {
  CancelRequest request;
  std::string talk_track;
};
Result<Opened> OpenCancelRequest(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                                 const OpenInput& input, const Caller& caller, Timestamp now, std::mt19937_64& rng);

struct OutcomeInput {
  std::string outcome;  // "accepted", "declined" (cancel) or "withdrawn" (stays without an offer)
  std::string offer;    // the accepted offer
  std::vector<std::string> presented;  // offers put to the customer (default: the accepted one)
};

// Records the outcome and does what it says: an accepted offer is applied to the subscription
// (a discount with its end, a credit, a free add-on with its end, a pause with its resume date,
// a plan change) and a declined request cancels it (at the end of the period or at once, as the
// desk says). The offers put to the customer teach the acceptance model. Errors:
// InvalidArgument naming the field; NotFound; Conflict when the request was already decided (by
// another agent: only the first outcome counts); PermissionDenied when the offer is beyond the
// caller's authority and no supervisor approved it for this request; FailedPrecondition for an
// offer to a control-group request or one not eligible when it opened.
Result<CancelRequest> RecordOutcome(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                                    int64_t request_id, const OutcomeInput& input, const Caller& caller,
                                    const BusinessZone& zone, Timestamp now);

// An agent asks a supervisor for an offer beyond their authority; the request waits for the
// answer. FailedPrecondition when the offer is within the caller's authority already, or the
// request is decided or in the control group; NotFound; Conflict when an approval is pending.
Result<Approval> AskApproval(core::RecordStore& records, RetentionStore& store, int64_t request_id,
                             const std::string& offer, const std::string& note, const Caller& caller, Timestamp now);

// A supervisor approves or declines. PermissionDenied when the offer is beyond the deciding
// caller's own authority, or the caller asked for it; Conflict when decided already.
Result<Approval> DecideApproval(core::RecordStore& records, RetentionStore& store, int64_t approval_id, bool approve,
                                const std::string& note, const Caller& caller, Timestamp now);

// A request as JSON for the API and the screens.
nlohmann::json RequestJson(const CancelRequest& r);
nlohmann::json ApprovalJson(const Approval& a);

// Upkeep: subscriptions whose cancellation took effect become cancelled, pauses that ended
// resume. Returns how many subscriptions changed.
Result<int64_t> ApplyDueChanges(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                                Timestamp now);

// The first anniversary of `started` (monthly, or yearly) after `now`.
Timestamp PeriodEnd(Timestamp started, bool yearly, Timestamp now, const BusinessZone& zone);

}  // namespace retain::retention

#endif  // RETAIN_RETENTION_REQUESTS_H_
