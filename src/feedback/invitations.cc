#include "feedback/invitations.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "care/cases.h"
#include "common/crypto.h"

namespace retain::feedback {
namespace {

using nlohmann::json;

constexpr size_t kMaxList = 10000;

std::string StatusOf(const Invitation& i, Timestamp now) {
  if (i.answered_at) return "answered";
  return now >= i.expires_at ? "expired" : "waiting";
}

json Event(std::string_view type, Timestamp now, json data) {
  return {{"type", type}, {"created_at", FormatTimestamp(now)}, {"data", std::move(data)}};
}

// Where a follow-up case belongs, from the area the customer rated lowest or chose as a reason.
std::string CategoryOf(const std::vector<Answer>& answers, const Survey& survey) {
  std::string area;
  double lowest = 2;
  const Question* headline = Headline(survey);
  for (const auto& a : answers) {
    if (a.area.empty() || a.area == "overall") continue;
    if (a.score && (headline == nullptr || a.question != headline->id)) {
      auto [lo, hi] = ScaleOf(a.type);
      double share = static_cast<double>(*a.score - lo) / static_cast<double>(hi - lo);
      if (share < lowest) {
        lowest = share;
        area = a.area;
      }
    } else if (!a.choice.empty() && area.empty()) {
      area = a.area;
    }
  }
  static const std::map<std::string, std::string, std::less<>> kCategory = {
      {"billing", "billing"}, {"price", "billing"}, {"delivery", "delivery"}, {"staff", "staff"},
      {"support", "staff"}, {"product", "product_quality"}, {"quality", "product_quality"},
      {"technical", "technical"}, {"website", "technical"}, {"network", "technical"}};
  if (auto it = kCategory.find(area); it != kCategory.end()) return it->second;
  return "other";
}

Result<std::optional<std::string>> Unreachable(const core::Customer& c, std::string_view channel) {
  if (channel == "email") {
    if (c.email.empty()) return std::optional<std::string>("no e-mail address");
    if (!c.consent.email) return std::optional<std::string>("no e-mail consent");
  } else if (channel == "print") {
    if (c.address_line1.empty() || c.city.empty()) return std::optional<std::string>("no postal address");
    if (!c.consent.post) return std::optional<std::string>("no consent to letters");
  }
  return std::optional<std::string>();
}

}  // namespace

Result<LoadedSurvey> LoadSurvey(FeedbackStore& store, std::string_view key) {
  RETAIN_ASSIGN_OR_RETURN(auto stored, store.GetSurvey(key));
  if (!stored) return NotFound(fmt::format("no survey '{}'", key), "survey");
  auto survey = ParseSurvey(key, json::parse(stored->document, nullptr, false));
  if (!survey) {
    return Internal(fmt::format("the stored survey '{}' version {} does not parse: {}", key, stored->version,
                                survey.error().ToString()));
  }
  return LoadedSurvey{std::move(*survey), stored->version};
}

Result<InviteResult> Invite(core::RecordStore& records, FeedbackStore& store, core::WebhookStore& outbox,
                            const InviteInput& in, const std::string& actor, Timestamp now) {
  if (in.channel != "email" && in.channel != "print" && in.channel != "link") {
    return InvalidArgument("must be email, print or link", "channel");
  }
  if (in.customers.empty()) return InvalidArgument("is required: the customers to ask", "customers");
  if (in.customers.size() > kMaxList) return InvalidArgument("has more than 10,000 customers; send it in parts", "customers");
  RETAIN_ASSIGN_OR_RETURN(auto loaded, LoadSurvey(store, in.survey));
  const Survey& survey = loaded.survey;
  if (!survey.active) return InvalidArgument(fmt::format("survey '{}' is not active", survey.key), "survey");
  InviteResult out;
  std::set<std::string> seen;
  for (const auto& id : in.customers) {
    if (!seen.insert(id).second) continue;
    RETAIN_ASSIGN_OR_RETURN(auto customer, records.GetCustomer(id));
    if (!customer) {
      out.skipped.push_back({id, "unknown customer"});
      continue;
    }
    RETAIN_ASSIGN_OR_RETURN(auto unreachable, Unreachable(*customer, in.channel));
    if (unreachable) {
      out.skipped.push_back({id, *unreachable});
      continue;
    }
    RETAIN_ASSIGN_OR_RETURN(auto last, store.LastInvited(id));
    if (last && *last > now - std::chrono::days(survey.throttle_days)) {
      out.skipped.push_back({id, fmt::format("throttled: asked on {}", FormatTimestamp(*last).substr(0, 10))});
      continue;
    }
    RETAIN_ASSIGN_OR_RETURN(std::string token, RandomHex(16));
    Invitation inv;
    inv.token_hash = Sha256Hex(token);
    inv.survey = survey.key;
    inv.survey_version = loaded.version;
    inv.customer = id;
    inv.locale = customer->locale.empty() ? "en" : customer->locale;
    inv.channel = in.channel;
    inv.source = in.source;
    inv.case_id = in.case_id;
    inv.agent = in.agent;
    inv.created_at = now;
    inv.expires_at = now + std::chrono::days(survey.expires_days);
    RETAIN_ASSIGN_OR_RETURN(inv.id, store.CreateInvitation(inv));
    json data = {{"invitation", inv.id}, {"survey", survey.key}, {"customer", id}, {"name", customer->name},
                 {"email", customer->email}, {"locale", inv.locale}, {"channel", inv.channel},
                 {"title", Localized(survey.title, inv.locale)}, {"path", "/s/" + token},
                 {"expires_at", FormatTimestamp(inv.expires_at)}, {"source", inv.source}};
    RETAIN_RETURN_IF_ERROR(outbox.AppendOutbox({0, "survey.invited", std::to_string(inv.id),
                                                Event("survey.invited", now, data).dump(), now}));
    out.invited.push_back({id, inv.id, token, inv.expires_at});
  }
  if (!out.invited.empty()) {
    RETAIN_RETURN_IF_ERROR(records.AppendAudit({now, actor, "survey.invited", "survey_invitations", survey.key, "null",
                                                json({{"invited", out.invited.size()}, {"skipped", out.skipped.size()},
                                                      {"channel", in.channel}, {"source", in.source}}).dump()}));
  }
  return out;
}

Result<std::optional<Invited>> Trigger(core::RecordStore& records, FeedbackStore& store, core::WebhookStore& outbox,
                                       std::string_view trigger, const std::string& customer, int64_t case_id,
                                       const std::string& agent, const std::string& actor, Timestamp now,
                                       std::string* skipped) {
  RETAIN_ASSIGN_OR_RETURN(auto surveys, store.ListSurveys());
  for (const auto& stored : surveys) {
    auto survey = ParseSurvey(stored.key, json::parse(stored.document, nullptr, false));
    if (!survey || !survey->active || survey->trigger != trigger) continue;
    InviteInput in;
    in.survey = stored.key;
    in.customers = {customer};
    in.source = std::string(trigger);
    in.case_id = case_id;
    in.agent = agent;
    RETAIN_ASSIGN_OR_RETURN(auto result, Invite(records, store, outbox, in, actor, now));
    if (!result.invited.empty()) return std::optional<Invited>(result.invited.front());
    if (skipped != nullptr && !result.skipped.empty()) *skipped = result.skipped.front().reason;
    return std::optional<Invited>();
  }
  if (skipped != nullptr) *skipped = fmt::format("no active survey is sent on {}", trigger);
  return std::optional<Invited>();
}

Result<json> PageFor(FeedbackStore& store, std::string_view token, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto inv, store.InvitationByToken(Sha256Hex(token)));
  if (!inv) return NotFound("this survey link is not valid", "token");
  RETAIN_ASSIGN_OR_RETURN(auto loaded, LoadSurvey(store, inv->survey));
  json out = SurveyForPage(loaded.survey, inv->locale);
  out["status"] = StatusOf(*inv, now);
  out["expires_at"] = FormatTimestamp(inv->expires_at);
  return out;
}

