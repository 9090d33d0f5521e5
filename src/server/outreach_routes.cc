// Outreach over HTTP: segments (the fields a segment may name, how many customers one holds now,
// or where it is wrong), the business's sender details and sending rules, message templates with
// a preview for a real customer, campaigns (draft, schedule, cancel, results against the held-out
// group, the letters' PDF), a customer's deliveries, the suppression list, and the public
// unsubscribe routes the links in messages point to.
#include <cctype>

#include <fmt/format.h>

#include "common/crypto.h"
#include "outreach/bounce.h"
#include "outreach/campaign.h"
#include "outreach/facts_store.h"
#include "outreach/letter.h"
#include "outreach/message.h"
#include "outreach/segment.h"
#include "server/api.h"
#include "server/facts_cache.h"
#include "server/outreach_sender.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;

std::string_view TypeName(outreach::FieldType t) {
  switch (t) {
    case outreach::FieldType::kText: return "text";
    case outreach::FieldType::kNumber: return "number";
    case outreach::FieldType::kBool: return "bool";
  }
  return "text";
}


std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

json TemplateJson(const outreach::StoredTemplate& t) {
  json out = outreach::TemplateDocument(t.message);
  out["key"] = t.message.key;
  out["updated_by"] = t.updated_by;
  out["updated_at"] = FormatTimestamp(t.updated_at);
  out["missing_translations"] = outreach::MissingTranslations(t.message);
  out["unknown_variables"] = outreach::UnknownVariables(t.message);
  return out;
}

json DeliveryJson(const outreach::Delivery& d) {
  json out = {{"id", d.id},         {"source", d.source},     {"customer", d.customer_id}, {"channel", d.channel},
              {"template", d.template_key}, {"variant", d.variant}, {"purpose", d.purpose}, {"status", d.status},
              {"reason", d.reason}, {"due_at", FormatTimestamp(d.due_at)}, {"attempts", d.attempts},
              {"address", d.address}, {"subject", d.subject}};
  out["sent_at"] = d.sent_at ? json(FormatTimestamp(*d.sent_at)) : json(nullptr);
  return out;
}

json RateJson(const Rate& r) { return {{"n", r.n}, {"k", r.k}, {"rate", r.rate}, {"low", r.low}, {"high", r.high}}; }
json MeanJson(const Mean& m) { return {{"n", m.n}, {"mean", m.mean}, {"low", m.low}, {"high", m.high}}; }
json DiffJson(const std::optional<Difference>& d) {
  if (!d) return nullptr;
  return {{"estimate", d->estimate}, {"low", d->low}, {"high", d->high}};
}

json SavedSegmentJson(const outreach::SavedSegment& g) {
  json out = {{"key", g.key}, {"name", g.name}, {"segment", g.expression}, {"members", g.members},
              {"created_by", g.created_by}, {"updated_at", FormatTimestamp(g.updated_at)}};
  out["refreshed_at"] = g.refreshed_at ? json(FormatTimestamp(*g.refreshed_at)) : json(nullptr);
  return out;
}

// A campaign with its deliveries counted by status.
Result<json> CampaignJson(Stores& s, const outreach::Campaign& c) {
  json out = outreach::CampaignDocument(c);
  RETAIN_ASSIGN_OR_RETURN(auto counts, s.outreach().CountByStatus("campaign:" + c.key));
  json by_status = json::object();
  for (const auto& [status, n] : counts) by_status[status] = n;
  out["deliveries"] = by_status;
  return out;
}

Result<outreach::Campaign> FindCampaign(Stores& s, const std::string& key) {
  RETAIN_ASSIGN_OR_RETURN(auto c, s.outreach().GetCampaign(key));
  if (!c) return MakeError(ErrorCode::kNotFound, fmt::format("no campaign '{}'", key), "key");
  return std::move(*c);
}

// What the members of a source did after it reached them (or was held back), by group, with each
// group's lift over held out.
Result<json> OutcomesJson(Stores& s, const std::string& source, const std::vector<outreach::Variant>& variants, int days) {
  RETAIN_ASSIGN_OR_RETURN(auto rows, s.outreach().Outcomes(source, days, Now()));
  std::vector<outreach::CustomerOutcome> outcomes;
  for (const auto& r : rows) outcomes.push_back({r.variant, r.status == "sent", r.purchases > 0, r.revenue_minor, r.cancelled});
  auto results = outreach::CompareGroups(outcomes, variants);
  json groups = json::array();
  for (const auto& g : results.groups) {
    groups.push_back({{"group", g.group}, {"customers", g.customers}, {"sent", g.sent},
                      {"purchase_rate", RateJson(g.purchase_rate)}, {"revenue_per_customer_minor", MeanJson(g.revenue)},
                      {"cancel_rate", RateJson(g.cancel_rate)}});
  }
  json lifts = json::array();
  for (const auto& l : results.lifts) {
    lifts.push_back({{"group", l.group}, {"purchase_rate", DiffJson(l.purchase_rate)},
                     {"revenue_per_customer_minor", DiffJson(l.revenue)}, {"cancel_rate", DiffJson(l.cancel_rate)}});
  }
  RETAIN_ASSIGN_OR_RETURN(auto settings, LoadOutreachSettings(s.records()));
  return json{{"currency", settings.sender.currency}, {"outcome_days", days}, {"groups", groups}, {"lifts", lifts}};
}

