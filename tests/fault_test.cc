// Crashes at random moments: `retain serve` killed with SIGKILL in the middle of sustained ingest
// (purchases that earn points, payments, redemptions that spend them), and `retain import` killed
// in the middle of a file, on SQLite and on PostgreSQL. After each kill: every request that got a
// 2xx is there, a request that got no answer can be sent again and lands once, nothing is there
// twice, and every rule `retain check` checks holds.
//
// RETAIN_FAULT_ROUNDS sets how many kills each test makes (default 3; `make fault` runs many more)
// and each round prints what it saw, so a long run counts its kills and its requests.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "server_process.h"
#include "storage/integrity.h"
#include "storage/query.h"
#include "storage/record_store.h"
#include "test_database.h"

namespace retain::testing {
namespace {

using nlohmann::json;

int Rounds() {
  const char* env = std::getenv("RETAIN_FAULT_ROUNDS");
  return env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : 3;
}

constexpr int kCustomers = 20;
constexpr int kWriters = 4;

// One write sent to the server and what came back (status 0: the connection died first).
struct Sent {
  std::string target;
  std::string body;
  std::string idempotency_key;
  std::string id;  // the record's id, or the redemption's key
  int status = 0;
  std::string answer;
};

class FaultTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_FALSE(db_->url().empty());
    auto store = storage::OpenSqlStore(db_->url());
    ASSERT_TRUE(store) << store.error().message;
    staff::ApiKey key;
    key.prefix = "faultkey";
    key.secret_hash = Sha256Hex("s3cret");
    key.name = "fault tests";
    key.scopes = {"records:read", "records:write", "loyalty:manage"};
    key.created_by = "tests";
    key.created_at = FromUnixSeconds(1700000000);
    ASSERT_TRUE((*store)->CreateApiKey(key));
  }

  const std::map<std::string, std::string> kAuth = {{"Authorization", "Bearer rk_faultkey_s3cret"}};

  // A points program every customer is in, and each customer with points for hundreds of rewards.
  void SeedWorld(HttpClient& client) {
    json program = {{"id", "pts"}, {"kind", "points"}, {"currency", "EUR"}, {"earn", {{"per_unit", 10}}},
                    {"rewards", {{{"id", "coffee"}, {"kind", "free_item"}, {"product", "COFFEE"}, {"points", 50}}}}};
    // In force from the start of the year, so the dated sales below all earn.
    auto made = client.Request("POST", "/v1/loyalty/programs?effective_at=2026-01-01T00:00:00Z", program.dump());
    ASSERT_EQ(made.status, 201) << made.body;
    for (int c = 1; c <= kCustomers; ++c) {
      std::string id = fmt::format("C{}", c);
      auto r = client.Request("POST", "/v1/customers", json{{"id", id}, {"name", "Customer " + id}}.dump());
      ASSERT_EQ(r.status, 201) << r.body;
      auto seed = client.Request("POST", "/v1/purchases",
                                 json{{"id", "SEED-" + id}, {"customer", id}, {"currency", "EUR"},
                                      {"occurred_at", "2026-01-01T12:00:00Z"}, {"total", "2000.00"}}.dump());
      ASSERT_EQ(seed.status, 201) << seed.body;
    }
  }

  // The i-th write of writer `w` in round `round`: a purchase, a payment or a redemption in turn.
  static Sent MakeWrite(int round, int w, int i) {
    Sent s;
    std::string customer = fmt::format("C{}", (w * 7 + i) % kCustomers + 1);
    switch (i % 3) {
      case 0:
        s.id = fmt::format("F-{}-{}-{}", round, w, i);
        s.target = "/v1/purchases";
        s.body = json{{"id", s.id}, {"customer", customer}, {"currency", "EUR"},
                      {"occurred_at", "2026-03-01T12:00:00Z"}, {"total", "3.00"}}.dump();
        break;
      case 1:
        s.id = fmt::format("Y-{}-{}-{}", round, w, i);
        s.target = "/v1/payments";
        s.body = json{{"id", s.id}, {"customer", customer}, {"amount", "9.99"}, {"currency", "EUR"},
                      {"status", i % 2 == 0 ? "paid" : "failed"}, {"occurred_at", "2026-03-01T08:00:00Z"}}.dump();
        break;
      default:
        s.id = fmt::format("R-{}-{}-{}", round, w, i);
        s.idempotency_key = s.id;
        s.target = "/v1/loyalty/redemptions";
        s.body = json{{"program", "pts"}, {"customer", customer}, {"reward", "coffee"}}.dump();
        break;
    }
    return s;
  }

