#include "analytics/refresh.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "analytics/churn.h"
#include "analytics/clv.h"
#include "analytics/cohorts.h"
#include "analytics/rfm.h"
#include "analytics/summary.h"
#include "analytics/survival.h"

namespace retain::analytics {
namespace {

using nlohmann::json;
using Input = AnalyticsInput;

constexpr int64_t kDay = 86400;
constexpr double kMonthDays = 30.4375;
constexpr int kKpiMonths = 24;
constexpr int kChurnHorizonDays = 90;
constexpr int kClvHorizonWeeks = 52;
constexpr double kWeeklyDiscount = 0.0018;  // about 10 % a year

int32_t LocalDay(int64_t at, const BusinessZone& zone) {
  auto ymd = zone.LocalDate(FromUnixSeconds(at));
  return static_cast<int32_t>(date::sys_days{ymd}.time_since_epoch().count());
}

int64_t MonthStart(int32_t month_index, const BusinessZone& zone) {
  date::year_month_day first{date::year{month_index / 12}, date::month{static_cast<unsigned>(month_index % 12 + 1)},
                             date::day{1}};
  return ToUnixSeconds(zone.StartOfDay(first));
}

json Round(double v, int digits = 4) {
  if (!std::isfinite(v)) return nullptr;
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

// ---- KPIs per month from subscriptions ----

json Kpis(const Input& in, int32_t this_month, const BusinessZone& zone) {
  json out = json::array();
  for (int32_t m = this_month - kKpiMonths + 1; m <= this_month; ++m) {
    int64_t start = MonthStart(m, zone), end = MonthStart(m + 1, zone);
    int64_t active = 0, added = 0, churned = 0, voluntary = 0, involuntary = 0, unspecified = 0;
    int64_t mrr = 0, mrr_churned = 0;
    for (const auto& s : in.subscriptions) {
      bool active_at_start = s.started_at < start && (!s.cancelled_at || *s.cancelled_at >= start);
      if (active_at_start) {
        ++active;
        mrr += s.monthly_minor;
      }
      if (s.started_at >= start && s.started_at < end) ++added;
      if (s.cancelled_at && *s.cancelled_at >= start && *s.cancelled_at < end) {
        ++churned;
        mrr_churned += s.monthly_minor;
        (s.cause == "voluntary" ? voluntary : s.cause == "involuntary" ? involuntary : unspecified) += 1;
      }
    }
    if (active == 0 && added == 0 && churned == 0) continue;
    double rate = active > 0 ? static_cast<double>(churned) / static_cast<double>(active) : 0;
    out.push_back({{"month", PeriodLabel(m, CohortPeriod::kMonth)},
                   {"active_start", active},
                   {"new", added},
                   {"churned", churned},
                   {"voluntary", voluntary},
                   {"involuntary", involuntary},
                   {"unspecified", unspecified},
                   {"churn_rate", Round(rate)},
                   {"retention_rate", Round(1 - rate)},
                   {"mrr_start_minor", mrr},
                   {"mrr_churned_minor", mrr_churned},
                   {"revenue_churn_rate", Round(mrr > 0 ? static_cast<double>(mrr_churned) / static_cast<double>(mrr) : 0)}});
  }
  return out;
}

// Subscription cohorts by start month: logo and recurring-revenue retention at each month end.
json SubscriptionCohorts(const Input& in, int32_t this_month, const BusinessZone& zone) {
  std::map<int32_t, std::vector<const Input::Subscription*>> by_month;
  for (const auto& s : in.subscriptions) {
    int32_t m = PeriodIndex(LocalDay(s.started_at, zone), CohortPeriod::kMonth);
    if (m > this_month - kKpiMonths) by_month[m].push_back(&s);
  }
  json out = json::array();
  for (const auto& [m, subs] : by_month) {
    int64_t mrr0 = 0;
    for (const auto* s : subs) mrr0 += s->monthly_minor;
    json logo = json::array(), revenue = json::array();
    for (int32_t k = 0; m + k <= this_month; ++k) {
      int64_t at = MonthStart(m + k + 1, zone);
      int64_t alive = 0, mrr = 0;
      for (const auto* s : subs)
        if (!s->cancelled_at || *s->cancelled_at >= at) {
          ++alive;
          mrr += s->monthly_minor;
        }
      logo.push_back(Round(static_cast<double>(alive) / static_cast<double>(subs.size())));
      revenue.push_back(Round(mrr0 > 0 ? static_cast<double>(mrr) / static_cast<double>(mrr0) : 0));
    }
    out.push_back({{"cohort", PeriodLabel(m, CohortPeriod::kMonth)}, {"size", subs.size()}, {"mrr_minor", mrr0},
                   {"logo", logo}, {"revenue", revenue}});
  }
  return out;
}

// Kaplan-Meier by plan, in months.
json SurvivalByPlan(const Input& in, int64_t now) {
  std::map<std::string, uint32_t> plans;
  for (const auto& s : in.subscriptions) plans.emplace(s.plan, 0);
  uint32_t next = 0;
  for (auto& [name, i] : plans) i = next++;
  std::vector<std::vector<Observation>> groups(plans.size());
  std::vector<Observation> all;
  for (const auto& s : in.subscriptions) {
    int64_t end = s.cancelled_at ? *s.cancelled_at : now;
    double months = std::round(static_cast<double>(std::max<int64_t>(0, end - s.started_at)) / kDay) / kMonthDays;
    Observation o{std::round(months * 100) / 100, s.cancelled_at.has_value() && *s.cancelled_at <= now, plans[s.plan]};
    groups[o.group].push_back(o);
    all.push_back(o);
  }
  json curves = json::object(), medians = json::object();
  for (const auto& [name, i] : plans) {
    auto curve = KaplanMeier(groups[i]);
    json points = json::array();
    for (const auto& p : curve.points)
      points.push_back({{"t", p.t}, {"at_risk", p.at_risk}, {"events", p.events}, {"survival", Round(p.survival, 5)},
                        {"ci_lower", Round(p.ci_lower, 5)}, {"ci_upper", Round(p.ci_upper, 5)}});
    curves[name] = points;
    medians[name] = curve.median ? json(*curve.median) : json(nullptr);
  }
  json out = {{"unit", "month"}, {"groups", curves}, {"median", medians}};
  // The contractual projection: the shifted-beta-geometric on whole months survived.
  std::vector<Subscriber> subscribers;
  for (const auto& o : all)
    subscribers.push_back({o.event ? std::max(1, static_cast<int>(std::ceil(o.duration))) : static_cast<int>(o.duration),
                           o.event, 1});
  if (auto fit = subscribers.empty() ? Result<Fit>(InvalidArgument("no subscriptions"))
                                     : FitShiftedBetaGeometric(subscribers)) {
    json projection = json::array();
    for (int t = 1; t <= 36; ++t)
      projection.push_back({{"t", t}, {"survival", Round(SbgSurvival(fit->params, t))},
                            {"retention", Round(SbgRetentionRate(fit->params, t))}});
    out["projection"] = {{"model", "sbg"}, {"params", {{"alpha", Round(fit->params[0], 6)}, {"beta", Round(fit->params[1], 6)}}},
                         {"months", projection}};
  } else {
    out["projection"] = {{"error", fit.error().message}};
  }
  if (auto test = LogRankTest(all))
    out["log_rank"] = {{"chi_square", Round(test->chi_square)}, {"degrees_of_freedom", test->degrees_of_freedom},
                       {"p_value", test->p_value}};
  return out;
}

// ---- the churn-risk model ----

// Features of every customer as of `t`, and who is "active" then: a live subscription, or a
// purchase in the year before.
struct FeatureFrame {
  ChurnData data;
  std::vector<uint32_t> customer;  // input customer index of each row
};

FeatureFrame Features(const Input& in, int64_t t, const std::vector<std::vector<const Input::Sale*>>& sales_of,
                      const std::vector<std::vector<const Input::Subscription*>>& subs_of,
                      const std::vector<std::vector<int64_t>>& failures_of,
                      const std::vector<std::vector<int64_t>>& complaints_of,
                      const std::vector<std::vector<int64_t>>& loyalty_of) {
  FeatureFrame f;
  const char* names[] = {"recency_days", "purchases_365", "spend_365", "tenure_days", "monthly_price",
                         "payment_failures_90", "complaints_365", "loyalty_activity_90"};
  for (const char* n : names) f.data.columns.push_back({n, false, {}, {}});
  f.data.columns.push_back({"plan", true, {}, {}});
  auto count_between = [](const std::vector<int64_t>& v, int64_t from, int64_t to) {
    return static_cast<double>(std::count_if(v.begin(), v.end(), [&](int64_t a) { return a > from && a <= to; }));
  };
  for (uint32_t c = 0; c < in.customers.size(); ++c) {
    const Input::Subscription* live = nullptr;
    for (const auto* s : subs_of[c])
      if (s->started_at <= t && (!s->cancelled_at || *s->cancelled_at > t)) live = s;
    int64_t last = -1;
    double purchases = 0, spend = 0;
    for (const auto* s : sales_of[c]) {
      if (s->at > t) continue;
      last = std::max(last, s->at);
      if (s->at > t - 365 * kDay) {
        purchases += 1;
        spend += static_cast<double>(s->amount_minor) / 100;
      }
    }
    if (!live && purchases == 0) continue;
    int64_t since = in.customers[c].since;
    for (const auto* s : subs_of[c]) since = std::min(since, s->started_at);
    for (const auto* s : sales_of[c]) since = std::min(since, s->at);
    if (since > t) continue;
    double values[] = {last >= 0 ? static_cast<double>(t - last) / kDay : NAN,
                       purchases,
                       spend,
                       static_cast<double>(t - since) / kDay,
                       live ? static_cast<double>(live->monthly_minor) / 100 : 0,
                       count_between(failures_of[c], t - 90 * kDay, t),
                       count_between(complaints_of[c], t - 365 * kDay, t),
                       count_between(loyalty_of[c], t - 90 * kDay, t)};
    for (size_t j = 0; j < std::size(values); ++j) f.data.columns[j].numbers.push_back(values[j]);
    f.data.columns.back().labels.push_back(live ? live->plan : "none");
    f.data.ids.push_back(in.customers[c].external_id);
    f.customer.push_back(c);
  }
  return f;
}

// Did the customer churn in (t, t + horizon]: every subscription live at t ended, or (without
// one) no purchase.
bool Churned(uint32_t c, int64_t t, int64_t horizon_end, const std::vector<std::vector<const Input::Sale*>>& sales_of,
             const std::vector<std::vector<const Input::Subscription*>>& subs_of) {
  bool had_live = false, still_live = false;
  for (const auto* s : subs_of[c]) {
    if (s->started_at <= t && (!s->cancelled_at || *s->cancelled_at > t)) {
      had_live = true;
      if (!s->cancelled_at || *s->cancelled_at > horizon_end) still_live = true;
    }
  }
  if (had_live) return !still_live;
  for (const auto* s : sales_of[c])
    if (s->at > t && s->at <= horizon_end) return false;
  return true;
}

}  // namespace

Refreshed ComputeAnalytics(const Input& in, Timestamp now_ts, const BusinessZone& zone) {
  auto started = std::chrono::steady_clock::now();
  int64_t now = ToUnixSeconds(now_ts);
  int32_t today = LocalDay(now, zone);
  int32_t this_month = PeriodIndex(today, CohortPeriod::kMonth);
  uint32_t n = static_cast<uint32_t>(in.customers.size());
  Refreshed out;
  json& d = out.dashboard;
  d["computed_at"] = FormatTimestamp(now_ts);
  d["currency"] = in.currency;
  d["customers"] = n;
  d["subscriptions"] = in.subscriptions.size();
  d["sales"] = in.sales.size();

  d["kpis"] = Kpis(in, this_month, zone);
  d["subscription_cohorts"] = SubscriptionCohorts(in, this_month, zone);
  d["survival"] = SurvivalByPlan(in, now);

  // Purchases as days, for cohorts, CLV and RFM.
  std::vector<Purchase> purchases;
  purchases.reserve(in.sales.size());
  for (const auto& s : in.sales)
    if (s.at <= now) purchases.push_back({s.customer, LocalDay(s.at, zone), static_cast<double>(s.amount_minor)});
  {
    auto cohorts = BuildCohorts(purchases, n, CohortPeriod::kMonth);
    if (cohorts.size() > static_cast<size_t>(kKpiMonths)) cohorts.erase(cohorts.begin(), cohorts.end() - kKpiMonths);
    json list = json::array();
    for (const auto& c : cohorts) {
      json retention = json::array();
      for (double r : c.retention) retention.push_back(Round(r));
      json revenue = json::array();
      for (double r : c.revenue) revenue.push_back(static_cast<int64_t>(std::llround(r)));
      list.push_back({{"cohort", c.label}, {"size", c.size}, {"retention", retention}, {"revenue_minor", revenue}});
    }
    d["cohorts"] = {{"period", "month"}, {"cohorts", list}};
  }

  // Per-customer details start here; scores for everyone with a purchase or a subscription.
  std::vector<json> detail(n);
  std::vector<int64_t> clv_minor(n, 0), risk_ppm(n, -1);
  std::vector<std::string> segment(n);
  std::vector<char> scored(n, 0);
  for (const auto& s : in.subscriptions) scored[s.customer] = 1;

  SummaryOptions options{today, 7, 1};
  auto summaries = Summarise(purchases, options);
  for (const auto& s : summaries) scored[s.customer] = 1;

  // CLV: BG/NBD and Gamma-Gamma in weeks.
  auto buyers = RepeatBuyers(summaries);
  size_t repeaters = static_cast<size_t>(std::count_if(buyers.begin(), buyers.end(), [](auto& b) { return b.x > 0; }));
  if (summaries.size() < 20 || repeaters < 10) {
    d["clv"] = {{"error", fmt::format("too little purchase history: {} buyers, {} with a repeat purchase (20 and 10 "
                                      "are needed)", summaries.size(), repeaters)}};
  } else {
    auto fit = FitBgNbd(buyers);
    auto spend = FitGammaGamma(Spenders(summaries));
    if (!fit || !spend) {
      d["clv"] = {{"error", !fit ? fit.error().message : spend.error().message}};
    } else {
      std::vector<std::pair<double, uint32_t>> values;
      for (size_t i = 0; i < summaries.size(); ++i) {
        const auto& s = summaries[i];
        const RepeatBuyer& b = buyers[i];
        double alive = BgNbdProbabilityAlive(fit->params, b);
        double next_quarter = BgNbdExpectedPurchases(fit->params, b, 13);
        double per = GammaGammaExpectedSpend(spend->params, s.frequency, s.monetary);
        double value = LifetimeValue([&](double t) { return BgNbdExpectedPurchases(fit->params, b, t); }, per,
                                     kClvHorizonWeeks, kWeeklyDiscount);
        clv_minor[s.customer] = std::llround(value);
        values.emplace_back(value, s.customer);
        detail[s.customer]["clv"] = {{"frequency", s.frequency},
                                     {"recency_weeks", Round(s.recency, 2)},
                                     {"age_weeks", Round(s.T, 2)},
                                     {"mean_spend_minor", std::llround(s.monetary)},
                                     {"p_alive", Round(alive)},
                                     {"expected_purchases_13w", Round(next_quarter, 3)},
                                     {"expected_spend_minor", std::llround(per)},
                                     {"clv_minor", std::llround(value)}};
      }
      std::sort(values.rbegin(), values.rend());
      json params = json::object(), spend_params = json::object();
      for (size_t i = 0; i < fit->names.size(); ++i) params[fit->names[i]] = Round(fit->params[i], 6);
      for (size_t i = 0; i < spend->names.size(); ++i) spend_params[spend->names[i]] = Round(spend->params[i], 6);
      // A histogram on a log scale: value bands doubling from one currency unit.
      json histogram = json::array();
      double lo = 0, hi = 100;
      while (true) {
        int64_t count = std::count_if(values.begin(), values.end(), [&](auto& v) { return v.first >= lo && v.first < hi; });
        histogram.push_back({{"from_minor", std::llround(lo)}, {"to_minor", std::llround(hi)}, {"customers", count}});
        if (values.empty() || hi > values.front().first) break;
        lo = hi;
        hi *= 2;
      }
      json top = json::array();
      for (size_t i = 0; i < values.size() && i < 20; ++i) {
        uint32_t c = values[i].second;
        top.push_back({{"customer", in.customers[c].external_id}, {"name", in.customers[c].name},
                       {"clv_minor", clv_minor[c]}, {"p_alive", detail[c]["clv"]["p_alive"]},
                       {"expected_purchases_13w", detail[c]["clv"]["expected_purchases_13w"]}});
      }
      double total = 0;
      for (auto& v : values) total += v.first;
      d["clv"] = {{"model", "bgnbd"}, {"unit", "week"}, {"horizon_weeks", kClvHorizonWeeks},
                  {"weekly_discount", kWeeklyDiscount}, {"params", params}, {"spend_model", "gamma-gamma"},
                  {"spend_params", spend_params}, {"customers", values.size()},
                  {"total_minor", std::llround(total)}, {"histogram", histogram}, {"top", top}};
    }
  }

  // RFM over the buyers.
  {
    auto scores = ScoreRfm(summaries, today, 1);
    json grid = json::array();
    std::vector<std::vector<int64_t>> cells(5, std::vector<int64_t>(5, 0));
    json segments = json::object();
    for (auto name : RfmSegments()) segments[std::string(name)] = 0;
    for (const auto& s : scores) {
      cells[static_cast<size_t>(s.r - 1)][static_cast<size_t>(s.f - 1)] += 1;
      segments[std::string(s.segment)] = segments[std::string(s.segment)].get<int64_t>() + 1;
      segment[s.customer] = std::string(s.segment);
      detail[s.customer]["rfm"] = {{"recency_days", s.recency}, {"frequency", s.frequency},
                                   {"monetary_minor", std::llround(s.monetary)}, {"r", s.r}, {"f", s.f}, {"m", s.m},
                                   {"segment", s.segment}};
    }
    for (const auto& row : cells) grid.push_back(row);
    d["rfm"] = {{"grid", grid}, {"segments", segments}, {"customers", scores.size()}};
  }

  // The churn-risk model: trained on who was active 90 days ago and whether they churned since;
  // scores everyone active now. The at-risk list is ordered by value at risk (risk times what
  // leaving would cost), so it leads with the customers worth a call.
  {
    std::vector<std::vector<const Input::Sale*>> sales_of(n);
    std::vector<std::vector<const Input::Subscription*>> subs_of(n);
    std::vector<std::vector<int64_t>> failures_of(n), complaints_of(n), loyalty_of(n);
    for (const auto& s : in.sales) sales_of[s.customer].push_back(&s);
    for (const auto& s : in.subscriptions) subs_of[s.customer].push_back(&s);
    for (const auto& s : in.payment_failures) failures_of[s.customer].push_back(s.at);
    for (const auto& s : in.complaints) complaints_of[s.customer].push_back(s.at);
    for (const auto& s : in.loyalty_activity) loyalty_of[s.customer].push_back(s.at);
    int64_t cutoff = now - kChurnHorizonDays * kDay;
    auto train = Features(in, cutoff, sales_of, subs_of, failures_of, complaints_of, loyalty_of);
    for (uint32_t c : train.customer) train.data.churned.push_back(Churned(c, cutoff, now, sales_of, subs_of) ? 1 : 0);
    int64_t churners = std::count(train.data.churned.begin(), train.data.churned.end(), 1);
    int64_t stayers = static_cast<int64_t>(train.data.churned.size()) - churners;
    json model_json;
    if (churners < 20 || stayers < 20) {
      model_json = {{"error", fmt::format("too few customers to learn from: of those active {} days ago, {} churned "
                                          "and {} stayed (20 of each are needed)", kChurnHorizonDays, churners, stayers)}};
    } else {
      auto trees = CrossValidate(train.data, ChurnModelKind::kGradientBoosting, 5, 1);
      auto linear = CrossValidate(train.data, ChurnModelKind::kLogistic, 5, 1);
      std::vector<size_t> all(train.data.ids.size());
      std::iota(all.begin(), all.end(), 0);
      auto model = ChurnModel::Train(train.data, all, ChurnModelKind::kGradientBoosting, 1);
      auto current = Features(in, now, sales_of, subs_of, failures_of, complaints_of, loyalty_of);
      std::vector<size_t> rows(current.data.ids.size());
      std::iota(rows.begin(), rows.end(), 0);
      Result<std::vector<double>> risk = InvalidArgument("no model");
      Result<std::vector<float>> why = InvalidArgument("no model");
      if (model) {
        risk = model->Predict(current.data, rows);
        why = model->Contributions(current.data, rows);
      }
      if (!trees || !linear || !model || !risk || !why) {
        const Error& e = !trees ? trees.error() : !linear ? linear.error() : !model ? model.error()
                         : !risk ? risk.error() : why.error();
        model_json = {{"error", e.message}};
      } else {
        const auto& names = model->names();
        size_t width = names.size() + 1;
        std::vector<std::pair<double, uint32_t>> ranked;
        for (size_t i = 0; i < rows.size(); ++i) {
          uint32_t c = current.customer[i];
          double p = (*risk)[i];
          risk_ppm[c] = std::llround(p * 1e6);
          scored[c] = 1;
          std::vector<std::pair<float, size_t>> parts;
          for (size_t j = 0; j + 1 < width; ++j) parts.emplace_back((*why)[i * width + j], j);
          std::sort(parts.rbegin(), parts.rend());
          json reasons = json::array();
          for (size_t k = 0; k < parts.size() && k < 3 && parts[k].first > 0.05f; ++k) {
            const std::string& feature = names[parts[k].second];
            // The raw value behind the feature ("plan=basic" is its own value).
            json value = nullptr;
            for (const auto& col : current.data.columns)
              if (!col.categorical && col.name == feature) value = Round(col.numbers[i], 2);
            reasons.push_back({{"feature", feature}, {"value", value}, {"contribution", Round(parts[k].first, 3)}});
          }
          // What leaving would cost: the purchases' lifetime value and a year of the plan.
          double yearly_plan_minor = 12 * 100 * current.data.columns[4].numbers[i];
          double value_at_risk = p * (static_cast<double>(clv_minor[c]) + yearly_plan_minor);
          detail[c]["churn"] = {{"risk", Round(p)}, {"reasons", reasons},
                                {"value_at_risk_minor", std::llround(value_at_risk)}};
          ranked.emplace_back(value_at_risk, c);
        }
        std::sort(ranked.rbegin(), ranked.rend());
        json at_risk = json::array();
        for (size_t i = 0; i < ranked.size() && i < 50; ++i) {
          uint32_t c = ranked[i].second;
          at_risk.push_back({{"customer", in.customers[c].external_id}, {"name", in.customers[c].name},
                             {"risk", detail[c]["churn"]["risk"]}, {"reasons", detail[c]["churn"]["reasons"]},
                             {"clv_minor", clv_minor[c]},
                             {"value_at_risk_minor", detail[c]["churn"]["value_at_risk_minor"]}});
        }
        json calibration = json::array();
        for (const auto& b : trees->calibration)
          calibration.push_back({{"predicted", Round(b.predicted)}, {"observed", Round(b.observed)}, {"customers", b.customers}});
        json auc_folds = json::array();
        for (double a : trees->auc_folds) auc_folds.push_back(Round(a));
        json features = json::array();
        for (const auto& name : names) features.push_back(name);
        if (auto saved = model->Save()) out.churn_model = std::move(*saved);
        model_json = {{"model", "xgboost"},
                      {"horizon_days", kChurnHorizonDays},
                      {"trained_on", train.data.ids.size()},
                      {"churners", churners},
                      {"auc_mean", Round(trees->auc_mean)},
                      {"auc_folds", auc_folds},
                      {"baseline", {{"model", "logistic"}, {"auc_mean", Round(linear->auc_mean)}}},
                      {"calibration", calibration},
                      {"lift_top_decile", Round(trees->lift_top_decile, 2)},
                      {"features", features},
                      {"scored", rows.size()},
                      {"at_risk", at_risk}};
      }
    }
    d["churn_model"] = model_json;
  }

  for (uint32_t c = 0; c < n; ++c) {
    if (!scored[c]) continue;
    json one = detail[c].is_null() ? json::object() : detail[c];
    one["computed_at"] = d["computed_at"];
    out.scores.push_back({in.customers[c].id, clv_minor[c], risk_ppm[c], segment[c], one.dump()});
  }
  d["took_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace retain::analytics
