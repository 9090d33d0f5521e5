// Surveys over HTTP: definitions (/v1/surveys) with a preview, invitation lists, the surveys a
// conversation triggers, the public page's routes (/v1/self-serve/surveys/{token}: no sign-in,
// the token is the key and counts once), a customer's answers, the report (trends, drivers,
// agents) and the reminder upkeep.
#include <charconv>

#include <fmt/format.h>

#include "feedback/invitations.h"
#include "feedback/report.h"
#include "server/api.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;


json SurveySummary(const feedback::StoredSurvey& stored) {
  auto doc = json::parse(stored.document, nullptr, false);
  auto parsed = feedback::ParseSurvey(stored.key, doc);
  json out = {{"key", stored.key}, {"version", stored.version}, {"updated_by", stored.updated_by},
              {"updated_at", FormatTimestamp(stored.updated_at)}, {"document", doc}};
  if (parsed) {
    out["kind"] = parsed->kind;
    out["trigger"] = parsed->trigger;
    out["active"] = parsed->active;
    out["title"] = feedback::Localized(parsed->title, "en");
    out["missing_translations"] = feedback::MissingTranslations(*parsed);
  }
  return out;
}

json InvitedJson(const feedback::InviteResult& r) {
  json invited = json::array();
  for (const auto& i : r.invited) {
    invited.push_back({{"customer", i.customer}, {"invitation", i.invitation}, {"token", i.token},
                       {"path", "/s/" + i.token}, {"expires_at", FormatTimestamp(i.expires_at)}});
  }
  json skipped = json::array();
  for (const auto& s : r.skipped) skipped.push_back({{"customer", s.customer}, {"reason", s.reason}});
  return {{"invited", invited}, {"skipped", skipped}};
}

}  // namespace

WriteJob FeedbackUpkeep() {
  return Atomic([](Stores& s) -> Result<Response> {
    RETAIN_ASSIGN_OR_RETURN(int64_t sent, feedback::SendReminders(s.records(), s.feedback(), s.webhooks(), Now()));
    return Json(200, {{"reminders_sent", sent}});
  });
}

void AddFeedbackRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  BusinessZone zone = ctx.zone;
  const std::string read(staff::kRecordsRead), write(staff::kRecordsWrite), manage(staff::kFeedbackManage);

  router.Add({"GET", "/v1/surveys",
              {"Every survey's newest version, with a document to start a new one from", "feedback", {}, "", "Surveys",
               false, read},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto rows = s.feedback().ListSurveys();
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& r : *rows) data.push_back(SurveySummary(r));
                  // The example in canonical form, every default written out for the builder.
                  auto example = feedback::ParseSurvey("example", feedback::ExampleSurveyDocument());
                  return Json(200, {{"data", data}, {"example", example ? feedback::SurveyDocument(*example) : json()}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/surveys/{key}", {"A survey's newest version", "feedback", {}, "", "Survey", false, read},
              [workers](Request req, Reply reply) {
                workers->Read([key = req.params["key"]](Stores& s) {
                  auto stored = s.feedback().GetSurvey(key);
                  if (!stored) return ErrorResponse(stored.error());
                  if (!*stored) return ErrorResponse({ErrorCode::kNotFound, fmt::format("no survey '{}'", key), "key"});
                  return Json(200, SurveySummary(**stored));
                }, std::move(reply));
              }});

  router.Add({"PUT", "/v1/surveys/{key}",
              {"Store a new version of a survey: {\"kind\": nps|csat|ces|custom, \"trigger\": manual|case_closed|"
               "conversation, \"title\": {en, pt, da}, \"questions\": [{\"id\", \"type\", \"area\", \"text\"}], "
               "\"throttle_days\", \"reminder_days\", \"expires_days\", \"follow_up\", \"active\"}",
               "feedback", {}, "SurveyDocument", "Survey", false, manage},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto parsed = feedback::ParseSurvey(req.params["key"], *body);
                if (!parsed) return reply(ErrorResponse(parsed.error()));
                workers->Write(Atomic([survey = *parsed, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  auto now = Now();
                  std::string doc = feedback::SurveyDocument(survey).dump();
                  RETAIN_ASSIGN_OR_RETURN(int version, s.feedback().PutSurvey(survey.key, doc, actor, now));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({now, actor, "survey.defined", "surveys", survey.key,
                                                                  "null", doc}));
                  RETAIN_ASSIGN_OR_RETURN(auto stored, s.feedback().GetSurvey(survey.key));
                  json out = SurveySummary(*stored);
                  out["version"] = version;
                  return Json(200, out);
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/surveys/{key}/preview",
              {"Check a survey document without storing it and show its page in a language: {\"document\", "
               "\"locale\"}", "feedback", {}, "SurveyPreviewInput", "SurveyPage", false, read},
              [](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                if (!body->contains("document")) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required: the survey document", "document"}));
                }
                auto parsed = feedback::ParseSurvey(req.params["key"], (*body)["document"]);
                if (!parsed) {
                  Error e = parsed.error();
                  e.field = e.field.empty() ? "document" : "document." + e.field;
                  return reply(ErrorResponse(e));
                }
                std::string locale = body->contains("locale") ? Text(*body, "locale") : "en";
                if (locale != "en" && locale != "pt" && locale != "da") {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be en, pt or da", "locale"}));
                }
                json page = feedback::SurveyForPage(*parsed, locale);
                page["status"] = "preview";
                page["missing_translations"] = feedback::MissingTranslations(*parsed);
                reply(Json(200, page));
              }});

  router.Add({"POST", "/v1/surveys/{key}/invitations",
              {"Invite customers: {\"customers\": [ids], \"channel\": \"email\" | \"print\" | \"link\"}; each gets a "
               "link with a token of its own (returned once), nobody is asked again within the survey's throttle, "
               "and those who cannot be reached on the channel are listed as skipped",
               "feedback", {}, "InvitationInput", "InvitationResult", false, write},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                feedback::InviteInput in;
                in.survey = req.params["key"];
                if (body->contains("channel")) in.channel = Text(*body, "channel");
                if (!body->contains("customers") || !(*body)["customers"].is_array()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required: a list of customer ids", "customers"}));
                }
                for (const auto& c : (*body)["customers"]) {
                  if (!c.is_string()) return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be a list of customer ids", "customers"}));
                  in.customers.push_back(c.get<std::string>());
                }
                auto job = Idempotent(req, Atomic([in, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto result, feedback::Invite(s.records(), s.feedback(), s.webhooks(), in, actor, Now()));
                  return Json(201, InvitedJson(result));
                }));
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"GET", "/v1/surveys/{key}/invitations",
              {"A survey's invitation list, newest first", "feedback",
               {{"status", "waiting, answered or expired"}, {"customer", "a customer's id"},
                {"before", "invitations numbered below this (the next page)"}, {"limit", "1..500 (default 50)"}},
               "", "Invitations", false, read},
              [workers](Request req, Reply reply) {
                feedback::InvitationQuery q;
                q.survey = req.params["key"];
                q.status = req.Query("status");
                if (!q.status.empty() && q.status != "waiting" && q.status != "answered" && q.status != "expired") {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be waiting, answered or expired", "status"}));
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
                    return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be an invitation number", "before"}));
                  }
                }
                q.now = Now();
                workers->Read([q](Stores& s) {
                  auto rows = s.feedback().Invitations(q);
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& i : *rows) data.push_back(feedback::InvitationJson(i, q.now));
                  json out = {{"data", data}};
                  if (static_cast<int>(rows->size()) == q.limit) out["next_before"] = rows->back().id;
                  return Json(200, out);
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/surveys/triggers",
              {"After a conversation with an agent (a call, a chat, a visit): {\"trigger\": \"conversation\", "
               "\"customer\", \"agent\"}; sends the active survey for that trigger unless the customer was asked "
               "recently. Closed cases trigger their survey by themselves",
               "feedback", {}, "SurveyTrigger", "SurveyTriggered", false, write},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                std::string trigger = body->contains("trigger") ? Text(*body, "trigger") : "conversation";
                if (trigger != "conversation" && trigger != "case_closed") {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be conversation or case_closed", "trigger"}));
                }
                std::string customer = Text(*body, "customer");
                if (customer.empty()) return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required", "customer"}));
                std::string agent = Text(*body, "agent");
                if (agent.empty()) agent = req.principal->actor;
                auto job = Idempotent(req, Atomic([trigger, customer, agent, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto known, s.records().GetCustomer(customer));
                  if (!known) return ErrorResponse({ErrorCode::kNotFound, fmt::format("no customer '{}'", customer), "customer"});
                  std::string skipped;
                  RETAIN_ASSIGN_OR_RETURN(auto sent, feedback::Trigger(s.records(), s.feedback(), s.webhooks(), trigger,
                                                                       customer, 0, agent, actor, Now(), &skipped));
                  if (!sent) return Json(200, {{"sent", false}, {"reason", skipped}});
                  return Json(201, {{"sent", true}, {"invitation", sent->invitation}, {"path", "/s/" + sent->token}});
                }));
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"GET", "/v1/self-serve/surveys/{token}",
              {"For the public survey page (no sign-in; the link's token is the key): the survey in the customer's "
               "language and whether it is open, answered or expired",
               "self-serve", {}, "", "SurveyPage", false, std::string(kPublic)},
              [workers](Request req, Reply reply) {
                workers->Read([token = req.params["token"]](Stores& s) {
                  auto page = feedback::PageFor(s.feedback(), token, Now());
                  if (!page) return ErrorResponse(page.error());
                  return Json(200, *page);
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/self-serve/surveys/{token}",
              {"The customer's answer: {\"answers\": {\"question id\": score, choice or text}}; accepted once per "
               "token (409 after), a poor score opens a follow-up case",
               "self-serve", {}, "SurveyAnswer", "SurveyAnswered", false, std::string(kPublic)},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                if (!body->contains("answers")) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required: {\"question id\": answer}", "answers"}));
                }
                workers->Write(Atomic([token = req.params["token"], answers = (*body)["answers"]](Stores& s) -> Result<Response> {
                  auto now = Now();
                  feedback::ValueBand band = [&s](const std::string& customer) { return CustomerValueBand(s, customer); };
                  RETAIN_ASSIGN_OR_RETURN(auto outcome, feedback::AnswerSurvey(s.records(), s.care(), s.feedback(), s.webhooks(),
                                                                               token, answers, band, now));
                  return Json(201, {{"status", "answered"}, {"thanks", outcome.thanks}, {"band", outcome.response.band}});
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/customers/{id}/surveys",
              {"A customer's survey invitations and answers, newest first", "feedback", {}, "", "CustomerSurveys",
               false, read},
              [workers](Request req, Reply reply) {
                workers->Read([id = req.params["id"]](Stores& s) {
                  auto now = Now();
                  feedback::InvitationQuery q;
                  q.customer = id;
                  q.now = now;
                  q.limit = 200;
                  auto invitations = s.feedback().Invitations(q);
                  if (!invitations) return ErrorResponse(invitations.error());
                  feedback::ResponseQuery rq;
                  rq.customer = id;
                  auto responses = s.feedback().Responses(rq);
                  if (!responses) return ErrorResponse(responses.error());
                  json inv = json::array();
                  for (const auto& i : *invitations) inv.push_back(feedback::InvitationJson(i, now));
                  json resp = json::array();
                  for (auto it = responses->rbegin(); it != responses->rend(); ++it) resp.push_back(feedback::ResponseJson(*it));
                  return Json(200, {{"invitations", inv}, {"responses", resp}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/feedback/report",
              {"What the answers say: NPS, CSAT and CES with the promoter/passive/detractor split and 95 % intervals, "
               "by period; which areas drive poor answers; each agent's score; the response rate",
               "feedback",
               {{"survey", "one survey's key (default: all)"}, {"period", "month (default), week or quarter"},
                {"from", "first day (default: twelve months ago)"}, {"to", "day after the last (default: tomorrow)"}},
               "", "FeedbackReport", false, read},
              [workers, zone](Request req, Reply reply) {
                std::string period = req.Query("period", "month");
                if (period != "month" && period != "week" && period != "quarter") {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be month, week or quarter", "period"}));
                }
                ServeReport(workers, req, zone, std::move(reply),
                            [survey = req.Query("survey"), period, zone](Stores& s, const Window& w, Timestamp) -> Result<json> {
                  feedback::ResponseQuery q;
                  q.survey = survey;
                  q.from = w.from;
                  q.to = w.to;
                  RETAIN_ASSIGN_OR_RETURN(auto responses, s.feedback().Responses(q));
                  RETAIN_ASSIGN_OR_RETURN(auto counts, s.feedback().InvitationCounts(survey, w.from, w.to));
                  json out = feedback::FeedbackReport(responses, zone, period);
                  out["survey"] = survey;
                  out["invited"] = counts.first;
                  out["answered"] = counts.second;
                  out["response_rate"] = counts.first > 0
                                             ? json(static_cast<double>(counts.second) / static_cast<double>(counts.first))
                                             : json();
                  return out;
                });
              }});

  router.Add({"POST", "/v1/feedback/upkeep",
              {"Send the survey reminders that are due (also hourly)", "feedback", {}, "", "FeedbackUpkeep", false, manage},
              [workers](Request, Reply reply) { workers->Write(FeedbackUpkeep(), std::move(reply)); }});
}

}  // namespace retain::server