Result<AnswerOutcome> AnswerSurvey(core::RecordStore& records, care::CareStore& care, FeedbackStore& store,
                                   core::WebhookStore& outbox, std::string_view token, const json& answers,
                                   const ValueBand& value_band, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto inv, store.InvitationByToken(Sha256Hex(token)));
  if (!inv) return NotFound("this survey link is not valid", "token");
  if (inv->answered_at) {
    return Conflict(fmt::format("this survey was answered on {}; the first answer stands",
                                FormatTimestamp(*inv->answered_at).substr(0, 10)), "token");
  }
  if (now >= inv->expires_at) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     fmt::format("this survey closed on {}", FormatTimestamp(inv->expires_at).substr(0, 10)), "token");
  }
  RETAIN_ASSIGN_OR_RETURN(auto loaded, LoadSurvey(store, inv->survey));
  const Survey& survey = loaded.survey;
  RETAIN_ASSIGN_OR_RETURN(auto parsed, ParseAnswers(survey, answers));
  StoredResponse r;
  r.invitation_id = inv->id;
  r.survey = survey.key;
  r.customer = inv->customer;
  r.kind = survey.kind;
  r.agent = inv->agent;
  r.case_id = inv->case_id;
  r.locale = inv->locale;
  r.answers = AnswersJson(parsed).dump();
  r.answered_at = now;
  const Question* headline = Headline(survey);
  std::string comment;
  for (const auto& a : parsed) {
    if (headline != nullptr && a.question == headline->id) {
      r.score = a.score;
      if (a.score) r.band = BandOf(headline->type, *a.score);
    }
    if (!a.text.empty() && comment.empty()) comment = a.text;
  }
  RETAIN_ASSIGN_OR_RETURN(bool saved, store.SaveResponse(r));
  if (!saved) return Conflict("this survey was answered already; the first answer stands", "token");
  AnswerOutcome out{r, 0, Localized(survey.thanks, inv->locale)};
  json data = {{"response", r.id}, {"invitation", inv->id}, {"survey", survey.key}, {"customer", r.customer},
               {"score", r.score ? json(*r.score) : json()}, {"band", r.band}, {"agent", r.agent}};
  if (survey.follow_up && headline != nullptr && r.score && Negative(headline->type, *r.score)) {
    care::NewCase c;
    c.customer = r.customer;
    c.channel = "survey";
    c.category = CategoryOf(parsed, survey);
    c.severity = (headline->type == "nps" && *r.score <= 3) || (headline->type != "nps" && *r.score == 1) ? "high" : "medium";
    c.text = fmt::format("Survey \"{}\": {} {} of {} ({}).", Localized(survey.title, "en"), headline->type, *r.score,
                         ScaleOf(headline->type).second, r.band);
    if (!comment.empty()) c.text += fmt::format(" The customer wrote: \"{}\"", comment);
    RETAIN_ASSIGN_OR_RETURN(std::string band, value_band(r.customer));
    RETAIN_ASSIGN_OR_RETURN(auto opened, care::OpenCase(records, care, outbox, c, band, "system:feedback", now));
    RETAIN_RETURN_IF_ERROR(store.SetFollowUp(r.id, opened.id));
    out.follow_up_case = opened.id;
    out.response.follow_up_case = opened.id;
    data["follow_up_case"] = opened.id;
  }
  RETAIN_RETURN_IF_ERROR(outbox.AppendOutbox({0, "survey.answered", std::to_string(r.id),
                                              Event("survey.answered", now, data).dump(), now}));
  return out;
}

