#include "care/cases.h"

#include <algorithm>

#include <fmt/format.h>

namespace retain::care {
namespace {

using nlohmann::json;

template <size_t N>
Status OneOf(const std::string& value, const std::array<std::string_view, N>& allowed, const char* field) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return Ok();
  return InvalidArgument(fmt::format("'{}' is not allowed; use {}", value, fmt::join(allowed, ", ")), field);
}

Result<std::vector<std::string>> Strings(const json& j, const char* key, const std::string& base) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) return InvalidArgument("must be a list of texts", base + "." + key);
  for (const auto& v : j[key]) {
    if (!v.is_string()) return InvalidArgument("must be a list of texts", base + "." + key);
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<int64_t> Minutes(const json& j, const char* key, const std::string& base, bool required) {
  if (!j.contains(key)) {
    if (required) return InvalidArgument("is required (business minutes)", base + "." + key);
    return int64_t{0};
  }
  if (!j[key].is_number_integer() || j[key].get<int64_t>() < 1 || j[key].get<int64_t>() > 525600) {
    return InvalidArgument("must be a whole number of business minutes, 1 to 525600", base + "." + key);
  }
  return j[key].get<int64_t>();
}

json OptionalTime(const std::optional<Timestamp>& t) { return t ? json(FormatTimestamp(*t)) : json(); }

json Record(const CaseRecord& c) {
  return {{"id", c.id}, {"customer", c.customer}, {"status", CaseStatusName(c.status)}, {"assignee", c.assignee},
          {"priority", c.priority}, {"category", c.category}, {"severity", c.severity}, {"policy", c.policy}};
}

// The history line, the audit entry and the outbox event of a change.
Status Log(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox, const CaseRecord& before,
           const CaseRecord& after, const std::string& kind, json detail, const std::string& actor, Timestamp now) {
  RETAIN_RETURN_IF_ERROR(store.AddCaseEvent({after.id, now, actor, kind, detail.dump()}));
  json b = before.id == 0 ? json() : Record(before);
  RETAIN_RETURN_IF_ERROR(records.AppendAudit({now, actor, "case." + kind, "care_cases", std::to_string(after.id),
                                              b.dump(), Record(after).dump()}));
  std::string type = kind == "status" ? "case." + std::string(CaseStatusName(after.status)) : "case." + kind;
  json event = {{"type", type}, {"created_at", FormatTimestamp(now)}, {"data", Record(after)}};
  event["data"]["detail"] = std::move(detail);
  return outbox.AppendOutbox({0, type, std::to_string(after.id), event.dump(), now});
}

Result<CaseRecord> Load(CareStore& store, int64_t id) {
  RETAIN_ASSIGN_OR_RETURN(auto c, store.GetCase(id));
  if (!c) return NotFound(fmt::format("no case {}", id), "id");
  return std::move(*c);
}

Status Save(CareStore& store, const CaseRecord& c) {
  RETAIN_ASSIGN_OR_RETURN(bool written, store.UpdateCase(c));
  if (!written) return Conflict(fmt::format("case {} was changed by someone else; reload it", c.id), "id");
  return Ok();
}

bool Running(CaseStatus s) { return s == CaseStatus::kNew || s == CaseStatus::kOpen || s == CaseStatus::kWaiting; }

// One clock of a case: elapsed business seconds at `now` (or when it stopped), due time and level.
struct ClockView {
  int64_t elapsed = 0;
  std::optional<Timestamp> due;
  Escalation level = Escalation::kOnTime;
  bool stopped = false;
};

ClockView View(const CaseRecord& c, const CareConfig& config, const BusinessZone& zone, int64_t target_minutes,
               std::optional<Timestamp> stopped_at, Timestamp now) {
  ClockView v;
  Clock clock{c.opened_at, c.pauses};
  v.stopped = stopped_at.has_value();
  v.elapsed = Elapsed(config.calendar, zone, clock, stopped_at.value_or(now));
  if (target_minutes > 0) {
    v.due = DueAt(config.calendar, zone, clock, target_minutes * 60);
    // The case's policy as it stands now (warning share, escalation delay); its targets were
    // fixed when the case opened.
    SlaPolicy policy;
    for (const auto& x : config.policies) {
      if (x.id == c.policy) policy = x;
    }
    v.level = EscalationOf(policy, target_minutes, v.elapsed);
  }
  return v;
}

json ClockJson(const ClockView& v, int64_t target_minutes) {
  if (target_minutes <= 0) return nullptr;
  return {{"target_minutes", target_minutes}, {"elapsed_minutes", v.elapsed / 60}, {"due_at", OptionalTime(v.due)},
          {"stopped", v.stopped}, {"met", v.stopped ? json(v.elapsed <= target_minutes * 60) : json()},
          {"state", EscalationName(v.level)}};
}

}  // namespace

