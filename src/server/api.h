// The JSON API's routes.
#ifndef RETAIN_SERVER_API_H_
#define RETAIN_SERVER_API_H_

#include <random>

#include "common/time.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/router.h"
#include "server/store_workers.h"
#include "staff/roles.h"

namespace retain::server {

// What handlers share. Pointers are not owned and outlive the router.
class OutreachSender;
class FactsCache;

struct ApiContext {
  StoreWorkers* workers = nullptr;
  OutreachSender* outreach = nullptr;  // woken when a campaign is scheduled; may be null
  FactsCache* facts = nullptr;         // segment counts read it when set
  BusinessZone zone;
  Metrics* metrics = nullptr;
  Authenticator* auth = nullptr;
};

// Wraps a write so that a repeated Idempotency-Key replays the first reply and the same key with
// another body is a 409. InvalidArgument for a key too long.
Result<WriteJob> Idempotent(const Request& req, WriteJob job);

// The request's body as a JSON object, or InvalidArgument saying what is wrong with it.
Result<nlohmann::json> ParseBody(const Request& req);
// The text in body[field], or "" when it is missing or not text (for optional fields).
inline std::string Text(const nlohmann::json& body, const char* field) {
  return body.contains(field) && body[field].is_string() ? body[field].get<std::string>() : std::string();
}

// A report's window from ?from= and ?to= (ISO 8601 in `zone`): by default the twelve months up to
// the end of today. InvalidArgument naming the parameter.
struct Window {
  Timestamp from;
  Timestamp to;
};
Result<Window> ReportWindow(const Request& req, const BusinessZone& zone, Timestamp now);
// Answers a report over the request's window on a pooled read connection: `build` makes it from
// the stores, the window and the time now; "from" and "to" are written into it, and an error
// (the window's included) becomes its response.
using ReportBuilder = std::function<Result<nlohmann::json>(Stores& stores, const Window& window, Timestamp now)>;
void ServeReport(StoreWorkers* workers, const Request& req, const BusinessZone& zone, Reply reply, ReportBuilder build);

// An error the request caused (the store names a field, or refused for a reason of the data)
// becomes its response; anything else means the database failed and goes back to the writer.
Result<Response> RowError(const Error& e);

// /v1/customers, /v1/plans, /v1/subscriptions, /v1/payments, /v1/purchases, /v1/events:
// list, get, create-or-update (one JSON object, or an NDJSON batch), and a customer's timeline.
void AddRecordRoutes(Router& router, const ApiContext& ctx);

// Sign-in and sign-out (/v1/session), one's own account (/v1/me), staff accounts (/v1/users),
// roles and their authority (/v1/roles), API keys (/v1/api-keys) and the audit trail (/v1/audit).
void AddStaffRoutes(Router& router, const ApiContext& ctx);

// Webhook subscriptions (/v1/webhooks) and their deliveries.
void AddWebhookRoutes(Router& router, const ApiContext& ctx);

// Contests (/v1/contests): define, enter, draw, call off, and the public audit of a draw.
void AddContestRoutes(Router& router, const ApiContext& ctx);

// Loyalty: programs (/v1/loyalty/programs), a customer's membership (/v1/customers/{id}/loyalty),
// redemptions, adjustments, coupons and expiry.
void AddLoyaltyRoutes(Router& router, const ApiContext& ctx);

// Loyalty's upkeep in one write: books points past their expiry as expired (a thousand accounts
// at a time), reviews tiers for downgrades and warns members whose points expire soon; behind
// POST /v1/loyalty/expire and the server's hourly run.
WriteJob LoyaltyUpkeep(BusinessZone zone);

// Analytics: the stored dashboard (/v1/analytics), a refresh now, a customer's value and risk.
void AddAnalyticsRoutes(Router& router, const ApiContext& ctx);

// Loads the history, computes the analytics and stores them; behind POST /v1/analytics/refresh
// and the server's nightly run. Long: runs on StoreWorkers::Background.
SlowJob AnalyticsRefresh(BusinessZone zone);

// The retention desk: its document (/v1/retention/desk), the offers for a subscription, cancel
// requests (/v1/cancel-requests) and their outcomes, supervisors' approvals (/v1/approvals) and
// the save report (/v1/retention/report).
void AddRetentionRoutes(Router& router, const ApiContext& ctx);

// Applies what is due (cancellations at the end of their period, pauses that end, payment
// retries and final actions, card-expiry reminders, the win-back list); behind
// POST /v1/retention/upkeep and the server's hourly run.
WriteJob RetentionUpkeep(const BusinessZone& zone);

// Failed-payment recovery (/v1/recoveries, /v1/retention/recovery-report) and the win-back list
// (/v1/winback, /v1/retention/winback-report).
void AddRecoveryRoutes(Router& router, const ApiContext& ctx);

// Complaint cases (/v1/cases) and the care document (/v1/care/sla).
void AddCareRoutes(Router& router, const ApiContext& ctx);
// Raises the escalation of cases whose SLA clocks crossed a level; behind POST /v1/care/upkeep
// and the server's hourly run.
WriteJob CareUpkeep(const BusinessZone& zone);

// The customer's value band as the retention desk draws it from their stored lifetime value
// ("high", "medium", "low"; "unknown" before the analytics scored them), for SLA policies.
Result<std::string> CustomerValueBand(Stores& stores, const std::string& customer);

// Surveys (/v1/surveys), their invitations, the public survey page's routes, a customer's
// answers and the feedback report.
void AddFeedbackRoutes(Router& router, const ApiContext& ctx);
// Sends the survey reminders that are due; behind POST /v1/feedback/upkeep and the hourly run.
WriteJob FeedbackUpkeep();

// Outreach: segments, templates, campaigns and their results, deliveries, suppressions, and the
// public unsubscribe routes.
void AddOutreachRoutes(Router& router, const ApiContext& ctx);

// The self-serve cancel page's signed links and its public routes (/v1/self-serve/cancel/...).
void AddSelfServeRoutes(Router& router, const ApiContext& ctx);

// Who is acting and how much they may give alone: their role's authority, set by an admin (an
// API key acts with an agent's). Errors: the staff store's.
struct Acting {
  std::string actor;
  std::string role;  // the staff role; "api" for an API key
  staff::Authority authority;
};
Result<Acting> ActingAs(const Principal& principal, Stores& stores);

// A write whose every error undoes it: the job's changes roll back and the writer answers with
// the error, so a refused change leaves nothing half-done.
template <typename F>
WriteJob Atomic(F f) {
  return [f = std::move(f)](Stores& s) -> Result<Response> {
    auto r = f(s);
    if (!r) return tl::unexpected(r.error());
    return std::move(*r);
  };
}

// A read whose errors become its response: `f(stores)` returns Result<Response>.
template <typename F>
ReadJob Answer(F f) {
  return [f = std::move(f)](Stores& s) -> Response {
    auto r = f(s);
    return r ? std::move(*r) : ErrorResponse(r.error());
  };
}

// One generator per thread, seeded from the system's entropy, for the retention desk's draws
// (control groups, Thompson sampling, the win-back hold-out).
std::mt19937_64& RetentionRng();

// /healthz, /metrics, /openapi.json and /v1/stats.
void AddServiceRoutes(Router& router, const ApiContext& ctx);

// The OpenAPI 3.1 description of every route in `router`.
nlohmann::json OpenApi(const Router& router);

}  // namespace retain::server

#endif  // RETAIN_SERVER_API_H_
