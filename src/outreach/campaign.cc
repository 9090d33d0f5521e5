#include "outreach/campaign.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/crypto.h"
#include "outreach/segment.h"

namespace retain::outreach {
namespace {

using nlohmann::json;

bool Listed(auto& list, std::string_view value) { return std::find(list.begin(), list.end(), value) != list.end(); }

Result<int> IntField(const json& d, const char* field, int fallback, int low, int high) {
  auto it = d.find(field);
  if (it == d.end() || it->is_null()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < low || it->get<int64_t>() > high) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("must be a whole number from {} to {}", low, high), field);
  }
  return it->get<int>();
}

// A number in [0, 1) from the first 8 bytes of SHA-256 of the text.
double Draw(std::string_view text) {
  std::string hex = Sha256Hex(text).substr(0, 13);  // 52 bits, exact in a double
  return static_cast<double>(std::stoull(hex, nullptr, 16)) / static_cast<double>(1ULL << 52);
}

std::optional<Difference> MeanDifference(const Mean& a, const Mean& b) {
  if (a.n < 2 || b.n < 2) return std::nullopt;
  double se_a = (a.high - a.mean) / kZ975;
  double se_b = (b.high - b.mean) / kZ975;
  double se = std::sqrt(se_a * se_a + se_b * se_b);
  double d = a.mean - b.mean;
  return Difference{d, d - kZ975 * se, d + kZ975 * se};
}

}  // namespace

Result<Campaign> ParseCampaign(std::string_view key, const json& d, const BusinessZone& zone) {
  if (!d.is_object()) return MakeError(ErrorCode::kInvalidArgument, "must be a JSON object", "campaign");
  Campaign c;
  c.key = std::string(key);
  auto text = [&](const char* field) -> std::string {
    auto it = d.find(field);
    return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const char* field : {"name", "segment", "channel", "send_at"}) {
    if (d.contains(field) && !d[field].is_string() && !d[field].is_null()) {
      return MakeError(ErrorCode::kInvalidArgument, "must be text", field);
    }
  }
  c.name = text("name");
  if (c.name.empty()) c.name = c.key;
  c.segment = text("segment");
  if (c.segment.empty()) return MakeError(ErrorCode::kInvalidArgument, "is required: who the campaign speaks to", "segment");
  if (auto parsed = ParseSegment(c.segment); !parsed) {
    return MakeError(ErrorCode::kInvalidArgument, parsed.error().field + ": " + parsed.error().message, "segment");
  }
  if (d.contains("channel")) c.channel = text("channel");
  if (!Listed(kChannels, c.channel)) return MakeError(ErrorCode::kInvalidArgument, "must be email, print or webhook", "channel");
  auto variants = d.find("variants");
  if (variants == d.end() || !variants->is_array() || variants->empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "is required: one or more {\"template\": key, \"share\": percent}", "variants");
  }
  if (variants->size() > 5) return MakeError(ErrorCode::kInvalidArgument, "may hold at most five variants", "variants");
  int total = 0;
  for (size_t i = 0; i < variants->size(); ++i) {
    const json& v = (*variants)[i];
    std::string field = fmt::format("variants[{}]", i);
    if (!v.is_object() || !v.contains("template") || !v["template"].is_string() || v["template"].get<std::string>().empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "needs a template's key", field + ".template");
    }
    Variant variant;
    variant.name = std::string(1, static_cast<char>('A' + i));
    variant.template_key = v["template"].get<std::string>();
    variant.share = variants->size() == 1 ? 100 : 0;
    if (v.contains("share")) {
      if (!v["share"].is_number_integer() || v["share"].get<int>() < 1 || v["share"].get<int>() > 100) {
        return MakeError(ErrorCode::kInvalidArgument, "must be a percent from 1 to 100", field + ".share");
      }
      variant.share = v["share"].get<int>();
    } else if (variants->size() > 1) {
      return MakeError(ErrorCode::kInvalidArgument, "is required when there are several variants", field + ".share");
    }
    total += variant.share;
    c.variants.push_back(std::move(variant));
  }
  if (total != 100) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("the variants' shares add up to {}, not 100", total), "variants");
  }
  RETAIN_ASSIGN_OR_RETURN(c.holdout_percent, IntField(d, "holdout_percent", 10, 0, 50));
  RETAIN_ASSIGN_OR_RETURN(c.outcome_days, IntField(d, "outcome_days", 30, 1, 365));
  if (auto at = text("send_at"); !at.empty()) {
    auto parsed = ParseTimestamp(at, zone);
    if (!parsed) return MakeError(ErrorCode::kInvalidArgument, parsed.error().message, "send_at");
    c.send_at = *parsed;
  }
  return c;
}