  static HttpResponse Send(HttpClient& client, const Sent& s) {
    std::map<std::string, std::string> headers;
    if (!s.idempotency_key.empty()) headers["Idempotency-Key"] = s.idempotency_key;
    return client.Request("POST", s.target, s.body, headers);
  }

  // Counts rows with `sql` on the database directly (the server stopped or not).
  int64_t Count(const std::string& sql) {
    auto db = storage::Connection::Open(db_->url());
    EXPECT_TRUE(db) << db.error().message;
    if (!db) return -1;
    auto n = storage::ScalarInt(**db, sql);
    EXPECT_TRUE(n) << n.error().message;
    return n ? *n : -1;
  }

  void ExpectEveryRuleHolds() {
    auto db = storage::Connection::Open(db_->url());
    ASSERT_TRUE(db) << db.error().message;
    auto checks = storage::CheckIntegrity(**db);
    ASSERT_TRUE(checks) << checks.error().message;
    for (const auto& c : *checks) {
      EXPECT_EQ(c.violations, 0) << c.name << ": " << c.description << ", e.g. "
                                 << (c.examples.empty() ? "" : c.examples.front());
    }
  }

  std::unique_ptr<TestDatabase> db_;
};

TEST_P(FaultTest, KillDuringIngestLosesNothingAcknowledgedAndDoublesNothing) {
  std::mt19937 rng(std::random_device{}());
  std::vector<Sent> all;
  {
    ServerProcess server(db_->url());
    ASSERT_GT(server.port(), 0);
    HttpClient client(server.port(), kAuth);
    SeedWorld(client);
    if (HasFatalFailure()) return;
  }
  for (int round = 0; round < Rounds(); ++round) {
    auto server = std::make_unique<ServerProcess>(db_->url());
    ASSERT_GT(server->port(), 0);
    std::vector<std::vector<Sent>> sent(kWriters);
    std::vector<std::thread> writers;
    for (size_t w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        HttpClient client(server->port(), kAuth);
        for (int i = 0;; ++i) {
          Sent s = MakeWrite(round, static_cast<int>(w), i);
          auto r = Send(client, s);
          s.status = r.status;
          s.answer = r.body;
          sent[w].push_back(s);
          if (r.status == 0) break;  // killed: this one may or may not have landed
        }
      });
    }
    int after_ms = std::uniform_int_distribution<int>(150, 1200)(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
    server->Kill();
    for (auto& t : writers) t.join();

    // Back up: acknowledged writes are there; unanswered ones land when sent again, once.
    server = std::make_unique<ServerProcess>(db_->url());
    ASSERT_GT(server->port(), 0);
    HttpClient client(server->port(), kAuth);
    int acknowledged = 0;
    int unanswered = 0;
    int landed_before = 0;
    for (auto& writer : sent) {
      for (auto& s : writer) {
        if (s.status == 0) {
          ++unanswered;
          auto again = Send(client, s);
          ASSERT_TRUE(again.status == 200 || again.status == 201) << s.target << " " << s.id << ": " << again.body;
          landed_before += again.status == 200 ? 1 : 0;
          s.status = again.status;
          s.answer = again.body;
          continue;
        }
        ASSERT_TRUE(s.status == 200 || s.status == 201) << s.target << " " << s.id << " got " << s.status << ": "
                                                         << s.answer;
        ++acknowledged;
        if (s.idempotency_key.empty()) {
          auto got = client.Request("GET", s.target + "/" + s.id);
          EXPECT_EQ(got.status, 200) << "acknowledged " << s.target << " " << s.id << " is missing after the kill";
          auto again = Send(client, s);
          EXPECT_EQ(again.status, 200) << s.id << " sent again must change nothing: " << again.body;
        } else {
          // The same key gives back the same answer: the same coupon, not a second one.
          auto again = Send(client, s);
          EXPECT_TRUE(again.status == 200 || again.status == 201) << s.id << ": " << again.body;
          auto first = json::parse(s.answer, nullptr, false);
          auto second = json::parse(again.body, nullptr, false);
          EXPECT_EQ(first.value("code", "a"), second.value("code", "b")) << s.id;
        }
      }
    }
    std::cout << fmt::format("[fault] {} round {}: killed after {} ms; {} writes acknowledged, {} unanswered "
                             "({} had landed); all found\n",
                             BackendName(GetParam()), round + 1, after_ms, acknowledged, unanswered, landed_before)
              << std::flush;
    for (auto& writer : sent) all.insert(all.end(), writer.begin(), writer.end());
    server->Stop();
    if (HasFailure()) return;
  }

  // Nothing twice: one row per purchase and payment sent, one coupon and one spend per
  // redemption, one earning per purchase.
  int64_t purchases = 0, payments = 0, redemptions = 0;
  for (const auto& s : all) {
    if (s.target == "/v1/purchases") ++purchases;
    if (s.target == "/v1/payments") ++payments;
    if (!s.idempotency_key.empty()) ++redemptions;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM purchases"), purchases + kCustomers);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM payments"), payments);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM coupons"), redemptions);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM loyalty_ledger WHERE kind = 'spend'"), redemptions);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM loyalty_ledger WHERE kind = 'earn'"), purchases + kCustomers);
  EXPECT_EQ(Count("SELECT SUM(balance) FROM loyalty_accounts"),
            kCustomers * 20000 + purchases * 30 - redemptions * 50);
  ExpectEveryRuleHolds();
}

