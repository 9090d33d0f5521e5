// The retention desk over HTTP: the desk's document, the offers for a subscription, cancel
// requests and their outcomes, supervisors' approvals, the save report and the upkeep job.
#include <charconv>
#include <random>

#include <fmt/format.h>

#include "retention/recovery.h"
#include "feedback/invitations.h"
#include "retention/requests.h"
#include "retention/winback.h"
#include "server/api.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;


std::mt19937_64& Rng() { return RetentionRng(); }

// The caller with the authority of their role; an API key acts with an agent's authority.
Result<retention::Caller> CallerOf(const Principal& p, Stores& s) {
  RETAIN_ASSIGN_OR_RETURN(auto acting, ActingAs(p, s));
  return retention::Caller{std::move(acting.actor), std::move(acting.role), acting.authority};
}

Result<int64_t> Id(const Request& req, const char* name = "id") {
  const std::string& text = req.params.at(name);
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return InvalidArgument(fmt::format("'{}' is not a request number", text), name);
  }
  return id;
}

}  // namespace

WriteJob RetentionUpkeep(const BusinessZone& zone) {
  return Atomic([zone](Stores& s) -> Result<Response> {
    auto now = Now();
    RETAIN_ASSIGN_OR_RETURN(int64_t changed, retention::ApplyDueChanges(s.records(), s.retention(), s.webhooks(), now));
    RETAIN_ASSIGN_OR_RETURN(auto desk, retention::LoadDesk(s.retention()));
    RETAIN_ASSIGN_OR_RETURN(auto recovery, retention::AdvanceRecoveries(s.records(), s.retention(), s.webhooks(),
                                                                        desk.config.recovery, zone, now));
    RETAIN_ASSIGN_OR_RETURN(auto prices, s.retention().PlanPrices());
    RETAIN_ASSIGN_OR_RETURN(auto winback, retention::EnterWinback(s.retention(), s.webhooks(), desk.config.winback,
                                                                  prices, now, Rng()));
    return Json(200, {{"subscriptions_changed", changed},
                      {"retries_requested", recovery.retries_requested},
                      {"final_actions", recovery.final_actions},
                      {"recoveries_closed", recovery.closed},
                      {"expiry_reminders", recovery.expiry_reminders},
                      {"winback_offered", winback.entered},
                      {"winback_held_out", winback.held_out},
                      {"winback_expired", winback.expired}});
  });
}

std::mt19937_64& RetentionRng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

void AddRetentionRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  BusinessZone zone = ctx.zone;
  const std::string read(staff::kRecordsRead), write(staff::kRecordsWrite), approve(staff::kRetentionApprove),
      manage(staff::kRetentionManage);

  router.Add({"GET", "/v1/retention/desk",
              {"The desk's document in effect: offers, policies, control share, priors, talk tracks", "retention", {}, "",
               "RetentionDesk", false, read},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto stored = s.retention().Desk();
                  if (!stored) return ErrorResponse(stored.error());
                  json document = *stored ? json::parse((*stored)->document, nullptr, false) : retention::DefaultDeskDocument();
                  json out = {{"version", *stored ? (*stored)->version : 0}, {"document", document}};
                  if (*stored) {
                    out["created_by"] = (*stored)->created_by;
                    out["created_at"] = FormatTimestamp((*stored)->created_at);
                  }
                  return Json(200, out);
                }, std::move(reply));
              }});

  router.Add({"PUT", "/v1/retention/desk",
              {"Store a new version of the desk's document (offers, policies, control share, priors, talk tracks)",
               "retention", {}, "RetentionDeskDocument", "RetentionDesk", false, manage},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                if (auto parsed = retention::ParseDeskConfig(*body); !parsed) return reply(ErrorResponse(parsed.error()));
                workers->Write(Atomic([document = *body, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(int version,
                                          retention::DefineDesk(s.retention(), s.records(), document, actor, Now()));
                  return Json(200, {{"version", version}, {"document", document}, {"created_by", actor},
                                    {"created_at", FormatTimestamp(Now())}});
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/subscriptions/{id}/offers",
              {"The offers the desk would make now for a cancellation of this subscription, best first, marked when "
               "they need a supervisor; with the talk track",
               "retention", {{"reason", "why the customer wants to cancel (required)"}, {"locale", "en, pt or da (default: the customer's)"}},
               "", "RetentionOffers", false, read},
              [workers](Request req, Reply reply) {
                auto reason = retention::ParseReason(req.Query("reason"));
                if (!reason) return reply(ErrorResponse(reason.error()));
                workers->Read([id = req.params["id"], reason = *reason, locale = req.Query("locale"),
                               principal = req.principal](Stores& s) {
                  auto run = [&]() -> Result<json> {
                    auto now = Now();
                    RETAIN_ASSIGN_OR_RETURN(auto caller, CallerOf(*principal, s));
                    RETAIN_ASSIGN_OR_RETURN(auto desk, retention::LoadDesk(s.retention()));
                    RETAIN_ASSIGN_OR_RETURN(auto subject, retention::LoadSubject(s.records(), s.retention(), id, now));
                    std::string band = retention::ValueBand(desk.config, subject.view);
                    RETAIN_ASSIGN_OR_RETURN(auto tallies, s.retention().Tallies(reason, band));
                    auto ranked = retention::RankOffers(desk.config, subject.view, reason, now, caller.authority,
                        [&](const std::string& offer) {
                          auto it = tallies.find(offer);
                          return it == tallies.end() ? retention::Tally{} : it->second;
                        }, &Rng());
                    std::string lang = locale.empty() ? subject.view.locale : locale;
                    json ineligible = json::array();
                    for (const auto& o : desk.config.offers) {
                      auto why = retention::Ineligible(desk.config, o, subject.view, reason, now);
                      if (!why.empty()) ineligible.push_back({{"id", o.id}, {"name", o.NameIn(lang)}, {"why", why}});
                    }
                    return json{{"subscription", id},
                                {"customer", subject.view.customer},
                                {"reason", retention::ReasonName(reason)},
                                {"plan", subject.view.plan},
                                {"monthly_minor", subject.view.monthly_price_minor},
                                {"tenure_days", subject.view.tenure_days},
                                {"value_minor", retention::CustomerValue(desk.config, subject.view)},
                                {"value_band", band},
                                {"risk", subject.view.risk ? json(*subject.view.risk) : json()},
                                {"risk_band", retention::RiskBand(desk.config, subject.view)},
                                {"talk_track", desk.config.TalkTrack(reason, lang)},
                                {"offers", retention::OffersJson(ranked, subject.view, lang)},
                                {"ineligible", ineligible}};
                  };
                  auto out = run();
                  if (!out) return ErrorResponse(out.error());
                  return Json(200, *out);
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/cancel-requests",
              {"Open a cancel request: {\"subscription\", \"reason\", \"channel\", \"note\"}; returns the ranked offers "
               "(none for the control group)",
               "retention", {}, "CancelRequestInput", "CancelRequest", false, write},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                retention::OpenInput input{Text(*body, "subscription"), Text(*body, "reason"),
                                           body->contains("channel") ? Text(*body, "channel") : "phone", Text(*body, "note")};
                auto job = Idempotent(req, Atomic([input, principal = req.principal](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto caller, CallerOf(*principal, s));
                  auto now = Now();
                  RETAIN_ASSIGN_OR_RETURN(auto opened, retention::OpenCancelRequest(s.records(), s.retention(),
                                                                                    s.webhooks(), input, caller, now, Rng()));
                  json out = retention::RequestJson(opened.request);
                  out["talk_track"] = opened.talk_track;
                  return Json(201, out);
                }));
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"GET", "/v1/cancel-requests",
              {"Cancel requests, newest first", "retention",
               {{"status", "open, pending_approval, saved, withdrawn or cancelled"}, {"customer", "a customer's id"},
                {"before", "requests numbered below this (the next page)"}, {"limit", "1..500 (default 50)"}},
               "", "CancelRequests", false, read},
              [workers](Request req, Reply reply) {
                retention::RequestQuery q;
                if (auto st = req.Query("status"); !st.empty()) {
                  q.status = retention::ParseRequestStatus(st);
                  if (!q.status) {
                    return reply(ErrorResponse({ErrorCode::kInvalidArgument,
                                                "must be open, pending_approval, saved, withdrawn or cancelled", "status"}));
                  }
                }
                q.customer = req.Query("customer");
                auto limit = req.Limit();
                if (!limit) return reply(ErrorResponse(limit.error()));
                if (*limit < 1 || *limit > 500) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be between 1 and 500", "limit"}));
                }
                q.limit = *limit;
                if (auto before = req.Query("before"); !before.empty()) {
                  auto [end, ec] = std::from_chars(before.data(), before.data() + before.size(), q.before_id);
                  if (ec != std::errc() || end != before.data() + before.size()) {
                    return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be a request number", "before"}));
                  }
                }
                workers->Read([q](Stores& s) {
                  auto rows = s.retention().ListRequests(q);
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& r : *rows) data.push_back(retention::RequestJson(r));
                  json out = {{"data", data}};
                  if (static_cast<int>(rows->size()) == q.limit) out["next_before"] = rows->back().id;
                  return Json(200, out);
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/cancel-requests/{id}",
              {"A cancel request with its offers, outcome and approvals", "retention", {}, "", "CancelRequest", false, read},
              [workers](Request req, Reply reply) {
                auto id = Id(req);
                if (!id) return reply(ErrorResponse(id.error()));
                workers->Read([id = *id](Stores& s) {
                  auto r = s.retention().GetRequest(id);
                  if (!r) return ErrorResponse(r.error());
                  if (!*r) return ErrorResponse({ErrorCode::kNotFound, fmt::format("no cancel request {}", id), "id"});
                  auto approvals = s.retention().ApprovalsFor(id);
                  if (!approvals) return ErrorResponse(approvals.error());
                  json out = retention::RequestJson(**r);
                  json a = json::array();
                  for (const auto& x : *approvals) a.push_back(retention::ApprovalJson(x));
                  out["approvals"] = a;
                  return Json(200, out);
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/cancel-requests/{id}/outcome",
              {"Record the outcome: {\"outcome\": \"accepted\" | \"declined\" | \"withdrawn\", \"offer\", \"presented\": "
               "[offers put to the customer]}; an accepted offer is applied, a declined request cancels",
               "retention", {}, "CancelOutcome", "CancelRequest", false, write},
              [workers, zone](Request req, Reply reply) {
                auto id = Id(req);
                if (!id) return reply(ErrorResponse(id.error()));
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                retention::OutcomeInput input{Text(*body, "outcome"), Text(*body, "offer"), {}};
                if (body->contains("presented")) {
                  const json& p = (*body)["presented"];
                  if (!p.is_array()) return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be a list of offer ids", "presented"}));
                  for (const auto& x : p) {
                    if (!x.is_string()) return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be a list of offer ids", "presented"}));
                    input.presented.push_back(x.get<std::string>());
                  }
                }
                auto job = Idempotent(req, Atomic([id = *id, input, zone, principal = req.principal](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto caller, CallerOf(*principal, s));
                  auto now = Now();
                  RETAIN_ASSIGN_OR_RETURN(auto r, retention::RecordOutcome(s.records(), s.retention(), s.webhooks(), id,
                                                                           input, caller, zone, now));
                  // A call or chat with an agent ended: the customer is asked how it went (the
                  // conversation survey, if one is active and they were not asked lately).
                  if (principal->actor.starts_with("user:") && r.channel != "web") {
                    RETAIN_RETURN_IF_ERROR(feedback::Trigger(s.records(), s.feedback(), s.webhooks(), "conversation",
                                                             r.customer, 0, principal->actor.substr(5),
                                                             principal->actor, now));
                  }
                  return Json(200, retention::RequestJson(r));
                }));
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"POST", "/v1/cancel-requests/{id}/approvals",
              {"Ask a supervisor for an offer beyond one's authority: {\"offer\", \"note\"}", "retention", {},
               "ApprovalInput", "Approval", false, write},
              [workers](Request req, Reply reply) {
                auto id = Id(req);
                if (!id) return reply(ErrorResponse(id.error()));
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                workers->Write(Atomic([id = *id, offer = Text(*body, "offer"), note = Text(*body, "note"),
                                       principal = req.principal](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto caller, CallerOf(*principal, s));
                  RETAIN_ASSIGN_OR_RETURN(auto a, retention::AskApproval(s.records(), s.retention(), id, offer, note, caller, Now()));
                  return Json(201, retention::ApprovalJson(a));
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/approvals",
              {"Supervisors' queue: approvals asked for, oldest first", "retention",
               {{"status", "pending (default), approved, declined or all"}}, "", "Approvals", false, approve},
              [workers](Request req, Reply reply) {
                std::optional<retention::ApprovalStatus> status = retention::ApprovalStatus::kPending;
                if (auto st = req.Query("status"); !st.empty()) {
                  status = st == "all" ? std::nullopt : retention::ParseApprovalStatus(st);
                  if (st != "all" && !status) {
                    return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be pending, approved, declined or all", "status"}));
                  }
                }
                workers->Read([status](Stores& s) {
                  auto rows = s.retention().ListApprovals(status, 500);
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& a : *rows) {
                    json j = retention::ApprovalJson(a);
                    j["customer"] = a.customer;
                    j["subscription"] = a.subscription;
                    j["reason"] = a.reason;
                    j["value_minor"] = a.value_minor;
                    j["value_band"] = a.value_band;
                    data.push_back(std::move(j));
                  }
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/approvals/{id}",
              {"Approve or decline: {\"decision\": \"approve\" | \"decline\", \"note\"}", "retention", {},
               "ApprovalDecision", "Approval", false, approve},
              [workers](Request req, Reply reply) {
                auto id = Id(req);
                if (!id) return reply(ErrorResponse(id.error()));
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                std::string decision = Text(*body, "decision");
                if (decision != "approve" && decision != "decline") {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be approve or decline", "decision"}));
                }
                workers->Write(Atomic([id = *id, yes = decision == "approve", note = Text(*body, "note"),
                                       principal = req.principal](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto caller, CallerOf(*principal, s));
                  RETAIN_ASSIGN_OR_RETURN(auto a, retention::DecideApproval(s.records(), s.retention(), id, yes, note, caller, Now()));
                  return Json(200, retention::ApprovalJson(a));
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/retention/report",
              {"Save rates (in the session, kept 30 and 90 days), revenue saved, incentive cost, return on incentive, "
               "the incremental save rate against the control group; by offer, reason, agent and channel",
               "retention",
               {{"from", "first day (default: twelve months ago)"}, {"to", "day after the last (default: tomorrow)"}},
               "", "RetentionReport", false, read},
              [workers, zone](Request req, Reply reply) {
                ServeReport(workers, req, zone, std::move(reply), [zone](Stores& s, const Window& w, Timestamp now) -> Result<json> {
                  RETAIN_ASSIGN_OR_RETURN(auto rows, s.retention().ReportRows(w.from, w.to));
                  return retention::SaveReport(rows, now, zone);
                });
              }});

  router.Add({"POST", "/v1/retention/upkeep",
              {"Apply the changes that are due: cancellations at the end of their period, pauses that end, payment "
               "retries and final actions, card-expiry reminders, the win-back list", "retention",
               {}, "", "RetentionUpkeep", false, manage},
              [workers, zone](Request, Reply reply) { workers->Write(RetentionUpkeep(zone), std::move(reply)); }});
}

}  // namespace retain::server
