// The HTTP API end to end: a real `retain serve` process on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "server_process.h"
#include "storage/record_store.h"
#include "test_database.h"

namespace retain::testing {
namespace {

using nlohmann::json;

class ServerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_FALSE(db_->url().empty());
    {
      auto store = storage::OpenRecordStore(db_->url());  // creates the schema
      ASSERT_TRUE(store) << store.error().message;
    }
    server_ = std::make_unique<ServerProcess>(db_->url());
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  HttpResponse Post(const std::string& target, const json& body, const std::string& key = "") {
    std::map<std::string, std::string> headers;
    if (!key.empty()) headers["Idempotency-Key"] = key;
    return client_->Request("POST", target, body.dump(), headers);
  }
  json Body(const HttpResponse& r) { return json::parse(r.body, nullptr, false); }

  void SeedCustomer(const std::string& id) {
    auto r = Post("/v1/customers", {{"id", id}, {"name", "Ann " + id}, {"email", id + "@example.com"}});
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_P(ServerTest, HealthAndErrorsHaveOneShape) {
  auto health = client_->Request("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(Body(health)["status"], "ok");

  auto missing = client_->Request("GET", "/v1/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Body(missing)["error"]["code"], "not_found");
  auto wrong_method = client_->Request("DELETE", "/v1/customers");
  EXPECT_EQ(wrong_method.status, 405);
  auto not_json = client_->Request("POST", "/v1/customers", "{nope");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(Body(not_json)["error"]["message"], "the body is not valid JSON");
  auto bad_field = Post("/v1/customers", {{"id", "C1"}, {"email", "not-an-email"}});
  EXPECT_EQ(bad_field.status, 400);
  EXPECT_EQ(Body(bad_field)["error"]["field"], "email");
  auto bad_limit = client_->Request("GET", "/v1/customers?limit=0");
  EXPECT_EQ(bad_limit.status, 400);
  EXPECT_EQ(Body(bad_limit)["error"]["field"], "limit");
}

TEST_P(ServerTest, CreateReadUpdateAndList) {
  auto created = Post("/v1/customers", {{"id", "C1"}, {"name", "João"}, {"locale", "pt"},
                                        {"address", {{"line1", "Rua Augusta 1"}, {"city", "Lisboa"}, {"country", "PT"}}},
                                        {"consent", {{"email", true}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Body(created)["result"], "inserted");
  auto again = Post("/v1/customers", {{"id", "C1"}, {"name", "João"}, {"locale", "pt"},
                                      {"address", {{"line1", "Rua Augusta 1"}, {"city", "Lisboa"}, {"country", "PT"}}},
                                      {"consent", {{"email", true}}}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(Body(again)["result"], "unchanged");
  auto got = client_->Request("GET", "/v1/customers/C1");
  ASSERT_EQ(got.status, 200);
  auto c = Body(got);
  EXPECT_EQ(c["name"], "João");
  EXPECT_EQ(c["address"]["city"], "Lisboa");
  EXPECT_EQ(c["consent"]["email"], true);
  // What GET returns can be posted back unchanged.
  auto round_trip = client_->Request("POST", "/v1/customers", got.body);
  EXPECT_EQ(Body(round_trip)["result"], "unchanged") << round_trip.body;

  for (int i = 2; i <= 5; ++i) SeedCustomer("C" + std::to_string(i));
  auto page1 = Body(client_->Request("GET", "/v1/customers?limit=2"));
  ASSERT_EQ(page1["data"].size(), 2u);
  std::set<std::string> seen;
  std::string cursor = page1["next_cursor"];
  for (auto& item : page1["data"]) seen.insert(item["id"]);
  while (!cursor.empty()) {
    auto page = Body(client_->Request("GET", "/v1/customers?limit=2&cursor=" + cursor));
    for (auto& item : page["data"]) seen.insert(item["id"]);
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen.size(), 5u);
  auto search = Body(client_->Request("GET", "/v1/customers?q=C3%40example.com"));
  ASSERT_EQ(search["data"].size(), 1u);
  EXPECT_EQ(search["data"][0]["id"], "C3");
  EXPECT_EQ(client_->Request("GET", "/v1/customers/C404").status, 404);
}

TEST_P(ServerTest, PurchasesPaymentsAndTheTimeline) {
  SeedCustomer("C1");
  ASSERT_EQ(Post("/v1/plans", {{"id", "SUB"}, {"name", "Sub"}, {"price", "6.50"}, {"currency", "EUR"}}).status, 201);
  auto sale = Post("/v1/purchases", {{"id", "P1"}, {"customer", "C1"}, {"currency", "EUR"},
                                     {"occurred_at", "2026-01-05T12:00:00Z"}, {"store", "Baixa"},
                                     {"lines", {{{"product", "SUB"}, {"quantity", 2}, {"unit_price", "6.50"}}}}});
  ASSERT_EQ(sale.status, 201) << sale.body;
  EXPECT_EQ(Body(sale)["data"]["total"], "13.00");
  EXPECT_EQ(Body(sale)["data"]["total_minor"], 1300);
  auto unknown = Post("/v1/purchases", {{"id", "P2"}, {"customer", "C9"}, {"currency", "EUR"},
                                        {"occurred_at", "2026-01-05"}, {"total", "1.00"}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Body(unknown)["error"]["field"], "customer");
  auto pay = Post("/v1/payments", {{"id", "X1"}, {"customer", "C1"}, {"amount", "9.99"}, {"currency", "EUR"},
                                   {"status", "failed"}, {"failure_reason", "card_declined"},
                                   {"occurred_at", "2026-01-06T08:00:00Z"}});
  ASSERT_EQ(pay.status, 201) << pay.body;
  auto got = Body(client_->Request("GET", "/v1/purchases/P1"));
  ASSERT_EQ(got["lines"].size(), 1u);
  EXPECT_EQ(got["lines"][0]["quantity"], 2);
  auto timeline = Body(client_->Request("GET", "/v1/customers/C1/timeline"));
  ASSERT_EQ(timeline["data"].size(), 2u);
  EXPECT_EQ(timeline["data"][0]["summary"], "purchase 13.00 EUR at Baixa (1 line)");
  EXPECT_EQ(timeline["data"][1]["summary"], "payment 9.99 EUR failed: card_declined");
  auto by_customer = Body(client_->Request("GET", "/v1/payments?customer=C1"));
  EXPECT_EQ(by_customer["data"].size(), 1u);
}

TEST_P(ServerTest, IdempotencyKeyReplaysAndRefusesADifferentBody) {
  SeedCustomer("C1");
  json event = {{"id", "E1"}, {"customer", "C1"}, {"type", "visit"}, {"occurred_at", "2026-02-01"}};
  auto first = Post("/v1/events", event, "key-1");
  ASSERT_EQ(first.status, 201);
  auto replay = Post("/v1/events", event, "key-1");
  EXPECT_EQ(replay.status, 201);  // the first reply, not "unchanged"
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  json other = event;
  other["id"] = "E2";
  auto reused = Post("/v1/events", other, "key-1");
  EXPECT_EQ(reused.status, 409);
  EXPECT_EQ(Body(reused)["error"]["field"], "Idempotency-Key");
  auto invalid_reused = Post("/v1/events", {{"id", "E3"}}, "key-1");
  EXPECT_EQ(invalid_reused.status, 409);
  auto events = Body(client_->Request("GET", "/v1/events?customer=C1"));
  EXPECT_EQ(events["data"].size(), 1u);
}

TEST_P(ServerTest, NdjsonBatchKeepsGoodLinesAndReportsBadOnes) {
  SeedCustomer("C1");
  std::string batch =
      R"({"id":"E1","customer":"C1","type":"visit","occurred_at":"2026-03-01"})" "\n"
      R"({"id":"E2","customer":"C1","type":"visit"})" "\n"
      "not json\n"
      R"({"id":"E4","customer":"C404","type":"visit","occurred_at":"2026-03-01"})" "\n"
      R"({"id":"E5","customer":"C1","type":"visit","occurred_at":"2026-03-02"})" "\n";
  auto r = client_->Request("POST", "/v1/events", batch, {{"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto b = Body(r);
  EXPECT_EQ(b["read"], 5);
  EXPECT_EQ(b["inserted"], 2);
  EXPECT_EQ(b["rejected"], 3);
  ASSERT_EQ(b["errors"].size(), 3u);
  EXPECT_EQ(b["errors"][0]["line"], 2);
  EXPECT_EQ(b["errors"][0]["field"], "occurred_at");
  EXPECT_EQ(b["errors"][1]["line"], 3);
  EXPECT_EQ(b["errors"][2]["line"], 4);
  EXPECT_EQ(b["errors"][2]["field"], "customer");
}

TEST_P(ServerTest, ConcurrentWritesAreAllDurable) {
  SeedCustomer("C1");
  constexpr int kThreads = 8, kEach = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client(server_->port());
      for (int i = 0; i < kEach; ++i) {
        json p = {{"id", "P" + std::to_string(t) + "-" + std::to_string(i)}, {"customer", "C1"},
                  {"currency", "EUR"}, {"occurred_at", "2026-04-01T10:00:00Z"}, {"total", "5.00"}};
        if (client.Request("POST", "/v1/purchases", p.dump()).status == 201) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ(server_->Stop(), 0);  // graceful: exit code 0
  auto store = storage::OpenRecordStore(db_->url());
  ASSERT_TRUE(store);
  EXPECT_EQ((*store)->Counts()->purchases, kThreads * kEach);
}

TEST_P(ServerTest, EveryDocumentedOperationIsRouted) {
  auto spec = Body(client_->Request("GET", "/openapi.json"));
  ASSERT_EQ(spec["openapi"], "3.1.0");
  int operations = 0;
  for (auto& [path, methods] : spec["paths"].items()) {
    for (auto& [method, op] : methods.items()) {
      ++operations;
      EXPECT_FALSE(op["summary"].get<std::string>().empty()) << path;
      std::string concrete = path;
      if (auto p = concrete.find("{id}"); p != std::string::npos) concrete.replace(p, 4, "X");
      std::string verb = method;
      for (auto& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      auto r = client_->Request(verb, concrete, verb == "POST" ? "{}" : "");
      EXPECT_NE(r.status, 405) << verb << " " << path;
      if (r.status == 404) {
        EXPECT_EQ(Body(r)["error"]["message"].get<std::string>().find("no such endpoint"), std::string::npos)
            << verb << " " << path;
      }
    }
  }
  EXPECT_GE(operations, 23);
  // A few paths that must be documented.
  for (const char* p : {"/v1/customers", "/v1/purchases", "/v1/payments", "/v1/events", "/healthz", "/metrics"}) {
    EXPECT_TRUE(spec["paths"].contains(p)) << p;
  }
}

TEST_P(ServerTest, MetricsCountRequests) {
  client_->Request("GET", "/v1/customers");
  auto m = client_->Request("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("retain_http_requests_total{route=\"/v1/customers\",method=\"GET\",status=\"200\"} 1"),
            std::string::npos) << m.body;
  EXPECT_NE(m.body.find("retain_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.body.find("retain_write_queue_depth"), std::string::npos);
}

TEST_P(ServerTest, OversizedBodiesAreRefused) {
  std::string huge(17 * 1024 * 1024, 'x');
  auto r = client_->Request("POST", "/v1/events", huge);
  EXPECT_EQ(r.status, 413);
  // The server is still there for others.
  HttpClient other(server_->port());
  EXPECT_EQ(other.Request("GET", "/healthz").status, 200);
}

INSTANTIATE_TEST_SUITE_P(BothDatabases, ServerTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace retain::testing
