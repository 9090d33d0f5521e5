// The self-serve cancel page's API: a signed link for a subscription (staff, or an integration
// that e-mails it), and the public routes the page calls with it — what is being cancelled, the
// request with the one best offer the desk may make without a supervisor, and the outcome. The
// page offers, it never blocks: declining cancels.
#include <fmt/format.h>

#include "common/crypto.h"
#include "retention/requests.h"
#include "retention/self_serve.h"
#include "server/api.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;

constexpr std::string_view kSecretSetting = "self_serve_secret";


// The subscription the link names. NotFound for a bad link (or none signed yet).
Result<std::string> Verify(core::RecordStore& records, const std::string& token, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto secret, records.GetSetting(kSecretSetting));
  return retention::VerifyCancelLink(secret.value_or(""), token, now);
}

// The customer acts on their own subscription with no more authority than an agent alone.
Result<retention::Caller> CustomerCaller(Stores& s, const std::string& customer) {
  retention::Caller c;
  c.actor = "customer:" + customer;
  c.role = "customer";
  RETAIN_ASSIGN_OR_RETURN(c.authority, s.staff().GetAuthority(staff::Role::kAgent));
  return c;
}

// The one offer the page shows: the best the customer may take without a supervisor.
json PageOffer(const retention::CancelRequest& r) {
  auto offers = json::parse(r.offers_json, nullptr, false);
  if (!offers.is_array()) return nullptr;
  for (const auto& o : offers) {
    if (!o.value("needs_approval", false)) return {{"id", o["id"]}, {"name", o["name"]}, {"kind", o["kind"]}};
  }
  return nullptr;
}

json RequestForPage(const retention::CancelRequest& r) {
  return {{"id", r.id},
          {"status", retention::RequestStatusName(r.status)},
          {"offer", r.control ? json() : PageOffer(r)},
          {"accepted_offer", r.offer},
          {"cancel_effective_at", r.cancel_effective_at ? json(FormatTimestamp(*r.cancel_effective_at)) : json()}};
}

}  // namespace

void AddSelfServeRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  BusinessZone zone = ctx.zone;

  router.Add({"POST", "/v1/subscriptions/{id}/cancel-link",
              {"A signed link to the self-serve cancel page for this subscription: {\"days\": valid for (default 14)}; "
               "returns the token and the page's path",
               "retention", {}, "", "CancelLink", false, std::string(staff::kRecordsWrite)},
              [workers](Request req, Reply reply) {
                int days = 14;
                if (!req.body.empty()) {
                  auto body = ParseBody(req);
                  if (!body) return reply(ErrorResponse(body.error()));
                  if (body->contains("days")) {
                    const json& d = (*body)["days"];
                    if (!d.is_number_integer() || d.get<int>() < 1 || d.get<int>() > 90) {
                      return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be a whole number from 1 to 90", "days"}));
                    }
                    days = d.get<int>();
                  }
                }
                workers->Write([id = req.params["id"], days](Stores& s) -> Result<Response> {
                  auto sub = s.records().GetSubscription(id);
                  if (!sub) return tl::unexpected(sub.error());
                  if (!*sub) return ErrorResponse({ErrorCode::kNotFound, fmt::format("no subscription '{}'", id), "id"});
                  RETAIN_ASSIGN_OR_RETURN(auto secret, s.records().GetSetting(kSecretSetting));
                  if (!secret) {
                    RETAIN_ASSIGN_OR_RETURN(secret, RandomHex(32));
                    RETAIN_RETURN_IF_ERROR(s.records().SetSetting(kSecretSetting, *secret));
                  }
                  Timestamp expires = Now() + std::chrono::days(days);
                  std::string token = retention::SignCancelLink(*secret, id, expires);
                  return Json(201, {{"subscription", id}, {"token", token}, {"path", "/cancel/" + token},
                                    {"expires_at", FormatTimestamp(expires)}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/self-serve/cancel/{token}",
              {"For the self-serve cancel page (no sign-in; the signed link is the key): the subscription, the "
               "customer's language, the reasons to choose from and any request already open",
               "self-serve", {}, "", "SelfServeCancel", false, std::string(kPublic)},
              [workers](Request req, Reply reply) {
                workers->Read([token = req.params["token"]](Stores& s) {
                  auto run = [&]() -> Result<json> {
                    auto now = Now();
                    RETAIN_ASSIGN_OR_RETURN(std::string id, Verify(s.records(), token, now));
                    RETAIN_ASSIGN_OR_RETURN(auto subject, retention::LoadSubject(s.records(), s.retention(), id, now));
                    RETAIN_ASSIGN_OR_RETURN(auto plan, s.records().GetProduct(subject.subscription.plan));
                    std::string first = subject.customer.name.substr(0, subject.customer.name.find(' '));
                    json reasons = json::array();
                    for (auto r : retention::kAllReasons) reasons.push_back(retention::ReasonName(r));
                    const auto& sub = subject.subscription;
                    json out = {{"subscription", id},
                                {"plan", plan ? plan->name : sub.plan},
                                {"status", core::SubscriptionStatusName(sub.status)},
                                {"monthly_minor", subject.view.monthly_price_minor},
                                {"currency", subject.view.currency},
                                {"first_name", first},
                                {"locale", subject.view.locale},
                                {"reasons", reasons},
                                {"cancelled_at", sub.cancelled_at ? json(FormatTimestamp(*sub.cancelled_at)) : json()},
                                {"request", nullptr}};
                    RETAIN_ASSIGN_OR_RETURN(auto open, s.retention().OpenRequestFor(id));
                    if (open) out["request"] = RequestForPage(*open);
                    return out;
                  };
                  auto out = run();
                  if (!out) return ErrorResponse(out.error());
                  return Json(200, *out);
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/self-serve/cancel/{token}",
              {"The customer asks to cancel: {\"reason\", \"note\"}; opens the request (channel web) and returns the "
               "one offer the desk makes, or none",
               "self-serve", {}, "SelfServeCancelInput", "SelfServeRequest", false, std::string(kPublic)},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto reason = retention::ParseReason(Text(*body, "reason"));
                if (!reason) return reply(ErrorResponse(reason.error()));
                std::string note = Text(*body, "note");
                if (note.size() > 2000) return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is longer than 2,000 characters", "note"}));
                workers->Write([token = req.params["token"], reason = std::string(retention::ReasonName(*reason)),
                                note](Stores& s) -> Result<Response> {
                  auto now = Now();
                  auto id = Verify(s.records(), token, now);
                  if (!id) return ErrorResponse(id.error());
                  RETAIN_ASSIGN_OR_RETURN(auto open, s.retention().OpenRequestFor(*id));
                  if (open) return Json(200, RequestForPage(*open));  // the page reloaded: the same request
                  auto sub = s.records().GetSubscription(*id);
                  if (!sub) return tl::unexpected(sub.error());
                  if (!*sub) return ErrorResponse({ErrorCode::kNotFound, "the subscription is gone", ""});
                  RETAIN_ASSIGN_OR_RETURN(auto caller, CustomerCaller(s, (*sub)->customer));
                  RETAIN_ASSIGN_OR_RETURN(auto opened, retention::OpenCancelRequest(s.records(), s.retention(), s.webhooks(),
                                                                                    {*id, reason, "web", note}, caller,
                                                                                    now, RetentionRng()));
                  return Json(201, RequestForPage(opened.request));
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/self-serve/cancel/{token}/outcome",
              {"The customer's answer: {\"request\", \"outcome\": \"accepted\" (keeps the subscription with the offer) "
               "| \"declined\" (cancels)}",
               "self-serve", {}, "SelfServeOutcome", "SelfServeRequest", false, std::string(kPublic)},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                std::string outcome = Text(*body, "outcome");
                if (outcome != "accepted" && outcome != "declined") {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be accepted or declined", "outcome"}));
                }
                if (!body->contains("request") || !(*body)["request"].is_number_integer()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required (the request's number)", "request"}));
                }
                int64_t request_id = (*body)["request"].get<int64_t>();
                workers->Write([token = req.params["token"], outcome, request_id, zone](Stores& s) -> Result<Response> {
                  auto now = Now();
                  auto id = Verify(s.records(), token, now);
                  if (!id) return ErrorResponse(id.error());
                  RETAIN_ASSIGN_OR_RETURN(auto r, s.retention().GetRequest(request_id));
                  if (!r || r->subscription != *id) {
                    return ErrorResponse({ErrorCode::kNotFound, "no such request for this subscription", "request"});
                  }
                  json offer = r->control ? json() : PageOffer(*r);
                  retention::OutcomeInput input;
                  input.outcome = outcome;
                  if (offer.is_object()) input.presented = {offer["id"].get<std::string>()};
                  if (outcome == "accepted") {
                    if (!offer.is_object()) {
                      return ErrorResponse({ErrorCode::kFailedPrecondition, "there is no offer to accept", "outcome"});
                    }
                    input.offer = offer["id"].get<std::string>();
                  }
                  RETAIN_ASSIGN_OR_RETURN(auto caller, CustomerCaller(s, r->customer));
                  // A decision that fails rolls the whole job back, so nothing is half-applied.
                  RETAIN_ASSIGN_OR_RETURN(auto decided, retention::RecordOutcome(s.records(), s.retention(), s.webhooks(),
                                                                                 request_id, input, caller, zone, now));
                  return Json(200, RequestForPage(decided));
                }, std::move(reply));
              }});
}

}  // namespace retain::server
