// Import throughput: Retain's importer against the floor any importer pays, side by side in one
// run on the same machine and the same schema.
//
//   floor   the same purchase rows, already parsed in memory, inserted by one prepared SQLite
//           statement in one transaction into a freshly migrated database with the connection
//           settings Retain uses (WAL, synchronous=FULL, foreign keys on, 64 MiB cache); no
//           parsing, no validation, no idempotency check;
//   retain  `retain import purchases FILE.csv` end to end: reading and parsing the CSV,
//           validating every field, resolving the customer, checking for an existing record
//           (idempotency), inserting in batches of 5,000 rows per transaction.
//   retain (again)  the same file imported a second time: every row found unchanged.
//
// With --postgres URL (a server where the URL's user may create databases) the floor and the
// importer also run against PostgreSQL, each in a database of its own made for the run.
//
// Usage: bench_import [--rows N] [--customers N] [--batch ROWS_PER_TRANSACTION] [--dir DIR]
//                     [--postgres postgresql://user@host:port/postgres]
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/time.h"
#include "core/importer.h"
#include "storage/database.h"
#include "storage/record_store.h"
#include "bench_util.h"

namespace {

using namespace retain::bench;  // NOLINT(google-build-using-namespace)

struct Row {
  std::string id;
  int64_t customer_id;
  int64_t occurred_at;
  std::string store;
  int64_t total;
};

// The floor's statement: the same purchases table, every value already known.
constexpr const char* kFloorInsert =
    "INSERT INTO purchases (customer_id, external_id, kind, original_id, occurred_at, store,"
    " total_minor, currency, line_count, content_hash, created_at, updated_at)"
    " VALUES (?, ?, 'sale', NULL, ?, ?, ?, 'EUR', 0, 0, 0, 0)";

}  // namespace