std::string_view CaseStatusName(CaseStatus status) {
  switch (status) {
    case CaseStatus::kNew: return "new";
    case CaseStatus::kOpen: return "open";
    case CaseStatus::kWaiting: return "waiting";
    case CaseStatus::kResolved: return "resolved";
    case CaseStatus::kClosed: return "closed";
  }
  return "new";
}

std::optional<CaseStatus> ParseCaseStatus(std::string_view name) {
  for (auto s : {CaseStatus::kNew, CaseStatus::kOpen, CaseStatus::kWaiting, CaseStatus::kResolved, CaseStatus::kClosed}) {
    if (CaseStatusName(s) == name) return s;
  }
  return std::nullopt;
}

Result<CareConfig> ParseCareConfig(const json& j) {
  if (!j.is_object()) return InvalidArgument("the care document must be a JSON object", "");
  for (const auto& [k, v] : j.items()) {
    if (k != "calendar" && k != "policies" && k != "note") {
      return InvalidArgument("is not a field of the care document; use calendar, policies, note", k);
    }
  }
  CareConfig c;
  if (!j.contains("calendar")) return InvalidArgument("is required (opening hours and holidays)", "calendar");
  auto calendar = ParseCalendar(j["calendar"]);
  if (!calendar) {
    Error e = calendar.error();
    e.field = e.field == "calendar" ? e.field : "calendar." + e.field;
    return tl::unexpected(std::move(e));
  }
  c.calendar = std::move(*calendar);
  if (!j.contains("policies") || !j["policies"].is_array()) return InvalidArgument("is required (a list)", "policies");
  for (size_t i = 0; i < j["policies"].size(); ++i) {
    const json& p = j["policies"][i];
    std::string base = fmt::format("policies[{}]", i);
    if (!p.is_object()) return InvalidArgument("must be an object", base);
    SlaPolicy policy;
    if (!p.contains("id") || !p["id"].is_string() || p["id"].get<std::string>().empty()) {
      return InvalidArgument("is required (a text)", base + ".id");
    }
    policy.id = p["id"].get<std::string>();
    for (const auto& other : c.policies) {
      if (other.id == policy.id) return InvalidArgument(fmt::format("'{}' is the id of another policy", policy.id), base + ".id");
    }
    RETAIN_ASSIGN_OR_RETURN(policy.categories, Strings(p, "categories", base));
    for (const auto& x : policy.categories) RETAIN_RETURN_IF_ERROR(OneOf(x, kCategories, (base + ".categories").c_str()));
    RETAIN_ASSIGN_OR_RETURN(policy.severities, Strings(p, "severities", base));
    for (const auto& x : policy.severities) RETAIN_RETURN_IF_ERROR(OneOf(x, kSeverities, (base + ".severities").c_str()));
    RETAIN_ASSIGN_OR_RETURN(policy.value_bands, Strings(p, "value_bands", base));
    RETAIN_ASSIGN_OR_RETURN(policy.channels, Strings(p, "channels", base));
    for (const auto& x : policy.channels) RETAIN_RETURN_IF_ERROR(OneOf(x, kCaseChannels, (base + ".channels").c_str()));
    RETAIN_ASSIGN_OR_RETURN(policy.first_response_minutes, Minutes(p, "first_response_minutes", base, true));
    RETAIN_ASSIGN_OR_RETURN(policy.resolution_minutes, Minutes(p, "resolution_minutes", base, true));
    RETAIN_ASSIGN_OR_RETURN(policy.escalate_after_minutes, Minutes(p, "escalate_after_minutes", base, false));
    if (p.contains("warn_at")) {
      if (!p["warn_at"].is_number() || p["warn_at"].get<double>() <= 0 || p["warn_at"].get<double>() >= 1) {
        return InvalidArgument("must be a share between 0 and 1", base + ".warn_at");
      }
      policy.warn_at = p["warn_at"].get<double>();
    }
    c.policies.push_back(std::move(policy));
  }
  return c;
}

