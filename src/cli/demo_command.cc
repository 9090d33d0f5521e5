#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/store_opener.h"
#include "care/cases.h"
#include "care/compensation.h"
#include "common/crypto.h"
#include "demo/world.h"
#include "feedback/invitations.h"
#include "loyalty/engine.h"
#include "outreach/campaign.h"
#include "outreach/contest.h"
#include "outreach/message.h"
#include "outreach/segment.h"
#include "outreach/template.h"
#include "retention/recovery.h"
#include "retention/requests.h"
#include "retention/winback.h"
#include "staff/roles.h"

namespace retain::cli {
namespace {

// The retention desk's last four weeks in the demo world: some active subscribers call to cancel,
// the agent makes the best offer the desk allows within an agent's authority through the same
// calls the server makes, and some accept. Requests are dated in those weeks so the subscriptions'
// earlier bills stay consistent. The same seed gives the same calls.
Status SeedCancelRequests(core::RecordStore& records, retention::RetentionStore& desk, core::WebhookStore& outbox,
                          const BusinessZone& zone, Timestamp world_end, uint64_t seed) {
  // Once per world: a demo run again over the same database makes no more calls.
  retention::RequestQuery any;
  any.limit = 1;
  RETAIN_ASSIGN_OR_RETURN(auto earlier, desk.ListRequests(any));
  if (!earlier.empty()) return Ok();
  std::mt19937_64 rng(seed * 7919 + 17);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::string> active;
  core::ListQuery q;
  q.limit = 1000;
  while (true) {
    RETAIN_ASSIGN_OR_RETURN(auto page, records.ListSubscriptions(q));
    for (const auto& sub : page.items) {
      if (sub.status == core::SubscriptionStatus::kActive) active.push_back(sub.external_id);
    }
    if (page.next_cursor.empty()) break;
    q.cursor = page.next_cursor;
  }
  const retention::Caller agent{"user:demo-agent", "agent", staff::DefaultAuthority(staff::Role::kAgent)};
  // How often each kind of offer is taken when made (the desk learns these from the outcomes).
  const std::map<std::string, double> takes = {{"discount", 0.4}, {"pause", 0.35}, {"credit", 0.25}, {"other", 0.2}};
  std::discrete_distribution<size_t> reasons({30, 18, 8, 16, 12, 8, 4, 4});
  for (const auto& id : active) {
    if (u(rng) >= 0.08) continue;
    Timestamp at = world_end - std::chrono::seconds(static_cast<int64_t>((1 + 27 * u(rng)) * 86400));
    retention::OpenInput input{id, std::string(retention::ReasonName(retention::kAllReasons[reasons(rng)])),
                               u(rng) < 0.7 ? "phone" : "chat", ""};
    RETAIN_RETURN_IF_ERROR(InTransaction(records, [&]() -> Status {
      auto opened = retention::OpenCancelRequest(records, desk, outbox, input, agent, at, rng);
      if (!opened) return Ok();  // not open to a request then (already cancelled, say)
      const auto& request = opened->request;
      retention::OutcomeInput outcome;
      auto offers = nlohmann::json::parse(request.offers_json, nullptr, false);
      const nlohmann::json* best = nullptr;
      if (offers.is_array()) {
        for (const auto& o : offers) {
          if (!o.value("needs_approval", false)) {
            best = &o;
            break;
          }
        }
      }
      if (best != nullptr && !request.control) {
        std::string id_offered = best->value("id", "");
        outcome.presented = {id_offered};
        auto take = takes.find(best->value("kind", ""));
        bool accepts = u(rng) < (take == takes.end() ? 0.2 : take->second);
        outcome.outcome = accepts ? "accepted" : "declined";
        if (accepts) outcome.offer = id_offered;
      } else {
        outcome.outcome = u(rng) < 0.85 ? "declined" : "withdrawn";
      }
      return retention::RecordOutcome(records, desk, outbox, request.id, outcome, agent, zone,
                                      at + std::chrono::minutes(12)).map([](auto&&) {});
    }));
  }
  return Ok();
}

// Every event of `type` from `from` on, oldest first.
Result<std::vector<core::Event>> EventsSince(core::RecordStore& records, const std::string& type, Timestamp from) {
  std::vector<core::Event> out;
  core::ListQuery q;
  q.limit = 1000;
  q.type = type;
  while (true) {
    RETAIN_ASSIGN_OR_RETURN(auto page, records.ListEvents(q));
    for (auto& e : page.items) {
      if (e.occurred_at >= from) out.push_back(std::move(e));
    }
    if (page.next_cursor.empty()) break;
    q.cursor = page.next_cursor;
  }
  std::stable_sort(out.begin(), out.end(), [](const core::Event& a, const core::Event& b) { return a.occurred_at < b.occurred_at; });
  return out;
}

// The after-case survey the demo business sends when a complaint is closed.
nlohmann::json AfterCaseSurvey() {
  return nlohmann::json::parse(R"({
  "kind": "csat", "trigger": "case_closed", "throttle_days": 14, "reminder_days": [2], "expires_days": 10,
  "title": {"en": "How did we handle your complaint?", "pt": "Como tratámos a sua reclamação?",
            "da": "Hvordan håndterede vi din klage?"},
  "thanks": {"en": "Thank you for telling us.", "pt": "Obrigado por nos dizer.", "da": "Tak fordi du fortalte os det."},
  "questions": [
    {"id": "satisfied", "type": "csat", "area": "support",
     "text": {"en": "How satisfied are you with how we handled it?", "pt": "Quão satisfeito está com a forma como tratámos o assunto?",
              "da": "Hvor tilfreds er du med, hvordan vi håndterede det?"}},
    {"id": "speed", "type": "rating", "area": "speed", "optional": true,
     "text": {"en": "How satisfied are you with how quickly it was solved?", "pt": "Quão satisfeito está com a rapidez da solução?",
              "da": "Hvor tilfreds er du med, hvor hurtigt det blev løst?"}},
    {"id": "comment", "type": "text", "optional": true,
     "text": {"en": "Anything we could have done better?", "pt": "Algo que pudéssemos ter feito melhor?",
              "da": "Noget vi kunne have gjort bedre?"}}
  ]
})");
}

// The demo world's last year of complaints and surveys, through the same calls the server makes:
// each complaint the world recorded becomes a case that an agent answers, resolves (a quarter
// with a coupon) and closes, which sends the after-case survey; each NPS answer the world recorded
// comes from an invitation to the pulse survey (where the customer can be e-mailed and was not
// asked lately), with area ratings that move with the score, billing the most. Once per world; the
// same seed gives the same cases and scores.
// Outreach in the demo world: the sender, three templates, a welcome journey from now on, and
// one e-mail campaign sixty days before the world ends to members with points, a fifth held out.
// The campaign's history is simulated like the rest of the world (no e-mail leaves the machine):
// the sent are recorded as sent, and some of them come back to buy within the month more often
// than the held out, so the results screen has a lift to measure. The same seed gives the same
// campaign; a second run adds nothing.
Status SeedOutreach(StoreSession& s, Timestamp world_end, uint64_t seed) {
  core::RecordStore& records = s.records();
  auto& out = s.outreach();
  RETAIN_ASSIGN_OR_RETURN(auto existing, out.ListTemplates());
  if (!existing.empty()) return Ok();
  outreach::OutreachSettings settings;
  settings.sender.business_name = "Retain Demo";
  settings.sender.from_email = "news@demo.retain.invalid";
  settings.sender.postal_address = {"Rua Augusta 10", "1100-053 Lisboa"};
  settings.sender.city = "Lisboa";
  const Timestamp drawn = world_end - std::chrono::days(60);
  const nlohmann::json welcome = {
      {"name", "Welcome"},
      {"subject", {{"en", "Welcome, {{first_name}}"}, {"pt", "Bem-vindo(a), {{first_name}}"}, {"da", "Velkommen, {{first_name}}"}}},
      {"text",
       {{"en", "Dear {{first_name}},\n\nThank you for choosing {{business_name}}.\n\nTo stop these messages: {{unsubscribe_url}}"},
        {"pt", "Caro(a) {{first_name}},\n\nObrigado por escolher a {{business_name}}.\n\nPara deixar de receber estas mensagens: "
               "{{unsubscribe_url}}"},
        {"da", "Kære {{first_name}},\n\nTak fordi du valgte {{business_name}}.\n\nFor at stoppe disse beskeder: {{unsubscribe_url}}"}}}};
  auto define = [&]() -> Status {
    RETAIN_RETURN_IF_ERROR(records.SetSetting(outreach::kSettingsKey, outreach::OutreachSettingsDocument(settings).dump()));
    for (auto [key, doc] : {std::pair{"points", outreach::ExampleTemplateDocument()}, std::pair{"welcome", welcome}}) {
      RETAIN_ASSIGN_OR_RETURN(auto t, outreach::ParseTemplate(key, doc));
      RETAIN_RETURN_IF_ERROR(out.PutTemplate({t, "demo", drawn - std::chrono::days(7)}));
    }
    outreach::Journey j;
    j.key = "welcome";
    j.name = "Welcome series";
    j.trigger = "customer.created";
    j.steps = {{0, "welcome"}, {14, "points"}};
    j.seed = fmt::format("demo-{}-welcome", seed);
    RETAIN_ASSIGN_OR_RETURN(j.since_event, out.LatestOutboxId());
    j.created_by = "demo";
    j.updated_at = world_end;
    return out.PutJourney(j);
  };
  RETAIN_RETURN_IF_ERROR(InTransaction(records, define));

  outreach::Campaign c;
  c.key = "spring-points";
  c.name = "Spring: points waiting";
  c.segment = "email_consent = true and points > 0";
  c.variants = {{"A", "points", 100}};
  c.holdout_percent = 20;
  c.status = "sent";
  c.seed = fmt::format("demo-{}-spring", seed);
  c.send_at = c.audience_at = drawn;
  c.created_by = "demo";
  c.created_at = c.updated_at = drawn;
  RETAIN_ASSIGN_OR_RETURN(auto segment, outreach::ParseSegment(c.segment));
  RETAIN_ASSIGN_OR_RETURN(auto facts, s.facts().AllFacts(drawn));
  RETAIN_ASSIGN_OR_RETURN(auto tmpl, outreach::ParseTemplate("points", outreach::ExampleTemplateDocument()));
  std::mt19937_64 rng(seed * 7919 + 17);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<outreach::Delivery> deliveries;
  std::vector<core::Purchase> extra;
  for (const auto& f : facts) {
    if (!outreach::Matches(*segment.root, f.facts)) continue;
    outreach::Delivery d;
    d.source = "campaign:" + c.key;
    d.customer_id = f.id;
    d.channel = "email";
    d.template_key = "points";
    d.variant = outreach::Assign(c, f.id);
    d.created_at = d.due_at = drawn;
    bool sent = d.variant != outreach::kHeldOut;
    d.status = sent ? "sent" : "held_out";
    if (sent) {
      d.sent_at = drawn;
      d.attempts = 1;
      d.address = std::get<std::string>(f.facts.values[*outreach::FieldIndex("email")]);
      std::string locale = std::get<std::string>(f.facts.values[*outreach::FieldIndex("locale")]);
      std::string name = std::get<std::string>(f.facts.values[*outreach::FieldIndex("name")]);
      nlohmann::json values = {{"first_name", name.substr(0, name.find(' '))}, {"points", 0}};
      auto written = outreach::Render(tmpl, locale, values);
      if (written) d.subject = written->subject;
    }
    // The simulated effect: a visit within the month, more often for those who got the message.
    if (u(rng) < (sent ? 0.14 : 0.08)) {
      core::Purchase p;
      p.external_id = fmt::format("{}-SPRING", f.id);
      p.customer = f.id;
      p.occurred_at = drawn + std::chrono::hours(24 + static_cast<int64_t>(u(rng) * 27 * 24));
      p.store = "Baixa";
      p.currency = "EUR";
      p.total_minor = 650;
      p.lines.push_back({"", "Spring offer sandwich", 1, 650, 650});
      extra.push_back(std::move(p));
    }
    deliveries.push_back(std::move(d));
  }
  c.audience = static_cast<int64_t>(deliveries.size());
  auto record = [&]() -> Status {
    RETAIN_RETURN_IF_ERROR(out.PutCampaign(c).map([](int64_t) {}));
    RETAIN_RETURN_IF_ERROR(out.AddDeliveries(deliveries).map([](int64_t) {}));
    for (const auto& p : extra) RETAIN_RETURN_IF_ERROR(records.PutPurchase(p).map([](auto) {}));
    return Ok();
  };
  return InTransaction(records, record);
}

// A saved segment of customers at risk of leaving, followed by a journey that sends a letter to
// whoever comes into it from now on (churn risk crossing 0.6), and a summer draw that closed a fortnight
// before the world ends: members with points entered, three won, the seed revealed so the
// public record at /c/summer-draw checks out. Once per world; the same seed gives the same draw.
Status SeedSegmentsAndContest(StoreSession& s, Timestamp world_end, uint64_t seed) {
  core::RecordStore& records = s.records();
  auto& out = s.outreach();
  RETAIN_ASSIGN_OR_RETURN(auto contests, out.ListContests());
  if (!contests.empty()) return Ok();
  auto define = [&]() -> Status {
    outreach::SavedSegment at_risk{"at-risk", "At risk of leaving", "churn_risk > 0.6", 0, std::nullopt, "demo", world_end};
    RETAIN_RETURN_IF_ERROR(out.PutSavedSegment(at_risk));
    outreach::Journey j;
    j.key = "at-risk-care";
    j.name = "Churn risk crossed 0.6";
    j.channel = "print";  // a letter from the owner
    j.trigger = "segment.entered";
    j.segment = "at-risk";
    j.steps = {{0, "points"}};
    j.holdout_percent = 20;
    j.seed = fmt::format("demo-{}-at-risk", seed);
    RETAIN_ASSIGN_OR_RETURN(j.since_event, out.LatestOutboxId());
    j.created_by = "demo";
    j.updated_at = world_end;
    return out.PutJourney(j);
  };
  RETAIN_RETURN_IF_ERROR(InTransaction(records, define));

  outreach::Contest c;
  c.key = "summer-draw";
  c.name = "Summer draw";
  c.rules = "Members with points enter once at the counter.";
  c.prize = "A year of free sandwiches";
  c.eligibility = "points > 0";
  c.opens_at = world_end - std::chrono::days(45);
  c.closes_at = world_end - std::chrono::days(15);
  c.winners = 3;
  c.seed = Sha256Hex(fmt::format("demo-{}-summer-draw", seed));
  c.commitment = outreach::Commitment(c.seed);
  c.created_by = "demo";
  c.created_at = c.opens_at - std::chrono::days(3);
  c.updated_at = c.closes_at;
  RETAIN_ASSIGN_OR_RETURN(auto segment, outreach::ParseSegment(c.eligibility));
  RETAIN_ASSIGN_OR_RETURN(auto facts, s.facts().AllFacts(c.opens_at));
  std::mt19937_64 rng(seed * 6007 + 3);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<outreach::ContestEntry> entries;
  for (const auto& f : facts) {
    if (!outreach::Matches(*segment.root, f.facts) || u(rng) >= 0.15) continue;
    outreach::ContestEntry e;
    e.customer_id = f.id;
    e.entry_code = fmt::format("{:012x}", rng() & 0xffffffffffffULL);
    e.entered_at = c.opens_at + std::chrono::seconds(static_cast<int64_t>(u(rng) * 30 * 86400));
    e.via = "user:ana";
    entries.push_back(std::move(e));
  }
  auto record = [&]() -> Status {
    RETAIN_ASSIGN_OR_RETURN(c.id, out.PutContest(c));
    std::vector<std::string> codes;
    for (const auto& e : entries) {
      RETAIN_RETURN_IF_ERROR(out.AddEntry(c.id, e).map([](auto&&) {}));
      codes.push_back(e.entry_code);
    }
    for (const auto& w : outreach::DrawWinners(c.seed, codes, c.winners)) {
      RETAIN_RETURN_IF_ERROR(out.SetWinner(c.id, w.entry_code, w.rank));
    }
    c.status = "drawn";
    c.drawn_at = c.closes_at + std::chrono::minutes(5);
    return out.PutContest(c).map([](int64_t) {});
  };
  return InTransaction(records, record);
}

Status SeedCareAndFeedback(StoreSession& s, const BusinessZone& zone, Timestamp world_end, uint64_t seed) {
  core::RecordStore& records = s.records();
  RETAIN_ASSIGN_OR_RETURN(auto defined, s.feedback().ListSurveys());
  if (!defined.empty()) return Ok();
  Timestamp year_ago = world_end - std::chrono::days(365);
  auto define = [&]() -> Status {
    for (auto [key, doc] : {std::pair{"pulse", feedback::ExampleSurveyDocument()}, std::pair{"after-case", AfterCaseSurvey()}}) {
      RETAIN_ASSIGN_OR_RETURN(auto survey, feedback::ParseSurvey(key, doc));
      RETAIN_RETURN_IF_ERROR(s.feedback().PutSurvey(key, feedback::SurveyDocument(survey).dump(), "demo",
                                                    year_ago - std::chrono::days(30)));
    }
    return Ok();
  };
  RETAIN_RETURN_IF_ERROR(InTransaction(records, define));
  std::mt19937_64 rng(seed * 104729 + 31);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto hours = [&](double lo, double hi) { return std::chrono::seconds(static_cast<int64_t>((lo + (hi - lo) * u(rng)) * 3600)); };
  const std::array<const char*, 4> agents = {"ana", "bruno", "carla", "dorte"};
  const feedback::ValueBand no_band = [](const std::string&) -> Result<std::string> { return std::string("unknown"); };
  const std::map<std::string, std::string> complaint_text = {
      {"billing", "I was charged twice this month."}, {"technical", "The connection drops every evening."},
      {"product_quality", "The picture keeps freezing on the new box."}, {"staff", "The person on the phone was rude."},
      {"delivery", "The technician did not come on the agreed day."}};

  RETAIN_ASSIGN_OR_RETURN(auto complaints, EventsSince(records, "complaint.opened", year_ago));
  for (const auto& e : complaints) {
    auto payload = nlohmann::json::parse(e.payload_json, nullptr, false);
    std::string category = payload.is_object() ? payload.value("category", "other") : "other";
    std::string agent = agents[static_cast<size_t>(u(rng) * agents.size()) % agents.size()];
    std::string actor = "user:" + agent;
    const care::Approver approver{actor, "agent", staff::DefaultAuthority(staff::Role::kAgent)};
    double severity = u(rng);
    double reply_h = 0.5 + 30 * u(rng) * u(rng);
    double resolve_h = 2 + 90 * u(rng) * u(rng);
    bool coupon = u(rng) < 0.25, reopen = u(rng) < 0.08, answers = u(rng) < 0.5;
    double mood = u(rng);
    auto opened_h = hours(3, 10);
    auto one_case = [&]() -> Status {
      care::NewCase in;
      in.customer = e.customer;
      in.channel = payload.is_object() ? payload.value("channel", "phone") : "phone";
      in.category = complaint_text.contains(category) ? category : "other";
      in.severity = severity < 0.2 ? "high" : severity < 0.8 ? "medium" : "low";
      in.text = complaint_text.contains(category) ? complaint_text.at(category) : "Something went wrong.";
      in.assignee = agent;
      Timestamp at = e.occurred_at + opened_h;  // in the working day
      auto opened = care::OpenCase(records, s.care(), s.outbox(), in, "unknown", "system:demo", at);
      if (!opened) {
        if (opened.error().code == ErrorCode::kInternal || opened.error().code == ErrorCode::kUnavailable) {
          return tl::unexpected(opened.error());
        }
        return Ok();  // the world's record does not make a case (it names no known customer, say)
      }
      int64_t id = opened->id;
      Timestamp t = at + hours(reply_h, reply_h);
      if (t >= world_end) return Ok();
      RETAIN_RETURN_IF_ERROR(care::Reply(records, s.care(), s.outbox(), id, "We are sorry; we are on it.", actor, t).map([](auto&&) {}));
      if (coupon) {
        care::CompensationInput c;
        c.kind = "coupon";
        c.amount_minor = 1000;
        c.currency = "EUR";
        c.note = "for the trouble";
        RETAIN_RETURN_IF_ERROR(care::Compensate(records, s.care(), s.outbox(), id, c, approver, zone, t).map([](auto&&) {}));
      }
      t += hours(resolve_h, resolve_h);
      if (t >= world_end) return Ok();
      RETAIN_RETURN_IF_ERROR(care::ChangeStatus(records, s.care(), s.outbox(), id, care::CaseStatus::kResolved, "", actor, t).map([](auto&&) {}));
      if (reopen) {
        t += std::chrono::hours(20);
        if (t >= world_end) return Ok();
        RETAIN_RETURN_IF_ERROR(care::ChangeStatus(records, s.care(), s.outbox(), id, care::CaseStatus::kOpen,
                                                  "the customer says it is not fixed", actor, t).map([](auto&&) {}));
        t += std::chrono::hours(26);
        if (t >= world_end) return Ok();
        RETAIN_RETURN_IF_ERROR(care::ChangeStatus(records, s.care(), s.outbox(), id, care::CaseStatus::kResolved, "", actor, t).map([](auto&&) {}));
      }
      t += std::chrono::days(2);
      if (t >= world_end) return Ok();
      RETAIN_RETURN_IF_ERROR(care::ChangeStatus(records, s.care(), s.outbox(), id, care::CaseStatus::kClosed, "", actor, t).map([](auto&&) {}));
      RETAIN_ASSIGN_OR_RETURN(auto invited, feedback::Trigger(records, s.feedback(), s.outbox(), "case_closed", e.customer,
                                                              id, agent, actor, t));
      t += hours(3, 60);
      if (!invited || !answers || t >= world_end) return Ok();
      // Quick answers, coupons and no reopening make satisfied customers; some agents do better.
      double good = 0.35 + (resolve_h < 24 ? 0.25 : 0) + (coupon ? 0.15 : 0) - (reopen ? 0.3 : 0) +
                    (agent == std::string("carla") ? 0.15 : agent == std::string("bruno") ? -0.1 : 0);
      int csat = std::clamp(static_cast<int>(std::lround(1 + 4 * std::clamp(good + 0.35 * (mood - 0.5), 0.0, 1.0))), 1, 5);
      int speed = std::clamp(resolve_h < 24 ? 4 + (mood > 0.5 ? 1 : 0) : resolve_h < 60 ? 3 : 2, 1, 5);
      nlohmann::json answer = {{"satisfied", csat}, {"speed", speed}};
      return feedback::AnswerSurvey(records, s.care(), s.feedback(), s.outbox(), invited->token, answer, no_band, t)
          .map([](auto&&) {});
    };
    RETAIN_RETURN_IF_ERROR(InTransaction(records, one_case));
  }

  const std::map<std::string, std::string> comments = {
      {"en", "The bills are hard to understand and went up again."}, {"pt", "As faturas são difíceis de perceber e voltaram a subir."},
      {"da", "Regningerne er svære at forstå og er steget igen."}};
  RETAIN_ASSIGN_OR_RETURN(auto answered, EventsSince(records, "survey.answered", year_ago));
  for (const auto& e : answered) {
    auto payload = nlohmann::json::parse(e.payload_json, nullptr, false);
    if (!payload.is_object() || payload.value("kind", "") != "nps" || !payload.contains("score")) continue;
    int score = payload["score"].get<int>();
    double a = u(rng), b = u(rng), c = u(rng);
    // Others asked the same day who never answer (the reminder goes out; the link expires).
    std::vector<std::string> silent;
    for (int k = 0; k < 2; ++k) {
      if (u(rng) < 0.45) silent.push_back(answered[static_cast<size_t>(u(rng) * static_cast<double>(answered.size())) % answered.size()].customer);
    }
    auto one_answer = [&]() -> Status {
      feedback::InviteInput in;
      in.survey = "pulse";
      in.customers = {e.customer};
      RETAIN_ASSIGN_OR_RETURN(auto result, feedback::Invite(records, s.feedback(), s.outbox(), in, "system:demo",
                                                            e.occurred_at - std::chrono::days(3)));
      if (!silent.empty()) {
        feedback::InviteInput others = in;
        others.customers = silent;
        RETAIN_RETURN_IF_ERROR(feedback::Invite(records, s.feedback(), s.outbox(), others, "system:demo",
                                                e.occurred_at - std::chrono::days(3)));
      }
      if (result.invited.empty()) return Ok();  // no e-mail consent, or asked lately
      // Billing follows the score closely, support less, the product hardly at all.
      auto rate = [](double x) { return std::clamp(static_cast<int>(std::lround(x)), 1, 5); };
      double s10 = score / 10.0;
      nlohmann::json answer = {{"recommend", score}, {"billing", rate(0.6 + 4.4 * s10 + 1.2 * (a - 0.5))},
                               {"support", rate(2.0 + 2.5 * s10 + 2.0 * (b - 0.5))}, {"product", rate(3.2 + 0.8 * s10 + 2.4 * (c - 0.5))}};
      if (score <= 6 && a < 0.5) {
        RETAIN_ASSIGN_OR_RETURN(auto customer, records.GetCustomer(e.customer));
        std::string locale = customer ? customer->locale : "en";
        answer["comment"] = comments.contains(locale) ? comments.at(locale) : comments.at("en");
      }
      return feedback::AnswerSurvey(records, s.care(), s.feedback(), s.outbox(), result.invited.front().token, answer,
                                    no_band, e.occurred_at).map([](auto&&) {});
    };
    RETAIN_RETURN_IF_ERROR(InTransaction(records, one_answer));
  }

  // The follow-up cases poor answers opened are called back and closed like any other case.
  care::CaseQuery open;
  open.open_only = true;
  open.limit = 100000;
  RETAIN_ASSIGN_OR_RETURN(auto follow_ups, s.care().ListCases(open));
  for (const auto& k : follow_ups) {
    if (k.channel != "survey") continue;
    std::string agent = agents[static_cast<size_t>(u(rng) * agents.size()) % agents.size()];
    std::string actor = "user:" + agent;
    double reply_h = 1 + 20 * u(rng) * u(rng), resolve_h = 4 + 60 * u(rng) * u(rng);
    auto call_back = [&]() -> Status {
      Timestamp t = k.opened_at + std::chrono::minutes(30);
      if (t >= world_end) return Ok();
      RETAIN_RETURN_IF_ERROR(care::Assign(records, s.care(), s.outbox(), k.id, agent, actor, t).map([](auto&&) {}));
      t += hours(reply_h, reply_h);
      if (t >= world_end) return Ok();
      RETAIN_RETURN_IF_ERROR(care::Reply(records, s.care(), s.outbox(), k.id, "Thank you for your answer; we called to hear more.",
                                         actor, t).map([](auto&&) {}));
      t += hours(resolve_h, resolve_h);
      if (t >= world_end) return Ok();
      RETAIN_RETURN_IF_ERROR(care::ChangeStatus(records, s.care(), s.outbox(), k.id, care::CaseStatus::kResolved, "", actor, t)
                                 .map([](auto&&) {}));
      t += std::chrono::days(2);
      if (t >= world_end) return Ok();
      RETAIN_RETURN_IF_ERROR(care::ChangeStatus(records, s.care(), s.outbox(), k.id, care::CaseStatus::kClosed, "", actor, t)
                                 .map([](auto&&) {}));
      // Asked how it went, unless asked lately (the usual throttle).
      return feedback::Trigger(records, s.feedback(), s.outbox(), "case_closed", k.customer, k.id, agent, actor, t)
          .map([](auto&&) {});
    };
    RETAIN_RETURN_IF_ERROR(InTransaction(records, call_back));
  }
  return Ok();
}

}  // namespace

