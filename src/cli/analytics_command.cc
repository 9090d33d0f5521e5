// `retain analytics`: the retention models on a CSV file, for analysts (RFM, CLV, BG/BB, sBG,
// survival, cohorts). Output as a table for people, CSV or JSON for programs.
#include <algorithm>
#include <chrono>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <limits>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analytics/churn.h"
#include "analytics/clv.h"
#include "analytics/cohorts.h"
#include "analytics/rfm.h"
#include "analytics/refresh.h"
#include "analytics/summary.h"
#include "analytics/survival.h"
#include "cli/analytics_input.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/store_opener.h"

namespace retain::cli {
namespace {

using nlohmann::json;
using namespace retain::analytics;  // NOLINT: this file is the analytics command

// The flags the subcommands share.
struct Flags {
  std::string input, format = "table";
  std::string customer_col, date_col, amount_col;
  std::string calibration_end, unit = "day", period = "day";
  std::string model;
  std::string frequency_col, recency_col, periods_col, weight_col;
  std::string duration_col, event_col, group_col;
  std::optional<std::string> event_value;
  std::string cohort_period = "month";
  int horizon = 0;
  double discount_rate = 0;
  std::string id_col, target, model_file;
  std::optional<std::string> positive;
  int reasons = 3;
  int folds = 5;
  uint64_t seed = 1;
};

// Prints rows under a header with columns padded to their widest cell; numbers right-aligned.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], r[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      bool numeric = !cells[c].empty() && (std::isdigit(static_cast<unsigned char>(cells[c][0])) || cells[c][0] == '-');
      out += c == 0 || !numeric ? fmt::format("{:<{}}", cells[c], width[c]) : fmt::format("{:>{}}", cells[c], width[c]);
      if (c + 1 < cells.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    std::cout << out << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

std::string Csv(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Num(double v, int digits = 4) {
  if (!std::isfinite(v)) return "";
  return fmt::format("{:.{}f}", v, digits);
}

json Finite(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// Purchases read from --input by --customer-col, --date-col and --amount-col.
struct PurchaseLog {
  std::vector<Purchase> purchases;
  IdIndex customers;
};

Result<PurchaseLog> ReadPurchases(const Flags& f) {
  std::vector<std::string> required = {f.customer_col, f.date_col};
  if (!f.amount_col.empty()) required.push_back(f.amount_col);
  RETAIN_ASSIGN_OR_RETURN(auto table, CsvTable::Open(f.input, required));
  PurchaseLog log;
  ProgressBar bar("reading " + f.input, StderrIsTerminal());
  for (int64_t rows = 1;; ++rows) {
    RETAIN_ASSIGN_OR_RETURN(bool more, table->Next());
    if (!more) break;
    RETAIN_ASSIGN_OR_RETURN(auto id, table->Text(f.customer_col));
    RETAIN_ASSIGN_OR_RETURN(int32_t day, table->Day(f.date_col));
    double amount = 0;
    if (!f.amount_col.empty()) {
      RETAIN_ASSIGN_OR_RETURN(amount, table->Number(f.amount_col));
    }
    log.purchases.push_back({log.customers.Of(id), day, amount});
    if ((rows & 0xFFFF) == 0) bar.Update(table->position(), table->size(), rows);
  }
  bar.Clear();
  if (log.purchases.empty()) return InvalidArgument(fmt::format("{}: no rows after the header", f.input));
  return log;
}

Result<SummaryOptions> SummaryOptionsOf(const Flags& f) {
  SummaryOptions o;
  RETAIN_ASSIGN_OR_RETURN(o.calibration_end, ParseDay(f.calibration_end, "calibration-end"));
  o.unit_days = f.unit == "week" ? 7 : 1;
  o.period_days = f.period == "week" ? 7 : 1;
  return o;
}

json FitJson(std::string_view model, size_t customers, const Fit& fit) {
  json params = json::object(), errors = json::object();
  for (size_t i = 0; i < fit.names.size(); ++i) {
    params[fit.names[i]] = fit.params[i];
    errors[fit.names[i]] = Finite(fit.std_errors[i]);
  }
  return {{"model", model}, {"customers", customers}, {"params", params}, {"log_likelihood", fit.log_likelihood},
          {"std_errors", errors}};
}

void PrintFit(std::string_view title, size_t customers, const Fit& fit) {
  std::cout << fmt::format("{} fitted on {} customers; log-likelihood {:.4f}\n\n", title, customers, fit.log_likelihood);
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < fit.names.size(); ++i)
    rows.push_back({fit.names[i], Num(fit.params[i], 6), Num(fit.std_errors[i], 6)});
  PrintTable({"parameter", "estimate", "std. error"}, rows);
}

// ---- rfm ----

Result<int> Rfm(const Flags& f) {
  RETAIN_ASSIGN_OR_RETURN(auto log, ReadPurchases(f));
  RETAIN_ASSIGN_OR_RETURN(auto options, SummaryOptionsOf(f));
  auto summaries = Summarise(log.purchases, options);
  auto scores = ScoreRfm(summaries, options.calibration_end, options.unit_days);
  std::map<std::string_view, std::vector<const RfmScore*>> by_segment;
  for (const auto& s : scores) by_segment[s.segment].push_back(&s);
  if (f.format == "json") {
    json segments = json::object(), rows = json::array();
    for (auto name : RfmSegments()) segments[std::string(name)] = by_segment[name].size();
    for (const auto& s : scores)
      rows.push_back({{"customer", log.customers.Name(s.customer)}, {"recency", s.recency}, {"frequency", s.frequency},
                      {"monetary", s.monetary}, {"r", s.r}, {"f", s.f}, {"m", s.m},
                      {"rfm", fmt::format("{}{}{}", s.r, s.f, s.m)}, {"segment", s.segment}});
    std::cout << json{{"customers", scores.size()}, {"calibration_end", f.calibration_end}, {"unit", f.unit},
                      {"segments", segments}, {"scores", rows}}.dump() << "\n";
  } else if (f.format == "csv") {
    std::cout << "customer,recency,frequency,monetary,r,f,m,rfm,segment\n";
    for (const auto& s : scores)
      std::cout << fmt::format("{},{},{},{},{},{},{},{}{}{},{}\n", Csv(log.customers.Name(s.customer)), s.recency,
                               s.frequency, s.monetary, s.r, s.f, s.m, s.r, s.f, s.m, s.segment);
  } else {
    std::cout << fmt::format("{} customers scored as of {} (recency in {}s)\n\n", scores.size(), f.calibration_end, f.unit);
    std::vector<std::vector<std::string>> rows;
    for (auto name : RfmSegments()) {
      const auto& members = by_segment[name];
      double r = 0, fr = 0, m = 0;
      for (const auto* s : members) {
        r += s->recency;
        fr += s->frequency;
        m += s->monetary;
      }
      double n = std::max<double>(1, static_cast<double>(members.size()));
      rows.push_back({std::string(name), std::to_string(members.size()),
                      Num(100.0 * static_cast<double>(members.size()) / std::max<double>(1, static_cast<double>(scores.size())), 1),
                      Num(r / n, 1), Num(fr / n, 2), Num(m / n, 2)});
    }
    PrintTable({"segment", "customers", "%", "mean recency", "mean frequency", "mean monetary"}, rows);
  }
  return 0;
}

// ---- clv ----

Result<int> Clv(const Flags& f) {
  RETAIN_ASSIGN_OR_RETURN(auto log, ReadPurchases(f));
  RETAIN_ASSIGN_OR_RETURN(auto options, SummaryOptionsOf(f));
  auto summaries = Summarise(log.purchases, options);
  Result<Fit> fit = InvalidArgument("no model");
  Result<Fit> spend = InvalidArgument("no spend model");
  size_t used = summaries.size();
  auto spenders = Spenders(summaries);
  if (f.model == "gamma-gamma") {
    if (f.amount_col.empty()) return InvalidArgument("the gamma-gamma model needs --amount-col", "amount-col");
    fit = FitGammaGamma(spenders);
    used = static_cast<size_t>(std::count_if(spenders.begin(), spenders.end(), [](const Spender& s) { return s.m > 0; }));
  } else {
    auto buyers = RepeatBuyers(summaries);
    fit = f.model == "bgnbd" ? FitBgNbd(buyers) : FitParetoNbd(buyers);
    if (fit && f.horizon > 0 && !f.amount_col.empty()) spend = FitGammaGamma(spenders);
  }
  if (!fit) return tl::unexpected(fit.error());

  // Per-customer predictions over --horizon units.
  json predictions = json::array();
  std::vector<std::vector<std::string>> rows;
  if (f.horizon > 0 && f.model != "gamma-gamma") {
    for (const auto& s : summaries) {
      RepeatBuyer c{s.frequency, s.recency, s.T, 1};
      auto expected = [&](double t) {
        return f.model == "bgnbd" ? BgNbdExpectedPurchases(fit->params, c, t) : ParetoNbdExpectedPurchases(fit->params, c, t);
      };
      double alive = f.model == "bgnbd" ? BgNbdProbabilityAlive(fit->params, c) : ParetoNbdProbabilityAlive(fit->params, c);
      double purchases = expected(f.horizon);
      json row = {{"customer", log.customers.Name(s.customer)}, {"frequency", s.frequency}, {"recency", s.recency},
                  {"T", s.T}, {"p_alive", alive}, {"expected_purchases", purchases}};
      std::vector<std::string> cells = {log.customers.Name(s.customer), Num(s.frequency, 0), Num(s.recency, 2),
                                        Num(s.T, 2), Num(alive), Num(purchases)};
      if (spend) {
        double per = GammaGammaExpectedSpend(spend->params, s.frequency, s.monetary);
        double value = LifetimeValue(expected, per, f.horizon, f.discount_rate);
        row["expected_spend"] = per;
        row["clv"] = value;
        cells.push_back(Num(per, 2));
        cells.push_back(Num(value, 2));
      }
      predictions.push_back(row);
      rows.push_back(cells);
    }
  }
  std::string model_name = f.model == "bgnbd" ? "BG/NBD" : f.model == "pareto-nbd" ? "Pareto/NBD" : "Gamma-Gamma";
  if (f.format == "json") {
    json out = FitJson(f.model, used, *fit);
    out["calibration_end"] = f.calibration_end;
    out["unit"] = f.unit;
    if (spend) out["spend_model"] = FitJson("gamma-gamma", spenders.size(), *spend);
    if (!predictions.empty()) {
      out["horizon"] = f.horizon;
      out["predictions"] = predictions;
    }
    std::cout << out.dump() << "\n";
    return 0;
  }
  std::vector<std::string> header = {"customer", "frequency", "recency", "T", "p_alive", "expected_purchases"};
  if (spend) {
    header.push_back("expected_spend");
    header.push_back("clv");
  }
  if (f.format == "csv") {
    if (rows.empty()) {
      std::cout << "parameter,estimate,std_error\n";
      for (size_t i = 0; i < fit->names.size(); ++i)
        std::cout << fmt::format("{},{},{}\n", fit->names[i], fit->params[i], Num(fit->std_errors[i], 10));
      return 0;
    }
    for (size_t i = 0; i < header.size(); ++i) std::cout << header[i] << (i + 1 < header.size() ? "," : "\n");
    for (const auto& r : rows)
      for (size_t i = 0; i < r.size(); ++i) std::cout << Csv(r[i]) << (i + 1 < r.size() ? "," : "\n");
    return 0;
  }
  PrintFit(model_name, used, *fit);
  if (spend) {
    std::cout << "\n";
    PrintFit("Gamma-Gamma (spend per purchase)", spenders.size(), *spend);
  }
  if (!rows.empty()) {
    size_t sort_col = spend ? 7 : 5;
    std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) { return std::stod(a[sort_col]) > std::stod(b[sort_col]); });
    if (rows.size() > 10) rows.resize(10);
    std::cout << fmt::format("\nThe 10 customers worth most over the next {} {}s (all with --format csv):\n\n", f.horizon, f.unit);
    PrintTable(header, rows);
  }
  return 0;
}

// ---- bgbb ----

Result<int> BgBbCommand(const Flags& f) {
  std::vector<std::string> required = {f.frequency_col, f.recency_col, f.periods_col};
  if (!f.weight_col.empty()) required.push_back(f.weight_col);
  RETAIN_ASSIGN_OR_RETURN(auto table, CsvTable::Open(f.input, required));
  std::vector<OpportunityBuyer> rows;
  double customers = 0;
  while (true) {
    RETAIN_ASSIGN_OR_RETURN(bool more, table->Next());
    if (!more) break;
    OpportunityBuyer b;
    RETAIN_ASSIGN_OR_RETURN(double x, table->Number(f.frequency_col));
    RETAIN_ASSIGN_OR_RETURN(double t, table->Number(f.recency_col));
    RETAIN_ASSIGN_OR_RETURN(double n, table->Number(f.periods_col));
    b.x = static_cast<int>(x);
    b.t_x = static_cast<int>(t);
    b.n = static_cast<int>(n);
    if (!f.weight_col.empty()) {
      RETAIN_ASSIGN_OR_RETURN(b.weight, table->Number(f.weight_col));
    }
    if (x != b.x || t != b.t_x || n != b.n || b.x < 0 || b.t_x < b.x || b.n < b.t_x || (b.x == 0) != (b.t_x == 0) ||
        !(b.weight > 0))
      return InvalidArgument(fmt::format("{} row {}: frequency {}, recency {}, periods {}, weight {} must be whole numbers "
                                         "with 0 <= frequency <= recency <= periods (recency 0 exactly when frequency is "
                                         "0) and a positive weight",
                                         f.input, rows.size() + 1, x, t, n, b.weight));
    customers += b.weight;
    rows.push_back(b);
  }
  RETAIN_ASSIGN_OR_RETURN(auto fit, FitBgBb(rows));
  auto total = static_cast<int64_t>(std::llround(customers));
  if (f.format == "json") {
    json out = FitJson("bgbb", static_cast<size_t>(total), fit);
    if (f.horizon > 0) {
      json predictions = json::array();
      for (const auto& r : rows)
        predictions.push_back({{"frequency", r.x}, {"recency", r.t_x}, {"periods", r.n},
                               {"p_alive", BgBbProbabilityAlive(fit.params, r)},
                               {"expected_purchases", BgBbExpectedPurchases(fit.params, r, f.horizon)}});
      out["horizon"] = f.horizon;
      out["predictions"] = predictions;
    }
    std::cout << out.dump() << "\n";
  } else if (f.format == "csv") {
    std::cout << "frequency,recency,periods,p_alive,expected_purchases\n";
    for (const auto& r : rows)
      std::cout << fmt::format("{},{},{},{},{}\n", r.x, r.t_x, r.n, BgBbProbabilityAlive(fit.params, r),
                               BgBbExpectedPurchases(fit.params, r, std::max(1, f.horizon)));
  } else {
    PrintFit("BG/BB", static_cast<size_t>(total), fit);
  }
  return 0;
}

// ---- sbg ----

Result<int> Sbg(const Flags& f) {
  RETAIN_ASSIGN_OR_RETURN(auto table, CsvTable::Open(f.input, {f.duration_col, f.event_col}));
  std::vector<Subscriber> rows;
  while (true) {
    RETAIN_ASSIGN_OR_RETURN(bool more, table->Next());
    if (!more) break;
    RETAIN_ASSIGN_OR_RETURN(double t, table->Number(f.duration_col));
    RETAIN_ASSIGN_OR_RETURN(bool churned, table->Flag(f.event_col, f.event_value));
    if (t != std::floor(t) || t < (churned ? 1 : 0))
      return InvalidArgument(fmt::format("{} row {}: a duration of {} periods is not a whole number{}", f.input,
                                         rows.size() + 1, t, churned ? " of at least 1 (a churned subscriber)" : " >= 0"));
    rows.push_back({static_cast<int>(t), churned, 1});
  }
  RETAIN_ASSIGN_OR_RETURN(auto fit, FitShiftedBetaGeometric(rows));
  int horizon = f.horizon > 0 ? f.horizon : 12;
  if (f.format == "json") {
    json out = FitJson("sbg", rows.size(), fit), projection = json::array();
    for (int t = 1; t <= horizon; ++t)
      projection.push_back({{"t", t}, {"survival", SbgSurvival(fit.params, t)}, {"retention", SbgRetentionRate(fit.params, t)}});
    out["projection"] = projection;
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (f.format == "csv") {
    std::cout << "t,survival,retention\n";
    for (int t = 1; t <= horizon; ++t)
      std::cout << fmt::format("{},{},{}\n", t, SbgSurvival(fit.params, t), SbgRetentionRate(fit.params, t));
    return 0;
  }
  PrintFit("Shifted-beta-geometric", rows.size(), fit);
  std::cout << "\nProjected:\n\n";
  std::vector<std::vector<std::string>> out;
  for (int t = 1; t <= horizon; ++t)
    out.push_back({std::to_string(t), Num(100 * SbgSurvival(fit.params, t), 1), Num(100 * SbgRetentionRate(fit.params, t), 1)});
  PrintTable({"period", "still subscribed %", "retention rate %"}, out);
  return 0;
}

// ---- survival ----

Result<int> Survival(const Flags& f) {
  std::vector<std::string> required = {f.duration_col, f.event_col};
  if (!f.group_col.empty()) required.push_back(f.group_col);
  RETAIN_ASSIGN_OR_RETURN(auto table, CsvTable::Open(f.input, required));
  IdIndex groups;
  std::vector<Observation> rows;
  ProgressBar bar("reading " + f.input, StderrIsTerminal());
  while (true) {
    RETAIN_ASSIGN_OR_RETURN(bool more, table->Next());
    if (!more) break;
    Observation o;
    RETAIN_ASSIGN_OR_RETURN(o.duration, table->Number(f.duration_col));
    if (o.duration < 0)
      return InvalidArgument(fmt::format("{} row {}, column \"{}\": a duration cannot be negative", f.input,
                                         rows.size() + 1, f.duration_col));
    RETAIN_ASSIGN_OR_RETURN(o.event, table->Flag(f.event_col, f.event_value));
    if (f.group_col.empty()) {
      o.group = groups.Of("all");
    } else {
      RETAIN_ASSIGN_OR_RETURN(auto g, table->Text(f.group_col));
      o.group = groups.Of(g);
    }
    rows.push_back(o);
    if ((rows.size() & 0xFFFF) == 0) bar.Update(table->position(), table->size(), static_cast<int64_t>(rows.size()));
  }
  bar.Clear();
  if (rows.empty()) return InvalidArgument(fmt::format("{}: no rows after the header", f.input));
  // Groups in name order; the curves.
  std::vector<uint32_t> order(groups.size());
  for (uint32_t g = 0; g < groups.size(); ++g) order[g] = g;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return groups.Name(a) < groups.Name(b); });
  std::vector<std::vector<Observation>> split(groups.size());
  for (const auto& o : rows) split[o.group].push_back(o);
  std::vector<SurvivalCurve> curves(groups.size());
  for (uint32_t g = 0; g < groups.size(); ++g) curves[g] = KaplanMeier(split[g]);
  auto test = LogRankTest(rows);