Result<int64_t> SendReminders(core::RecordStore& records, FeedbackStore& store, core::WebhookStore& outbox, Timestamp now) {
  std::map<std::string, std::optional<Survey>, std::less<>> surveys;
  int64_t sent = 0;
  // A page at a time, so every waiting invitation is looked at however many there are.
  for (int64_t after = 0;;) {
    RETAIN_ASSIGN_OR_RETURN(auto waiting, store.Waiting(now, after, 1000));
    if (waiting.empty()) break;
    after = waiting.back().id;
    for (const auto& inv : waiting) {
      auto it = surveys.find(inv.survey);
      if (it == surveys.end()) {
        auto loaded = LoadSurvey(store, inv.survey);
        it = surveys.emplace(inv.survey, loaded ? std::optional<Survey>(loaded->survey) : std::nullopt).first;
      }
      if (!it->second) continue;
      const Survey& survey = *it->second;
      int due = 0;
      for (int d : survey.reminder_days) due += inv.created_at + std::chrono::days(d) <= now ? 1 : 0;
      if (due <= inv.reminders) continue;
      RETAIN_ASSIGN_OR_RETURN(auto customer, records.GetCustomer(inv.customer));
      json data = {{"invitation", inv.id}, {"survey", inv.survey}, {"customer", inv.customer},
                   {"name", customer ? customer->name : ""}, {"email", customer ? customer->email : ""},
                   {"locale", inv.locale}, {"channel", inv.channel}, {"title", Localized(survey.title, inv.locale)},
                   {"reminder", due}, {"expires_at", FormatTimestamp(inv.expires_at)}};
      RETAIN_RETURN_IF_ERROR(outbox.AppendOutbox({0, "survey.reminder", std::to_string(inv.id),
                                                  Event("survey.reminder", now, data).dump(), now}));
      RETAIN_RETURN_IF_ERROR(store.SetReminders(inv.id, due));
      ++sent;
    }
  }
  return sent;
}

json InvitationJson(const Invitation& i, Timestamp now) {
  return {{"id", i.id}, {"survey", i.survey}, {"customer", i.customer}, {"locale", i.locale}, {"channel", i.channel},
          {"source", i.source}, {"case", i.case_id == 0 ? json() : json(i.case_id)}, {"agent", i.agent},
          {"created_at", FormatTimestamp(i.created_at)}, {"expires_at", FormatTimestamp(i.expires_at)},
          {"reminders", i.reminders}, {"answered_at", i.answered_at ? json(FormatTimestamp(*i.answered_at)) : json()},
          {"status", StatusOf(i, now)}};
}

json ResponseJson(const StoredResponse& r) {
  return {{"id", r.id}, {"invitation", r.invitation_id}, {"survey", r.survey}, {"customer", r.customer},
          {"kind", r.kind}, {"score", r.score ? json(*r.score) : json()}, {"band", r.band}, {"agent", r.agent},
          {"case", r.case_id == 0 ? json() : json(r.case_id)}, {"locale", r.locale},
          {"answers", json::parse(r.answers, nullptr, false)},
          {"follow_up_case", r.follow_up_case == 0 ? json() : json(r.follow_up_case)},
          {"answered_at", FormatTimestamp(r.answered_at)}};
}

}  // namespace retain::feedback