json CampaignDocument(const Campaign& c) {
  json variants = json::array();
  for (const auto& v : c.variants) variants.push_back({{"name", v.name}, {"template", v.template_key}, {"share", v.share}});
  json out = {{"key", c.key},
              {"name", c.name},
              {"segment", c.segment},
              {"channel", c.channel},
              {"variants", variants},
              {"holdout_percent", c.holdout_percent},
              {"outcome_days", c.outcome_days},
              {"status", c.status},
              {"seed", c.seed},
              {"audience", c.audience},
              {"created_by", c.created_by},
              {"created_at", FormatTimestamp(c.created_at)},
              {"updated_at", FormatTimestamp(c.updated_at)}};
  out["send_at"] = c.send_at ? json(FormatTimestamp(*c.send_at)) : json(nullptr);
  out["audience_at"] = c.audience_at ? json(FormatTimestamp(*c.audience_at)) : json(nullptr);
  return out;
}

std::string Assign(const Campaign& c, std::string_view customer_id) {
  double holdout = Draw(fmt::format("{}:holdout:{}", c.seed, customer_id));
  if (holdout * 100 < c.holdout_percent) return std::string(kHeldOut);
  double variant = Draw(fmt::format("{}:variant:{}", c.seed, customer_id)) * 100;
  double edge = 0;
  for (const auto& v : c.variants) {
    edge += v.share;
    if (variant < edge) return v.name;
  }
  return c.variants.empty() ? std::string(kHeldOut) : c.variants.back().name;
}

Result<SendPolicy> ParseSendPolicy(const json& d) {
  SendPolicy p;
  if (!d.is_object()) return MakeError(ErrorCode::kInvalidArgument, "must be a JSON object", "policy");
  if (auto caps = d.find("caps"); caps != d.end()) {
    if (!caps->is_object()) return MakeError(ErrorCode::kInvalidArgument, "must be an object by channel", "caps");
    for (const auto& [channel, cap] : caps->items()) {
      std::string field = "caps." + channel;
      if (!Listed(kChannels, channel)) return MakeError(ErrorCode::kInvalidArgument, "is not a channel", field);
      if (!cap.is_object()) return MakeError(ErrorCode::kInvalidArgument, "must be {\"max\": n, \"days\": d}", field);
      Cap c;
      auto max = IntField(cap, "max", 3, 0, 1000);
      if (!max) return MakeError(ErrorCode::kInvalidArgument, max.error().message, field + ".max");
      auto days = IntField(cap, "days", 7, 1, 365);
      if (!days) return MakeError(ErrorCode::kInvalidArgument, days.error().message, field + ".days");
      c.max = *max;
      c.days = *days;
      p.caps[channel] = c;
    }
  }
  RETAIN_ASSIGN_OR_RETURN(p.quiet_start_hour, IntField(d, "quiet_start_hour", p.quiet_start_hour, 0, 23));
  RETAIN_ASSIGN_OR_RETURN(p.quiet_end_hour, IntField(d, "quiet_end_hour", p.quiet_end_hour, 0, 23));
  return p;
}

json SendPolicyDocument(const SendPolicy& p) {
  json caps = json::object();
  for (const auto& [channel, cap] : p.caps) caps[channel] = {{"max", cap.max}, {"days", cap.days}};
  return {{"caps", caps}, {"quiet_start_hour", p.quiet_start_hour}, {"quiet_end_hour", p.quiet_end_hour}};
}