// `retain import` killed part-way through a file, then run again: every row once.
TEST_P(FaultTest, KillDuringImportThenImportAgainGivesEveryRowOnce) {
  TempDir dir;
  const int rows = 50000;
  {
    ServerProcess server(db_->url());
    ASSERT_GT(server.port(), 0);
    HttpClient client(server.port(), kAuth);
    SeedWorld(client);
    if (HasFatalFailure()) return;
  }
  std::string csv = "id,customer,currency,occurred_at,total\n";
  for (int i = 0; i < rows; ++i) {
    csv += fmt::format("IMP-{},C{},EUR,2026-04-{:02d}T10:00:00Z,{}.50\n", i, i % kCustomers + 1, i % 28 + 1, i % 9 + 1);
  }
  std::string file = dir.Write("sales.csv", csv);
  const char* binary = std::getenv("RETAIN_BINARY");
  std::string retain = binary != nullptr ? binary : RETAIN_BINARY_PATH;
  std::mt19937 rng(std::random_device{}());
  auto run_import = [&](int kill_after_ms) {
    pid_t pid = fork();
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
      // Small batches, so a kill lands between commits as well as inside one.
      execl(retain.c_str(), retain.c_str(), "import", "purchases", file.c_str(), "--batch", "2000", "--db",
            db_->url().c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    if (kill_after_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
      kill(pid, SIGKILL);
    }
    waitpid(pid, &status, 0);
    return status;
  };
  int64_t before = Count("SELECT COUNT(*) FROM purchases");
  for (int round = 0; round < Rounds(); ++round) {
    int after_ms = std::uniform_int_distribution<int>(100, 1500)(rng);
    int status = run_import(after_ms);
    int64_t landed = Count("SELECT COUNT(*) FROM purchases") - before;
    std::cout << fmt::format("[fault] {} import round {}: kill at {} ms ({}), {} of {} rows in\n",
                             BackendName(GetParam()), round + 1, after_ms,
                             WIFSIGNALED(status) ? "killed" : "finished before the kill", landed, rows)
              << std::flush;
    EXPECT_LE(landed, rows);
    ExpectEveryRuleHolds();
  }
  int status = run_import(0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the last import failed";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM purchases"), before + rows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM loyalty_ledger WHERE kind = 'earn'"), before + rows);
  int64_t earned = 0;
  for (int i = 0; i < rows; ++i) earned += (i % 9 + 1) * 10 + 5;  // 10 points a euro, 0.50 is 5
  EXPECT_EQ(Count("SELECT SUM(balance) FROM loyalty_accounts"), kCustomers * 20000 + earned);
  ExpectEveryRuleHolds();
}

// PostgreSQL stopped under a serving `retain serve` and started again (its own cluster, so the
// other tests' server stays up): while it is gone every request that needs it gets 503 with a
// message saying so, nothing half-written remains, and the server recovers by itself.
TEST(DatabaseOutageTest, PostgresGoneGives503AndTheServerRecoversByItself) {
  TempDir dir;
  std::string cluster = std::string(RETAIN_TESTS_DIR) + "/pg_cluster.sh";
  std::string pg_dir = dir.path() + "/pg";
  auto control = [&](const char* action) {
    return std::system(fmt::format("{} {} {} >/dev/null 2>&1", cluster, action, pg_dir).c_str());
  };
  ASSERT_EQ(control("start"), 0) << "could not start a PostgreSQL cluster";
  std::ifstream url_file(pg_dir + "/url");
  std::string url;
  std::getline(url_file, url);
  {
    auto store = storage::OpenSqlStore(url);
    ASSERT_TRUE(store) << store.error().message;
    staff::ApiKey key;
    key.prefix = "outage01";
    key.secret_hash = Sha256Hex("s3cret");
    key.name = "outage test";
    key.scopes = {"records:read", "records:write"};
    key.created_by = "tests";
    key.created_at = FromUnixSeconds(1700000000);
    ASSERT_TRUE((*store)->CreateApiKey(key));
  }
  ServerProcess server(url);
  ASSERT_GT(server.port(), 0);
  HttpClient client(server.port(), {{"Authorization", "Bearer rk_outage01_s3cret"}});
  ASSERT_EQ(client.Request("POST", "/v1/customers", json{{"id", "C1"}, {"name", "Ann"}}.dump()).status, 201);
  auto sale = [](int i) {
    return json{{"id", fmt::format("O-{}", i)}, {"customer", "C1"}, {"currency", "EUR"},
                {"occurred_at", "2026-03-01T12:00:00Z"}, {"total", "4.00"}}.dump();
  };
  for (int i = 0; i < 5; ++i) ASSERT_EQ(client.Request("POST", "/v1/purchases", sale(i)).status, 201);

  ASSERT_EQ(control("pause"), 0);
  std::vector<int> refused;
  for (int i = 5; i < 10; ++i) {
    auto r = client.Request("POST", "/v1/purchases", sale(i));
    ASSERT_EQ(r.status, 503) << r.body;
    auto body = json::parse(r.body, nullptr, false);
    EXPECT_EQ(body["error"]["code"], "unavailable") << r.body;
    EXPECT_EQ(r.headers["retry-after"], "2");
    EXPECT_NE(r.body.find("unavailable"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("s3cret"), std::string::npos);
    refused.push_back(i);
  }
  auto read = client.Request("GET", "/v1/customers/C1");
  EXPECT_EQ(read.status, 503) << read.body;
  auto health = client.Request("GET", "/healthz");
  EXPECT_EQ(health.status, 503) << health.body;

  ASSERT_EQ(control("resume"), 0);
  // No restart: the next requests find the database again.
  int status = 0;
  for (int tries = 0; tries < 100 && status != 200; ++tries) {
    status = client.Request("GET", "/healthz").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(status, 200) << "the server did not recover";
  EXPECT_EQ(client.Request("GET", "/v1/customers/C1").status, 200);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.Request("GET", fmt::format("/v1/purchases/O-{}", i)).status, 200);
  // What was refused was not written, and goes through when sent again.
  for (int i : refused) {
    EXPECT_EQ(client.Request("GET", fmt::format("/v1/purchases/O-{}", i)).status, 404) << i;
    EXPECT_EQ(client.Request("POST", "/v1/purchases", sale(i)).status, 201) << i;
  }
  EXPECT_EQ(client.Request("POST", "/v1/purchases", sale(10)).status, 201);
  server.Stop();
  control("stop");
}

// The SQLite file's disk fills up under the server (no file may grow past a limit, as on a full
// disk): writes get 503 saying why while reads go on, nothing acknowledged is lost, and once
// there is room again every rule holds and the refused writes go through.
TEST(FullDiskTest, SqliteWritesGet503ReadsGoOnAndNothingAcknowledgedIsLost) {
  TempDir dir;
  std::string url = "sqlite:" + dir.path() + "/full.db";
  {
    auto store = storage::OpenSqlStore(url);
    ASSERT_TRUE(store) << store.error().message;
    staff::ApiKey key;
    key.prefix = "diskfull";
    key.secret_hash = Sha256Hex("s3cret");
    key.name = "disk test";
    key.scopes = {"records:read", "records:write"};
    key.created_by = "tests";
    key.created_at = FromUnixSeconds(1700000000);
    ASSERT_TRUE((*store)->CreateApiKey(key));
  }
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer rk_diskfull_s3cret"}};
  auto sale = [](int i) {
    return json{{"id", fmt::format("D-{}", i)}, {"customer", "C1"}, {"currency", "EUR"},
                {"occurred_at", "2026-03-01T12:00:00Z"}, {"total", "4.00"},
                {"attributes", {{"note", std::string(200, 'x')}}}}.dump();
  };
  std::vector<int> acknowledged;
  std::vector<int> refused;
  {
    ServerProcess server(url, {}, 8u << 20);  // 8 MiB: the write-ahead log fills it soon
    ASSERT_GT(server.port(), 0);
    HttpClient client(server.port(), auth);
    ASSERT_EQ(client.Request("POST", "/v1/customers", json{{"id", "C1"}, {"name", "Ann"}}.dump()).status, 201);
    for (int i = 0; i < 20000 && refused.size() < 20; ++i) {
      auto r = client.Request("POST", "/v1/purchases", sale(i));
      ASSERT_NE(r.status, 0) << "the server died at write " << i;
      if (r.status == 201) {
        acknowledged.push_back(i);
        continue;
      }
      ASSERT_EQ(r.status, 503) << r.body;
      EXPECT_NE(r.body.find("the database's disk cannot be written"), std::string::npos) << r.body;
      refused.push_back(i);
    }
    ASSERT_EQ(refused.size(), 20u) << "the disk never filled";
    EXPECT_GT(acknowledged.size(), 50u);
    EXPECT_EQ(client.Request("GET", "/v1/customers/C1").status, 200) << "reads go on while the disk is full";
    std::cout << fmt::format("[fault] full disk: {} writes acknowledged before it filled, then 503\n",
                             acknowledged.size()) << std::flush;
  }
  ServerProcess server(url);  // room again
  ASSERT_GT(server.port(), 0);
  HttpClient client(server.port(), auth);
  for (int i : acknowledged) {
    ASSERT_EQ(client.Request("GET", fmt::format("/v1/purchases/D-{}", i)).status, 200) << "lost D-" << i;
  }
  for (int i : refused) EXPECT_EQ(client.Request("POST", "/v1/purchases", sale(i)).status, 201) << i;
  server.Stop();
  auto db = storage::Connection::Open(url);
  ASSERT_TRUE(db);
  auto checks = storage::CheckIntegrity(**db);
  ASSERT_TRUE(checks) << checks.error().message;
  for (const auto& c : *checks) EXPECT_EQ(c.violations, 0) << c.name;
}

// The SQLite file made read-only (a restore left it so, a volume mounted read-only): the server
// starts and serves reads, each write gets 503 saying what to change, nothing stored is lost, and
// once the file is writable again the refused writes go through. Permissions do not bind root, so
// as root the server runs as the unprivileged user 'nobody' (setpriv, which
// execs, so the server itself gets the test's signals).
TEST(ReadOnlyDatabaseTest, WritesGet503SayingWhyReadsGoOnNothingIsLost) {
  TempDir dir;
  std::string path = dir.path() + "/ro.db";
  std::string url = "sqlite:" + path;
  {
    auto store = storage::OpenSqlStore(url);
    ASSERT_TRUE(store) << store.error().message;
    staff::ApiKey key;
    key.prefix = "readonly";
    key.secret_hash = Sha256Hex("s3cret");
    key.name = "read-only test";
    key.scopes = {"records:read", "records:write"};
    key.created_by = "tests";
    key.created_at = FromUnixSeconds(1700000000);
    ASSERT_TRUE((*store)->CreateApiKey(key));
  }
  struct RestoreBinary {
    std::optional<std::string> before;
    ~RestoreBinary() {
      if (before) setenv("RETAIN_BINARY", before->c_str(), 1);
      else unsetenv("RETAIN_BINARY");
    }
  } restore{std::getenv("RETAIN_BINARY") ? std::optional<std::string>(std::getenv("RETAIN_BINARY")) : std::nullopt};
  if (geteuid() == 0) {
    std::string wrapper = dir.Write("retain-as-nobody", fmt::format("#!/bin/sh\nexec setpriv --reuid=nobody --regid=nogroup --clear-groups {} \"$@\"\n",
                                                                   std::getenv("RETAIN_BINARY") ? std::getenv("RETAIN_BINARY")
                                                                                                : RETAIN_BINARY_PATH));
    ASSERT_EQ(chmod(wrapper.c_str(), 0755), 0);
    ASSERT_EQ(setenv("RETAIN_BINARY", wrapper.c_str(), 1), 0);
    ASSERT_EQ(std::system(fmt::format("chown -R nobody '{}' && chmod 755 '{}'", dir.path(), dir.path()).c_str()), 0);
  }
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer rk_readonly_s3cret"}};
  auto customer = [](int i) { return json{{"id", fmt::format("C{}", i)}, {"name", fmt::format("Customer {}", i)}}.dump(); };
  {
    ServerProcess server(url);
    ASSERT_GT(server.port(), 0);
    HttpClient client(server.port(), auth);
    for (int i = 0; i < 50; ++i) ASSERT_EQ(client.Request("POST", "/v1/customers", customer(i)).status, 201);
    ASSERT_EQ(server.Stop(), 0);
  }
  ASSERT_EQ(chmod(path.c_str(), 0444), 0);
  {
    ServerProcess server(url);
    ASSERT_GT(server.port(), 0);
    HttpClient client(server.port(), auth);
    for (int i = 0; i < 50; ++i) ASSERT_EQ(client.Request("GET", fmt::format("/v1/customers/C{}", i)).status, 200) << i;
    for (int i = 50; i < 55; ++i) {
      auto r = client.Request("POST", "/v1/customers", customer(i));
      ASSERT_EQ(r.status, 503) << r.body;
      EXPECT_NE(r.body.find("read-only"), std::string::npos) << r.body;
      EXPECT_NE(r.body.find("let the user running retain write them"), std::string::npos) << r.body;
    }
    std::cout << "[fault] read-only file: reads served, writes refused with: "
              << json::parse(client.Request("POST", "/v1/customers", customer(50)).body)["error"]["message"].get<std::string>()
              << "\n" << std::flush;
  }
  // Writable again (the -shm file SQLite made while the file was read-only is read-only too).
  ASSERT_EQ(std::system(fmt::format("chmod 644 '{}'*", path).c_str()), 0);
  ServerProcess server(url);
  ASSERT_GT(server.port(), 0);
  HttpClient client(server.port(), auth);
  for (int i = 50; i < 55; ++i) EXPECT_EQ(client.Request("POST", "/v1/customers", customer(i)).status, 201) << i;
  auto stats = json::parse(client.Request("GET", "/v1/stats").body);
  EXPECT_EQ(stats["customers"], 55);
}

INSTANTIATE_TEST_SUITE_P(Databases, FaultTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace retain::testing
