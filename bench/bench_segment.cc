// The segment language over a million customers' facts in memory, beside the floor (the same
// condition written by hand in C++ over plain structs) and a peer (SQLite counting the same rows
// with the same condition in SQL, no index). All three must count the same customers.
//   bench_segment [--customers N]
#include <sqlite3.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_util.h"
#include "outreach/facts_table.h"
#include "outreach/segment.h"

using namespace retain;
using namespace retain::bench;

namespace {

struct Plain {
  std::string tier;  // "" for none
  double churn_risk;
  double days;       // < 0 for no purchase
  std::string locale;
};

constexpr const char* kSegment =
    "tier = \"gold\" and churn_risk > 0.6 and days_since_last_purchase between 30 and 90 and locale in (\"pt\", \"da\")";

template <typename F>
double Best(int runs, F f) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    auto t = Clock::now();
    f();
    best = std::min(best, Seconds(t));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  program_name = "bench_segment";
  int64_t n = 1000000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--customers") n = std::stoll(argv[i + 1]);
  }
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  const std::array<const char*, 4> tiers = {"", "bronze", "silver", "gold"};
  const std::array<const char*, 3> locales = {"en", "pt", "da"};
  std::vector<Plain> plain;
  std::vector<outreach::Facts> facts(static_cast<size_t>(n));
  plain.reserve(static_cast<size_t>(n));
  size_t tier = *outreach::FieldIndex("tier"), risk = *outreach::FieldIndex("churn_risk"),
         days = *outreach::FieldIndex("days_since_last_purchase"), locale = *outreach::FieldIndex("locale");
  for (int64_t i = 0; i < n; ++i) {
    Plain p{tiers[rng() % 4], u(rng), u(rng) < 0.1 ? -1.0 : std::floor(u(rng) * 365), locales[rng() % 3]};
    auto& f = facts[static_cast<size_t>(i)];
    f.values[tier] = p.tier.empty() ? outreach::Value() : outreach::Value(p.tier);
    f.values[risk] = p.churn_risk;
    f.values[days] = p.days < 0 ? outreach::Value() : outreach::Value(p.days);
    f.values[locale] = p.locale;
    plain.push_back(std::move(p));
  }

  // Retain: parse, then evaluate over every customer.
  int64_t retain_count = 0;
  double retain_s = Best(3, [&] {
    auto s = Check(outreach::ParseSegment(kSegment), "parse");
    retain_count = 0;
    for (const auto& f : facts) retain_count += outreach::Matches(*s.root, f) ? 1 : 0;
  });
  // Retain as the server counts: the facts kept in columns (FactsTable), only the named fields
  // filled per customer.
  outreach::FactsTable table;
  for (int64_t i = 0; i < n; ++i) {
    outreach::CustomerFacts c{fmt::format("C{:08d}", i), facts[static_cast<size_t>(i)]};
    c.facts.values[0] = c.id;
    table.Put(c);
  }
  int64_t table_count = 0;
  double table_s = Best(3, [&] {
    auto s = Check(outreach::ParseSegment(kSegment), "parse");
    table_count = table.Count(s, 10).matched;
  });
  // The floor: the condition compiled by hand.
  int64_t floor_count = 0;
  double floor_s = Best(3, [&] {
    floor_count = 0;
    for (const auto& p : plain) {
      floor_count += p.tier == "gold" && p.churn_risk > 0.6 && p.days >= 30 && p.days <= 90 &&
                     (p.locale == "pt" || p.locale == "da");
    }
  });
  // The peer: SQLite over the same rows.
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  sqlite3_exec(db, "CREATE TABLE facts (tier TEXT, churn_risk REAL, days REAL, locale TEXT)", nullptr, nullptr, nullptr);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO facts VALUES (?, ?, ?, ?)", -1, &insert, nullptr);
  for (const auto& p : plain) {
    if (p.tier.empty()) {
      sqlite3_bind_null(insert, 1);
    } else {
      sqlite3_bind_text(insert, 1, p.tier.c_str(), -1, SQLITE_STATIC);
    }
    sqlite3_bind_double(insert, 2, p.churn_risk);
    if (p.days < 0) {
      sqlite3_bind_null(insert, 3);
    } else {
      sqlite3_bind_double(insert, 3, p.days);
    }
    sqlite3_bind_text(insert, 4, p.locale.c_str(), -1, SQLITE_STATIC);
    sqlite3_step(insert);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  int64_t sqlite_count = 0;
  double sqlite_s = Best(3, [&] {
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT COUNT(*) FROM facts WHERE tier = 'gold' AND churn_risk > 0.6 AND days BETWEEN 30 AND 90"
                       " AND locale IN ('pt', 'da')",
                       -1, &q, nullptr);
    sqlite3_step(q);
    sqlite_count = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
  });
  sqlite3_close(db);
  if (retain_count != floor_count || retain_count != sqlite_count || table_count != retain_count) {
    Die(fmt::format("the counts differ: retain {}, table {}, floor {}, sqlite {}", retain_count, table_count, floor_count,
                    sqlite_count));
  }
  fmt::print("segment: {}\n{} customers, {} in the segment (all four agree)\n", kSegment, n, retain_count);
  fmt::print("  {:<28} {:>9.1f} ms  {:>6.1f} M customers/s  {:>5.2f}x the floor\n", "retain (parse + evaluate)",
             retain_s * 1e3, static_cast<double>(n) / retain_s / 1e6, retain_s / floor_s);
  fmt::print("  {:<28} {:>9.1f} ms  {:>6.1f} M customers/s  {:>5.2f}x the floor  ({} bytes a customer)\n",
             "retain FactsTable (columns)", table_s * 1e3, static_cast<double>(n) / table_s / 1e6, table_s / floor_s,
             table.MemoryBytes() / static_cast<size_t>(n));
  fmt::print("  {:<28} {:>9.1f} ms  {:>6.1f} M customers/s\n", "floor (hand-written C++)", floor_s * 1e3,
             static_cast<double>(n) / floor_s / 1e6);
  fmt::print("  {:<28} {:>9.1f} ms  {:>6.1f} M customers/s  {:>5.2f}x the floor\n", "sqlite (same WHERE, no index)",
             sqlite_s * 1e3, static_cast<double>(n) / sqlite_s / 1e6, sqlite_s / floor_s);
  return 0;
}
