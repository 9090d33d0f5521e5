// Benchmarks the analytics beside their peers, in one run:
//   - BG/NBD and Pareto/NBD fits on a 2,357-customer summary (the size of the CDNOW sample the
//     papers and lifetimes use) and on 1,000,000 customers, beside R fitting the same likelihood
//     the way BTYD does (bench/peers/clv.R); the parameters are compared to 3 significant digits;
//   - Kaplan-Meier on 1,000,000 subscriptions beside R's survival::survfit;
//   - the cohort matrix over 10,000,000 purchases beside the same query in SQLite;
//   - the churn model: XGBoost and the logistic baseline trained on 100,000 customers, scoring
//     1,000,000.
// Usage: bench_analytics [--customers N] [--purchases N] [--peers DIR] [--skip-r]
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "analytics/churn.h"
#include "analytics/clv.h"
#include "analytics/cohorts.h"
#include "analytics/simulate.h"
#include "analytics/survival.h"
#include "bench_util.h"

namespace retain::bench {
namespace {

using namespace retain::analytics;  // NOLINT: a benchmark of this module

struct PeerResult {
  bool ok = false;
  double seconds = 0;
  std::vector<double> values;
};

PeerResult RunPeer(const std::string& peers, const std::string& file, const std::string& what) {
  std::string command = fmt::format("Rscript {}/clv.R {} {} 2>/dev/null", peers, file, what);
  PeerResult r;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  char line[4096];
  std::string out;
  while (fgets(line, sizeof line, pipe)) out += line;
  if (pclose(pipe) != 0 || out.empty()) return r;
  size_t pos = 0;
  std::vector<double> v;
  while (pos < out.size()) {
    size_t comma = out.find(',', pos);
    v.push_back(std::atof(out.substr(pos, comma - pos).c_str()));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  r.ok = !v.empty();
  r.seconds = v.empty() ? 0 : v[0];
  r.values.assign(v.begin() + (v.empty() ? 0 : 1), v.end());
  return r;
}

void WriteSummary(const std::string& path, const std::vector<RepeatBuyer>& rows) {
  std::ofstream out(path);
  out << "x,t_x,T\n";
  for (const auto& c : rows) out << fmt::format("{},{:.10g},{:.10g}\n", c.x, c.t_x, c.T);
}

// The median of `runs` timings of f.
template <typename F>
double Time(int runs, F f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    f();
    t.push_back(Seconds(start));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

bool SameTo3Digits(double a, double b) {
  return std::abs(a - b) <= 0.5e-3 * std::max(std::abs(a), std::abs(b));
}

// Rounds times to whole days, as a daily purchase log gives them.
std::vector<RepeatBuyer> InDays(std::vector<RepeatBuyer> rows) {
  for (auto& c : rows) {
    c.T = std::max(1.0, std::round(c.T * 7)) / 7;
    c.t_x = std::round(c.t_x * 7) / 7;
    if (c.x > 0 && c.t_x == 0) c.t_x = 1.0 / 7;
    c.t_x = std::min(c.t_x, c.T);
  }
  return rows;
}

void FitRow(const std::string& label, const std::string& model, const std::vector<RepeatBuyer>& rows,
            const std::string& peers, bool run_peer, int runs) {
  Result<Fit> fit = InvalidArgument("not run");
  double seconds = Time(runs, [&] { fit = model == "bgnbd" ? FitBgNbd(rows) : FitParetoNbd(rows); });
  if (!fit) Die(label + ": " + fit.error().ToString());
  std::string params;
  for (size_t i = 0; i < fit->params.size(); ++i) params += fmt::format("{}{}={:.4g}", i ? " " : "", fit->names[i], fit->params[i]);
  std::string peer_text = "(peer not run)";
  if (run_peer) {
    std::string file = fmt::format("/tmp/retain_bench_{}_{}.csv", model, rows.size());
    WriteSummary(file, rows);
    auto peer = RunPeer(peers, file, model);
    std::filesystem::remove(file);
    if (!peer.ok) {
      peer_text = "(R peer failed: is r-base-core installed?)";
    } else {
      bool same = true;
      for (size_t i = 0; i < fit->params.size() && i < peer.values.size(); ++i)
        same = same && SameTo3Digits(fit->params[i], peer.values[i]);
      peer_text = fmt::format("R {:9.4f} s  x{:7.1f}  params {} (R ll {:.4f}, Retain ll {:.4f})", peer.seconds,
                              peer.seconds / seconds, same ? "same to 3 s.f." : "DIFFER", peer.values.back(),
                              fit->log_likelihood);
    }
  }
  std::printf("%-34s Retain %9.4f s (%d evals)  %s\n    %s\n", label.c_str(), seconds, fit->evaluations,
              params.c_str(), peer_text.c_str());
}

void Cohorts(size_t purchases, uint32_t customers) {
  // A purchase log over three years: customers arrive uniformly, buy at a rate of their own
  // and leave at a rate of their own.
  std::mt19937_64 rng(9);
  std::vector<Purchase> log;
  log.reserve(purchases);
  const int32_t start = 19723;  // 2024-01-01
  std::uniform_int_distribution<int32_t> arrival(0, 3 * 365 - 1);
  std::uniform_int_distribution<uint32_t> who(0, customers - 1);
  std::vector<int32_t> first(customers);
  for (auto& f : first) f = start + arrival(rng);
  std::exponential_distribution<double> later(1.0 / 200);
  for (size_t i = 0; i < purchases; ++i) {
    uint32_t c = who(rng);
    auto day = static_cast<int32_t>(first[c] + (i % 5 == 0 ? 0 : static_cast<int32_t>(later(rng))));
    log.push_back({c, std::min(day, start + 3 * 365 - 1), static_cast<double>(i % 97) + 0.5});
  }
  std::vector<Cohort> result;
  double ours = Time(3, [&] { result = BuildCohorts(log, customers, CohortPeriod::kMonth); });

  // The same matrix as SQL in SQLite (in memory, the month index precomputed for it, so SQL is
  // spared the date arithmetic Retain does).
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  sqlite3_exec(db, "CREATE TABLE purchases (customer INTEGER, month INTEGER, amount REAL)", nullptr, nullptr, nullptr);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO purchases VALUES (?, ?, ?)", -1, &insert, nullptr);
  for (const auto& p : log) {
    sqlite3_bind_int64(insert, 1, p.customer);
    sqlite3_bind_int(insert, 2, PeriodIndex(p.day, CohortPeriod::kMonth));
    sqlite3_bind_double(insert, 3, p.amount);
    sqlite3_step(insert);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  // The index a database serving this query would have (built before the clock starts).
  sqlite3_exec(db, "CREATE INDEX purchases_customer ON purchases (customer, month)", nullptr, nullptr, nullptr);
  const char* query =
      "WITH firsts AS (SELECT customer, MIN(month) AS cohort FROM purchases GROUP BY customer) "
      "SELECT f.cohort, p.month - f.cohort AS since, COUNT(DISTINCT p.customer), SUM(p.amount) "
      "FROM purchases p JOIN firsts f ON f.customer = p.customer GROUP BY 1, 2";
  int64_t cells = 0, active_sql = 0;
  double sql = Time(1, [&] {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, query, -1, &st, nullptr);
    cells = 0;
    active_sql = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
      ++cells;
      active_sql += sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
  });
  sqlite3_close(db);
  int64_t active_ours = 0;
  for (const auto& c : result)
    for (auto a : c.active) active_ours += a;
  std::printf("%-34s Retain %9.4f s  SQLite %9.4f s  x%.1f  (%s: %lld customer-months)\n",
              fmt::format("cohorts, {} purchases", purchases).c_str(), ours, sql, sql / ours,
              active_ours == active_sql ? "same matrix" : "DIFFERENT", static_cast<long long>(active_ours));
}

void KaplanMeierRow(size_t n, const std::string& peers, bool run_peer) {
  std::mt19937_64 rng(5);
  std::vector<Observation> rows(n);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (auto& o : rows) {
    // Monthly subscribers with a churn rate of their own, watched for up to 24 months.
    double churn = 0.02 + 0.2 * unit(rng);
    double t = std::ceil(std::log(1 - unit(rng)) / std::log(1 - churn));
    double watched = std::ceil(24 * unit(rng));
    o.duration = std::min(t, watched);
    o.event = t <= watched;
  }
  SurvivalCurve curve;
  double ours = Time(3, [&] { curve = KaplanMeier(rows); });
  auto at = [&](double t) {
    double s = 1;
    for (const auto& p : curve.points)
      if (p.t <= t) s = p.survival;
    return s;
  };
  std::string peer_text = "(peer not run)";
  if (run_peer) {
    std::string file = "/tmp/retain_bench_km.csv";
    {
      std::ofstream out(file);
      out << "t,e\n";
      for (const auto& o : rows) out << o.duration << "," << (o.event ? 1 : 0) << "\n";
    }
    auto peer = RunPeer(peers, file, "km");
    std::filesystem::remove(file);
    if (peer.ok && peer.values.size() >= 3) {
      bool same = curve.median && *curve.median == peer.values[0] && std::abs(at(6) - peer.values[1]) < 1e-9 &&
                  std::abs(at(12) - peer.values[2]) < 1e-9;
      peer_text = fmt::format("R survfit {:9.4f} s  x{:.1f}  {}", peer.seconds, peer.seconds / ours,
                              same ? "same median and S(6), S(12)" : "DIFFERENT curve");
    } else {
      peer_text = "(R peer failed: are r-base-core and r-cran-survival installed?)";
    }
  }
  std::printf("%-34s Retain %9.4f s  %s\n", fmt::format("Kaplan-Meier, {} subscriptions", n).c_str(), ours,
              peer_text.c_str());
}

void ChurnModelRows(size_t train_rows, size_t score_rows) {
  auto train = SimulateChurn(train_rows, 1, false);
  auto score = SimulateChurn(score_rows, 2, false);
  std::vector<size_t> all_train(train_rows), all_score(score_rows);
  std::iota(all_train.begin(), all_train.end(), 0);
  std::iota(all_score.begin(), all_score.end(), 0);
  for (auto kind : {ChurnModelKind::kGradientBoosting, ChurnModelKind::kLogistic}) {
    Result<ChurnModel> model = InvalidArgument("not run");
    double fit = Time(1, [&] { model = ChurnModel::Train(train, all_train, kind, 1); });
    if (!model) Die(model.error().ToString());
    Result<std::vector<double>> scores = InvalidArgument("not run");
    double scoring = Time(1, [&] { scores = model->Predict(score, all_score); });
    if (!scores) Die(scores.error().ToString());
    std::printf("%-34s train %zu: %7.3f s   score %zu: %7.3f s (%.0f customers/s)  AUC on the scored %.3f\n",
                kind == ChurnModelKind::kGradientBoosting ? "churn model, XGBoost (150 trees)" : "churn model, logistic baseline",
                train_rows, fit, score_rows, scoring, static_cast<double>(score_rows) / scoring, Auc(*scores, score.churned));
  }
}

}  // namespace
}  // namespace retain::bench

int main(int argc, char** argv) {
  using namespace retain::bench;  // NOLINT
  using namespace retain::analytics;  // NOLINT
  program_name = "bench_analytics";
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  size_t customers = 1000000, purchases = 10000000;
  std::string peers = "bench/peers";
  bool run_peer = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--customers" && i + 1 < argc) customers = std::stoul(argv[++i]);
    else if (a == "--purchases" && i + 1 < argc) purchases = std::stoul(argv[++i]);
    else if (a == "--peers" && i + 1 < argc) peers = argv[++i];
    else if (a == "--skip-r") run_peer = false;
    else Die("usage: bench_analytics [--customers N] [--purchases N] [--peers DIR] [--skip-r]");
  }
  const double bgnbd[] = {0.243, 4.414, 0.793, 2.426};  // the CDNOW estimates (Fader, Hardie & Lee 2005)
  const double pnbd[] = {0.553, 10.58, 0.606, 11.67};
  std::printf("Lifetime-model fits (times are medians of repeated runs; R: optim L-BFGS-B as BTYD)\n");
  FitRow("BG/NBD, 2,357 customers", "bgnbd", InDays(SimulateBgNbd(bgnbd, 2357, 27, 39, 1).buyers), peers, run_peer, 21);
  FitRow("Pareto/NBD, 2,357 customers", "pareto-nbd", InDays(SimulateParetoNbd(pnbd, 2357, 27, 39, 2).buyers), peers,
         run_peer, 11);
  FitRow(fmt::format("BG/NBD, {} customers", customers), "bgnbd",
         InDays(SimulateBgNbd(bgnbd, customers, 27, 39, 3).buyers), peers, run_peer, 3);
  FitRow(fmt::format("Pareto/NBD, {} customers", customers), "pareto-nbd",
         InDays(SimulateParetoNbd(pnbd, customers, 27, 39, 4).buyers), peers, false, 1);
  KaplanMeierRow(customers, peers, run_peer);
  Cohorts(purchases, static_cast<uint32_t>(std::max<size_t>(customers, 1)));
  ChurnModelRows(std::max<size_t>(customers / 10, 1000), customers);
  return 0;
}
