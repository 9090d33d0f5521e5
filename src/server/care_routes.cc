// Complaint cases over HTTP: the care document (calendar and SLA policies), intake, the queue
// with live SLA clocks, a case with its history, status changes, replies, assignment, and the
// escalation upkeep.
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "care/cases.h"
#include "care/compensation.h"
#include "care/outcomes.h"
#include "care/report.h"
#include "feedback/invitations.h"
#include "retention/requests.h"
#include "server/api.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;


Result<int64_t> Number(std::string_view text, const char* field) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n <= 0) {
    return InvalidArgument(fmt::format("'{}' is not a case number", text), field);
  }
  return n;
}

// A write on one case that answers with the case as the screens show it.
WriteJob CaseWrite(const BusinessZone& zone,
                   std::function<Result<care::CaseRecord>(Stores&, Timestamp)> change) {
  return Atomic([zone, change = std::move(change)](Stores& s) -> Result<Response> {
    auto now = Now();
    RETAIN_ASSIGN_OR_RETURN(auto c, change(s, now));
    RETAIN_ASSIGN_OR_RETURN(auto care, care::LoadCare(s.care()));
    return Json(200, care::CaseJson(c, care.config, zone, now));
  });
}

// The caller with the compensation limit of their role; an API key acts with an agent's.
Result<care::Approver> ApproverOf(const Principal& p, Stores& s) {
  RETAIN_ASSIGN_OR_RETURN(auto acting, ActingAs(p, s));
  return care::Approver{std::move(acting.actor), std::move(acting.role), acting.authority};
}

}  // namespace

Result<std::string> CustomerValueBand(Stores& s, const std::string& customer) {
  RETAIN_ASSIGN_OR_RETURN(auto score, s.retention().CustomerScore(customer));
  if (!score || score->clv_minor <= 0) return std::string("unknown");
  RETAIN_ASSIGN_OR_RETURN(auto desk, retention::LoadDesk(s.retention()));
  if (score->clv_minor >= desk.config.high_value_minor) return std::string("high");
  if (score->clv_minor >= desk.config.medium_value_minor) return std::string("medium");
  return std::string("low");
}

WriteJob CareUpkeep(const BusinessZone& zone) {
  return Atomic([zone](Stores& s) -> Result<Response> {
    RETAIN_ASSIGN_OR_RETURN(auto care, care::LoadCare(s.care()));
    RETAIN_ASSIGN_OR_RETURN(int64_t changed,
                            care::EscalateDue(s.records(), s.care(), s.webhooks(), care.config, zone, Now()));
    return Json(200, {{"cases_escalated", changed}});
  });
}

void AddCareRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  BusinessZone zone = ctx.zone;
  const std::string read(staff::kRecordsRead), write(staff::kRecordsWrite), manage(staff::kRetentionManage);

  router.Add({"GET", "/v1/care/sla", {"The business calendar and SLA policies in effect", "care", {}, "", "CareDocument",
                                      false, read},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto stored = s.care().CareDocument();
                  if (!stored) return ErrorResponse(stored.error());
                  json doc = *stored ? json::parse((*stored)->second, nullptr, false) : care::DefaultCareDocument();
                  return Json(200, {{"version", *stored ? (*stored)->first : 0}, {"document", doc}});
                }, std::move(reply));
              }});

  router.Add({"PUT", "/v1/care/sla",
              {"Store a new version of the calendar and SLA policies; cases keep the targets they opened with", "care",
               {}, "CareDocument", "CareDocument", false, manage},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                if (auto parsed = care::ParseCareConfig(*body); !parsed) return reply(ErrorResponse(parsed.error()));
                workers->Write(Atomic([doc = *body, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  auto now = Now();
                  RETAIN_ASSIGN_OR_RETURN(int version, s.care().PutCareDocument(doc.dump(), actor, now));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({now, actor, "care.sla_defined", "care_documents",
                                                                  std::to_string(version), "null", doc.dump()}));
                  return Json(200, {{"version", version}, {"document", doc}});
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/cases",
              {"Open a complaint case: {\"customer\", \"channel\", \"category\", \"severity\", \"text\", \"purchase\", "
               "\"subscription\", \"assignee\", \"received_at\"}; the SLA policy that covers it sets its targets",
               "care", {}, "CaseInput", "Case", false, write},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                care::NewCase in{Text(*body, "customer"), body->contains("channel") ? Text(*body, "channel") : "phone",
                                 Text(*body, "category"), body->contains("severity") ? Text(*body, "severity") : "medium",
                                 Text(*body, "text"), Text(*body, "purchase"), Text(*body, "subscription"),
                                 Text(*body, "assignee"), std::nullopt};
                if (auto received = Text(*body, "received_at"); !received.empty()) {
                  auto t = ParseTimestamp(received, zone);
                  if (!t) return reply(ErrorResponse({ErrorCode::kInvalidArgument, t.error().message, "received_at"}));
                  in.received_at = *t;
                }
                auto job = Idempotent(req, Atomic([in, zone, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  auto now = Now();
                  RETAIN_ASSIGN_OR_RETURN(std::string band, CustomerValueBand(s, in.customer));
                  RETAIN_ASSIGN_OR_RETURN(auto c, care::OpenCase(s.records(), s.care(), s.webhooks(), in, band, actor, now));
                  RETAIN_ASSIGN_OR_RETURN(auto care, care::LoadCare(s.care()));
                  return Json(201, care::CaseJson(c, care.config, zone, now));
                }));
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"GET", "/v1/cases",
              {"The case queue, newest first, each with its SLA clocks now", "care",
               {{"status", "open (new, open or waiting), new, waiting, resolved or closed"},
                {"customer", "a customer's id"}, {"assignee", "a username"},
                {"before", "cases numbered below this (the next page)"}, {"limit", "1..500 (default 50)"}},
               "", "Cases", false, read},
              [workers, zone](Request req, Reply reply) {
                care::CaseQuery q;
                if (auto st = req.Query("status"); st == "open") {
                  q.open_only = true;
                } else if (!st.empty()) {
                  q.status = care::ParseCaseStatus(st);
                  if (!q.status) {
                    return reply(ErrorResponse({ErrorCode::kInvalidArgument,
                                                "must be open, new, waiting, resolved or closed", "status"}));
                  }
                }
                q.customer = req.Query("customer");
                q.assignee = req.Query("assignee");
                auto limit = req.Limit();
                if (!limit) return reply(ErrorResponse(limit.error()));
                if (*limit < 1 || *limit > 500) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be between 1 and 500", "limit"}));
                }
                q.limit = *limit;
                if (auto before = req.Query("before"); !before.empty()) {
                  auto n = Number(before, "before");
                  if (!n) return reply(ErrorResponse(n.error()));
                  q.before_id = *n;
                }
                workers->Read([q, zone](Stores& s) {
                  auto care = care::LoadCare(s.care());
                  if (!care) return ErrorResponse(care.error());
                  auto rows = s.care().ListCases(q);
                  if (!rows) return ErrorResponse(rows.error());
                  auto now = Now();
                  json data = json::array();
                  for (const auto& c : *rows) data.push_back(care::CaseJson(c, care->config, zone, now));
                  json out = {{"data", data}};
                  if (static_cast<int>(rows->size()) == q.limit) out["next_before"] = rows->back().id;
                  return Json(200, out);
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/cases/{id}", {"A case with its SLA clocks and its history", "care", {}, "", "Case", false, read},
              [workers, zone](Request req, Reply reply) {
                auto id = Number(req.params["id"], "id");
                if (!id) return reply(ErrorResponse(id.error()));
                workers->Read([id = *id, zone](Stores& s) {
                  auto care = care::LoadCare(s.care());
                  if (!care) return ErrorResponse(care.error());
                  auto c = s.care().GetCase(id);
                  if (!c) return ErrorResponse(c.error());
                  if (!*c) return ErrorResponse({ErrorCode::kNotFound, fmt::format("no case {}", id), "id"});
                  auto events = s.care().CaseEvents(id);
                  if (!events) return ErrorResponse(events.error());
                  json out = care::CaseJson(**c, care->config, zone, Now());
                  json history = json::array();
                  for (const auto& e : *events) {
                    history.push_back({{"at", FormatTimestamp(e.at)}, {"actor", e.actor}, {"kind", e.kind},
                                       {"detail", json::parse(e.detail, nullptr, false)}});
                  }
                  out["history"] = history;
                  auto paid = s.care().Compensations(id, "");
                  if (!paid) return ErrorResponse(paid.error());
                  json compensations = json::array();
                  for (const auto& m : *paid) compensations.push_back(care::CompensationJson(m));
                  out["compensations"] = compensations;
                  return Json(200, out);
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/cases/{id}/status",
              {"Move a case: {\"status\": \"open\" | \"waiting\" | \"resolved\" | \"closed\", \"note\"}; waiting on "
               "the customer pauses the clock, reopening a resolved case counts",
               "care", {}, "CaseStatusChange", "Case", false, write},
              [workers, zone](Request req, Reply reply) {
                auto id = Number(req.params["id"], "id");
                if (!id) return reply(ErrorResponse(id.error()));
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto to = care::ParseCaseStatus(Text(*body, "status"));
                if (!to || *to == care::CaseStatus::kNew) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be open, waiting, resolved or closed", "status"}));
                }
                workers->Write(CaseWrite(zone, [id = *id, to = *to, note = Text(*body, "note"),
                                                actor = req.principal->actor](Stores& s, Timestamp now) -> Result<care::CaseRecord> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, care::ChangeStatus(s.records(), s.care(), s.webhooks(), id, to, note, actor, now));
                  if (to == care::CaseStatus::kClosed) {
                    // The complainant is asked how it went, scoring the agent who had the case.
                    RETAIN_RETURN_IF_ERROR(feedback::Trigger(s.records(), s.feedback(), s.webhooks(), "case_closed",
                                                             c.customer, c.id, c.assignee.empty() ? actor : c.assignee,
                                                             actor, now));
                  }
                  return c;
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/cases/{id}/replies",
              {"Answer the customer: {\"text\"}; the first answer stops the first-response clock", "care", {},
               "CaseReply", "Case", false, write},
              [workers, zone](Request req, Reply reply) {
                auto id = Number(req.params["id"], "id");
                if (!id) return reply(ErrorResponse(id.error()));
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                workers->Write(CaseWrite(zone, [id = *id, text = Text(*body, "text"),
                                                actor = req.principal->actor](Stores& s, Timestamp now) {
                  return care::Reply(s.records(), s.care(), s.webhooks(), id, text, actor, now);
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/cases/{id}/assignee",
              {"Give the case to someone: {\"assignee\": username, or \"\" to unassign}", "care", {}, "CaseAssign",
               "Case", false, write},
              [workers, zone](Request req, Reply reply) {
                auto id = Number(req.params["id"], "id");
                if (!id) return reply(ErrorResponse(id.error()));
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                workers->Write(CaseWrite(zone, [id = *id, who = Text(*body, "assignee"),
                                                actor = req.principal->actor](Stores& s, Timestamp now) {
                  return care::Assign(s.records(), s.care(), s.webhooks(), id, who, actor, now);
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/cases/{id}/compensations",
              {"Put things right: {\"kind\": \"coupon\" | \"refund\" | \"credit\" | \"free_months\" | \"apology\", "
               "\"amount_minor\", \"product\", \"months\", \"subscription\", \"note\", \"ask\"}; beyond the role's limit "
               "the server refuses it unless \"ask\" puts it to a supervisor",
               "care", {}, "CompensationInput", "Compensation", false, write},
              [workers, zone](Request req, Reply reply) {
                auto id = Number(req.params["id"], "id");
                if (!id) return reply(ErrorResponse(id.error()));
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                care::CompensationInput in;
                in.kind = Text(*body, "kind");
                in.currency = Text(*body, "currency");
                in.product = Text(*body, "product");
                in.subscription = Text(*body, "subscription");
                in.note = Text(*body, "note");
                if (body->contains("amount_minor")) {
                  if (!(*body)["amount_minor"].is_number_integer()) {
                    return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be a whole number of minor units", "amount_minor"}));
                  }
                  in.amount_minor = (*body)["amount_minor"].get<int64_t>();
                }
                if (body->contains("months")) {
                  if (!(*body)["months"].is_number_integer()) {
                    return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be a whole number", "months"}));
                  }
                  in.months = (*body)["months"].get<int>();
                }
                if (body->contains("ask")) {
                  if (!(*body)["ask"].is_boolean()) return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be true or false", "ask"}));
                  in.ask = (*body)["ask"].get<bool>();
                }
                auto job = Idempotent(req, Atomic([id = *id, in, zone, principal = req.principal](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto caller, ApproverOf(*principal, s));
                  RETAIN_ASSIGN_OR_RETURN(auto m, care::Compensate(s.records(), s.care(), s.webhooks(), id, in, caller, zone, Now()));
                  return Json(201, care::CompensationJson(m));
                }));
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"GET", "/v1/compensations",
              {"Compensations waiting for a supervisor, oldest first", "care",
               {{"status", "pending_approval (default), granted or declined"}}, "", "Compensations", false,
               std::string(staff::kRetentionApprove)},
              [workers](Request req, Reply reply) {
                std::string status = req.Query("status", "pending_approval");
                if (status != "pending_approval" && status != "granted" && status != "declined") {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be pending_approval, granted or declined", "status"}));
                }
                workers->Read([status](Stores& s) {
                  auto rows = s.care().Compensations(0, status);
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& m : *rows) data.push_back(care::CompensationJson(m));
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/compensations/{id}/decision",
              {"A supervisor approves (it is granted) or declines: {\"decision\": \"approve\" | \"decline\", \"note\"}",
               "care", {}, "ApprovalDecision", "Compensation", false, std::string(staff::kRetentionApprove)},
              [workers, zone](Request req, Reply reply) {
                auto id = Number(req.params["id"], "id");
                if (!id) return reply(ErrorResponse(id.error()));
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                std::string decision = Text(*body, "decision");
                if (decision != "approve" && decision != "decline") {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be approve or decline", "decision"}));
                }
                workers->Write(Atomic([id = *id, yes = decision == "approve", note = Text(*body, "note"), zone,
                                       principal = req.principal](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto caller, ApproverOf(*principal, s));
                  RETAIN_ASSIGN_OR_RETURN(auto m, care::DecideCompensation(s.records(), s.care(), s.webhooks(), id, yes, note,
                                                                           caller, zone, Now()));
                  return Json(200, care::CompensationJson(m));
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/care/report",
              {"The quality dashboard: complaints per 1,000 customers by category and month, business minutes to "
               "first response and resolution (median, p90), targets met, reopen rate, compensation cost, top problems",
               "care",
               {{"from", "first day (default: twelve months ago)"}, {"to", "day after the last (default: tomorrow)"}},
               "", "CareReport", false, read},
              [workers, zone](Request req, Reply reply) {
                ServeReport(workers, req, zone, std::move(reply), [zone](Stores& s, const Window& w, Timestamp now) -> Result<json> {
                  RETAIN_ASSIGN_OR_RETURN(auto care, care::LoadCare(s.care()));
                  RETAIN_ASSIGN_OR_RETURN(auto cases, s.care().CasesOpened(w.from, w.to));
                  RETAIN_ASSIGN_OR_RETURN(auto paid, s.care().CompensationsOfCasesOpened(w.from, w.to));
                  RETAIN_ASSIGN_OR_RETURN(auto counts, s.records().Counts());
                  return care::QualityReport(cases, paid, counts.customers, care.config, zone, now);
                });
              }});

  router.Add({"GET", "/v1/care/outcomes",
              {"Whether recovery works: complainants (first case in the window) still subscribed 30, 90 and 180 days "
               "later, next to comparable customers without a complaint (same plan and tenure band), and with "
               "compensation next to without",
               "care",
               {{"from", "first day (default: twelve months ago)"}, {"to", "day after the last (default: tomorrow)"}},
               "", "RecoveryOutcomes", false, read},
              [workers, zone](Request req, Reply reply) {
                ServeReport(workers, req, zone, std::move(reply), [](Stores& s, const Window& w, Timestamp now) -> Result<json> {
                  // Every case, so a customer who complained before the window is no one's comparable.
                  RETAIN_ASSIGN_OR_RETURN(auto all, s.care().CasesOpened(FromUnixSeconds(0), now + std::chrono::days(1)));
                  RETAIN_ASSIGN_OR_RETURN(auto paid, s.care().CompensationsOfCasesOpened(w.from, w.to));
                  RETAIN_ASSIGN_OR_RETURN(auto spans, s.care().SubscriptionSpans());
                  std::vector<care::CaseRecord> cases, others;
                  for (auto& c : all) (c.opened_at >= w.from && c.opened_at < w.to ? cases : others).push_back(std::move(c));
                  // Customers who complained only outside the window are left out of both groups.
                  std::set<std::string> inside;
                  for (const auto& c : cases) inside.insert(c.customer);
                  std::set<std::string> outside;
                  for (const auto& c : others) {
                    if (!inside.contains(c.customer)) outside.insert(c.customer);
                  }
                  std::erase_if(spans, [&](const care::SubscriptionSpan& x) { return outside.contains(x.customer); });
                  return care::RecoveryOutcomes(cases, paid, spans, now);
                });
              }});

  router.Add({"POST", "/v1/care/upkeep",
              {"Raise the escalation of cases whose SLA clocks crossed a level (also hourly)", "care", {}, "",
               "CareUpkeep", false, manage},
              [workers, zone](Request, Reply reply) { workers->Write(CareUpkeep(zone), std::move(reply)); }});
}

}  // namespace retain::server