  if (f.format == "json") {
    json out_groups = json::object(), medians = json::object();
    for (uint32_t g : order) {
      json points = json::array();
      for (const auto& p : curves[g].points)
        points.push_back({{"t", p.t}, {"at_risk", p.at_risk}, {"events", p.events}, {"censored", p.censored},
                          {"survival", p.survival}, {"ci_lower", p.ci_lower}, {"ci_upper", p.ci_upper}});
      out_groups[groups.Name(g)] = points;
      medians[groups.Name(g)] = curves[g].median ? json(*curves[g].median) : json(nullptr);
    }
    json out = {{"groups", out_groups}, {"median", medians}};
    if (test)
      out["log_rank"] = {{"chi_square", test->chi_square}, {"degrees_of_freedom", test->degrees_of_freedom},
                         {"p_value", test->p_value}};
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (f.format == "csv") {
    std::cout << "group,t,at_risk,events,censored,survival,ci_lower,ci_upper\n";
    for (uint32_t g : order)
      for (const auto& p : curves[g].points)
        std::cout << fmt::format("{},{},{},{},{},{},{},{}\n", Csv(groups.Name(g)), p.t, p.at_risk, p.events, p.censored,
                                 p.survival, p.ci_lower, p.ci_upper);
    return 0;
  }
  std::vector<std::vector<std::string>> out;
  for (uint32_t g : order) {
    int64_t events = 0;
    for (const auto& p : curves[g].points) events += p.events;
    const auto& last = curves[g].points.back();
    out.push_back({groups.Name(g), std::to_string(split[g].size()), std::to_string(events),
                   curves[g].median ? Num(*curves[g].median, 2) : std::string("not reached"), Num(last.t, 2),
                   fmt::format("{} ({}-{})", Num(100 * last.survival, 1), Num(100 * last.ci_lower, 1), Num(100 * last.ci_upper, 1))});
  }
  PrintTable({"group", "subjects", "events", "median", "last t", "survival % (95% CI)"}, out);
  if (test)
    std::cout << fmt::format("\nLog-rank test: chi-square {:.3f} on {} degree(s) of freedom, p = {:.4g}\n",
                             test->chi_square, test->degrees_of_freedom, test->p_value);
  return 0;
}

// ---- cohorts ----

Result<int> Cohorts(const Flags& f) {
  RETAIN_ASSIGN_OR_RETURN(auto period, ParseCohortPeriod(f.cohort_period));
  RETAIN_ASSIGN_OR_RETURN(auto log, ReadPurchases(f));
  auto cohorts = BuildCohorts(log.purchases, log.customers.size(), period);
  if (f.format == "json") {
    json out = json::array();
    for (const auto& c : cohorts)
      out.push_back({{"cohort", c.label}, {"size", c.size}, {"retention", c.retention}, {"customers", c.active},
                     {"revenue", c.revenue}});
    std::cout << json{{"period", f.cohort_period}, {"cohorts", out}}.dump() << "\n";
    return 0;
  }
  if (f.format == "csv") {
    std::cout << "cohort,size,periods_since,customers,retention,revenue\n";
    for (const auto& c : cohorts)
      for (size_t k = 0; k < c.active.size(); ++k)
        std::cout << fmt::format("{},{},{},{},{},{}\n", c.label, c.size, k, c.active[k], c.retention[k], c.revenue[k]);
    return 0;
  }
  std::cout << fmt::format("Share of each {} cohort buying again, by {}s since the first purchase (%):\n\n",
                           f.cohort_period, f.cohort_period);
  size_t width = 0;
  for (const auto& c : cohorts) width = std::max(width, c.retention.size());
  width = std::min<size_t>(width, 13);
  std::vector<std::string> header = {"cohort", "size"};
  for (size_t k = 1; k < width; ++k) header.push_back(std::to_string(k));
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : cohorts) {
    std::vector<std::string> row = {c.label, std::to_string(c.size)};
    for (size_t k = 1; k < width; ++k) row.push_back(k < c.retention.size() ? Num(100 * c.retention[k], 1) : "");
    rows.push_back(row);
  }
  PrintTable(header, rows);
  return 0;
}

// ---- churn-model ----

// Reads every column but the id and the target as a feature: numeric when every non-empty cell
// parses as a number, categorical otherwise; blanks are missing values.
Result<ChurnData> ReadChurnData(const Flags& f) {
  RETAIN_ASSIGN_OR_RETURN(auto table, CsvTable::Open(f.input, {f.id_col, f.target}));
  ChurnData data;
  std::vector<std::string> names;
  for (const auto& c : table->columns())
    if (c != f.id_col && c != f.target) names.push_back(c);
  std::vector<std::vector<std::string>> cells(names.size());
  std::vector<std::vector<int64_t>> lines(names.size());
  while (true) {
    RETAIN_ASSIGN_OR_RETURN(bool more, table->Next());
    if (!more) break;
    RETAIN_ASSIGN_OR_RETURN(auto id, table->Text(f.id_col));
    data.ids.emplace_back(id);
    RETAIN_ASSIGN_OR_RETURN(bool churned, table->Flag(f.target, f.positive));
    data.churned.push_back(churned ? 1 : 0);
    for (size_t c = 0; c < names.size(); ++c) {
      auto v = table->Cell(names[c]);
      cells[c].emplace_back(v ? *v : std::string_view());
    }
  }
  if (data.ids.empty()) return InvalidArgument(fmt::format("{}: no rows after the header", f.input));
  for (size_t c = 0; c < names.size(); ++c) {
    FeatureColumn col;
    col.name = names[c];
    col.numbers.reserve(cells[c].size());
    for (const auto& text : cells[c]) {
      if (text.empty()) {
        col.numbers.push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      double v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
        col.categorical = true;
        break;
      }
      col.numbers.push_back(v);
    }
    if (col.categorical) {
      col.numbers.clear();
      col.labels = std::move(cells[c]);
    }
    data.columns.push_back(std::move(col));
  }
  if (data.columns.empty()) return InvalidArgument(fmt::format("{}: no feature columns besides the id and the target", f.input));
  return data;
}

// Reads the columns a saved model was trained on, by name and kind: a numeric column must hold
// numbers (or blanks), named by line and column when it does not.
Result<ChurnData> ReadScoringData(const Flags& f, const ChurnModel& model) {
  std::vector<std::string> required = {f.id_col};
  for (const auto& c : model.columns()) required.push_back(c.name);
  RETAIN_ASSIGN_OR_RETURN(auto table, CsvTable::Open(f.input, required));
  ChurnData data;
  for (const auto& c : model.columns()) data.columns.push_back({c.name, c.categorical, {}, {}});
  while (true) {
    RETAIN_ASSIGN_OR_RETURN(bool more, table->Next());
    if (!more) break;
    RETAIN_ASSIGN_OR_RETURN(auto id, table->Text(f.id_col));
    data.ids.emplace_back(id);
    data.churned.push_back(0);
    for (auto& col : data.columns) {
      if (col.categorical) {
        auto v = table->Cell(col.name);
        col.labels.emplace_back(v ? *v : std::string_view());
      } else {
        RETAIN_ASSIGN_OR_RETURN(auto v, table->OptionalNumber(col.name));
        col.numbers.push_back(v.value_or(std::numeric_limits<double>::quiet_NaN()));
      }
    }
  }
  if (data.ids.empty()) return InvalidArgument(fmt::format("{}: no rows after the header", f.input));
  return data;
}

Result<int> ChurnTrain(const Flags& f) {
  RETAIN_ASSIGN_OR_RETURN(auto data, ReadChurnData(f));
  std::vector<size_t> all(data.ids.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  RETAIN_ASSIGN_OR_RETURN(auto model, ChurnModel::Train(data, all, ChurnModelKind::kGradientBoosting, f.seed));
  RETAIN_ASSIGN_OR_RETURN(auto text, model.Save());
  std::ofstream out(f.model_file, std::ios::binary | std::ios::trunc);
  if (!out || !(out << text) || !out.flush())
    return InvalidArgument(fmt::format("cannot write the model to {}", f.model_file), "model-out");
  int64_t churners = std::count(data.churned.begin(), data.churned.end(), 1);
  if (f.format == "json") {
    std::cout << json{{"model", "xgboost"}, {"customers", data.ids.size()}, {"churners", churners},
                      {"features", model.names()}, {"file", f.model_file}}.dump() << "\n";
  } else {
    std::cout << fmt::format("Trained on {} customers ({} churned), {} features; saved to {}.\n"
                             "Score others with: retain analytics churn-model score --input F.csv --id-col {} --model {}\n",
                             data.ids.size(), churners, model.names().size(), f.model_file, f.id_col, f.model_file);
  }
  return 0;
}

Result<int> ChurnScore(const Flags& f) {
  std::ifstream in(f.model_file, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read the model {}", f.model_file), "model");
  std::stringstream text;
  text << in.rdbuf();
  auto model = ChurnModel::Load(text.str());
  if (!model) return InvalidArgument(fmt::format("{}: {}", f.model_file, model.error().message), "model");
  RETAIN_ASSIGN_OR_RETURN(auto data, ReadScoringData(f, *model));
  std::vector<size_t> all(data.ids.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  RETAIN_ASSIGN_OR_RETURN(auto risk, model->Predict(data, all));
  RETAIN_ASSIGN_OR_RETURN(auto why, model->Contributions(data, all));
  const auto& names = model->names();
  size_t width = names.size() + 1;
  // The features that raised each customer's risk most, largest first.
  auto top = [&](size_t i) {
    std::vector<std::pair<float, size_t>> parts;
    for (size_t j = 0; j + 1 < width; ++j)
      if (why[i * width + j] > 0) parts.emplace_back(why[i * width + j], j);
    std::sort(parts.rbegin(), parts.rend());
    if (parts.size() > static_cast<size_t>(std::max(0, f.reasons))) parts.resize(static_cast<size_t>(std::max(0, f.reasons)));
    return parts;
  };
  if (f.format == "json") {
    json rows = json::array();
    for (size_t i = 0; i < all.size(); ++i) {
      json reasons = json::array();
      for (auto [c, j] : top(i)) reasons.push_back({{"feature", names[j]}, {"contribution", c}});
      rows.push_back({{"customer", data.ids[i]}, {"risk", risk[i]}, {"reasons", reasons}});
    }
    std::cout << json{{"model", "xgboost"}, {"customers", all.size()}, {"scores", rows}}.dump() << "\n";
    return 0;
  }
  std::vector<size_t> order = all;
  if (f.format == "table")
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return risk[a] > risk[b]; });
  if (f.format == "csv") std::cout << "customer,risk,reasons\n";
  std::vector<std::vector<std::string>> rows;
  for (size_t i : order) {
    std::string reasons;
    for (auto [c, j] : top(i)) reasons += (reasons.empty() ? "" : "; ") + names[j];
    if (f.format == "csv") {
      std::cout << fmt::format("{},{},{}\n", Csv(data.ids[i]), risk[i], Csv(reasons));
    } else if (rows.size() < 20) {
      rows.push_back({data.ids[i], Num(100 * risk[i], 1), reasons});
    }
  }
  if (f.format == "table") {
    std::cout << fmt::format("{} customers scored; the 20 most at risk (all with --format csv):\n\n", all.size());
    PrintTable({"customer", "risk %", "why"}, rows);
  }
  return 0;
}

json CvJson(std::string_view model, const CrossValidation& cv) {
  json calibration = json::array();
  for (const auto& b : cv.calibration)
    calibration.push_back({{"predicted", b.predicted}, {"observed", b.observed}, {"customers", b.customers}});
  return {{"model", model}, {"auc_mean", cv.auc_mean}, {"auc_folds", cv.auc_folds}, {"calibration", calibration},
          {"lift_top_decile", cv.lift_top_decile}};
}

Result<int> ChurnCv(const Flags& f) {
  RETAIN_ASSIGN_OR_RETURN(auto data, ReadChurnData(f));
  RETAIN_ASSIGN_OR_RETURN(auto trees, CrossValidate(data, ChurnModelKind::kGradientBoosting, f.folds, f.seed));
  RETAIN_ASSIGN_OR_RETURN(auto linear, CrossValidate(data, ChurnModelKind::kLogistic, f.folds, f.seed));
  int64_t churners = std::count(data.churned.begin(), data.churned.end(), 1);
  if (f.format == "json") {
    json out = CvJson("xgboost", trees);
    out["baseline"] = CvJson("logistic", linear);
    out["customers"] = data.ids.size();
    out["churners"] = churners;
    out["folds"] = f.folds;
    json features = json::array();
    for (const auto& c : data.columns) features.push_back({{"name", c.name}, {"kind", c.categorical ? "categorical" : "numeric"}});
    out["features"] = features;
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (f.format == "csv") {
    std::cout << "model,fold,auc\n";
    for (size_t i = 0; i < trees.auc_folds.size(); ++i) std::cout << fmt::format("xgboost,{},{}\n", i + 1, trees.auc_folds[i]);
    for (size_t i = 0; i < linear.auc_folds.size(); ++i) std::cout << fmt::format("logistic,{},{}\n", i + 1, linear.auc_folds[i]);
    return 0;
  }
  std::cout << fmt::format("{} customers, {} churned ({:.1f} %); {}-fold cross-validation, encoding fitted inside each fold\n\n",
                           data.ids.size(), churners, 100.0 * static_cast<double>(churners) / static_cast<double>(data.ids.size()), f.folds);
  auto folds_text = [](const CrossValidation& cv) {
    std::string s;
    for (double a : cv.auc_folds) s += (s.empty() ? "" : " ") + Num(a, 3);
    return s;
  };
  PrintTable({"model", "AUC", "folds", "top-decile lift"},
             {{"gradient-boosted trees (XGBoost)", Num(trees.auc_mean, 4), folds_text(trees), Num(trees.lift_top_decile, 2)},
              {"logistic regression (baseline)", Num(linear.auc_mean, 4), folds_text(linear), Num(linear.lift_top_decile, 2)}});
  std::cout << "\nCalibration of the trees (out-of-fold scores in tenths):\n\n";
  std::vector<std::vector<std::string>> rows;
  for (size_t b = 0; b < trees.calibration.size(); ++b)
    rows.push_back({std::to_string(b + 1), Num(100 * trees.calibration[b].predicted, 1), Num(100 * trees.calibration[b].observed, 1),
                    std::to_string(trees.calibration[b].customers)});
  PrintTable({"tenth", "predicted %", "observed %", "customers"}, rows);
  return 0;
}

// ---- refresh: the same models on Retain's own database ----

Result<int> Refresh(Context& ctx, const Flags& f) {
  RETAIN_ASSIGN_OR_RETURN(auto session, OpenSession(ctx));
  RETAIN_ASSIGN_OR_RETURN(auto zone, LoadZone(session->records()));
  auto now = Now();
  RETAIN_ASSIGN_OR_RETURN(auto input, session->analytics().LoadInput());
  auto result = ComputeAnalytics(input, now, zone);
  analytics::StoredRun run{0, ToUnixSeconds(now), result.dashboard.dump(), std::move(result.churn_model)};
  RETAIN_ASSIGN_OR_RETURN(int64_t run_id, InTransaction(session->records(), [&] {
    return session->analytics().SaveRun(run, result.scores);
  }));
  const json& d = result.dashboard;
  if (f.format == "json") {
    std::cout << d.dump() << "\n";
    return 0;
  }
  std::cout << fmt::format("Analytics run {} computed in {} ms: {} customers scored.\n", run_id,
                           d["took_ms"].get<int64_t>(), result.scores.size());
  if (!d["kpis"].empty()) {
    const json& k = d["kpis"].back();
    std::cout << fmt::format("  {}: {} subscriptions active at the start, {} cancelled ({} voluntary, {} involuntary), "
                             "churn {:.2f} %\n", k["month"].get<std::string>(), k["active_start"].get<int64_t>(),
                             k["churned"].get<int64_t>(), k["voluntary"].get<int64_t>(), k["involuntary"].get<int64_t>(),
                             100 * k["churn_rate"].get<double>());
  }
  auto part = [](const json& j, const std::string& ok) { return j.contains("error") ? "not computed: " + j["error"].get<std::string>() : ok; };
  const json& clv = d["clv"];
  std::cout << "  customer lifetime value: "
            << part(clv, clv.contains("total_minor") ? fmt::format("{} customers, {} (minor units, {}) over {} weeks",
                                                                 clv["customers"].get<int64_t>(), clv["total_minor"].get<int64_t>(),
                                                                 d["currency"].get<std::string>(), clv["horizon_weeks"].get<int>())
                                                     : std::string())
            << "\n";
  const json& churn = d["churn_model"];
  std::cout << "  churn-risk model: "
            << part(churn, churn.contains("auc_mean") ? fmt::format("cross-validated AUC {:.3f} (logistic baseline {:.3f}), "
                                                                    "{} customers scored",
                                                                    churn["auc_mean"].get<double>(),
                                                                    churn["baseline"]["auc_mean"].get<double>(),
                                                                    churn["scored"].get<int64_t>())
                                                        : std::string())
            << "\n";
  return 0;
}

void AddFormat(CLI::App* sub, Flags& f) {
  sub->add_option("--input", f.input, "The CSV file (with a header row)")->required();
  sub->add_option("--format", f.format, "table (for people), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
}

void AddPurchaseColumns(CLI::App* sub, Flags& f, bool calibration) {
  sub->add_option("--customer-col", f.customer_col, "Column with the customer's id")->required();
  sub->add_option("--date-col", f.date_col, "Column with the purchase date (YYYY-MM-DD, YYYYMMDD or ISO timestamp)")
      ->required();
  sub->add_option("--amount-col", f.amount_col, "Column with the amount spent");
  if (!calibration) return;
  sub->add_option("--calibration-end", f.calibration_end,
                  "Last day of the calibration period, YYYY-MM-DD (later purchases are left out)")
      ->required();
  sub->add_option("--period", f.period, "Purchases in the same period count once: day or week")
      ->check(CLI::IsMember({"day", "week"}))
      ->capture_default_str();
}

}  // namespace

Result<int> RunAnalytics(Context& ctx) {
  Flags f;
  auto app = NewParser(
      "analytics",
      "Retention models on a CSV file (RFM, lifetime value, survival, cohorts, churn risk), or on the database (refresh).",
      ctx);
  app->require_subcommand(1);

  auto* rfm = app->add_subcommand("rfm", "Recency, frequency and monetary scores (1-5) and segments per customer");
  AddFormat(rfm, f);
  AddPurchaseColumns(rfm, f, true);
  rfm->add_option("--unit", f.unit, "Recency in days or weeks")->check(CLI::IsMember({"day", "week"}))->capture_default_str();

  auto* clv = app->add_subcommand("clv", "Fit BG/NBD, Pareto/NBD or Gamma-Gamma to a purchase log; predict and value customers");
  AddFormat(clv, f);
  AddPurchaseColumns(clv, f, true);
  clv->add_option("--unit", f.unit, "Time unit of the model: day or week")->check(CLI::IsMember({"day", "week"}))
      ->capture_default_str();
  clv->add_option("--model", f.model, "bgnbd, pareto-nbd or gamma-gamma")
      ->check(CLI::IsMember({"bgnbd", "pareto-nbd", "gamma-gamma"}))
      ->required();
  clv->add_option("--horizon", f.horizon,
                  "Predict each customer's purchases (and, with --amount-col, spend and discounted value) over this "
                  "many units");
  clv->add_option("--discount-rate", f.discount_rate, "Discount rate per unit for the lifetime value")->capture_default_str();

  auto* bgbb = app->add_subcommand("bgbb", "Fit BG/BB to discrete-opportunity data (one row per customer or pattern)");
  AddFormat(bgbb, f);
  bgbb->add_option("--frequency-col", f.frequency_col, "Column with the number of purchases")->required();
  bgbb->add_option("--recency-col", f.recency_col, "Column with the opportunity of the last purchase")->required();
  bgbb->add_option("--periods-col", f.periods_col, "Column with the number of opportunities")->required();
  bgbb->add_option("--weight-col", f.weight_col, "Column with how many customers share the row");
  bgbb->add_option("--horizon", f.horizon, "Predict purchases in this many future opportunities");

  auto* sbg = app->add_subcommand("sbg", "Fit the shifted-beta-geometric to subscribers' durations; project retention");
  AddFormat(sbg, f);
  sbg->add_option("--duration-col", f.duration_col,
                  "Column with the periods a subscriber was subscribed (for a churned one, the period they left in)")
      ->required();
  sbg->add_option("--event-col", f.event_col, "Column saying whether the subscriber churned")->required();
  sbg->add_option("--event-value", f.event_value, "The value that means churned (default: 1, true or yes)");
  sbg->add_option("--horizon", f.horizon, "Periods to project (default 12)");

  auto* survival = app->add_subcommand("survival", "Kaplan-Meier curves with 95% bands, medians and the log-rank test");
  AddFormat(survival, f);
  survival->add_option("--duration-col", f.duration_col, "Column with the time observed")->required();
  survival->add_option("--event-col", f.event_col, "Column saying whether the event (churn) happened")->required();
  survival->add_option("--event-value", f.event_value, "The value that means it happened (default: 1, true or yes)");
  survival->add_option("--group-col", f.group_col, "Column to split the curves by (plan, channel, ...)");

  auto* cohorts = app->add_subcommand("cohorts", "Acquisition cohorts: who buys again, by periods since their first purchase");
  AddFormat(cohorts, f);
  AddPurchaseColumns(cohorts, f, false);
  cohorts->add_option("--period", f.cohort_period, "week, month, quarter or year")
      ->check(CLI::IsMember({"week", "month", "quarter", "year"}))
      ->capture_default_str();

  auto* refresh = app->add_subcommand("refresh",
      "Compute KPIs, cohorts, survival, CLV, RFM and churn risk from the database and store them for the web app");
  refresh->add_option("--format", f.format, "table or json (the stored dashboard)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  auto* churn = app->add_subcommand("churn-model", "The churn-risk model: gradient-boosted trees beside logistic regression");
  churn->require_subcommand(1);
  auto* cv = churn->add_subcommand("cv", "Cross-validated AUC, calibration and lift on a table of customers");
  AddFormat(cv, f);
  cv->add_option("--id-col", f.id_col, "Column with the customer's id")->required();
  cv->add_option("--target", f.target, "Column saying whether the customer churned")->required();
  cv->add_option("--positive", f.positive, "The target value that means churned (default: 1, true or yes)");
  cv->add_option("--folds", f.folds, "Number of folds")->check(CLI::Range(2, 20))->capture_default_str();
  cv->add_option("--seed", f.seed, "Seed of the fold assignment and the trees")->capture_default_str();
  cv->footer("\nEvery other column is a feature: numbers where every cell is a number, categories otherwise\n"
             "(one-hot encoded); empty cells are missing values.");
  auto* train = churn->add_subcommand("train", "Train the trees on every row and save the model to a file");
  AddFormat(train, f);
  train->add_option("--id-col", f.id_col, "Column with the customer's id")->required();
  train->add_option("--target", f.target, "Column saying whether the customer churned")->required();
  train->add_option("--positive", f.positive, "The target value that means churned (default: 1, true or yes)");
  train->add_option("--seed", f.seed, "Seed of the trees' row sampling")->capture_default_str();
  train->add_option("--model-out", f.model_file, "Where to save the model (JSON)")->required();
  auto* score = churn->add_subcommand("score", "Score customers with a saved model: risk and the features behind it");
  AddFormat(score, f);
  score->add_option("--id-col", f.id_col, "Column with the customer's id")->required();
  score->add_option("--model", f.model_file, "A model saved by churn-model train")->required();
  score->add_option("--reasons", f.reasons, "How many reasons to give per customer")->capture_default_str();
  score->footer("\nThe file needs the columns the model was trained on (by name); others are ignored.");

  app->footer(
      "\nExamples:\n"
      "  retain analytics rfm --input sales.csv --customer-col customer --date-col date --amount-col total \\\n"
      "      --calibration-end 2026-06-30\n"
      "  retain analytics clv --input sales.csv --customer-col customer --date-col date --amount-col total \\\n"
      "      --calibration-end 2026-06-30 --unit week --model bgnbd --horizon 52 --format csv > clv.csv\n"
      "  retain analytics survival --input subs.csv --duration-col months --event-col cancelled --group-col plan\n"
      "The models, their parameters and references are in docs/ANALYTICS.md.");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;
  if (refresh->parsed()) return Refresh(ctx, f);
  if (rfm->parsed()) return Rfm(f);
  if (clv->parsed()) return Clv(f);
  if (bgbb->parsed()) return BgBbCommand(f);
  if (sbg->parsed()) return Sbg(f);
  if (survival->parsed()) return Survival(f);
  if (cv->parsed()) return ChurnCv(f);
  if (train->parsed()) return ChurnTrain(f);
  if (score->parsed()) return ChurnScore(f);
  return Cohorts(f);
}

}  // namespace retain::cli
