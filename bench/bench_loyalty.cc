// Purchases through the whole loyalty path against the plain import of the same rows, side by
// side in one run on the same machine:
//
//   plain    `retain import purchases FILE.csv` into a database with no programs;
//   loyalty  the same file into a database with three programs in effect (a punch card on subs,
//            a points program with a category multiplier, pending points, expiry and a daily cap,
//            and a second punch card on drinks): every purchase is evaluated, booked in the
//            ledger with its lots, cards completed issue coupons, in the import's transactions.
//   loyalty (again)  the same file a second time: every row unchanged, nothing booked.
//
// Usage: bench_loyalty [--rows N] [--customers N] [--dir DIR] [--postgres ADMIN_URL]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include <fmt/format.h>

#include "common/time.h"
#include "core/importer.h"
#include "loyalty/engine.h"
#include "storage/database.h"
#include "storage/record_store.h"
#include "bench_util.h"

namespace {

using namespace retain::bench;  // NOLINT(google-build-using-namespace)

constexpr const char* kPrograms[] = {
    R"({"id": "sub-club", "kind": "punch_card", "qualifying": {"categories": ["subs"]}, "punches": 9,
        "per_item": true, "reward": {"kind": "free_item", "product": "SUB-CLASSIC", "valid_days": 90}})",
    R"({"id": "points", "kind": "points", "currency": "EUR",
        "earn": {"per_unit": 10, "multipliers": [{"category": "drinks", "factor": 2}]},
        "pending_days": 14, "expiry": {"after_days": 365}, "caps": {"day": 500},
        "rewards": [{"id": "sub", "kind": "free_item", "product": "SUB-CLASSIC", "points": 600}]})",
    R"({"id": "drinks-card", "kind": "punch_card", "qualifying": {"categories": ["drinks"]}, "punches": 5,
        "one_per_day": true, "reward": {"kind": "free_item", "product": "DRINK", "valid_days": 30}})",
};

struct Item {
  const char* id;
  const char* category;
  int price;
};
constexpr Item kMenu[] = {{"SUB-CLASSIC", "subs", 650}, {"SUB-VEGGIE", "subs", 600}, {"SUB-TUNA", "subs", 700},
                          {"DRINK", "drinks", 200},     {"COOKIE", "sides", 150}};

}  // namespace