json DefaultCareDocument() {
  return json::parse(R"({
  "calendar": {"hours": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
                         "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]}, "holidays": []},
  "policies": [
    {"id": "survey-follow-up", "channels": ["survey"], "first_response_minutes": 240, "resolution_minutes": 1440,
     "escalate_after_minutes": 240},
    {"id": "urgent", "severities": ["high"], "first_response_minutes": 60, "resolution_minutes": 480,
     "escalate_after_minutes": 120},
    {"id": "valued-billing", "categories": ["billing"], "value_bands": ["high"], "first_response_minutes": 120,
     "resolution_minutes": 480, "escalate_after_minutes": 240},
    {"id": "standard", "first_response_minutes": 480, "resolution_minutes": 2400, "escalate_after_minutes": 480}
  ]
})");
}

Result<LoadedCare> LoadCare(CareStore& store) {
  RETAIN_ASSIGN_OR_RETURN(auto stored, store.CareDocument());
  LoadedCare out;
  if (!stored) {
    RETAIN_ASSIGN_OR_RETURN(out.config, ParseCareConfig(DefaultCareDocument()));
    return out;
  }
  auto config = ParseCareConfig(json::parse(stored->second, nullptr, false));
  if (!config) return Internal(fmt::format("the stored care document version {} does not parse: {}", stored->first,
                                           config.error().ToString()));
  out.config = std::move(*config);
  out.version = stored->first;
  return out;
}

Status CheckTransition(CaseStatus from, CaseStatus to) {
  using S = CaseStatus;
  auto allowed = [](S f) -> std::vector<S> {
    switch (f) {
      case S::kNew: return {S::kOpen, S::kWaiting, S::kResolved};
      case S::kOpen: return {S::kWaiting, S::kResolved};
      case S::kWaiting: return {S::kOpen, S::kResolved};
      case S::kResolved: return {S::kClosed, S::kOpen};
      case S::kClosed: return {S::kOpen};
    }
    return {};
  }(from);
  if (std::find(allowed.begin(), allowed.end(), to) != allowed.end()) return Ok();
  std::vector<std::string_view> names;
  for (S s : allowed) names.push_back(CaseStatusName(s));
  return MakeError(ErrorCode::kFailedPrecondition,
                   fmt::format("a {} case cannot become {}; it can become {}", CaseStatusName(from), CaseStatusName(to),
                               fmt::join(names, " or ")),
                   "status");
}

