#include "feedback/report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "common/stats.h"
#include "feedback/survey.h"

namespace retain::feedback {
namespace {

using nlohmann::json;

std::string PeriodOf(Timestamp t, const BusinessZone& zone, std::string_view period) {
  auto day = zone.LocalDate(t);
  int y = static_cast<int>(day.year());
  unsigned m = static_cast<unsigned>(day.month());
  if (period == "quarter") return fmt::format("{:04}-Q{}", y, (m - 1) / 3 + 1);
  if (period == "week") {
    // Labelled by the week's Monday.
    date::sys_days d{day};
    auto monday = date::year_month_day{d - (date::weekday{d} - date::Monday)};
    return FormatDate(monday);
  }
  return fmt::format("{:04}-{:02}", y, m);
}

json NpsJson(const std::vector<int>& scores) {
  if (scores.empty()) return nullptr;
  Nps n = NpsOf(scores);
  double total = static_cast<double>(n.n);
  return {{"responses", n.n}, {"score", n.score}, {"low", n.low}, {"high", n.high},
          {"promoters", n.promoters}, {"passives", n.passives}, {"detractors", n.detractors},
          {"promoter_share", static_cast<double>(n.promoters) / total},
          {"passive_share", static_cast<double>(n.passives) / total},
          {"detractor_share", static_cast<double>(n.detractors) / total}};
}

// CSAT (satisfied = 4-5 of 5) or CES (easy = 5-7 of 7): the good share with its Wilson interval
// and the mean with its interval.
json ShareJson(const std::vector<int>& scores, int good_from) {
  if (scores.empty()) return nullptr;
  int64_t good = 0;
  std::vector<double> values;
  for (int s : scores) {
    good += s >= good_from ? 1 : 0;
    values.push_back(s);
  }
  Rate r = WilsonRate(good, static_cast<int64_t>(scores.size()));
  Mean m = MeanOf(values);
  return {{"responses", r.n}, {"share", r.rate}, {"low", r.low}, {"high", r.high},
          {"mean", m.mean}, {"mean_low", m.low}, {"mean_high", m.high}};
}

struct Scores {
  std::vector<int> nps, csat, ces;
  int64_t responses = 0;
  int64_t follow_ups = 0;
  void Add(const StoredResponse& r) {
    ++responses;
    follow_ups += r.follow_up_case != 0 ? 1 : 0;
    if (!r.score) return;
    if (r.kind == "nps") nps.push_back(*r.score);
    if (r.kind == "csat") csat.push_back(*r.score);
    if (r.kind == "ces") ces.push_back(*r.score);
  }
  json Json() const {
    return {{"responses", responses}, {"nps", NpsJson(nps)}, {"csat", ShareJson(csat, 4)}, {"ces", ShareJson(ces, 5)}};
  }
};

double Pearson(const std::vector<std::pair<double, double>>& xy) {
  if (xy.size() < 3) return std::nan("");
  double mx = 0, my = 0;
  for (auto [x, y] : xy) {
    mx += x;
    my += y;
  }
  mx /= static_cast<double>(xy.size());
  my /= static_cast<double>(xy.size());
  double sxy = 0, sxx = 0, syy = 0;
  for (auto [x, y] : xy) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
    syy += (y - my) * (y - my);
  }
  if (sxx <= 0 || syy <= 0) return std::nan("");
  return sxy / std::sqrt(sxx * syy);
}

struct Area {
  std::vector<double> negative;  // ratings (0-100) given with a poor headline answer
  std::vector<double> other;
  int64_t low_negative = 0;      // rated low or chosen, with a poor headline
  int64_t low_other = 0;
  std::vector<std::pair<double, double>> with_headline;  // (rating, headline on 0-100)
};

json DriversJson(const std::vector<StoredResponse>& responses, int64_t negatives, int64_t others) {
  std::map<std::string, Area> areas;
  for (const auto& r : responses) {
    if (!r.score || r.band.empty()) continue;
    bool negative = Negative(r.kind == "custom" ? "rating" : r.kind, *r.score);
    auto [hlo, hhi] = ScaleOf(r.kind == "custom" ? "rating" : r.kind);
    double headline = 100.0 * (*r.score - hlo) / (hhi - hlo);
    bool first = true;
    for (const auto& a : AnswersFromJson(json::parse(r.answers, nullptr, false))) {
      if (a.area.empty() || a.area == "overall") continue;
      if (a.score) {
        if (a.type == r.kind && first) {  // the headline itself is not a driver of itself
          first = false;
          continue;
        }
        auto [lo, hi] = ScaleOf(a.type);
        double v = 100.0 * (*a.score - lo) / (hi - lo);
        bool low = a.type == "ces" ? *a.score <= 3 : (a.type == "nps" ? *a.score <= 6 : *a.score <= 2);
        Area& area = areas[a.area];
        (negative ? area.negative : area.other).push_back(v);
        (negative ? area.low_negative : area.low_other) += low ? 1 : 0;
        area.with_headline.emplace_back(v, headline);
      } else if (!a.choice.empty()) {
        Area& area = areas[a.area];
        (negative ? area.low_negative : area.low_other) += 1;
      }
    }
  }
  struct Row {
    json j;
    double gap = 0;
  };
  std::vector<Row> rows;
  for (const auto& [name, a] : areas) {
    std::vector<double> all = a.negative;
    all.insert(all.end(), a.other.begin(), a.other.end());
    Rate neg = WilsonRate(std::min(a.low_negative, negatives), negatives);
    Rate oth = WilsonRate(std::min(a.low_other, others), others);
    auto gap = RateDifference(neg, oth);
    double r = Pearson(a.with_headline);
    json j = {{"area", name},
              {"rated", static_cast<int64_t>(all.size())},
              {"mean", all.empty() ? json() : json(MeanOf(all).mean)},
              {"mean_negative", a.negative.empty() ? json() : json(MeanOf(a.negative).mean)},
              {"mean_other", a.other.empty() ? json() : json(MeanOf(a.other).mean)},
              {"low_share_negative", negatives > 0 ? json(neg.rate) : json()},
              {"low_share_other", others > 0 ? json(oth.rate) : json()},
              {"gap", gap ? json{{"estimate", gap->estimate}, {"low", gap->low}, {"high", gap->high}} : json()},
              {"correlation", std::isnan(r) ? json() : json(r)}};
    rows.push_back({std::move(j), gap ? gap->estimate : (negatives > 0 ? neg.rate : 0)});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.gap > y.gap; });
  json out = json::array();
  for (auto& row : rows) out.push_back(std::move(row.j));
  return out;
}

}  // namespace