Result<int> RunDemo(Context& ctx) {
  demo::WorldOptions options;
  std::string end;
  int port = 8080;
  bool quiet = false;
  bool no_serve = false;
  // The demo fills its own file unless told otherwise, never the default retain.db.
  if (std::getenv("RETAIN_DB") == nullptr) ctx.config.db = "sqlite:demo.db";
  auto app = NewParser("demo",
                       "Generate a deterministic demo world: a sandwich chain's walk-in customers "
                       "and a cable and phone company's subscribers over three years.",
                       ctx);
  app->get_option("--db")->description("Database to fill (default sqlite:demo.db, or $RETAIN_DB)");
  app->add_option("--customers", options.customers, "How many customers")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app->add_option("--seed", options.seed, "Random seed; the same seed gives the same world")
      ->capture_default_str();
  app->add_option("--end", end, "The world's last day, exclusive (default 2026-11-01)");
  app->add_option("--port", port, "Port to serve the web app and API on afterwards")->capture_default_str();
  app->add_flag("--no-serve", no_serve, "Generate only; do not serve afterwards");
  app->add_flag("-q,--quiet", quiet, "No progress bar");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;

  RETAIN_ASSIGN_OR_RETURN(auto session, OpenSession(ctx));
  core::RecordStore* store = &session->records();
  RETAIN_ASSIGN_OR_RETURN(auto zone_setting, store->GetSetting("timezone"));
  if (!zone_setting) RETAIN_RETURN_IF_ERROR(store->SetSetting("timezone", demo::kDemoTimeZone));
  RETAIN_ASSIGN_OR_RETURN(auto zone, LoadZone(*store));
  if (!end.empty()) {
    RETAIN_ASSIGN_OR_RETURN(auto t, ParseTimestamp(end, zone));
    options.end = zone.LocalDate(t);
  }

  // The sandwich chain's loyalty programs, in effect from the world's first day; purchases earn
  // as they are generated. A second run adds no version when the documents are unchanged.
  Timestamp world_start = zone.StartOfDay(date::year_month_day(date::sys_days(options.end) - date::days(3 * 365)));
  RETAIN_ASSIGN_OR_RETURN(auto programs, session->loyalty().Programs());
  for (const auto& text : demo::DemoProgramDocuments()) {
    auto doc = nlohmann::json::parse(text);
    auto versions = programs->Versions(doc["id"].get<std::string>());
    if (!versions.empty() && nlohmann::json::parse(versions.back()->meta.document) == doc) continue;
    RETAIN_RETURN_IF_ERROR(InTransaction(*store, [&] {
      return loyalty::DefineProgram(session->loyalty(), *store, session->outbox(), doc, world_start, "demo",
                                    world_start);
    }));
  }
  loyalty::Engine engine(zone);
  engine.set_outbox(&session->outbox());
  options.after_purchase = [&](const core::Purchase& p, core::WriteOutcome outcome) -> Status {
    RETAIN_RETURN_IF_ERROR(engine.OnPurchase(session->loyalty(), *store, p, outcome, "demo"));
    if (p.kind != core::PurchaseKind::kSale || outcome == core::WriteOutcome::kUnchanged) return Ok();
    // A member holding a coupon uses it on the next visit.
    RETAIN_ASSIGN_OR_RETURN(auto coupons, session->loyalty().UsableCoupons(p.customer, p.occurred_at));
    for (const auto& c : coupons) {
      if (c.issued_at >= p.occurred_at) continue;
      RETAIN_RETURN_IF_ERROR(engine.UseCoupon(session->loyalty(), c.code, p.external_id, p.occurred_at).map([](auto&&) {}));
      break;
    }
    // Members who can afford a free sub take one at the till.
    RETAIN_ASSIGN_OR_RETURN(auto account, session->loyalty().GetAccount("sub-points", p.customer));
    if (!account || account->balance < 600) return Ok();
    auto issued = engine.Redeem(session->loyalty(), "sub-points", p.customer, "sub", "demo-" + p.external_id, "demo",
                                p.occurred_at + std::chrono::minutes(1));
    if (!issued && issued.error().code != ErrorCode::kFailedPrecondition) return tl::unexpected(issued.error());
    return Ok();
  };

  options.after_event = [&](const core::Event& e, core::WriteOutcome outcome) {
    return engine.OnEvent(session->loyalty(), e, outcome, "demo");
  };
  // Failed bills open recoveries and paid retries close them, as they would from the billing system.
  RETAIN_ASSIGN_OR_RETURN(auto desk, retention::LoadDesk(session->retention()));
  options.after_payment = [&](const core::Payment& p, core::WriteOutcome outcome) {
    return retention::OnPayment(*store, session->retention(), session->outbox(), p, outcome, desk.config.recovery,
                                zone, "demo");
  };

  ProgressBar bar("generating", !quiet && StderrIsTerminal());
  RETAIN_RETURN_IF_ERROR(demo::GenerateWorld(*store, options, zone, [&](int64_t done, int64_t total) {
    bar.Update(static_cast<uint64_t>(done), static_cast<uint64_t>(total), done);
  }));
  bar.Clear();
  // Points older than a year expire as the world ends, and tiers are reviewed then.
  for (int64_t n = 1; n > 0;) {
    RETAIN_ASSIGN_OR_RETURN(n, InTransaction(*store, [&] {
      return engine.ExpireDue(session->loyalty(), zone.StartOfDay(options.end), 1000);
    }));
  }
  RETAIN_RETURN_IF_ERROR(InTransaction(*store, [&] {
    return engine.ReviewTiers(session->loyalty(), zone.StartOfDay(options.end));
  }).map([](int64_t) {}));
  // The retention desk's upkeep as the world ends: cancellations that came due are made final,
  // recoveries of subscriptions that ended are closed, and recent leavers enter the win-back
  // list (the same draw for the same seed).
  std::mt19937_64 winback_rng(options.seed);
  RETAIN_RETURN_IF_ERROR(SeedCancelRequests(*store, session->retention(), session->outbox(), zone,
                                            zone.StartOfDay(options.end), options.seed));
  RETAIN_RETURN_IF_ERROR(SeedCareAndFeedback(*session, zone, zone.StartOfDay(options.end), options.seed));
  RETAIN_RETURN_IF_ERROR(SeedOutreach(*session, zone.StartOfDay(options.end), options.seed));
  RETAIN_RETURN_IF_ERROR(SeedSegmentsAndContest(*session, zone.StartOfDay(options.end), options.seed));
  auto desk_upkeep = [&]() -> Status {
    Timestamp world_end = zone.StartOfDay(options.end);
    auto due = retention::ApplyDueChanges(*store, session->retention(), session->outbox(), world_end);
    if (!due) return tl::unexpected(due.error());
    auto advanced = retention::AdvanceRecoveries(*store, session->retention(), session->outbox(), desk.config.recovery,
                                                 zone, world_end);
    if (!advanced) return tl::unexpected(advanced.error());
    RETAIN_ASSIGN_OR_RETURN(auto prices, session->retention().PlanPrices());
    return retention::EnterWinback(session->retention(), session->outbox(), desk.config.winback, prices, world_end,
                                   winback_rng).map([](auto&&) {});
  };
  RETAIN_RETURN_IF_ERROR(InTransaction(*store, desk_upkeep));
  RETAIN_ASSIGN_OR_RETURN(auto counts, store->Counts());
  std::cout << fmt::format(
      "Demo world in {} (seed {}, three years to {}, times in {}):\n"
      "  {} customers, {} products and plans, {} subscriptions, {} payments,\n"
      "  {} purchases with {} lines, {} events (complaints, surveys)\n",
      ctx.config.db, options.seed, FormatDate(options.end), zone.name(), counts.customers,
      counts.products, counts.subscriptions, counts.payments, counts.purchases,
      counts.purchase_lines, counts.events);
  // A sign-in for the demo: the admin account, with a fresh password each run.
  RETAIN_ASSIGN_OR_RETURN(auto staff_store, ctx.services->open_staff(ctx.config.db));
  RETAIN_ASSIGN_OR_RETURN(auto password, RandomHex(6));
  RETAIN_ASSIGN_OR_RETURN(auto hash, HashPassword(password));
  RETAIN_ASSIGN_OR_RETURN(auto admin, staff_store->FindUser("admin"));
  if (admin) {
    admin->password_hash = hash;
    admin->active = true;
    RETAIN_RETURN_IF_ERROR(staff_store->UpdateUser(*admin));
  } else {
    staff::User u;
    u.username = "admin";
    u.display_name = "Demo admin";
    u.password_hash = hash;
    u.role = staff::Role::kAdmin;
    RETAIN_RETURN_IF_ERROR(staff_store->CreateUser(u));
  }
  staff_store.reset();
  session.reset();
  std::cout << fmt::format("\nSign in as admin with password {}\n", password);
  if (no_serve) {
    std::cout << fmt::format("Serve it with: retain serve --db {} --port {}\n", ctx.config.db, port);
    return 0;
  }
  ServeOptions serve;
  serve.db = ctx.config.db;
  serve.port = port;
  return ctx.services->serve(serve);
}

}  // namespace retain::cli