Result<CaseRecord> OpenCase(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox,
                            const NewCase& in, const std::string& value_band, const std::string& actor, Timestamp now) {
  if (in.customer.empty()) return InvalidArgument("is required", "customer");
  RETAIN_RETURN_IF_ERROR(OneOf(in.channel, kCaseChannels, "channel"));
  RETAIN_RETURN_IF_ERROR(OneOf(in.category, kCategories, "category"));
  RETAIN_RETURN_IF_ERROR(OneOf(in.severity, kSeverities, "severity"));
  if (in.text.empty()) return InvalidArgument("is required: what the customer says", "text");
  if (in.text.size() > 20000) return InvalidArgument("is longer than 20,000 characters", "text");
  if (in.received_at && *in.received_at > now + std::chrono::minutes(5)) {
    return InvalidArgument("is in the future", "received_at");
  }
  RETAIN_ASSIGN_OR_RETURN(auto customer, records.GetCustomer(in.customer));
  if (!customer) return NotFound(fmt::format("no customer '{}'", in.customer), "customer");
  if (!in.purchase.empty()) {
    RETAIN_ASSIGN_OR_RETURN(auto p, records.GetPurchase(in.purchase));
    if (!p || p->customer != in.customer) return NotFound(fmt::format("no purchase '{}' of this customer", in.purchase), "purchase");
  }
  if (!in.subscription.empty()) {
    RETAIN_ASSIGN_OR_RETURN(auto s, records.GetSubscription(in.subscription));
    if (!s || s->customer != in.customer) {
      return NotFound(fmt::format("no subscription '{}' of this customer", in.subscription), "subscription");
    }
  }
  RETAIN_ASSIGN_OR_RETURN(auto care, LoadCare(store));
  CaseRecord c;
  c.customer = in.customer;
  c.channel = in.channel;
  c.category = in.category;
  c.severity = in.severity;
  c.text = in.text;
  c.purchase = in.purchase;
  c.subscription = in.subscription;
  c.assignee = in.assignee;
  c.value_band = value_band;
  c.opened_at = in.received_at ? std::min(*in.received_at, now) : now;
  if (const SlaPolicy* p = MatchPolicy(care.config.policies, {c.category, c.severity, c.value_band, c.channel})) {
    c.policy = p->id;
    c.first_response_minutes = p->first_response_minutes;
    c.resolution_minutes = p->resolution_minutes;
  }
  RETAIN_ASSIGN_OR_RETURN(c.id, store.CreateCase(c));
  RETAIN_RETURN_IF_ERROR(Log(records, store, outbox, CaseRecord{}, c, "opened",
                             {{"channel", c.channel}, {"policy", c.policy}}, actor, now));
  return c;
}

Result<CaseRecord> ChangeStatus(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox, int64_t id,
                                CaseStatus to, const std::string& note, const std::string& actor, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(CaseRecord before, Load(store, id));
  RETAIN_RETURN_IF_ERROR(CheckTransition(before.status, to));
  CaseRecord after = before;
  if (before.status == CaseStatus::kWaiting && !after.pauses.empty() && !after.pauses.back().to) {
    after.pauses.back().to = now;  // the customer answered: the clock runs again
  }
  if (to == CaseStatus::kWaiting) after.pauses.push_back({now, std::nullopt});
  if (to == CaseStatus::kResolved) after.resolved_at = now;
  if (to == CaseStatus::kClosed) after.closed_at = now;
  if (to == CaseStatus::kOpen && (before.status == CaseStatus::kResolved || before.status == CaseStatus::kClosed)) {
    // Reopened: not resolved "completely" after all. The time it stood resolved does not count.
    ++after.reopened;
    if (after.resolved_at) after.pauses.push_back({*after.resolved_at, now});
    after.resolved_at.reset();
    after.closed_at.reset();
  }
  after.status = to;
  RETAIN_RETURN_IF_ERROR(Save(store, after));
  ++after.version;
  RETAIN_RETURN_IF_ERROR(Log(records, store, outbox, before, after, "status",
                             {{"from", CaseStatusName(before.status)}, {"to", CaseStatusName(to)}, {"note", note}}, actor,
                             now));
  return after;
}

Result<CaseRecord> Reply(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox, int64_t id,
                         const std::string& text, const std::string& actor, Timestamp now) {
  if (text.empty()) return InvalidArgument("is required: the answer", "text");
  RETAIN_ASSIGN_OR_RETURN(CaseRecord before, Load(store, id));
  if (before.status == CaseStatus::kClosed) {
    return MakeError(ErrorCode::kFailedPrecondition, fmt::format("case {} is closed; reopen it first", id), "id");
  }
  CaseRecord after = before;
  if (!after.first_response_at) after.first_response_at = now;
  if (after.status == CaseStatus::kNew) after.status = CaseStatus::kOpen;
  RETAIN_RETURN_IF_ERROR(Save(store, after));
  ++after.version;
  RETAIN_RETURN_IF_ERROR(Log(records, store, outbox, before, after, "reply", {{"text", text}}, actor, now));
  return after;
}