int main(int argc, char** argv) {
  retain::bench::program_name = "bench_import";
  int64_t rows = 1'000'000;
  int64_t customers = 10'000;
  size_t batch = retain::core::ImportOptions{}.batch_size;
  std::string postgres;  // an admin URL of a PostgreSQL server to run the same comparison on
  std::string dir = std::filesystem::temp_directory_path() / "retain_bench_import";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rows") == 0) rows = std::stoll(argv[i + 1]);
    else if (std::strcmp(argv[i], "--customers") == 0) customers = std::stoll(argv[i + 1]);
    else if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    else if (std::strcmp(argv[i], "--batch") == 0) batch = std::stoull(argv[i + 1]);
    else if (std::strcmp(argv[i], "--postgres") == 0) postgres = argv[i + 1];
    else Die(std::string("unknown option ") + argv[i]);
  }
  std::filesystem::create_directories(dir);
  const std::string customers_csv = dir + "/customers.csv";
  const std::string purchases_csv = dir + "/purchases.csv";

  // The data: customers, and purchases spread over them and over three years.
  std::vector<Row> data;
  data.reserve(static_cast<size_t>(rows));
  {
    std::ofstream c(customers_csv);
    c << "id,name,email,locale\n";
    for (int64_t i = 1; i <= customers; ++i) c << fmt::format("C{},Customer {},c{}@example.com,en\n", i, i, i);
    std::ofstream p(purchases_csv);
    p << "id,customer,occurred_at,store,total,currency\n";
    std::mt19937_64 rng(42);
    const char* stores[] = {"Nørrebro", "Baixa", "Camden"};
    const int64_t start = 1'700'000'000;
    for (int64_t i = 1; i <= rows; ++i) {
      int64_t cust = static_cast<int64_t>(rng() % static_cast<uint64_t>(customers)) + 1;
      int64_t at = start + static_cast<int64_t>(rng() % (3 * 365 * 86400ULL));
      int64_t total = 150 + static_cast<int64_t>(rng() % 3000);
      const char* store = stores[rng() % 3];
      auto ts = retain::FormatTimestamp(retain::FromUnixSeconds(at));
      p << fmt::format("P{},C{},{},{},{}.{:02},EUR\n", i, cust, ts, store, total / 100, total % 100);
      data.push_back({fmt::format("P{}", i), cust, at, store, total});
    }
  }
  auto file_mb = static_cast<double>(std::filesystem::file_size(purchases_csv)) / 1e6;
  fmt::print("bench_import: {} purchases ({:.1f} MB CSV) over {} customers, SQLite {}\n", rows,
             file_mb, customers, sqlite3_libversion());

  // Imports `path` as `kind` into `store`; returns the report, dying on failure.
  auto import = [&](retain::core::RecordStore& store, retain::core::RecordKind kind, const std::string& path) {
    retain::core::ImportOptions o;
    o.kind = kind;
    o.path = path;
    o.batch_size = batch;
    return Check(retain::core::ImportFile(store, o, nullptr), "import");
  };
  // A freshly migrated store at `url` holding the customers.
  auto fresh_store_at = [&](const std::string& url) {
    // As `retain import` opens it (app/services.cc).
    auto store = Check(retain::storage::OpenSqlStore(url, {.sqlite_cache_mib = 512}), "open");
    if (import(*store, retain::core::RecordKind::kCustomer, customers_csv).inserted != customers) {
      Die("customers not imported");
    }
    return store;
  };
  auto fresh_store = [&](const std::string& path) {
    RemoveDb(path);
    return fresh_store_at("sqlite:" + path);
  };

  // Floor: prepared insert of pre-parsed rows, one transaction, same schema and indexes.
  double floor_s = 0;
  {
    std::string path = dir + "/floor.db";
    { auto store = fresh_store(path); }
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;", nullptr, nullptr, nullptr);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, kFloorInsert, -1, &stmt, nullptr) != SQLITE_OK) {
      Die(sqlite3_errmsg(db));
    }
    auto t0 = Clock::now();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (const auto& r : data) {
      sqlite3_bind_int64(stmt, 1, r.customer_id);  // customers were inserted as ids 1..N
      sqlite3_bind_text(stmt, 2, r.id.data(), static_cast<int>(r.id.size()), SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 3, r.occurred_at);
      sqlite3_bind_text(stmt, 4, r.store.data(), static_cast<int>(r.store.size()), SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 5, r.total);
      if (sqlite3_step(stmt) != SQLITE_DONE) Die(sqlite3_errmsg(db));
      sqlite3_reset(stmt);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    floor_s = Seconds(t0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    RemoveDb(path);
  }

  // Retain's importer, end to end from the CSV file; then the same file again.
  double import_s = 0, again_s = 0;
  {
    std::string path = dir + "/retain.db";
    auto store = fresh_store(path);
    auto t0 = Clock::now();
    auto r = import(*store, retain::core::RecordKind::kPurchase, purchases_csv);
    import_s = Seconds(t0);
    if (r.inserted != rows || r.rejected != 0) Die("purchases not all imported");
    t0 = Clock::now();
    auto again = import(*store, retain::core::RecordKind::kPurchase, purchases_csv);
    again_s = Seconds(t0);
    if (again.unchanged != rows) Die("re-import was not idempotent");
    store.reset();
    RemoveDb(path);
  }

  auto rate = [&](double s) { return static_cast<double>(rows) / s; };
  fmt::print("{:<44} {:>10} {:>14} {:>12}\n", "", "seconds", "rows/s", "vs floor");
  fmt::print("{:<44} {:>10.2f} {:>14.0f} {:>12}\n", "floor: prepared INSERT, pre-parsed, 1 txn", floor_s, rate(floor_s), "1.00");
  fmt::print("{:<44} {:>10.2f} {:>14.0f} {:>12.2f}\n", "retain import purchases (CSV, new rows)", import_s, rate(import_s), floor_s / import_s);
  fmt::print("{:<44} {:>10.2f} {:>14.0f} {:>12.2f}\n", "retain import purchases (same file again)", again_s, rate(again_s), floor_s / again_s);
  if (!postgres.empty()) {
    using retain::storage::Connection;
    auto admin = Check(Connection::Open(postgres), "connect to PostgreSQL");
    auto base = postgres.substr(0, postgres.rfind('/') + 1);
    auto fresh_pg = [&](const std::string& name) {
      (void)admin->ExecuteScript("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      Check(admin->ExecuteScript("CREATE DATABASE " + name), "create database");
      return fresh_store_at(base + name);
    };
    double pg_floor = 0, pg_import = 0;
    {
      { auto store = fresh_pg("retain_bench_floor"); }
      auto db = Check(Connection::Open(base + "retain_bench_floor"), "open");
      auto t0 = Clock::now();
      Check(db->Begin(), "begin");
      for (const auto& r : data) {
        Check(retain::storage::Execute(*db, kFloorInsert, r.customer_id, r.id, r.occurred_at, r.store, r.total),
              "insert");
      }
      Check(db->Commit(), "commit");
      pg_floor = Seconds(t0);
    }
    {
      auto store = fresh_pg("retain_bench_import");
      auto t0 = Clock::now();
      auto r = import(*store, retain::core::RecordKind::kPurchase, purchases_csv);
      pg_import = Seconds(t0);
      if (r.inserted != rows) Die("purchases not all imported into PostgreSQL");
    }
    for (const char* name : {"retain_bench_floor", "retain_bench_import"}) {
      (void)admin->ExecuteScript(std::string("DROP DATABASE IF EXISTS ") + name + " WITH (FORCE)");
    }
    fmt::print("PostgreSQL:\n");
    fmt::print("{:<44} {:>10.2f} {:>14.0f} {:>12}\n", "floor: prepared INSERT, pre-parsed, 1 txn", pg_floor, rate(pg_floor), "1.00");
    fmt::print("{:<44} {:>10.2f} {:>14.0f} {:>12.2f}\n", "retain import purchases (CSV, new rows)", pg_import, rate(pg_import), pg_floor / pg_import);
  }
  std::filesystem::remove(customers_csv);
  std::filesystem::remove(purchases_csv);
  return 0;
}
