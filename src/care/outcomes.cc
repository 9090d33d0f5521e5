#include "care/outcomes.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "common/stats.h"

namespace retain::care {
namespace {

using nlohmann::json;

constexpr int kHorizons[] = {30, 90, 180};

bool ActiveAt(const SubscriptionSpan& s, Timestamp t) { return s.started_at <= t && (!s.ended_at || *s.ended_at > t); }

json RateJson(const Rate& r) {
  if (r.n == 0) return nullptr;
  return {{"n", r.n}, {"k", r.k}, {"rate", r.rate}, {"low", r.low}, {"high", r.high}};
}

}  // namespace

std::string TenureBand(Timestamp started, Timestamp at) {
  auto days = std::chrono::duration_cast<std::chrono::days>(at - started).count();
  if (days < 183) return "0-6 months";
  if (days < 365) return "6-12 months";
  if (days < 730) return "1-2 years";
  return "2+ years";
}

json RecoveryOutcomes(const std::vector<CaseRecord>& cases, const std::vector<Compensation>& compensations,
                      const std::vector<SubscriptionSpan>& subscriptions, Timestamp now) {
  std::unordered_map<std::string, std::vector<const SubscriptionSpan*>> by_customer;
  std::map<std::string, std::vector<const SubscriptionSpan*>> by_plan;
  for (const auto& s : subscriptions) {
    by_customer[s.customer].push_back(&s);
    by_plan[s.plan].push_back(&s);
  }
  std::set<std::string> complained;
  for (const auto& c : cases) complained.insert(c.customer);
  std::set<int64_t> compensated;
  for (const auto& m : compensations) {
    if (m.status == "granted") compensated.insert(m.case_id);
  }
  // Each complainant from their first case.
  std::vector<const CaseRecord*> first;
  std::set<std::string> seen;
  std::vector<const CaseRecord*> ordered;
  for (const auto& c : cases) ordered.push_back(&c);
  std::stable_sort(ordered.begin(), ordered.end(), [](const CaseRecord* a, const CaseRecord* b) { return a->opened_at < b->opened_at; });
  for (const CaseRecord* c : ordered) {
    if (seen.insert(c->customer).second) first.push_back(c);
  }
  int64_t not_subscribers = 0;
  struct Matched {
    const CaseRecord* c;
    const SubscriptionSpan* sub;
  };
  std::vector<Matched> matched;
  for (const CaseRecord* c : first) {
    const SubscriptionSpan* sub = nullptr;
    for (const SubscriptionSpan* s : by_customer[c->customer]) {
      if (!ActiveAt(*s, c->opened_at)) continue;
      if (!c->subscription.empty() && s->id == c->subscription) {
        sub = s;
        break;
      }
      if (sub == nullptr) sub = s;
    }
    if (sub == nullptr) {
      ++not_subscribers;
    } else {
      matched.push_back({c, sub});
    }
  }
  auto stays = [&](const std::string& customer, Timestamp at) {
    const auto& list = by_customer[customer];
    return std::any_of(list.begin(), list.end(), [&](const SubscriptionSpan* s) { return ActiveAt(*s, at); });
  };
  json horizons = json::array();
  for (int days : kHorizons) {
    int64_t n = 0, k = 0, cn = 0, ck = 0, pn = 0, pk = 0, qn = 0, qk = 0;
    for (const auto& [c, sub] : matched) {
      Timestamp at = c->opened_at + std::chrono::days(days);
      if (at > now) continue;
      bool stayed = stays(c->customer, at);
      ++n;
      k += stayed ? 1 : 0;
      if (compensated.contains(c->id)) {
        ++pn;
        pk += stayed ? 1 : 0;
      } else {
        ++qn;
        qk += stayed ? 1 : 0;
      }
      std::string band = TenureBand(sub->started_at, c->opened_at);
      for (const SubscriptionSpan* other : by_plan[sub->plan]) {
        if (complained.contains(other->customer) || !ActiveAt(*other, c->opened_at)) continue;
        if (TenureBand(other->started_at, c->opened_at) != band) continue;
        ++cn;
        ck += stays(other->customer, at) ? 1 : 0;
      }
    }
    Rate complainants = WilsonRate(k, n);
    Rate comparable = WilsonRate(ck, cn);
    auto d = RateDifference(complainants, comparable);
    horizons.push_back({{"days", days},
                        {"complainants", RateJson(complainants)},
                        {"comparable", RateJson(comparable)},
                        {"difference", d ? json{{"estimate", d->estimate}, {"low", d->low}, {"high", d->high}} : json()},
                        {"compensated", RateJson(WilsonRate(pk, pn))},
                        {"not_compensated", RateJson(WilsonRate(qk, qn))}});
  }
  return {{"horizons", horizons}, {"not_subscribers", not_subscribers},
          {"complainants", static_cast<int64_t>(first.size())}};
}

}  // namespace retain::care