Result<CaseRecord> Assign(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox, int64_t id,
                          const std::string& assignee, const std::string& actor, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(CaseRecord before, Load(store, id));
  CaseRecord after = before;
  after.assignee = assignee;
  RETAIN_RETURN_IF_ERROR(Save(store, after));
  ++after.version;
  RETAIN_RETURN_IF_ERROR(Log(records, store, outbox, before, after, "assigned",
                             {{"from", before.assignee}, {"to", assignee}}, actor, now));
  return after;
}

json CaseJson(const CaseRecord& c, const CareConfig& config, const BusinessZone& zone, Timestamp now) {
  json pauses = json::array();
  for (const auto& p : c.pauses) pauses.push_back({{"from", FormatTimestamp(p.from)}, {"to", OptionalTime(p.to)}});
  ClockView first = View(c, config, zone, c.first_response_minutes, c.first_response_at ? c.first_response_at : c.resolved_at, now);
  ClockView resolution = View(c, config, zone, c.resolution_minutes, c.resolved_at, now);
  return {{"id", c.id},
          {"customer", c.customer},
          {"channel", c.channel},
          {"category", c.category},
          {"severity", c.severity},
          {"text", c.text},
          {"purchase", c.purchase},
          {"subscription", c.subscription},
          {"assignee", c.assignee},
          {"status", CaseStatusName(c.status)},
          {"priority", c.priority},
          {"policy", c.policy},
          {"value_band", c.value_band},
          {"opened_at", FormatTimestamp(c.opened_at)},
          {"first_response_at", OptionalTime(c.first_response_at)},
          {"resolved_at", OptionalTime(c.resolved_at)},
          {"closed_at", OptionalTime(c.closed_at)},
          {"reopened", c.reopened},
          {"pauses", pauses},
          {"sla", {{"first_response", ClockJson(first, c.first_response_minutes)},
                   {"resolution", ClockJson(resolution, c.resolution_minutes)}}}};
}

Result<int64_t> EscalateDue(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox,
                            const CareConfig& config, const BusinessZone& zone, Timestamp now) {
  CaseQuery q;
  q.open_only = true;
  q.limit = 10000;
  RETAIN_ASSIGN_OR_RETURN(auto cases, store.ListCases(q));
  int64_t changed = 0;
  for (const auto& before : cases) {
    if (!Running(before.status)) continue;
    ClockView first = View(before, config, zone, before.first_response_minutes, before.first_response_at, now);
    ClockView resolution = View(before, config, zone, before.resolution_minutes, std::nullopt, now);
    int level = static_cast<int>(resolution.level);
    if (!before.first_response_at) level = std::max(level, static_cast<int>(first.level));
    if (level <= before.escalation) continue;
    CaseRecord after = before;
    after.escalation = level;
    if (level == static_cast<int>(Escalation::kEscalated)) after.priority = std::min(before.priority + 1, 3);
    RETAIN_RETURN_IF_ERROR(Save(store, after));
    ++after.version;
    static constexpr std::array<const char*, 4> kKinds = {"", "sla_warning", "sla_breached", "escalated"};
    RETAIN_RETURN_IF_ERROR(Log(records, store, outbox, before, after, kKinds[static_cast<size_t>(level)],
                               {{"level", EscalationName(static_cast<Escalation>(level))},
                                {"first_response", ClockJson(first, before.first_response_minutes)},
                                {"resolution", ClockJson(resolution, before.resolution_minutes)}},
                               "system:upkeep", now));
    ++changed;
  }
  return changed;
}

}  // namespace retain::care
