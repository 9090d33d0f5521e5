#include "retention/winback.h"

#include <map>

#include <fmt/format.h>

#include "retention/recovery.h"

namespace retain::retention {
namespace {

using nlohmann::json;

Status Emit(core::WebhookStore& outbox, const std::string& type, const WinbackEntry& e, json extra, Timestamp at) {
  json data = WinbackJson(e);
  for (auto& [k, v] : extra.items()) data[k] = v;
  json event = {{"type", type}, {"created_at", FormatTimestamp(at)}, {"data", std::move(data)}};
  return outbox.AppendOutbox({0, type, std::to_string(e.id), event.dump(), at});
}

int64_t MonthlyPrice(const Prices& prices, const WinbackCandidate& c) {
  int64_t monthly = 0;
  if (auto p = prices.plans.find(c.plan); p != prices.plans.end()) monthly = p->second;
  for (const auto& a : c.addons) {
    if (auto p = prices.addons.find(a); p != prices.addons.end()) monthly += p->second;
  }
  return monthly;
}

}  // namespace

std::string_view WinbackStatusName(WinbackStatus status) {
  switch (status) {
    case WinbackStatus::kOpen: return "open";
    case WinbackStatus::kReactivated: return "reactivated";
    case WinbackStatus::kExpired: return "expired";
  }
  return "open";
}

std::optional<WinbackStatus> ParseWinbackStatus(std::string_view name) {
  for (auto s : {WinbackStatus::kOpen, WinbackStatus::kReactivated, WinbackStatus::kExpired}) {
    if (WinbackStatusName(s) == name) return s;
  }
  return std::nullopt;
}

json WinbackJson(const WinbackEntry& e) {
  return {{"id", e.id},
          {"customer", e.customer},
          {"subscription", e.subscription},
          {"offer", e.offer},
          {"control", e.control},
          {"status", WinbackStatusName(e.status)},
          {"cancel_cause", e.cancel_cause},
          {"locale", e.locale},
          {"entered_at", FormatTimestamp(e.entered_at)},
          {"expires_at", FormatTimestamp(e.expires_at)},
          {"reactivated_at", e.reactivated_at ? json(FormatTimestamp(*e.reactivated_at)) : json()},
          {"reactivated_subscription", e.reactivated_subscription},
          {"monthly_minor", e.monthly_minor},
          {"currency", e.currency}};
}

Result<WinbackUpkeep> EnterWinback(RetentionStore& store, core::WebhookStore& outbox, const WinbackPolicy& policy,
                                   const Prices& prices, Timestamp now, std::mt19937_64& rng) {
  WinbackUpkeep done;
  RETAIN_ASSIGN_OR_RETURN(done.expired, store.ExpireWinbacks(now));
  if (!policy.enabled) return done;
  Timestamp to = now - std::chrono::days(policy.after_days);
  Timestamp from = to - std::chrono::days(policy.within_days);
  RETAIN_ASSIGN_OR_RETURN(auto candidates, store.WinbackCandidates(from, to));
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (const auto& c : candidates) {
    WinbackEntry e;
    e.customer = c.customer;
    e.subscription = c.subscription;
    e.control = uniform(rng) < policy.control_share;
    e.offer = e.control ? "" : policy.offer_id;
    e.cancel_cause = c.cancel_cause;
    e.locale = c.locale.empty() ? "en" : c.locale;
    e.entered_at = now;
    e.expires_at = now + std::chrono::days(policy.within_days);
    e.monthly_minor = MonthlyPrice(prices, c);
    e.currency = c.currency;
    RETAIN_ASSIGN_OR_RETURN(e.id, store.CreateWinback(e));
    if (e.control) {
      ++done.held_out;
      continue;
    }
    auto name = policy.offer_name.find(e.locale);
    if (name == policy.offer_name.end()) name = policy.offer_name.find("en");
    json extra = {{"offer_name", name == policy.offer_name.end() ? std::string() : name->second},
                  {"percent", policy.percent_bp / 100.0},
                  {"months", policy.months},
                  {"cancelled_at", FormatTimestamp(c.cancelled_at)}};
    RETAIN_RETURN_IF_ERROR(Emit(outbox, "winback.offered", e, std::move(extra), now));
    ++done.entered;
  }
  return done;
}

Status OnSubscription(RetentionStore& store, core::WebhookStore& outbox, const core::Subscription& s,
                      core::WriteOutcome outcome, Timestamp now) {
  if (outcome == core::WriteOutcome::kUnchanged || s.status != core::SubscriptionStatus::kActive) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto open, store.OpenWinbacks(s.customer));
  for (auto& e : open) {
    bool same = s.external_id == e.subscription;
    if (!same && s.started_at < e.entered_at) continue;  // older than the entry: not a comeback
    Timestamp at = same ? now : std::max(s.started_at, e.entered_at);
    if (at > e.expires_at) continue;
    e.status = WinbackStatus::kReactivated;
    e.reactivated_at = at;
    e.reactivated_subscription = s.external_id;
    RETAIN_ASSIGN_OR_RETURN(bool written, store.CloseWinback(e));
    if (!written) continue;
    RETAIN_RETURN_IF_ERROR(Emit(outbox, "winback.reactivated", e, json::object(), now));
  }
  return Ok();
}

json WinbackReport(const std::vector<WinbackEntry>& rows, Timestamp now, const BusinessZone& zone) {
  struct Group {
    int64_t entered = 0, reactivated = 0, open = 0, revenue_minor = 0;
    void Add(const WinbackEntry& e) {
      ++entered;
      if (e.status == WinbackStatus::kReactivated) {
        ++reactivated;
        revenue_minor += e.monthly_minor * 12;
      } else if (e.status == WinbackStatus::kOpen) {
        ++open;
      }
    }
    json ToJson() const {
      json out = {{"entered", entered}, {"reactivated", reactivated}, {"open", open},
                  {"revenue_reactivated_minor", revenue_minor}};
      if (entered > 0) {
        Rate r = WilsonRate(reactivated, entered);
        out["reactivation_rate"] = {{"rate", r.rate}, {"low", r.low}, {"high", r.high}, {"n", entered}};
      } else {
        out["reactivation_rate"] = json();
      }
      return out;
    }
  };
  Group all, offered, control;
  std::map<std::string, Group> by_cause, by_month;
  for (const auto& e : rows) {
    all.Add(e);
    (e.control ? control : offered).Add(e);
    by_cause[e.cancel_cause].Add(e);
    auto day = zone.LocalDate(e.entered_at);
    by_month[fmt::format("{:04}-{:02}", static_cast<int>(day.year()), static_cast<unsigned>(day.month()))].Add(e);
  }
  json out = all.ToJson();
  out["offered"] = offered.ToJson();
  out["control"] = control.ToJson();
  auto d = RateDifference(WilsonRate(offered.reactivated, offered.entered), WilsonRate(control.reactivated, control.entered));
  out["incremental_reactivation_rate"] = d ? json{{"estimate", d->estimate}, {"low", d->low}, {"high", d->high}} : json();
  auto list = [](const std::map<std::string, Group>& groups) {
    json a = json::array();
    for (const auto& [k, g] : groups) {
      json j = g.ToJson();
      j["key"] = k;
      a.push_back(std::move(j));
    }
    return a;
  };
  out["by_cause"] = list(by_cause);
  out["by_month"] = list(by_month);
  out["as_of"] = FormatTimestamp(now);
  return out;
}

}  // namespace retain::retention