std::string_view CountryTimeZone(std::string_view country) {
  struct Zone {
    std::string_view country;
    std::string_view zone;
  };
  static constexpr Zone kZones[] = {{"PT", "Europe/Lisbon"}, {"DK", "Europe/Copenhagen"}, {"GB", "Europe/London"},
                                    {"IE", "Europe/Dublin"}, {"ES", "Europe/Madrid"},      {"FR", "Europe/Paris"},
                                    {"DE", "Europe/Berlin"}, {"SE", "Europe/Stockholm"},   {"NO", "Europe/Oslo"},
                                    {"NL", "Europe/Amsterdam"}, {"IT", "Europe/Rome"},     {"FI", "Europe/Helsinki"}};
  for (const auto& z : kZones) {
    if (z.country == country) return z.zone;
  }
  return "";
}

SendDecision DecideSend(const SendContext& ctx, const SendPolicy& policy, Timestamp now, const BusinessZone& zone) {
  SendDecision d;
  if (ctx.suppressed) return {Gate::kSkip, "the address is on the suppression list", {}};
  if (!ctx.address_problem.empty()) return {Gate::kSkip, ctx.address_problem, {}};
  if (ctx.purpose == "transactional") return d;
  if (!ctx.consent) return {Gate::kSkip, fmt::format("no consent for {}", ctx.channel), {}};
  if (auto cap = policy.caps.find(ctx.channel); cap != policy.caps.end() && ctx.sent_in_cap_window >= cap->second.max) {
    return {Gate::kSkip, fmt::format("frequency cap: {} {} messages in {} days", ctx.sent_in_cap_window, ctx.channel, cap->second.days),
            {}};
  }
  if (ctx.channel == "print" || policy.quiet_start_hour == policy.quiet_end_hour) return d;
  BusinessZone local = zone;
  if (!ctx.time_zone.empty()) {
    if (auto z = BusinessZone::Load(ctx.time_zone)) local = *z;
  }
  auto local_now = local.ToLocal(now);
  auto day = date::floor<date::days>(local_now);
  int hour = static_cast<int>(date::floor<std::chrono::hours>(local_now - day).count());
  bool quiet = policy.quiet_start_hour > policy.quiet_end_hour
                   ? (hour >= policy.quiet_start_hour || hour < policy.quiet_end_hour)
                   : (hour >= policy.quiet_start_hour && hour < policy.quiet_end_hour);
  if (!quiet) return d;
  auto end_day = hour >= policy.quiet_end_hour ? day + date::days(1) : day;
  d.gate = Gate::kWait;
  d.reason = "quiet hours";
  d.not_before = local.FromLocal(end_day + std::chrono::hours(policy.quiet_end_hour));
  return d;
}

CampaignResults CompareGroups(const std::vector<CustomerOutcome>& outcomes, const std::vector<Variant>& variants) {
  struct Acc {
    int64_t customers = 0, sent = 0, purchased = 0, cancelled = 0;
    std::vector<double> revenue;
  };
  std::map<std::string, Acc, std::less<>> by_group;
  Acc all_sent;
  for (const auto& o : outcomes) {
    auto add = [&o](Acc& a) {
      ++a.customers;
      a.sent += o.sent ? 1 : 0;
      a.purchased += o.purchased ? 1 : 0;
      a.cancelled += o.cancelled ? 1 : 0;
      a.revenue.push_back(static_cast<double>(o.revenue_minor));
    };
    add(by_group[o.group]);
    if (o.group != kHeldOut) add(all_sent);
  }
  auto result = [](std::string group, const Acc& a) {
    return GroupResult{std::move(group), a.customers, a.sent, WilsonRate(a.purchased, a.customers), MeanOf(a.revenue),
                       WilsonRate(a.cancelled, a.customers)};
  };
  CampaignResults out;
  for (const auto& v : variants) out.groups.push_back(result(v.name, by_group[v.name]));
  if (variants.size() > 1) out.groups.push_back(result("sent", all_sent));
  GroupResult held = result(std::string(kHeldOut), by_group[std::string(kHeldOut)]);
  for (const auto& g : out.groups) {
    out.lifts.push_back({g.group, RateDifference(g.purchase_rate, held.purchase_rate), MeanDifference(g.revenue, held.revenue),
                         RateDifference(g.cancel_rate, held.cancel_rate)});
  }
  out.groups.push_back(std::move(held));
  return out;
}

}  // namespace retain::outreach
