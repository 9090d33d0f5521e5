#include "outreach/journey.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "outreach/campaign.h"
#include "outreach/segment.h"

namespace retain::outreach {

using nlohmann::json;

Result<Journey> ParseJourney(std::string_view key, const json& d) {
  if (!d.is_object()) return MakeError(ErrorCode::kInvalidArgument, "must be a JSON object", "journey");
  for (const char* field : {"name", "trigger", "segment", "condition", "channel"}) {
    if (d.contains(field) && !d[field].is_string()) return MakeError(ErrorCode::kInvalidArgument, "must be text", field);
  }
  Journey j;
  j.key = std::string(key);
  j.name = d.value("name", j.key);
  if (j.name.empty()) j.name = j.key;
  j.trigger = d.value("trigger", "");
  bool known = false;
  for (const auto& t : kJourneyTriggers) known = known || t.event == j.trigger;
  if (!known) {
    std::string list;
    for (const auto& t : kJourneyTriggers) list += (list.empty() ? "" : ", ") + std::string(t.event);
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("must be one of: {}", list), "trigger");
  }
  j.segment = d.value("segment", "");
  if (j.trigger.starts_with("segment.") && j.segment.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "is required: the saved segment whose members the journey follows", "segment");
  }
  if (!j.trigger.starts_with("segment.")) j.segment.clear();
  j.condition = d.value("condition", "");
  if (!j.condition.empty()) {
    if (auto parsed = ParseSegment(j.condition); !parsed) {
      return MakeError(ErrorCode::kInvalidArgument, parsed.error().field + ": " + parsed.error().message, "condition");
    }
  }
  j.channel = d.value("channel", "email");
  if (std::find(kChannels.begin(), kChannels.end(), j.channel) == kChannels.end()) {
    return MakeError(ErrorCode::kInvalidArgument, "must be email, print or webhook", "channel");
  }
  auto steps = d.find("steps");
  if (steps == d.end() || !steps->is_array() || steps->empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "is required: one or more {\"wait_days\": n, \"template\": key}", "steps");
  }
  if (steps->size() > 10) return MakeError(ErrorCode::kInvalidArgument, "may hold at most ten steps", "steps");
  int previous = -1;
  for (size_t i = 0; i < steps->size(); ++i) {
    const json& s = (*steps)[i];
    std::string field = fmt::format("steps[{}]", i);
    if (!s.is_object() || !s.contains("template") || !s["template"].is_string() || s["template"].get<std::string>().empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "needs a template's key", field + ".template");
    }
    JourneyStep step;
    step.template_key = s["template"].get<std::string>();
    if (s.contains("wait_days")) {
      if (!s["wait_days"].is_number_integer() || s["wait_days"].get<int>() < 0 || s["wait_days"].get<int>() > 365) {
        return MakeError(ErrorCode::kInvalidArgument, "must be a whole number of days from 0 to 365", field + ".wait_days");
      }
      step.wait_days = s["wait_days"].get<int>();
    }
    if (step.wait_days < previous) {
      return MakeError(ErrorCode::kInvalidArgument, "must not come before the step above it", field + ".wait_days");
    }
    previous = step.wait_days;
    j.steps.push_back(std::move(step));
  }
  auto whole = [&](const char* field, int fallback, int low, int high) -> Result<int> {
    if (!d.contains(field)) return fallback;
    if (!d[field].is_number_integer() || d[field].get<int>() < low || d[field].get<int>() > high) {
      return MakeError(ErrorCode::kInvalidArgument, fmt::format("must be a whole number from {} to {}", low, high), field);
    }
    return d[field].get<int>();
  };
  RETAIN_ASSIGN_OR_RETURN(j.holdout_percent, whole("holdout_percent", 10, 0, 50));
  RETAIN_ASSIGN_OR_RETURN(j.outcome_days, whole("outcome_days", 30, 1, 365));
  if (d.contains("active")) {
    if (!d["active"].is_boolean()) return MakeError(ErrorCode::kInvalidArgument, "must be true or false", "active");
    j.active = d["active"].get<bool>();
  }
  return j;
}

json JourneyDocument(const Journey& j) {
  json steps = json::array();
  for (const auto& s : j.steps) steps.push_back({{"wait_days", s.wait_days}, {"template", s.template_key}});
  return {{"key", j.key},          {"name", j.name},
          {"trigger", j.trigger},  {"segment", j.segment},  {"condition", j.condition},
          {"channel", j.channel},  {"steps", steps},
          {"holdout_percent", j.holdout_percent}, {"outcome_days", j.outcome_days},
          {"active", j.active},    {"seed", j.seed},
          {"since_event", j.since_event}, {"created_by", j.created_by},
          {"updated_at", FormatTimestamp(j.updated_at)}};
}

std::optional<std::string> EventCustomer(std::string_view type, const std::string& record_id, const json& payload) {
  const json* data = payload.is_object() && payload.contains("data") ? &payload["data"] : nullptr;
  if (data && data->is_object() && data->contains("customer") && (*data)["customer"].is_string()) {
    return (*data)["customer"].get<std::string>();
  }
  if (type.starts_with("customer.") && !record_id.empty()) return record_id;
  return std::nullopt;
}

std::optional<std::string> CustomerTouched(std::string_view type, const std::string& record_id, const json& payload) {
  if (type.starts_with("segment.") || type == "outreach.message" || type == "survey.invited" || type == "survey.reminder") {
    return std::nullopt;
  }
  return EventCustomer(type, record_id, payload);
}

json EventValues(std::string_view type, const json& payload) {
  json out = json::object();
  if (!payload.is_object() || !payload.contains("data") || !payload["data"].is_object()) return out;
  const json& data = payload["data"];
  auto is_day = [](const std::string& s) {
    return s.size() >= 10 && s[4] == '-' && s[7] == '-' && std::isdigit(static_cast<unsigned char>(s[0])) &&
           std::isdigit(static_cast<unsigned char>(s[9])) && (s.size() == 10 || s[10] == 'T');
  };
  for (const auto& [k, v] : data.items()) {
    if (k.ends_with("_minor")) continue;
    std::string minor = k + "_minor";
    if (data.contains(minor) && data[minor].is_number_integer() && data.contains("currency") && data["currency"].is_string()) {
      out[k] = {{"minor", data[minor]}, {"currency", data["currency"]}};
    } else if (v.is_string() && is_day(v.get<std::string>())) {
      out[k] = {{"date", v.get<std::string>().substr(0, 10)}};
    } else if (v.is_string() || v.is_number() || v.is_boolean()) {
      out[k] = v;
    }
  }
  if (type == "points.expiring") {
    if (out.contains("points")) out["expiring_points"] = out["points"];
    if (out.contains("first_expiry")) out["expires_on"] = out["first_expiry"];
  }
  return out;
}

bool StartsJourney(const Journey& j, std::string_view type, const json& payload) {
  if (j.trigger != type) return false;
  if (j.segment.empty()) return true;
  const json* data = payload.is_object() && payload.contains("data") ? &payload["data"] : nullptr;
  return data && data->is_object() && data->value("segment", "") == j.segment;
}

bool HeldOutOfJourney(const Journey& j, std::string_view customer_id) {
  Campaign c;
  c.seed = j.seed;
  c.holdout_percent = j.holdout_percent;
  c.variants = {{"A", "", 100}};
  return Assign(c, customer_id) == kHeldOut;
}

}  // namespace retain::outreach