// Every variant's template exists.
Status CheckTemplates(Stores& s, const outreach::Campaign& c) {
  for (size_t i = 0; i < c.variants.size(); ++i) {
    RETAIN_ASSIGN_OR_RETURN(auto t, s.outreach().GetTemplate(c.variants[i].template_key));
    if (!t) {
      return MakeError(ErrorCode::kInvalidArgument, fmt::format("there is no template '{}'", c.variants[i].template_key),
                       fmt::format("variants[{}].template", i));
    }
  }
  return Ok();
}

}  // namespace

void AddOutreachRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  OutreachSender* sender = ctx.outreach;
  BusinessZone zone = ctx.zone;
  const std::string read(staff::kRecordsRead), manage(staff::kOutreachManage), pub(kPublic);

  router.Add({"GET", "/v1/segments/fields", {"The fields a segment may name, with their types", "outreach", {}, "",
                                             "SegmentFields", false, read},
              [](Request, Reply reply) {
                json data = json::array();
                for (const auto& f : outreach::kFields) {
                  data.push_back({{"name", f.name}, {"type", TypeName(f.type)}, {"help", f.help}});
                }
                reply(Json(200, {{"data", data}}));
              }});

  router.Add({"POST", "/v1/segments/count",
              {"How many customers a segment holds now: {\"segment\": \"tier = \\\"gold\\\" and churn_risk > 0.6\"}; "
               "a mistake answers 400 with the line and column in the error's field. Counted over the facts the server "
               "keeps in memory: every write so far is in them; facts that move with the clock alone (days since the "
               "last purchase) are as of facts_as_of, at most an hour ago",
               "outreach", {}, "SegmentInput", "SegmentCount", false, read},
              [workers, cache = ctx.facts](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                if (!body->contains("segment") || !(*body)["segment"].is_string()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required: the segment's text", "segment"}));
                }
                auto parsed = outreach::ParseSegment((*body)["segment"].get<std::string>());
                if (!parsed) return reply(ErrorResponse(parsed.error()));
                auto segment = std::make_shared<outreach::Segment>(std::move(*parsed));
                workers->Read([segment, cache](Stores& s) {
                  auto now = Now();
                  outreach::SegmentCount count;
                  Timestamp as_of = now;
                  if (cache) {
                    // The writes so far are applied first; while the sender reads everyone again,
                    // the table as it was answers.
                    if (auto updated = cache->Update(s, now, /*wait=*/false); !updated) return ErrorResponse(updated.error());
                    count = cache->Count(*segment, 10);
                    as_of = cache->as_of();
                  } else {
                    auto facts = s.facts().AllFacts(now);
                    if (!facts) return ErrorResponse(facts.error());
                    count = outreach::CountSegment(*segment, *facts, 10);
                  }
                  json fields = json::array();
                  for (size_t f : segment->fields) fields.push_back(outreach::kFields[f].name);
                  return Json(200, {{"count", count.matched}, {"customers", count.customers}, {"sample", count.sample},
                                    {"canonical", outreach::Canonical(*segment->root)}, {"fields", fields},
                                    {"facts_as_of", FormatTimestamp(as_of)}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/saved-segments",
              {"Every saved segment with its members counted; members are kept up to date as events arrive",
               "outreach", {}, "", "SavedSegments", false, read},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto rows = s.outreach().ListSavedSegments();
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& g : *rows) data.push_back(SavedSegmentJson(g));
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/saved-segments/{key}",
              {"A saved segment and its members (the first 100 by id)", "outreach", {}, "", "SavedSegment", false, read},
              [workers](Request req, Reply reply) {
                workers->Read(Answer([key = req.params["key"]](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto g, s.outreach().GetSavedSegment(key));
                  if (!g) return MakeError(ErrorCode::kNotFound, fmt::format("no saved segment '{}'", key), "key");
                  RETAIN_ASSIGN_OR_RETURN(auto members, s.outreach().SegmentMembers(key));
                  if (members.size() > 100) members.resize(100);
                  json out = SavedSegmentJson(*g);
                  out["sample"] = members;
                  return Json(200, out);
                }), std::move(reply));
              }});

  router.Add({"PUT", "/v1/saved-segments/{key}",
              {"Save a segment to keep: {\"name\", \"segment\"}. Its members are counted within seconds and then "
               "follow events; a customer coming in or leaving is a segment.entered or segment.left event, which can "
               "start a journey (for example churn_risk > 0.6: churn risk crossed a threshold)",
               "outreach", {}, "SavedSegmentInput", "SavedSegment", false, manage},
              [workers, sender](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                if (!body->contains("segment") || !(*body)["segment"].is_string()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required: the segment's text", "segment"}));
                }
                if (body->contains("name") && !(*body)["name"].is_string()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be text", "name"}));
                }
                outreach::SavedSegment g;
                g.key = req.params["key"];
                g.expression = (*body)["segment"].get<std::string>();
                g.name = body->value("name", "");
                if (g.name.empty()) g.name = g.key;
                if (auto parsed = outreach::ParseSegment(g.expression); !parsed) return reply(ErrorResponse(parsed.error()));
                workers->Write(Atomic([g, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  outreach::SavedSegment saved = g;
                  RETAIN_ASSIGN_OR_RETURN(auto existing, s.outreach().GetSavedSegment(g.key));
                  saved.created_by = existing ? existing->created_by : actor;
                  saved.updated_at = Now();
                  RETAIN_RETURN_IF_ERROR(s.outreach().PutSavedSegment(saved));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({saved.updated_at, actor, "segment.saved", "segments", g.key,
                                                                  existing ? json(existing->expression).dump() : "null",
                                                                  json(g.expression).dump()}));
                  RETAIN_ASSIGN_OR_RETURN(auto stored, s.outreach().GetSavedSegment(g.key));
                  return Json(existing ? 200 : 201, SavedSegmentJson(*stored));
                }), WakingOnSuccess(sender, std::move(reply)));
              }});

  router.Add({"DELETE", "/v1/saved-segments/{key}",
              {"Stop keeping a segment; a journey that follows it answers 409 until it is changed", "outreach", {}, "", "",
               false, manage},
              [workers](Request req, Reply reply) {
                workers->Write(Atomic([key = req.params["key"], actor = req.principal->actor](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto journeys, s.outreach().ListJourneys());
                  for (const auto& j : journeys) {
                    if (j.segment == key) {
                      return MakeError(ErrorCode::kConflict, fmt::format("journey '{}' follows this segment", j.key), "key");
                    }
                  }
                  RETAIN_ASSIGN_OR_RETURN(bool removed, s.outreach().DeleteSavedSegment(key));
                  if (!removed) return MakeError(ErrorCode::kNotFound, fmt::format("no saved segment '{}'", key), "key");
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({Now(), actor, "segment.deleted", "segments", key, "null", "null"}));
                  return Json(200, {{"key", key}, {"deleted", true}});
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/outreach/settings",
              {"Who messages are from (name, addresses, where letters are posted from, paper) and the sending rules "
               "(frequency caps per channel, quiet hours)", "outreach", {}, "", "OutreachSettings", false, read},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto settings = LoadOutreachSettings(s.records());
                  if (!settings) return ErrorResponse(settings.error());
                  return Json(200, outreach::OutreachSettingsDocument(*settings));
                }, std::move(reply));
              }});

  router.Add({"PUT", "/v1/outreach/settings",
              {"Change the sender and the sending rules: {\"sender\": {business_name, from_email, reply_to, "
               "postal_address: [lines], country, city, currency, paper: a4|letter}, \"policy\": {caps: {email: "
               "{max, days}}, quiet_start_hour, quiet_end_hour}}", "outreach", {}, "OutreachSettings", "OutreachSettings",
               false, manage},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto parsed = outreach::ParseOutreachSettings(*body);
                if (!parsed) return reply(ErrorResponse(parsed.error()));
                workers->Write(Atomic([doc = outreach::OutreachSettingsDocument(*parsed), actor = req.principal->actor](
                                          Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto before, s.records().GetSetting(outreach::kSettingsKey));
                  RETAIN_RETURN_IF_ERROR(s.records().SetSetting(outreach::kSettingsKey, doc.dump()));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit(
                      {Now(), actor, "outreach.settings", "settings", "outreach", before.value_or("null"), doc.dump()}));
                  return Json(200, doc);
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/templates",
              {"Every message template, with the values a template may name and one to start from", "outreach", {}, "",
               "Templates", false, read},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto rows = s.outreach().ListTemplates();
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& t : *rows) data.push_back(TemplateJson(t));
                  json variables = json::array();
                  for (const auto& v : outreach::kVariables) variables.push_back({{"name", v.name}, {"help", v.help}});
                  return Json(200, {{"data", data}, {"variables", variables}, {"example", outreach::ExampleTemplateDocument()}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/templates/{key}", {"A message template", "outreach", {}, "", "Template", false, read},
              [workers](Request req, Reply reply) {
                workers->Read([key = req.params["key"]](Stores& s) {
                  auto t = s.outreach().GetTemplate(key);
                  if (!t) return ErrorResponse(t.error());
                  if (!*t) return ErrorResponse({ErrorCode::kNotFound, fmt::format("no template '{}'", key), "key"});
                  return Json(200, TemplateJson(**t));
                }, std::move(reply));
              }});

  router.Add({"PUT", "/v1/templates/{key}",
              {"Store a message template: {\"name\", \"purpose\": marketing|transactional, \"subject\": {en, pt, da}, "
               "\"text\": {...}, \"html\": {...}} in mustache; a mistake answers with the text and its line and column",
               "outreach", {}, "TemplateDocument", "Template", false, manage},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto parsed = outreach::ParseTemplate(req.params["key"], *body);
                if (!parsed) return reply(ErrorResponse(parsed.error()));
                workers->Write(Atomic([t = *parsed, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  outreach::StoredTemplate stored{t, actor, Now()};
                  RETAIN_RETURN_IF_ERROR(s.outreach().PutTemplate(stored));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({Now(), actor, "template.defined", "templates", t.key, "null",
                                                                  outreach::TemplateDocument(t).dump()}));
                  return Json(200, TemplateJson(stored));
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/templates/{key}/preview",
              {"The template written for a real customer: {\"customer\": id, \"locale\": en|pt|da (default the "
               "customer's), \"template\": a document to try instead of the stored one, \"values\": an event's values}",
               "outreach", {}, "TemplatePreviewInput", "TemplatePreview", false, read},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                std::string customer = body->value("customer", "");
                if (customer.empty()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required: the customer to write to", "customer"}));
                }
                std::string locale = body->value("locale", "");
                if (!locale.empty() && locale != "en" && locale != "pt" && locale != "da") {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be en, pt or da", "locale"}));
                }
                std::optional<outreach::MessageTemplate> draft;
                if (body->contains("template")) {
                  auto parsed = outreach::ParseTemplate(req.params["key"], (*body)["template"]);
                  if (!parsed) {
                    Error e = parsed.error();
                    e.field = "template." + e.field;
                    return reply(ErrorResponse(e));
                  }
                  draft = std::move(*parsed);
                }
                json values = body->value("values", json::object());
                workers->Read(Answer([key = req.params["key"], customer, locale, draft, values, zone](Stores& s) -> Result<Response> {
                  outreach::MessageTemplate t;
                  if (draft) {
                    t = *draft;
                  } else {
                    RETAIN_ASSIGN_OR_RETURN(auto stored, s.outreach().GetTemplate(key));
                    if (!stored) return MakeError(ErrorCode::kNotFound, fmt::format("no template '{}'", key), "key");
                    t = stored->message;
                  }
                  RETAIN_ASSIGN_OR_RETURN(auto c, s.records().GetCustomer(customer));
                  if (!c) return MakeError(ErrorCode::kNotFound, fmt::format("no customer '{}'", customer), "customer");
                  RETAIN_ASSIGN_OR_RETURN(auto settings, LoadOutreachSettings(s.records()));
                  auto now = Now();
                  RETAIN_ASSIGN_OR_RETURN(auto facts, s.facts().FactsOf(customer, now));
                  json v = outreach::CustomerValues(*c, facts ? &facts->facts : nullptr, settings.sender, now, zone,
                                                    "https://example.invalid/u/preview", values);
                  RETAIN_ASSIGN_OR_RETURN(auto m, outreach::Render(t, locale.empty() ? c->locale : locale, v));
                  std::vector<std::string> extra;
                  for (const auto& [k, unused] : values.items()) extra.push_back(k);
                  return Json(200, {{"locale", m.locale},
                                    {"subject", m.subject},
                                    {"text", m.text},
                                    {"html", m.html},
                                    {"values", v},
                                    {"missing_translations", outreach::MissingTranslations(t)},
                                    {"unknown_variables", outreach::UnknownVariables(t, extra)}});
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/campaigns", {"Every campaign, newest first, with deliveries by status", "outreach", {}, "",
                                       "Campaigns", false, read},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto rows = s.outreach().ListCampaigns();
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& c : *rows) {
                    auto j = CampaignJson(s, c);
                    if (!j) return ErrorResponse(j.error());
                    data.push_back(*j);
                  }
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/campaigns/{key}", {"A campaign with its deliveries by status", "outreach", {}, "", "Campaign", false, read},
              [workers](Request req, Reply reply) {
                workers->Read([key = req.params["key"]](Stores& s) {
                  auto c = FindCampaign(s, key);
                  if (!c) return ErrorResponse(c.error());
                  auto j = CampaignJson(s, *c);
                  return j ? Json(200, *j) : ErrorResponse(j.error());
                }, std::move(reply));
              }});

  router.Add({"PUT", "/v1/campaigns/{key}",
              {"Create or change a draft campaign: {\"name\", \"segment\", \"channel\": email|print|webhook, "
               "\"variants\": [{\"template\", \"share\"}], \"holdout_percent\" (0-50, default 10), \"outcome_days\" "
               "(default 30), \"send_at\"}; a campaign already scheduled or sent answers 409",
               "outreach", {}, "CampaignDocument", "Campaign", false, manage},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto parsed = outreach::ParseCampaign(req.params["key"], *body, zone);
                if (!parsed) return reply(ErrorResponse(parsed.error()));
                workers->Write(Atomic([parsed_campaign = *parsed, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  outreach::Campaign c = parsed_campaign;
                  RETAIN_ASSIGN_OR_RETURN(auto existing, s.outreach().GetCampaign(c.key));
                  auto now = Now();
                  if (existing) {
                    if (existing->status != "draft") {
                      return MakeError(ErrorCode::kConflict,
                                       fmt::format("campaign '{}' is {}; only a draft can change", c.key, existing->status), "status");
                    }
                    c.seed = existing->seed;
                    c.created_by = existing->created_by;
                    c.created_at = existing->created_at;
                  } else {
                    RETAIN_ASSIGN_OR_RETURN(c.seed, RandomHex(16));
                    c.created_by = actor;
                    c.created_at = now;
                  }
                  c.status = "draft";
                  c.updated_at = now;
                  RETAIN_RETURN_IF_ERROR(CheckTemplates(s, c));
                  RETAIN_RETURN_IF_ERROR(s.outreach().PutCampaign(c).map([](int64_t) {}));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit(
                      {now, actor, "campaign.saved", "campaigns", c.key, "null", outreach::CampaignDocument(c).dump()}));
                  RETAIN_ASSIGN_OR_RETURN(auto j, CampaignJson(s, c));
                  return Json(existing ? 200 : 201, j);
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/campaigns/{key}/schedule",
              {"Schedule a draft campaign: {\"send_at\"} (default: now); the audience is drawn at that moment, the "
               "held-out share recorded and never sent", "outreach", {}, "ScheduleInput", "Campaign", false, manage},
              [workers, zone, sender](Request req, Reply reply) {
                auto body = req.body.empty() ? Result<json>(json::object()) : ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                std::optional<Timestamp> at;
                if (auto text = body->value("send_at", ""); !text.empty()) {
                  auto parsed = ParseTimestamp(text, zone);
                  if (!parsed) return reply(ErrorResponse({ErrorCode::kInvalidArgument, parsed.error().message, "send_at"}));
                  at = *parsed;
                }
                workers->Write(Atomic([key = req.params["key"], at, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, FindCampaign(s, key));
                  if (c.status != "draft") {
                    return MakeError(ErrorCode::kConflict, fmt::format("campaign '{}' is already {}", key, c.status), "status");
                  }
                  RETAIN_RETURN_IF_ERROR(CheckTemplates(s, c));
                  auto now = Now();
                  c.send_at = at ? at : (c.send_at ? c.send_at : std::optional<Timestamp>(now));
                  c.status = "scheduled";
                  c.updated_at = now;
                  RETAIN_RETURN_IF_ERROR(s.outreach().PutCampaign(c).map([](int64_t) {}));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({now, actor, "campaign.scheduled", "campaigns", key, "null",
                                                                  fmt::format("\"{}\"", FormatTimestamp(*c.send_at))}));
                  RETAIN_ASSIGN_OR_RETURN(auto j, CampaignJson(s, c));
                  return Json(200, j);
                }), WakingOnSuccess(sender, std::move(reply)));
              }});

  router.Add({"POST", "/v1/campaigns/{key}/cancel",
              {"Stop a campaign: nothing more is sent; what was sent stays in the log", "outreach", {}, "", "Campaign",
               false, manage},
              [workers](Request req, Reply reply) {
                workers->Write(Atomic([key = req.params["key"], actor = req.principal->actor](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, FindCampaign(s, key));
                  if (c.status == "sent" || c.status == "cancelled") {
                    return MakeError(ErrorCode::kConflict, fmt::format("campaign '{}' is already {}", key, c.status), "status");
                  }
                  auto now = Now();
                  RETAIN_ASSIGN_OR_RETURN(auto queued, s.outreach().SourceDeliveries("campaign:" + key, "queued"));
                  for (auto& d : queued) {
                    d.status = "skipped";
                    d.reason = "the campaign was cancelled";
                    RETAIN_RETURN_IF_ERROR(s.outreach().UpdateDelivery(d));
                  }
                  c.status = "cancelled";
                  c.updated_at = now;
                  RETAIN_RETURN_IF_ERROR(s.outreach().PutCampaign(c).map([](int64_t) {}));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({now, actor, "campaign.cancelled", "campaigns", key, "null", "null"}));
                  RETAIN_ASSIGN_OR_RETURN(auto j, CampaignJson(s, c));
                  return Json(200, j);
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/campaigns/{key}/results",
              {"What the campaign changed: per variant and for the held-out group, the customers, how many bought and "
               "cancelled and the revenue per customer in the outcome window after the audience was drawn, and each "
               "variant's lift over held out with a 95 % interval", "outreach", {}, "", "CampaignResults", false, read},
              [workers](Request req, Reply reply) {
                workers->Read(Answer([key = req.params["key"]](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, FindCampaign(s, key));
                  if (!c.audience_at) {
                    return MakeError(ErrorCode::kFailedPrecondition, "the campaign's audience has not been drawn yet", "status");
                  }
                  Timestamp from = *c.audience_at;
                  Timestamp to = std::min(Now(), from + date::days(c.outcome_days));
                  RETAIN_ASSIGN_OR_RETURN(json out, OutcomesJson(s, "campaign:" + key, c.variants, c.outcome_days));
                  out["campaign"] = key;
                  out["from"] = FormatTimestamp(from);
                  out["to"] = FormatTimestamp(to);
                  out["complete"] = Now() >= from + date::days(c.outcome_days);
                  return Json(200, out);
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/campaigns/{key}/letters.pdf",
              {"Every letter of a print campaign written so far, one PDF for the mailing house (each letter from a new "
               "page, the address where the window envelope shows it)", "outreach", {}, "", "", false, read},
              [workers, zone](Request req, Reply reply) {
                workers->Read(Answer([key = req.params["key"], zone](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, FindCampaign(s, key));
                  if (c.channel != "print") {
                    return MakeError(ErrorCode::kFailedPrecondition, fmt::format("campaign '{}' is sent by {}, not print", key, c.channel),
                                     "channel");
                  }
                  RETAIN_ASSIGN_OR_RETURN(auto settings, LoadOutreachSettings(s.records()));
                  RETAIN_ASSIGN_OR_RETURN(auto sent, s.outreach().SourceDeliveries("campaign:" + key, "sent"));
                  if (sent.empty()) return MakeError(ErrorCode::kFailedPrecondition, "no letter has been written yet", "status");
                  std::vector<outreach::Letter> letters;
                  for (const auto& d : sent) {
                    RETAIN_ASSIGN_OR_RETURN(auto customer, s.records().GetCustomer(d.customer_id));
                    if (!customer) continue;
                    outreach::RenderedMessage m{customer->locale, d.subject, d.content, ""};
                    letters.push_back(outreach::LetterFor(*customer, m, settings.sender, d.sent_at.value_or(Now()), zone));
                  }
                  RETAIN_ASSIGN_OR_RETURN(auto pdf, outreach::RenderLetters(letters, settings.sender.paper));
                  Response r;
                  r.content_type = "application/pdf";
                  r.body = std::move(pdf);
                  r.headers.push_back({"Content-Disposition", fmt::format("attachment; filename=\"{}-letters.pdf\"", key)});
                  return r;
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/customers/{id}/deliveries",
              {"Every message sent, held back or skipped for a customer, newest first, with the reason", "outreach",
               {{"limit", "1..500 (default 50)"}}, "", "Deliveries", false, read},
              [workers](Request req, Reply reply) {
                auto limit = req.Limit();
                if (!limit) return reply(ErrorResponse(limit.error()));
                if (*limit < 1 || *limit > 500) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be between 1 and 500", "limit"}));
                }
                workers->Read([id = req.params["id"], n = *limit](Stores& s) {
                  auto c = s.records().GetCustomer(id);
                  if (!c) return ErrorResponse(c.error());
                  if (!*c) return ErrorResponse({ErrorCode::kNotFound, fmt::format("no customer '{}'", id), "id"});
                  auto rows = s.outreach().CustomerDeliveries(id, n);
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& d : *rows) data.push_back(DeliveryJson(d));
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/journeys",
              {"Every journey with its deliveries by status, and the events a journey may start from", "outreach", {}, "",
               "Journeys", false, read},
              [workers](Request, Reply reply) {
                workers->Read(Answer([](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto rows, s.outreach().ListJourneys());
                  json data = json::array();
                  for (const auto& j : rows) {
                    json one = outreach::JourneyDocument(j);
                    RETAIN_ASSIGN_OR_RETURN(auto counts, s.outreach().CountByStatus("journey:" + j.key));
                    json by_status = json::object();
                    for (const auto& [status, n] : counts) by_status[status] = n;
                    one["deliveries"] = by_status;
                    data.push_back(one);
                  }
                  json triggers = json::array();
                  for (const auto& t : outreach::kJourneyTriggers) triggers.push_back({{"event", t.event}, {"help", t.help}});
                  return Json(200, {{"data", data}, {"triggers", triggers}});
                }), std::move(reply));
              }});

  router.Add({"PUT", "/v1/journeys/{key}",
              {"Create or change a journey: {\"name\", \"trigger\": an event (see GET /v1/journeys), \"segment\": the "
               "saved segment a segment.entered or segment.left journey follows, \"condition\": a "
               "segment checked when the event happens, \"channel\", \"steps\": [{\"wait_days\", \"template\"}], "
               "\"holdout_percent\", \"outcome_days\", \"active\"}; it starts with events from now on",
               "outreach", {}, "JourneyDocument", "Journey", false, manage},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto parsed = outreach::ParseJourney(req.params["key"], *body);
                if (!parsed) return reply(ErrorResponse(parsed.error()));
                workers->Write(Atomic([parsed_journey = *parsed, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  outreach::Journey j = parsed_journey;
                  for (size_t i = 0; i < j.steps.size(); ++i) {
                    RETAIN_ASSIGN_OR_RETURN(auto t, s.outreach().GetTemplate(j.steps[i].template_key));
                    if (!t) {
                      return MakeError(ErrorCode::kInvalidArgument, fmt::format("there is no template '{}'", j.steps[i].template_key),
                                       fmt::format("steps[{}].template", i));
                    }
                  }
                  if (!j.segment.empty()) {
                    RETAIN_ASSIGN_OR_RETURN(auto followed, s.outreach().GetSavedSegment(j.segment));
                    if (!followed) {
                      return MakeError(ErrorCode::kInvalidArgument,
                                       fmt::format("there is no saved segment '{}' (PUT /v1/saved-segments/{})", j.segment, j.segment),
                                       "segment");
                    }
                  }
                  RETAIN_ASSIGN_OR_RETURN(auto existing, s.outreach().GetJourney(j.key));
                  if (existing) {
                    j.seed = existing->seed;
                    j.since_event = existing->since_event;
                    j.created_by = existing->created_by;
                  } else {
                    RETAIN_ASSIGN_OR_RETURN(j.seed, RandomHex(16));
                    RETAIN_ASSIGN_OR_RETURN(j.since_event, s.outreach().LatestOutboxId());
                    j.created_by = actor;
                  }
                  j.updated_at = Now();
                  RETAIN_RETURN_IF_ERROR(s.outreach().PutJourney(j));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit(
                      {j.updated_at, actor, "journey.saved", "journeys", j.key, "null", outreach::JourneyDocument(j).dump()}));
                  return Json(existing ? 200 : 201, outreach::JourneyDocument(j));
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/journeys/{key}/results",
              {"What the journey changed: for everyone it started for (the held out included), what they did in the "
               "outcome window after the event, and the lift over held out with a 95 % interval",
               "outreach", {}, "", "CampaignResults", false, read},
              [workers](Request req, Reply reply) {
                workers->Read(Answer([key = req.params["key"]](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto j, s.outreach().GetJourney(key));
                  if (!j) return MakeError(ErrorCode::kNotFound, fmt::format("no journey '{}'", key), "key");
                  RETAIN_ASSIGN_OR_RETURN(json out, OutcomesJson(s, "journey:" + key, {{"A", "", 100}}, j->outcome_days));
                  out["journey"] = key;
                  out["complete"] = false;
                  return Json(200, out);
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/suppressions",
              {"Never write to an address again on a channel: {\"channel\", \"address\", \"reason\"}", "outreach", {},
               "SuppressionInput", "Suppression", false, manage},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                std::string channel = body->value("channel", "");
                std::string address = body->value("address", "");
                std::string reason = body->value("reason", "");
                if (channel != "email" && channel != "print" && channel != "webhook") {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be email, print or webhook", "channel"}));
                }
                if (address.empty()) return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required", "address"}));
                workers->Write(Atomic([channel, address, reason, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  RETAIN_RETURN_IF_ERROR(s.outreach().Suppress(channel, address, reason.empty() ? "by " + actor : reason, Now()));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({Now(), actor, "suppression.added", "suppressions",
                                                                  channel + ":" + address, "null", json(reason).dump()}));
                  return Json(201, {{"channel", channel}, {"address", address}, {"suppressed", true}});
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/bounces",
              {"A bounce that came back after the message left: the delivery status notification (RFC 3464) as the "
               "mail server sent it, as the body (for a mail pipe: curl --data-binary @-). A permanent failure (5.x.x) "
               "marks the delivery it quotes as bounced and suppresses the address; a delay changes nothing",
               "outreach", {}, "", "BounceResult", false, manage},
              [workers](Request req, Reply reply) {
                auto parsed = outreach::ParseDsn(req.body);
                if (!parsed) return reply(ErrorResponse(parsed.error()));
                workers->Write(Atomic([b = *parsed, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  auto now = Now();
                  std::optional<outreach::Delivery> d;
                  if (b.delivery_id) {
                    RETAIN_ASSIGN_OR_RETURN(d, s.outreach().GetDelivery(*b.delivery_id));
                    // Only when the report is about the address that delivery went to.
                    if (d && (d->channel != "email" || Lowercase(d->address) != b.recipient)) d.reset();
                  }
                  std::string reason = fmt::format("bounced after sending: {}{}{}", b.status, b.diagnostic.empty() ? "" : " ",
                                                   b.diagnostic);
                  bool changed = false;
                  if (b.permanent()) {
                    if (d && d->status != "bounced") {
                      d->status = "bounced";
                      d->reason = reason;
                      RETAIN_RETURN_IF_ERROR(s.outreach().UpdateDelivery(*d));
                      changed = true;
                    }
                    RETAIN_ASSIGN_OR_RETURN(bool was, s.outreach().IsSuppressed("email", b.recipient));
                    if (!was) {
                      RETAIN_RETURN_IF_ERROR(s.outreach().Suppress("email", b.recipient, reason, now));
                      changed = true;
                    }
                    if (changed) {
                      RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({now, actor, "email.bounced", "deliveries",
                                                                      d ? std::to_string(d->id) : b.recipient, "null",
                                                                      json{{"recipient", b.recipient}, {"status", b.status}}.dump()}));
                    }
                  }
                  json out = {{"recipient", b.recipient}, {"action", b.action}, {"status", b.status},
                              {"permanent", b.permanent()}, {"suppressed", b.permanent()}, {"changed", changed}};
                  out["delivery"] = d ? json(d->id) : json(nullptr);
                  return Json(200, out);
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/unsubscribe/{token}",
              {"For the unsubscribe page (no sign-in; the link in the message is the key): who, which channel, in "
               "which language, and whether they already left", "self-serve", {}, "", "Unsubscribe", false, pub},
              [workers](Request req, Reply reply) {
                workers->Read(Answer([token = req.params["token"]](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto secret, s.records().GetSetting(outreach::kSecretKey));
                  RETAIN_ASSIGN_OR_RETURN(int64_t id, outreach::VerifyUnsubscribeToken(secret.value_or(""), token));
                  RETAIN_ASSIGN_OR_RETURN(auto d, s.outreach().GetDelivery(id));
                  if (!d) return MakeError(ErrorCode::kNotFound, "this unsubscribe link is not valid", "token");
                  RETAIN_ASSIGN_OR_RETURN(auto c, s.records().GetCustomer(d->customer_id));
                  if (!c) return MakeError(ErrorCode::kNotFound, "this unsubscribe link is not valid", "token");
                  RETAIN_ASSIGN_OR_RETURN(auto settings, LoadOutreachSettings(s.records()));
                  auto space = c->name.find(' ');
                  return Json(200, {{"first_name", c->name.substr(0, space)}, {"locale", c->locale}, {"channel", d->channel},
                                    {"business_name", settings.sender.business_name},
                                    {"subscribed", outreach::HasConsent(*c, d->channel)}});
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/unsubscribe/{token}",
              {"Unsubscribe from the channel the message came by, at once (RFC 8058 one-click: mail clients POST "
               "\"List-Unsubscribe=One-Click\"; the page posts nothing); answering twice is harmless", "self-serve", {}, "",
               "Unsubscribe", false, pub},
              [workers](Request req, Reply reply) {
                workers->Write(Atomic([token = req.params["token"]](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto secret, s.records().GetSetting(outreach::kSecretKey));
                  RETAIN_ASSIGN_OR_RETURN(int64_t id, outreach::VerifyUnsubscribeToken(secret.value_or(""), token));
                  RETAIN_ASSIGN_OR_RETURN(auto d, s.outreach().GetDelivery(id));
                  if (!d) return MakeError(ErrorCode::kNotFound, "this unsubscribe link is not valid", "token");
                  RETAIN_ASSIGN_OR_RETURN(auto c, s.records().GetCustomer(d->customer_id));
                  if (!c) return MakeError(ErrorCode::kNotFound, "this unsubscribe link is not valid", "token");
                  bool was = outreach::HasConsent(*c, d->channel);
                  if (was) {
                    core::Customer changed = *c;
                    if (d->channel == "email") changed.consent.email = false;
                    else if (d->channel == "print") changed.consent.post = false;
                    else changed.consent.sms = false;
                    RETAIN_RETURN_IF_ERROR(s.records().PutCustomer(changed).map([](auto) {}));
                    RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({Now(), "customer:" + c->external_id, "consent.withdrawn",
                                                                    "customers", c->external_id,
                                                                    json(d->channel).dump(), json(d->source).dump()}));
                  }
                  return Json(200, {{"channel", d->channel}, {"subscribed", false}, {"changed", was}});
                }), std::move(reply));
              }});
}

}  // namespace retain::server