int main(int argc, char** argv) {
  retain::bench::program_name = "bench_loyalty";
  int64_t rows = 1'000'000;
  int64_t customers = 10'000;
  std::string postgres;
  std::string dir = std::filesystem::temp_directory_path() / "retain_bench_loyalty";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rows") == 0) rows = std::stoll(argv[i + 1]);
    else if (std::strcmp(argv[i], "--customers") == 0) customers = std::stoll(argv[i + 1]);
    else if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    else if (std::strcmp(argv[i], "--postgres") == 0) postgres = argv[i + 1];
    else Die(std::string("unknown option ") + argv[i]);
  }
  std::filesystem::create_directories(dir);
  const std::string customers_csv = dir + "/customers.csv";
  const std::string products_csv = dir + "/products.csv";
  const std::string purchases_csv = dir + "/purchases.csv";
  {
    std::ofstream c(customers_csv);
    c << "id,name,email,locale\n";
    for (int64_t i = 1; i <= customers; ++i) c << fmt::format("C{},Customer {},c{}@example.com,en\n", i, i, i);
    std::ofstream p(products_csv);
    p << "id,name,kind,price,currency,category\n";
    for (const auto& m : kMenu) p << fmt::format("{},{},item,{}.{:02},EUR,{}\n", m.id, m.id, m.price / 100, m.price % 100, m.category);
    std::ofstream s(purchases_csv);
    s << "id,customer,occurred_at,store,currency,product,quantity,unit_price\n";
    std::mt19937_64 rng(42);
    const int64_t start = 1'700'000'000;
    // Time runs forward through the file, as a till's export does.
    for (int64_t i = 1; i <= rows; ++i) {
      int64_t cust = static_cast<int64_t>(rng() % static_cast<uint64_t>(customers)) + 1;
      int64_t at = start + i * (3 * 365 * 86400LL) / rows;
      const Item& item = kMenu[rng() % std::size(kMenu)];
      int64_t qty = 1 + static_cast<int64_t>(rng() % 3);
      s << fmt::format("P{},C{},{},Baixa,EUR,{},{},{}.{:02}\n", i, cust, retain::FormatTimestamp(retain::FromUnixSeconds(at)),
                       item.id, qty, item.price / 100, item.price % 100);
    }
  }
  fmt::print("bench_loyalty: {} purchases over {} customers, three programs in effect\n", rows, customers);

  auto import = [&](retain::core::RecordStore& store, retain::core::RecordKind kind, const std::string& path,
                    retain::loyalty::LoyaltyStore* loyalty) {
    retain::core::ImportOptions o;
    o.kind = kind;
    o.path = path;
    retain::loyalty::Engine engine{retain::BusinessZone()};
    if (loyalty) {
      o.after_purchase = [&](const retain::core::Purchase& p, retain::core::WriteOutcome outcome) {
        return engine.OnPurchase(*loyalty, store, p, outcome, "bench");
      };
    }
    return Check(retain::core::ImportFile(store, o, nullptr), "import");
  };
  auto fresh_store_at = [&](const std::string& url, bool programs) {
    // As `retain import` opens it (app/services.cc).
    auto store = Check(retain::storage::OpenSqlStore(url, {.sqlite_cache_mib = 512}), "open");
    import(*store, retain::core::RecordKind::kCustomer, customers_csv, nullptr);
    import(*store, retain::core::RecordKind::kProduct, products_csv, nullptr);
    if (programs) {
      auto at = retain::FromUnixSeconds(1'600'000'000);
      for (const char* doc : kPrograms) {
        auto program = Check(retain::loyalty::ParseProgram(doc), "program");
        Check(store->loyalty().PutProgramVersion(program.id, program.kind, doc, at, "bench", at), "define program");
      }
    }
    return store;
  };

  struct Run {
    double plain = 0, loyalty = 0, again = 0;
    int64_t ledger = 0, coupons = 0;
  };
  auto run = [&](const std::function<std::string(const std::string&)>& fresh_url) {
    Run out;
    {
      auto store = fresh_store_at(fresh_url("plain"), false);
      auto t0 = Clock::now();
      auto r = import(*store, retain::core::RecordKind::kPurchase, purchases_csv, nullptr);
      out.plain = Seconds(t0);
      if (r.inserted != rows || r.rejected != 0) Die("purchases not all imported (plain)");
    }
    {
      auto store = fresh_store_at(fresh_url("loyalty"), true);
      auto t0 = Clock::now();
      auto r = import(*store, retain::core::RecordKind::kPurchase, purchases_csv, &store->loyalty());
      out.loyalty = Seconds(t0);
      if (r.inserted != rows || r.rejected != 0) Die("purchases not all imported (loyalty)");
      t0 = Clock::now();
      auto again = import(*store, retain::core::RecordKind::kPurchase, purchases_csv, &store->loyalty());
      out.again = Seconds(t0);
      if (again.unchanged != rows) Die("re-import was not idempotent");
      auto count = [&](const char* sql) {
        auto db = Check(retain::storage::Connection::Open(fresh_url("")), "open for counting");
        auto s = Check(db->Prepare(sql), "count");
        (void)Check(s->Step(), "count");
        int64_t n = s->Int(0);
        s->Reset();
        return n;
      };
      out.ledger = count("SELECT COUNT(*) FROM loyalty_ledger");
      out.coupons = count("SELECT COUNT(*) FROM coupons");
    }
    return out;
  };
  auto report = [&](const char* db, const Run& r) {
    auto rate = [&](double s) { return static_cast<double>(rows) / s; };
    fmt::print("{}:\n", db);
    fmt::print("  {:<46} {:>9} {:>11} {:>10}\n", "", "seconds", "rows/s", "vs plain");
    fmt::print("  {:<46} {:>9.2f} {:>11.0f} {:>10}\n", "plain import (no programs)", r.plain, rate(r.plain), "1.00");
    fmt::print("  {:<46} {:>9.2f} {:>11.0f} {:>10.2f}\n", "import with three programs in effect", r.loyalty,
               rate(r.loyalty), r.plain / r.loyalty);
    fmt::print("  {:<46} {:>9.2f} {:>11.0f} {:>10.2f}\n", "the same file again (nothing booked)", r.again,
               rate(r.again), r.plain / r.again);
    fmt::print("  ledger entries {}, coupons issued {}; goal: loyalty >= 0.50 of plain\n", r.ledger, r.coupons);
  };

  std::string last;
  auto sqlite_url = [&](const std::string& name) {
    if (name.empty()) return last;
    std::string path = dir + "/" + name + ".db";
    RemoveDb(path);
    last = "sqlite:" + path;
    return last;
  };
  report("SQLite", run(sqlite_url));
  for (const char* n : {"plain", "loyalty"}) RemoveDb(dir + "/" + n + ".db");

  if (!postgres.empty()) {
    auto admin = Check(retain::storage::Connection::Open(postgres), "connect to PostgreSQL");
    auto base = postgres.substr(0, postgres.rfind('/') + 1);
    auto pg_url = [&](const std::string& name) {
      if (name.empty()) return last;
      std::string db = "retain_bench_" + name;
      (void)admin->ExecuteScript("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      Check(admin->ExecuteScript("CREATE DATABASE " + db), "create database");
      last = base + db;
      return last;
    };
    report("PostgreSQL", run(pg_url));
    for (const char* n : {"plain", "loyalty"}) {
      (void)admin->ExecuteScript(std::string("DROP DATABASE IF EXISTS retain_bench_") + n + " WITH (FORCE)");
    }
  }
  for (const auto& f : {customers_csv, products_csv, purchases_csv}) std::filesystem::remove(f);
  return 0;
}