Nps NpsOf(const std::vector<int>& scores) {
  Nps n;
  for (int s : scores) {
    ++n.n;
    if (s >= 9) {
      ++n.promoters;
    } else if (s >= 7) {
      ++n.passives;
    } else {
      ++n.detractors;
    }
  }
  if (n.n == 0) return n;
  double total = static_cast<double>(n.n);
  double p = static_cast<double>(n.promoters) / total;
  double d = static_cast<double>(n.detractors) / total;
  double variance = (p + d - (p - d) * (p - d)) / total;
  double half = kZ975 * std::sqrt(std::max(0.0, variance));
  n.score = 100 * (p - d);
  n.low = std::max(-100.0, 100 * (p - d - half));
  n.high = std::min(100.0, 100 * (p - d + half));
  return n;
}

json FeedbackReport(const std::vector<StoredResponse>& responses, const BusinessZone& zone, std::string_view period) {
  Scores total;
  std::map<std::string, Scores> by_period;
  std::map<std::string, Scores> by_agent;
  int64_t negatives = 0, others = 0;
  for (const auto& r : responses) {
    total.Add(r);
    by_period[PeriodOf(r.answered_at, zone, period)].Add(r);
    if (!r.agent.empty()) by_agent[r.agent].Add(r);
    if (r.score && !r.band.empty()) (Negative(r.kind == "custom" ? "rating" : r.kind, *r.score) ? negatives : others) += 1;
  }
  json out = total.Json();
  out["period"] = std::string(period);
  out["negative"] = negatives;
  out["follow_ups"] = total.follow_ups;
  json periods = json::array();
  for (const auto& [label, s] : by_period) {
    json j = s.Json();
    j["period"] = label;
    periods.push_back(std::move(j));
  }
  out["by_period"] = periods;
  out["drivers"] = DriversJson(responses, negatives, others);
  std::vector<std::pair<std::string, Scores>> agents(by_agent.begin(), by_agent.end());
  std::stable_sort(agents.begin(), agents.end(),
                   [](const auto& a, const auto& b) { return a.second.responses > b.second.responses; });
  json agent_rows = json::array();
  for (const auto& [agent, s] : agents) {
    json j = s.Json();
    j["agent"] = agent;
    j["follow_ups"] = s.follow_ups;
    agent_rows.push_back(std::move(j));
  }
  out["agents"] = agent_rows;
  return out;
}

}  // namespace retain::feedback
