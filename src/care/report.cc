#include "care/report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include <fmt/format.h>

namespace retain::care {
namespace {

using nlohmann::json;

// The q-quantile by the nearest-rank method; null when empty.
json Quantile(std::vector<double> v, double q) {
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

json Share(int64_t k, int64_t n) {
  if (n == 0) return nullptr;
  return {{"rate", static_cast<double>(k) / static_cast<double>(n)}, {"k", k}, {"n", n}};
}

}  // namespace

json QualityReport(const std::vector<CaseRecord>& cases, const std::vector<Compensation>& compensations,
                   int64_t customers, const CareConfig& config, const BusinessZone& zone, Timestamp now) {
  std::vector<double> first_minutes, resolution_minutes;
  int64_t first_met = 0, first_n = 0, resolution_met = 0, resolution_n = 0, resolved = 0, reopened = 0, open = 0;
  std::map<std::string, std::map<std::string, int64_t>> by_month;  // month -> category -> cases
  std::map<std::string, int64_t> by_category, problems;
  for (const auto& c : cases) {
    Clock clock{c.opened_at, c.pauses};
    if (c.first_response_at) {
      int64_t s = Elapsed(config.calendar, zone, clock, *c.first_response_at);
      first_minutes.push_back(static_cast<double>(s) / 60.0);
      if (c.first_response_minutes > 0) {
        ++first_n;
        first_met += s <= c.first_response_minutes * 60;
      }
    }
    if (c.resolved_at) {
      int64_t s = Elapsed(config.calendar, zone, clock, *c.resolved_at);
      resolution_minutes.push_back(static_cast<double>(s) / 60.0);
      if (c.resolution_minutes > 0) {
        ++resolution_n;
        resolution_met += s <= c.resolution_minutes * 60;
      }
    }
    if (c.resolved_at || c.status == CaseStatus::kClosed || c.reopened > 0) {
      ++resolved;
      reopened += c.reopened > 0;
    }
    if (c.status == CaseStatus::kNew || c.status == CaseStatus::kOpen || c.status == CaseStatus::kWaiting) ++open;
    auto day = zone.LocalDate(c.opened_at);
    std::string month = fmt::format("{:04}-{:02}", static_cast<int>(day.year()), static_cast<unsigned>(day.month()));
    ++by_month[month][c.category];
    ++by_category[c.category];
    ++problems[c.category + " / " + c.severity];
  }
  auto per_thousand = [customers](int64_t n) {
    return customers > 0 ? json(1000.0 * static_cast<double>(n) / static_cast<double>(customers)) : json();
  };
  json months = json::array();
  for (const auto& [month, categories] : by_month) {
    int64_t total = 0;
    json cats = json::object();
    for (const auto& [cat, n] : categories) {
      cats[cat] = n;
      total += n;
    }
    months.push_back({{"month", month}, {"cases", total}, {"per_1000_customers", per_thousand(total)}, {"by_category", cats}});
  }
  json categories = json::array();
  for (const auto& [cat, n] : by_category) {
    categories.push_back({{"category", cat}, {"cases", n}, {"per_1000_customers", per_thousand(n)}});
  }
  std::vector<std::pair<std::string, int64_t>> top(problems.begin(), problems.end());
  std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (top.size() > 10) top.resize(10);
  json recurring = json::array();
  for (const auto& [what, n] : top) recurring.push_back({{"problem", what}, {"cases", n}});
  int64_t cost = 0;
  std::map<std::string, int64_t> cost_by_kind;
  std::map<std::string, int> currencies;
  for (const auto& m : compensations) {
    if (m.status != "granted") continue;
    cost += m.value_minor;
    cost_by_kind[std::string(CompensationKindName(m.kind))] += m.value_minor;
    ++currencies[m.currency];
  }
  auto currency = std::max_element(currencies.begin(), currencies.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
  return {{"cases", static_cast<int64_t>(cases.size())},
          {"open", open},
          {"customers", customers},
          {"per_1000_customers", per_thousand(static_cast<int64_t>(cases.size()))},
          {"first_response_minutes", {{"median", Quantile(first_minutes, 0.5)}, {"p90", Quantile(first_minutes, 0.9)}}},
          {"resolution_minutes", {{"median", Quantile(resolution_minutes, 0.5)}, {"p90", Quantile(resolution_minutes, 0.9)}}},
          {"first_response_met", Share(first_met, first_n)},
          {"resolution_met", Share(resolution_met, resolution_n)},
          {"reopen_rate", Share(reopened, resolved)},
          {"compensation_cost_minor", cost},
          {"compensation_by_kind", cost_by_kind},
          {"currency", currency == currencies.end() ? "" : currency->first},
          {"by_month", months},
          {"by_category", categories},
          {"top_problems", recurring},
          {"as_of", FormatTimestamp(now)}};
}

}  // namespace retain::care
