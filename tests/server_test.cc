// The HTTP API end to end: a real `retain serve` process on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <functional>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <date/date.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "outreach/journey.h"
#include "outreach/segment.h"
#include "retention/desk.h"
#include "server_process.h"
#include "storage/record_store.h"
#include "test_database.h"

namespace retain::testing {
namespace {

using nlohmann::json;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class ServerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_FALSE(db_->url().empty());
    {
      auto store = storage::OpenSqlStore(db_->url());  // creates the schema
      ASSERT_TRUE(store) << store.error().message;
      // An integration key with every permission, for the tests that are not about access.
      staff::ApiKey key;
      key.prefix = "testkey1";
      key.secret_hash = Sha256Hex("s3cret");
      key.name = "tests";
      key.scopes = {"records:read", "records:write", "staff:admin", "audit:read", "loyalty:manage", "loyalty:adjust",
                    "analytics:refresh", "retention:approve", "retention:manage", "feedback:manage", "outreach:manage"};
      key.created_by = "tests";
      key.created_at = FromUnixSeconds(1700000000);
      ASSERT_TRUE((*store)->CreateApiKey(key));
    }
    server_ = std::make_unique<ServerProcess>(db_->url());
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port(), kAllAccess);
  }

  const std::map<std::string, std::string> kAllAccess = {{"Authorization", "Bearer rk_testkey1_s3cret"}};

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
      HttpClient client(server_->port(), kAllAccess);
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

TEST_P(ServerTest, SigtermLosesNoAcknowledgedWrite) {
  SeedCustomer("C1");
  constexpr int kThreads = 6;
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client(server_->port(), kAllAccess);
      for (int i = 0; !stop && i < 5000; ++i) {
        std::string id = "S" + std::to_string(t) + "-" + std::to_string(i);
        json p = {{"id", id}, {"customer", "C1"}, {"currency", "EUR"}, {"occurred_at", "2026-04-01"}, {"total", "1.00"}};
        ++sent;
        auto r = client.Request("POST", "/v1/purchases", p.dump());
        if (r.status == 201) {
          std::lock_guard lock(mu);
          acknowledged.push_back(id);
        } else if (r.status == 0) {
          break;  // the server has gone
        }
      }
    });
  }
  while (sent < 300) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(server_->Stop(), 0);  // SIGTERM in the middle of the stream
  stop = true;
  for (auto& t : threads) t.join();
  ASSERT_GT(acknowledged.size(), 100u);
  auto store = storage::OpenRecordStore(db_->url());
  ASSERT_TRUE(store);
  for (const auto& id : acknowledged) {
    auto p = (*store)->GetPurchase(id);
    ASSERT_TRUE(p && *p) << id << " was acknowledged but is not stored";
  }
  // Nothing beyond what was sent, and nothing twice.
  EXPECT_LE((*store)->Counts()->purchases, sent.load());
}

TEST_P(ServerTest, EveryDocumentedOperationIsRouted) {
  auto spec = Body(client_->Request("GET", "/openapi.json"));
  ASSERT_EQ(spec["openapi"], "3.1.0");
  // Every schema a route names is defined: a dangling $ref makes the description unusable.
  std::function<void(const json&)> refs = [&](const json& node) {
    if (node.is_object()) {
      if (node.contains("$ref")) {
        std::string name = node["$ref"].get<std::string>().substr(std::string("#/components/schemas/").size());
        EXPECT_TRUE(spec["components"]["schemas"].contains(name)) << "undefined schema " << name;
      }
      for (const auto& [key, value] : node.items()) refs(value);
    } else if (node.is_array()) {
      for (const auto& value : node) refs(value);
    }
  };
  refs(spec);
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

TEST_P(ServerTest, TheWebAppIsServedAndPathsCannotEscapeIt) {
  auto index = client_->Request("GET", "/");
  ASSERT_EQ(index.status, 200) << "is web/dist built?";
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(index.headers["content-security-policy"].find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(client_->Request("GET", "/customers/C1").body, index.body);  // the app's own routes
  for (const char* escape : {"/%2e%2e/%2e%2e/etc/passwd", "/../../etc/passwd", "/assets/..%2f..%2f..%2fetc/passwd",
                             "/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd"}) {
    auto r = client_->Request("GET", escape);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << escape << " gave " << r.status;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << escape;
  }
  EXPECT_EQ(client_->Request("GET", "/assets/no-such-file.js").status, 404);
  EXPECT_EQ(index.headers["x-frame-options"], "DENY");
  EXPECT_EQ(index.headers["x-content-type-options"], "nosniff");
  // API answers hold personal data: not cached, not sniffed, not framed, no active content.
  for (const char* target : {"/v1/customers", "/v1/customers/C404", "/metrics"}) {
    auto r = client_->Request("GET", target);
    EXPECT_EQ(r.headers["cache-control"], "no-store") << target;
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff") << target;
    EXPECT_EQ(r.headers["x-frame-options"], "DENY") << target;
    EXPECT_EQ(r.headers["referrer-policy"], "no-referrer") << target;
    EXPECT_EQ(r.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'") << target;
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

TEST_P(ServerTest, ASlowClientIsDroppedAndHoldsUpNobody) {
  server_->Stop();
  server_ = std::make_unique<ServerProcess>(db_->url(), std::vector<std::string>{"--read-timeout", "1"});
  net::io_context io;
  tcp::socket slow(io);
  slow.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())});
  net::write(slow, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));  // and no more
  // Others are served while it dawdles.
  HttpClient other(server_->port(), kAllAccess);
  EXPECT_EQ(other.Request("GET", "/healthz").status, 200);
  // After the read timeout the server hangs up on it (and the test gives up waiting after 5 s).
  timeval limit{5, 0};
  setsockopt(slow.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  auto start = std::chrono::steady_clock::now();
  char byte;
  beast::error_code ec;
  slow.read_some(net::buffer(&byte, 1), ec);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_P(ServerTest, OversizedBodiesAreRefused) {
  std::string huge(17 * 1024 * 1024, 'x');
  auto r = client_->Request("POST", "/v1/events", huge);
  EXPECT_EQ(r.status, 413);
  // The server is still there for others.
  HttpClient other(server_->port(), kAllAccess);
  EXPECT_EQ(other.Request("GET", "/healthz").status, 200);
}

// Signs in through the API and returns a client carrying the session cookie and CSRF token.
struct SignedIn {
  std::unique_ptr<HttpClient> client;
  std::string cookie;
  std::string csrf;
};

SignedIn SignIn(int port, const std::string& user, const std::string& password) {
  HttpClient anon(port);
  auto r = anon.Request("POST", "/v1/session", json{{"username", user}, {"password", password}}.dump());
  SignedIn out;
  EXPECT_EQ(r.status, 200) << user << ": " << r.body;
  auto cookie = r.headers["set-cookie"];
  out.cookie = cookie.substr(0, cookie.find(';'));
  auto body = json::parse(r.body, nullptr, false);
  out.csrf = body.is_object() && body.contains("csrf_token") ? body["csrf_token"].get<std::string>() : "";
  out.client = std::make_unique<HttpClient>(port, std::map<std::string, std::string>{{"Cookie", out.cookie}});
  return out;
}

TEST_P(ServerTest, SignInSessionsAndCsrf) {
  auto created = Post("/v1/users", {{"username", "ana"}, {"password", "a long password"}, {"role", "agent"}, {"locale", "pt"}});
  ASSERT_EQ(created.status, 201) << created.body;
  HttpClient anon(server_->port());
  auto wrong = anon.Request("POST", "/v1/session", json{{"username", "ana"}, {"password", "nope nope nope"}}.dump());
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Body(wrong)["error"]["message"], "wrong username or password");
  EXPECT_EQ(anon.Request("GET", "/v1/customers").status, 401);

  auto ana = SignIn(server_->port(), "ana", "a long password");
  EXPECT_NE(ana.cookie.find("retain_session="), std::string::npos);
  // Over plain HTTP the cookie cannot be Secure (the browser would drop it); behind a TLS proxy it is.
  auto plain = anon.Request("POST", "/v1/session", json{{"username", "ana"}, {"password", "a long password"}}.dump());
  EXPECT_EQ(plain.headers["set-cookie"].find("Secure"), std::string::npos) << plain.headers["set-cookie"];
  EXPECT_NE(plain.headers["set-cookie"].find("HttpOnly; SameSite=Strict"), std::string::npos);
  EXPECT_EQ(Body(plain)["permissions"], json({"records:read", "records:write"}))
      << "the app hides what the role may not do from the first screen on";
  auto proxied = anon.Request("POST", "/v1/session", json{{"username", "ana"}, {"password", "a long password"}}.dump(),
                              {{"X-Forwarded-Proto", "https"}});
  EXPECT_NE(proxied.headers["set-cookie"].find("; Secure"), std::string::npos) << proxied.headers["set-cookie"];
  auto me = Body(ana.client->Request("GET", "/v1/session"));
  EXPECT_EQ(me["user"]["username"], "ana");
  EXPECT_EQ(me["user"]["locale"], "pt");
  EXPECT_EQ(me["csrf_token"], ana.csrf);
  EXPECT_EQ(me["time_zone"], "UTC") << "the business's zone, for the browser to show days in";
  EXPECT_EQ(ana.client->Request("GET", "/v1/customers").status, 200);
  // A browser write without the CSRF token is refused; with it, it goes through.
  json customer = {{"id", "C1"}, {"name", "Ana's customer"}};
  auto no_csrf = ana.client->Request("POST", "/v1/customers", customer.dump());
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_NE(Body(no_csrf)["error"]["message"].get<std::string>().find("X-CSRF-Token"), std::string::npos);
  auto with_csrf = ana.client->Request("POST", "/v1/customers", customer.dump(), {{"X-CSRF-Token", ana.csrf}});
  EXPECT_EQ(with_csrf.status, 201) << with_csrf.body;
  // An agent may not manage staff.
  EXPECT_EQ(ana.client->Request("GET", "/v1/users").status, 403);
  // Language is remembered per user.
  auto locale = ana.client->Request("POST", "/v1/me", json{{"locale", "da"}}.dump(), {{"X-CSRF-Token", ana.csrf}});
  EXPECT_EQ(Body(locale)["locale"], "da");
  // The audit trail names who changed the customer.
  auto audit = Body(client_->Request("GET", "/v1/audit?record_type=customers&record_id=C1"));
  ASSERT_EQ(audit["data"].size(), 1u);
  EXPECT_EQ(audit["data"][0]["actor"], "user:ana");
  EXPECT_EQ(audit["data"][0]["action"], "customers.inserted");
  EXPECT_TRUE(audit["data"][0]["before"].is_null());
  EXPECT_EQ(audit["data"][0]["after"]["name"], "Ana's customer");
  // Signing out ends the session at once.
  EXPECT_EQ(ana.client->Request("DELETE", "/v1/session", "", {{"X-CSRF-Token", ana.csrf}}).status, 200);
  EXPECT_EQ(ana.client->Request("GET", "/v1/customers").status, 401);
  // Repeated wrong passwords are throttled.
  int last = 0;
  for (int i = 0; i < 7; ++i) {
    last = anon.Request("POST", "/v1/session", json{{"username", "ana"}, {"password", "wrong again!!"}}.dump()).status;
  }
  EXPECT_EQ(last, 429);
}

TEST_P(ServerTest, ApiKeysHaveScopesAndCanBeRevoked) {
  auto created = Post("/v1/api-keys", {{"name", "pos"}, {"scopes", {"records:write"}}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string key = Body(created)["key"];
  std::string id = Body(created)["id"];
  HttpClient pos(server_->port(), {{"Authorization", "Bearer " + key}});
  SeedCustomer("C1");
  auto write = pos.Request("POST", "/v1/events", json{{"id", "E1"}, {"customer", "C1"}, {"type", "visit"},
                                                      {"occurred_at", "2026-01-01"}}.dump());
  EXPECT_EQ(write.status, 201) << write.body;
  EXPECT_EQ(pos.Request("GET", "/v1/events").status, 403);  // write scope only
  EXPECT_EQ(client_->Request("DELETE", "/v1/api-keys/" + id).status, 200);
  EXPECT_EQ(pos.Request("POST", "/v1/events", "{}").status, 401);
  HttpClient forged(server_->port(), {{"Authorization", "Bearer rk_" + id + "_forged"}});
  EXPECT_EQ(forged.Request("GET", "/v1/customers").status, 401);
  auto audit = Body(client_->Request("GET", "/v1/audit?record_type=events&record_id=E1"));
  ASSERT_EQ(audit["data"].size(), 1u);
  EXPECT_EQ(audit["data"][0]["actor"], "key:" + id + " (pos)");
}

// Every route with every role, an API key and no credentials. The permissions here are written
// out independently of the server's own table, so a route that opens up by mistake fails.
TEST_P(ServerTest, EveryRouteChecksEveryRole) {
  const std::map<std::string, std::string> kNeeds = {
      {"GET /healthz", ""}, {"GET /metrics", ""}, {"GET /openapi.json", ""}, {"POST /v1/session", ""},
      {"GET /v1/session", "signed-in"}, {"DELETE /v1/session", "signed-in"}, {"POST /v1/me", "signed-in"},
      {"GET /v1/roles", "signed-in"},
      {"GET /v1/users", "staff:admin"}, {"POST /v1/users", "staff:admin"}, {"POST /v1/roles/{id}", "staff:admin"},
      {"GET /v1/api-keys", "staff:admin"}, {"POST /v1/api-keys", "staff:admin"},
      {"DELETE /v1/api-keys/{id}", "staff:admin"}, {"GET /v1/audit", "audit:read"},
      {"GET /v1/stats", "records:read"}, {"GET /v1/customers/{id}/timeline", "records:read"},
      {"GET /v1/customers/{id}/export", "privacy:manage"}, {"POST /v1/customers/{id}/erase", "privacy:manage"},
      {"GET /v1/webhooks", "staff:admin"}, {"POST /v1/webhooks", "staff:admin"},
      {"DELETE /v1/webhooks/{id}", "staff:admin"}, {"GET /v1/webhooks/{id}/deliveries", "staff:admin"},
      {"GET /v1/loyalty/programs", "records:read"}, {"GET /v1/loyalty/programs/{id}", "records:read"},
      {"POST /v1/loyalty/programs", "loyalty:manage"}, {"POST /v1/loyalty/expire", "loyalty:manage"},
      {"GET /v1/customers/{id}/loyalty", "records:read"}, {"GET /v1/customers/{id}/loyalty/ledger", "records:read"},
      {"POST /v1/loyalty/redemptions", "records:write"}, {"POST /v1/coupons/{id}/use", "records:write"},
      {"POST /v1/loyalty/adjustments", "loyalty:adjust"}, {"POST /v1/loyalty/preview", "records:read"},
      {"GET /v1/loyalty/programs/{id}/report", "records:read"},
      {"PUT /v1/customers/{id}/loyalty/tier", "loyalty:adjust"}, {"POST /v1/loyalty/promotions/claims", "records:write"},
      {"POST /v1/customers/{id}/referral-code", "records:write"}, {"GET /v1/customers/{id}/referrals", "records:read"},
      {"POST /v1/referrals/invitations", "records:write"}, {"POST /v1/referrals", "records:write"},
      {"GET /v1/analytics", "records:read"}, {"POST /v1/analytics/refresh", "analytics:refresh"},
      {"GET /v1/customers/{id}/analytics", "records:read"},
      {"GET /v1/retention/desk", "records:read"}, {"PUT /v1/retention/desk", "retention:manage"},
      {"GET /v1/subscriptions/{id}/offers", "records:read"}, {"POST /v1/cancel-requests", "records:write"},
      {"GET /v1/cancel-requests", "records:read"}, {"GET /v1/cancel-requests/{id}", "records:read"},
      {"POST /v1/cancel-requests/{id}/outcome", "records:write"},
      {"POST /v1/cancel-requests/{id}/approvals", "records:write"}, {"GET /v1/approvals", "retention:approve"},
      {"POST /v1/approvals/{id}", "retention:approve"}, {"GET /v1/retention/report", "records:read"},
      {"POST /v1/retention/upkeep", "retention:manage"},
      {"GET /v1/recoveries", "records:read"}, {"GET /v1/recoveries/{id}", "records:read"},
      {"POST /v1/recoveries/{id}/retry", "records:write"}, {"GET /v1/customers/{id}/payment-methods", "records:read"},
      {"GET /v1/retention/recovery-report", "records:read"}, {"GET /v1/winback", "records:read"},
      {"GET /v1/retention/winback-report", "records:read"},
      {"POST /v1/subscriptions/{id}/cancel-link", "records:write"}, {"GET /v1/self-serve/cancel/{token}", ""},
      {"POST /v1/self-serve/cancel/{token}", ""}, {"POST /v1/self-serve/cancel/{token}/outcome", ""},
      {"GET /v1/care/sla", "records:read"}, {"PUT /v1/care/sla", "retention:manage"}, {"POST /v1/cases", "records:write"},
      {"GET /v1/cases", "records:read"}, {"GET /v1/cases/{id}", "records:read"},
      {"POST /v1/cases/{id}/status", "records:write"}, {"POST /v1/cases/{id}/replies", "records:write"},
      {"POST /v1/cases/{id}/assignee", "records:write"}, {"POST /v1/care/upkeep", "retention:manage"},
      {"POST /v1/cases/{id}/compensations", "records:write"}, {"GET /v1/compensations", "retention:approve"},
      {"POST /v1/compensations/{id}/decision", "retention:approve"}, {"GET /v1/care/report", "records:read"},
      {"GET /v1/care/outcomes", "records:read"},
      {"GET /v1/surveys", "records:read"}, {"GET /v1/surveys/{key}", "records:read"},
      {"PUT /v1/surveys/{key}", "feedback:manage"}, {"POST /v1/surveys/{key}/preview", "records:read"},
      {"POST /v1/surveys/{key}/invitations", "records:write"}, {"GET /v1/surveys/{key}/invitations", "records:read"},
      {"POST /v1/surveys/triggers", "records:write"}, {"GET /v1/self-serve/surveys/{token}", ""},
      {"POST /v1/self-serve/surveys/{token}", ""}, {"GET /v1/customers/{id}/surveys", "records:read"},
      {"GET /v1/feedback/report", "records:read"}, {"POST /v1/feedback/upkeep", "feedback:manage"},
      {"GET /v1/segments/fields", "records:read"}, {"POST /v1/segments/count", "records:read"},
      {"GET /v1/outreach/settings", "records:read"}, {"PUT /v1/outreach/settings", "outreach:manage"},
      {"GET /v1/templates", "records:read"}, {"GET /v1/templates/{key}", "records:read"},
      {"PUT /v1/templates/{key}", "outreach:manage"}, {"POST /v1/templates/{key}/preview", "records:read"},
      {"GET /v1/campaigns", "records:read"}, {"GET /v1/campaigns/{key}", "records:read"},
      {"PUT /v1/campaigns/{key}", "outreach:manage"}, {"POST /v1/campaigns/{key}/schedule", "outreach:manage"},
      {"POST /v1/campaigns/{key}/cancel", "outreach:manage"}, {"GET /v1/campaigns/{key}/results", "records:read"},
      {"GET /v1/campaigns/{key}/letters.pdf", "records:read"}, {"GET /v1/customers/{id}/deliveries", "records:read"},
      {"POST /v1/suppressions", "outreach:manage"}, {"GET /v1/unsubscribe/{token}", ""},
      {"POST /v1/unsubscribe/{token}", ""}, {"GET /v1/journeys", "records:read"},
      {"PUT /v1/journeys/{key}", "outreach:manage"}, {"GET /v1/journeys/{key}/results", "records:read"},
      {"GET /v1/contests", "records:read"}, {"GET /v1/contests/{key}", "records:read"},
      {"PUT /v1/contests/{key}", "outreach:manage"}, {"POST /v1/contests/{key}/entries", "records:write"},
      {"GET /v1/contests/{key}/entries", "records:read"}, {"POST /v1/contests/{key}/draw", "outreach:manage"},
      {"POST /v1/contests/{key}/cancel", "outreach:manage"}, {"GET /v1/contests/{key}/audit", ""},
      {"POST /v1/bounces", "outreach:manage"}, {"GET /v1/saved-segments", "records:read"}, {"GET /v1/saved-segments/{key}", "records:read"},
      {"PUT /v1/saved-segments/{key}", "outreach:manage"}, {"DELETE /v1/saved-segments/{key}", "outreach:manage"},
  };
  const std::map<std::string, std::set<std::string>> kRoleGrants = {
      {"agent", {"records:read", "records:write"}},
      {"supervisor", {"records:read", "records:write", "loyalty:adjust", "retention:approve", "retention:manage", "feedback:manage"}},
      {"marketing", {"records:read", "loyalty:manage", "feedback:manage", "outreach:manage"}}, {"analyst", {"records:read", "analytics:refresh"}},
      {"admin", {"records:read", "records:write", "staff:admin", "audit:read", "loyalty:manage", "loyalty:adjust",
                 "analytics:refresh", "retention:approve", "retention:manage", "feedback:manage", "outreach:manage",
                 "privacy:manage"}}};
  auto needs = [&](const std::string& method, const std::string& path) -> std::string {
    auto it = kNeeds.find(method + " " + path);
    if (it != kNeeds.end()) return it->second;
    for (const char* kind : {"customers", "plans", "subscriptions", "payments", "purchases", "events"}) {
      std::string base = std::string("/v1/") + kind;
      if (path == base || path == base + "/{id}") return method == "GET" ? "records:read" : "records:write";
    }
    ADD_FAILURE() << "no expectation for " << method << " " << path << "; add it to this test";
    return "?";
  };

  std::map<std::string, SignedIn> sessions;
  for (const auto& [role, grants] : kRoleGrants) {
    auto r = Post("/v1/users", {{"username", role + "1"}, {"password", "password for " + role}, {"role", role}});
    ASSERT_EQ(r.status, 201) << r.body;
    sessions[role] = SignIn(server_->port(), role + "1", "password for " + role);
  }
  auto key = Body(Post("/v1/api-keys", {{"name", "reader"}, {"scopes", {"records:read"}}}));
  HttpClient reader_key(server_->port(), {{"Authorization", "Bearer " + key["key"].get<std::string>()}});
  HttpClient nobody(server_->port());

  auto spec = Body(client_->Request("GET", "/openapi.json"));
  int checked = 0;
  for (auto& [path, methods] : spec["paths"].items()) {
    for (auto& [lower, op] : methods.items()) {
      std::string method = lower;
      for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::string need = needs(method, path);
      EXPECT_EQ(op.value("x-retain-permission", ""), need) << method << " " << path << " is documented wrongly";
      if (method == "DELETE" && path == "/v1/session") continue;  // would end the sessions used here
      std::string concrete = path;
      for (auto p = concrete.find('{'); p != std::string::npos; p = concrete.find('{')) {
        concrete.replace(p, concrete.find('}', p) - p + 1, "agent");
      }
      std::string body = method == "GET" || method == "DELETE" ? "" : "{}";
      auto verdict = [&](int status) { return status == 401 ? "401" : status == 403 ? "403" : "ok"; };
      // No credentials.
      EXPECT_STREQ(verdict(nobody.Request(method, concrete, body).status), need.empty() ? "ok" : "401")
          << method << " " << path << " without credentials";
      // Every role, through its browser session (with the CSRF token).
      for (auto& [role, s] : sessions) {
        const auto& grants = kRoleGrants.at(role);
        bool allowed = need.empty() || need == "signed-in" || grants.count(need) > 0;
        auto status = s.client->Request(method, concrete, body, {{"X-CSRF-Token", s.csrf}}).status;
        EXPECT_STREQ(verdict(status), allowed ? "ok" : "403") << method << " " << path << " as " << role;
      }
      // An API key that may only read records.
      bool key_allowed = need.empty() || need == "signed-in" || need == "records:read";
      EXPECT_STREQ(verdict(reader_key.Request(method, concrete, body).status), key_allowed ? "ok" : "403")
          << method << " " << path << " with a read-only key";
      ++checked;
    }
  }
  EXPECT_GE(checked, 30);
}

// The analytics over HTTP: a refresh computes the month's KPIs from subscriptions the way a
// person would count them, keeps what it could not compute as an error beside the rest, and
// gives each customer their scores.
TEST_P(ServerTest, AnalyticsOverHttp) {
  EXPECT_EQ(client_->Request("GET", "/v1/analytics").status, 404);  // before the first refresh
  ASSERT_EQ(Post("/v1/plans", {{"id", "TV"}, {"name", "TV Plus"}, {"kind", "plan"}, {"price", "30.00"},
                               {"currency", "EUR"}, {"billing", "monthly"}}).status, 201);
  ASSERT_EQ(Post("/v1/plans", {{"id", "NET"}, {"name", "Internet"}, {"kind", "plan"}, {"price", "120.00"},
                               {"currency", "EUR"}, {"billing", "yearly"}}).status, 201);
  // Ten subscribers since three months ago; last month two left of their own accord and one
  // for failed payments.
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  date::year_month_day today{date::floor<date::days>(now)};
  date::year_month this_month = today.year() / today.month();
  auto first_of = [](date::year_month ym) { return Timestamp(date::sys_days{ym / 1}); };
  Timestamp began = first_of(this_month - date::months{3}) + std::chrono::hours(24);
  Timestamp left = first_of(this_month - date::months{1}) + std::chrono::hours(24 * 9);
  for (int i = 0; i < 10; ++i) {
    std::string id = fmt::format("S{}", i);
    SeedCustomer(id);
    json sub = {{"id", id}, {"customer", id}, {"plan", i < 6 ? "TV" : "NET"}, {"started_at", FormatTimestamp(began)}};
    if (i < 3) {
      sub["status"] = "cancelled";
      sub["cancelled_at"] = FormatTimestamp(left);
      sub["cancel_cause"] = i < 2 ? "voluntary" : "involuntary";
    }
    auto r = Post("/v1/subscriptions", sub);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  auto refreshed = Post("/v1/analytics/refresh", json::object());
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_EQ(Body(refreshed)["customers_scored"], 10);

  auto d = Body(client_->Request("GET", "/v1/analytics"));
  EXPECT_EQ(d["run"], Body(refreshed)["run"]);  // the run versions what it computed
  std::string last = fmt::format("{:04}-{:02}", static_cast<int>((this_month - date::months{1}).year()),
                                 static_cast<unsigned>((this_month - date::months{1}).month()));
  json kpi;
  for (const auto& k : d["kpis"])
    if (k["month"] == last) kpi = k;
  ASSERT_FALSE(kpi.is_null()) << d["kpis"].dump();
  EXPECT_EQ(kpi["active_start"], 10);
  EXPECT_EQ(kpi["churned"], 3);
  EXPECT_EQ(kpi["voluntary"], 2);
  EXPECT_EQ(kpi["involuntary"], 1);
  EXPECT_DOUBLE_EQ(kpi["churn_rate"].get<double>(), 0.3);
  EXPECT_EQ(kpi["mrr_start_minor"], 6 * 3000 + 4 * 1000);  // a yearly 120.00 is 10.00 a month
  EXPECT_EQ(kpi["mrr_churned_minor"], 3 * 3000);
  // Survival by plan: all three who left had TV Plus.
  EXPECT_EQ(d["survival"]["groups"]["Internet"].back()["survival"], 1.0);
  EXPECT_DOUBLE_EQ(d["survival"]["groups"]["TV Plus"].back()["survival"].get<double>(), 0.5);
  // The shifted-beta-geometric projection falls from the first month on.
  const auto& months = d["survival"]["projection"]["months"];
  ASSERT_EQ(months.size(), 36u) << d["survival"]["projection"].dump();
  EXPECT_LT(months[35]["survival"].get<double>(), months[0]["survival"].get<double>());
  // Too little history for the models: said, not hidden, and the rest is there.
  EXPECT_TRUE(d["clv"].contains("error")) << d["clv"].dump();
  EXPECT_TRUE(d["churn_model"].contains("error")) << d["churn_model"].dump();

  auto one = Body(client_->Request("GET", "/v1/customers/S0/analytics"));
  EXPECT_EQ(one["scored"], true);
  EXPECT_EQ(one["customer"], "S0");
  EXPECT_EQ(client_->Request("GET", "/v1/customers/NOPE/analytics").status, 404);
}

// A webhook receiver on loopback: answers each request with the next status of `statuses` (the
// last one repeating) and keeps what it received.
// The retention desk over HTTP: offers ranked within an agent's authority, an over-limit offer
// refused by the server until a supervisor approves it, two agents racing to decide one request
// (exactly one wins), and what each outcome does to the subscription.
TEST_P(ServerTest, RetentionDeskFromCancelRequestToOutcome) {
  ASSERT_EQ(Post("/v1/plans", {{"id", "TV"}, {"name", "TV Plus"}, {"kind", "plan"}, {"price", "30.00"},
                               {"currency", "EUR"}, {"billing", "monthly"}}).status, 201);
  ASSERT_EQ(Post("/v1/plans", {{"id", "BASIC"}, {"name", "TV Basic"}, {"kind", "plan"}, {"price", "15.00"},
                               {"currency", "EUR"}, {"billing", "monthly"}}).status, 201);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  for (int i = 1; i <= 4; ++i) {
    std::string id = fmt::format("R{}", i);
    SeedCustomer(id);
    auto r = Post("/v1/subscriptions", {{"id", "SUB" + id}, {"customer", id}, {"plan", "TV"},
                                        {"started_at", FormatTimestamp(now - std::chrono::days(400))}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  json desk = {{"control_share", 0}, {"thompson", false}, {"prior", {{"accepted", 1}, {"declined", 3}}},
               {"offers", json::array({
                   {{"id", "d10"}, {"kind", "discount"}, {"name", "10% off"}, {"percent", 10}, {"months", 2}},
                   {{"id", "d50"}, {"kind", "discount"}, {"name", {{"en", "Half price"}, {"pt", "Metade do preço"}}},
                    {"percent", 50}, {"months", 6}},
                   {{"id", "down"}, {"kind", "downgrade"}, {"name", "Basic"}, {"plan", "BASIC"}},
                   {{"id", "pause"}, {"kind", "pause"}, {"name", "Pause"}, {"months", 2},
                    {"eligible", {{"reasons", {"not_using"}}}}}})},
               {"talk_tracks", {{"too_expensive", {{"en", "Let me look at your bill."}, {"pt", "Vamos ver a fatura."}}}}}};
  auto put = client_->Request("PUT", "/v1/retention/desk", desk.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Body(put)["version"], 1);
  auto bad = client_->Request("PUT", "/v1/retention/desk", json{{"offers", {{{"id", "x"}, {"kind", "gift"}, {"name", "x"}}}}}.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["error"]["field"], "offers[0].kind");

  for (auto [user, role] : {std::pair{"ana", "agent"}, std::pair{"bob", "agent"}, std::pair{"sam", "supervisor"}}) {
    ASSERT_EQ(Post("/v1/users", {{"username", user}, {"password", std::string("password of ") + user}, {"role", role}}).status, 201);
  }
  auto ana = SignIn(server_->port(), "ana", "password of ana");
  auto bob = SignIn(server_->port(), "bob", "password of bob");
  auto sam = SignIn(server_->port(), "sam", "password of sam");
  auto as = [](SignedIn& who, const std::string& method, const std::string& target, const json& body = nullptr) {
    return who.client->Request(method, target, body.is_null() ? "" : body.dump(), {{"X-CSRF-Token", who.csrf}});
  };

  // What the agent sees before opening the request: within authority first-class, the rest marked.
  auto offers = Body(as(ana, "GET", "/v1/subscriptions/SUBR1/offers?reason=too_expensive&locale=pt"));
  EXPECT_EQ(offers["talk_track"], "Vamos ver a fatura.");
  EXPECT_EQ(offers["value_minor"], 36000);  // no CLV yet: twelve months of 30.00
  std::map<std::string, json> by_id;
  for (const auto& o : offers["offers"]) by_id[o["id"]] = o;
  ASSERT_EQ(by_id.size(), 3u) << offers.dump();  // the pause is only for customers not using it
  EXPECT_EQ(by_id["d50"]["name"], "Metade do preço");
  EXPECT_EQ(by_id["d50"]["needs_approval"], true);
  EXPECT_EQ(by_id["d50"]["terms"]["cost_minor"], 6 * 1500);
  EXPECT_EQ(by_id["d10"]["needs_approval"], false);
  EXPECT_EQ(offers["offers"][0]["id"], "d10") << "the same odds, the cheapest incentive first";
  EXPECT_EQ(offers["ineligible"][0]["id"], "pause");

  auto opened = as(ana, "POST", "/v1/cancel-requests", {{"subscription", "SUBR1"}, {"reason", "too_expensive"}, {"note", "too dear"}});
  ASSERT_EQ(opened.status, 201) << opened.body;
  int64_t id = Body(opened)["id"];
  EXPECT_EQ(Body(opened)["status"], "open");
  EXPECT_EQ(Body(opened)["control"], false);
  EXPECT_EQ(as(bob, "POST", "/v1/cancel-requests", {{"subscription", "SUBR1"}, {"reason", "moving"}}).status, 409)
      << "one open request per subscription";
  auto bad_reason = as(ana, "POST", "/v1/cancel-requests", {{"subscription", "SUBR2"}, {"reason", "bored"}});
  EXPECT_EQ(bad_reason.status, 400);
  EXPECT_EQ(Body(bad_reason)["error"]["field"], "reason");

  // Beyond the agent's authority: refused by the server, and nothing changes.
  std::string outcome = fmt::format("/v1/cancel-requests/{}/outcome", id);
  auto refused = as(ana, "POST", outcome, {{"outcome", "accepted"}, {"offer", "d50"}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(Body(refused)["error"]["message"].get<std::string>().find("supervisor"), std::string::npos);
  EXPECT_EQ(Body(client_->Request("GET", fmt::format("/v1/cancel-requests/{}", id)))["status"], "open");
  EXPECT_TRUE(Body(client_->Request("GET", "/v1/subscriptions/SUBR1"))["discounts"].empty());

  // The supervisor's queue.
  auto asked = as(ana, "POST", fmt::format("/v1/cancel-requests/{}/approvals", id), {{"offer", "d50"}, {"note", "ten years with us"}});
  ASSERT_EQ(asked.status, 201) << asked.body;
  EXPECT_EQ(as(ana, "POST", fmt::format("/v1/cancel-requests/{}/approvals", id), {{"offer", "d10"}}).status, 409);
  EXPECT_EQ(as(ana, "GET", "/v1/approvals").status, 403);
  auto queue = Body(as(sam, "GET", "/v1/approvals"));
  ASSERT_EQ(queue["data"].size(), 1u);
  EXPECT_EQ(queue["data"][0]["offer"], "d50");
  EXPECT_EQ(queue["data"][0]["customer"], "R1");
  EXPECT_EQ(queue["data"][0]["subscription"], "SUBR1");
  EXPECT_EQ(queue["data"][0]["reason"], "too_expensive");
  EXPECT_EQ(queue["data"][0]["value_minor"], 36000);
  EXPECT_EQ(queue["data"][0]["terms"]["exceeds"], json({"max_discount_bp", "max_offer_cost_minor"}));
  EXPECT_EQ(Body(client_->Request("GET", fmt::format("/v1/cancel-requests/{}", id)))["status"], "pending_approval");
  int64_t approval = queue["data"][0]["id"];
  auto approved = as(sam, "POST", fmt::format("/v1/approvals/{}", approval), {{"decision", "approve"}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(Body(approved)["decided_by"], "user:sam");
  EXPECT_EQ(as(sam, "POST", fmt::format("/v1/approvals/{}", approval), {{"decision", "decline"}}).status, 409);

  // Two agents decide the same request at once: one wins, the other is told it was decided.
  std::atomic<int> ana_status{0}, bob_status{0};
  std::thread t1([&] { ana_status = as(ana, "POST", outcome, {{"outcome", "accepted"}, {"offer", "d50"}}).status; });
  std::thread t2([&] { bob_status = as(bob, "POST", outcome, {{"outcome", "accepted"}, {"offer", "d10"}}).status; });
  t1.join();
  t2.join();
  EXPECT_EQ(std::multiset<int>({ana_status.load(), bob_status.load()}), (std::multiset<int>{200, 409}))
      << ana_status << " " << bob_status;
  auto decided = Body(client_->Request("GET", fmt::format("/v1/cancel-requests/{}", id)));
  EXPECT_EQ(decided["status"], "saved");
  std::string winner = decided["offer"];
  EXPECT_EQ(winner, ana_status == 200 ? "d50" : "d10");
  auto sub = Body(client_->Request("GET", "/v1/subscriptions/SUBR1"));
  ASSERT_EQ(sub["discounts"].size(), 1u) << "exactly one offer applied: " << sub.dump();
  EXPECT_EQ(sub["status"], "active");
  EXPECT_EQ(decided["cost_minor"], winner == "d50" ? 9000 : 600);

  // A decline cancels at the end of the period; a downgrade changes the plan; a pause pauses.
  auto r2 = Body(as(bob, "POST", "/v1/cancel-requests", {{"subscription", "SUBR2"}, {"reason", "moving"}, {"channel", "chat"}}));
  auto declined = as(bob, "POST", fmt::format("/v1/cancel-requests/{}/outcome", r2["id"].get<int64_t>()),
                     {{"outcome", "declined"}, {"presented", {"d10"}}});
  ASSERT_EQ(declined.status, 200) << declined.body;
  auto sub2 = Body(client_->Request("GET", "/v1/subscriptions/SUBR2"));
  EXPECT_EQ(sub2["status"], "cancel_requested");
  EXPECT_EQ(sub2["cancel_cause"], "voluntary");
  EXPECT_EQ(sub2["cancel_reason"], "moving");
  ASSERT_TRUE(sub2["cancelled_at"].is_string());
  auto effective = ParseTimestamp(sub2["cancelled_at"].get<std::string>(), BusinessZone());
  ASSERT_TRUE(effective.has_value());
  EXPECT_GT(*effective, now);
  EXPECT_LE(*effective, now + std::chrono::days(31));
  EXPECT_EQ(Body(Post("/v1/retention/upkeep", json::object()))["subscriptions_changed"], 0) << "not due yet";

  auto r3 = Body(as(ana, "POST", "/v1/cancel-requests", {{"subscription", "SUBR3"}, {"reason", "too_expensive"}}));
  ASSERT_EQ(as(ana, "POST", fmt::format("/v1/cancel-requests/{}/outcome", r3["id"].get<int64_t>()),
               {{"outcome", "accepted"}, {"offer", "down"}}).status, 200);
  EXPECT_EQ(Body(client_->Request("GET", "/v1/subscriptions/SUBR3"))["plan"], "BASIC");

  // Two months' bills (60.00) are beyond an agent's 50.00; the supervisor takes the call.
  auto r4 = Body(as(ana, "POST", "/v1/cancel-requests", {{"subscription", "SUBR4"}, {"reason", "not_using"}}));
  EXPECT_EQ(as(ana, "POST", fmt::format("/v1/cancel-requests/{}/outcome", r4["id"].get<int64_t>()),
               {{"outcome", "accepted"}, {"offer", "pause"}}).status, 403);
  ASSERT_EQ(as(sam, "POST", fmt::format("/v1/cancel-requests/{}/outcome", r4["id"].get<int64_t>()),
               {{"outcome", "accepted"}, {"offer", "pause"}}).status, 200);
  auto sub4 = Body(client_->Request("GET", "/v1/subscriptions/SUBR4"));
  EXPECT_EQ(sub4["status"], "paused");
  auto resume = ParseTimestamp(sub4["resume_at"].get<std::string>(), BusinessZone());
  ASSERT_TRUE(resume.has_value());
  EXPECT_GE(*resume, now + std::chrono::days(58));
  EXPECT_LE(*resume, now + std::chrono::days(63));
  EXPECT_EQ(as(ana, "POST", fmt::format("/v1/cancel-requests/{}/outcome", r4["id"].get<int64_t>()),
               {{"outcome", "declined"}}).status, 409) << "a decided request stays decided";

  // The model learnt from the first outcome: when R3's request opened, the winner's acceptance
  // for this reason and value band had moved from the prior 1/4 to 2/5.
  for (const auto& o : r3["offers"]) {
    EXPECT_DOUBLE_EQ(o["p_accept"].get<double>(), o["id"] == winner ? 0.4 : 0.25) << o.dump();
  }
  // R1 has been offered the winner now, so it is not offered to them again within a year.
  auto after = Body(as(ana, "GET", "/v1/subscriptions/SUBR1/offers?reason=too_expensive"));
  for (const auto& o : after["offers"]) EXPECT_NE(o["id"], winner);

  auto report = Body(client_->Request("GET", "/v1/retention/report"));
  EXPECT_EQ(report["requests"], 4);
  EXPECT_EQ(report["decided"], 4);
  EXPECT_EQ(report["saved"], 3);
  EXPECT_EQ(report["revenue_saved_minor"], (3000 + 3000 + 3000) * 12);
  std::set<std::string> channels;
  for (const auto& c : report["by_channel"]) channels.insert(c["key"].get<std::string>());
  EXPECT_EQ(channels, (std::set<std::string>{"chat", "phone"}));

  auto audit = Body(client_->Request("GET", fmt::format("/v1/audit?record_type=cancel_requests&record_id={}", id)));
  std::set<std::string> actions;
  for (const auto& a : audit["data"]) actions.insert(a["action"].get<std::string>());
  EXPECT_TRUE(actions.count("cancel_request.opened") && actions.count("cancel_request.decided")) << audit.dump();
}

// A share of eligible requests is drawn at random to get no offer, and the server refuses to
// apply one to them.
TEST_P(ServerTest, RetentionControlGroupGetsNoOffer) {
  ASSERT_EQ(Post("/v1/plans", {{"id", "TV"}, {"name", "TV Plus"}, {"kind", "plan"}, {"price", "30.00"},
                               {"currency", "EUR"}, {"billing", "monthly"}}).status, 201);
  json desk = {{"control_share", 0.5},
               {"offers", {{{"id", "d10"}, {"kind", "discount"}, {"name", "10% off"}, {"percent", 10}, {"months", 2}}}}};
  ASSERT_EQ(client_->Request("PUT", "/v1/retention/desk", desk.dump()).status, 200);
  int control = 0;
  int64_t control_id = 0;
  const int n = 40;
  for (int i = 0; i < n; ++i) {
    std::string id = fmt::format("K{}", i);
    SeedCustomer(id);
    ASSERT_EQ(Post("/v1/subscriptions", {{"id", "S" + id}, {"customer", id}, {"plan", "TV"}, {"started_at", "2025-01-01"}}).status, 201);
    auto r = Body(Post("/v1/cancel-requests", {{"subscription", "S" + id}, {"reason", "too_expensive"}}));
    if (r["control"] == true) {
      ++control;
      control_id = r["id"];
      EXPECT_TRUE(r["offers"].empty());
    } else {
      EXPECT_EQ(r["offers"].size(), 1u);
    }
  }
  // Binomial(40, 0.5) falls outside 8..32 with probability below 1 in 10,000.
  EXPECT_GE(control, 8);
  EXPECT_LE(control, 32);
  ASSERT_GT(control_id, 0);
  auto refused = Post(fmt::format("/v1/cancel-requests/{}/outcome", control_id), {{"outcome", "accepted"}, {"offer", "d10"}});
  EXPECT_EQ(refused.status, 422) << refused.body;
}

// Failed-payment recovery over HTTP, with payments dated in the past so each stage of the
// schedule (retries on days 1, 3, 5, 7; grace to day 14; then cancel) is due now: a manual retry
// does not use up a scheduled one, an outage asks only for the newest retry, the final action
// cancels as involuntary churn or suspends, a payment settles it (and resumes a suspended
// subscription), replays change nothing, and cards about to expire are reminded of once.
TEST_P(ServerTest, FailedPaymentsAreRecoveredOnTheSchedule) {
  ASSERT_EQ(Post("/v1/plans", {{"id", "TV"}, {"name", "TV Plus"}, {"kind", "plan"}, {"price", "30.00"},
                               {"currency", "EUR"}, {"billing", "monthly"}}).status, 201);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto ago = [&](double days) {
    return FormatTimestamp(now - std::chrono::seconds(static_cast<int64_t>(days * 86400)));
  };
  for (const char* id : {"F1", "F2", "F3", "F4", "F5"}) {
    SeedCustomer(id);
    ASSERT_EQ(Post("/v1/subscriptions", {{"id", std::string("S") + id}, {"customer", id}, {"plan", "TV"},
                                         {"started_at", ago(200)}}).status, 201);
  }
  auto pay = [&](const std::string& id, const std::string& customer, const std::string& status, double days_ago) {
    json p = {{"id", id}, {"customer", customer}, {"subscription", "S" + customer}, {"amount", "30.00"},
              {"currency", "EUR"}, {"status", status}, {"occurred_at", ago(days_ago)}};
    if (status == "failed") p["failure_reason"] = "insufficient_funds";
    return Post("/v1/payments", p);
  };
  auto recovery_of = [&](const std::string& customer) {
    auto list = Body(client_->Request("GET", "/v1/recoveries?customer=" + customer));
    EXPECT_EQ(list["data"].size(), 1u) << customer << ": " << list.dump();
    return list["data"].empty() ? json::object() : list["data"][0];
  };

  ASSERT_EQ(pay("P1", "F1", "failed", 2).status, 201);
  ASSERT_EQ(pay("P2", "F2", "failed", 10).status, 201);
  ASSERT_EQ(pay("P3", "F3", "failed", 20).status, 201);
  ASSERT_EQ(pay("P4", "F4", "failed", 2).status, 201);
  ASSERT_EQ(pay("P4b", "F4", "succeeded", 1.5).status, 201);
  EXPECT_EQ(pay("P1", "F1", "failed", 2).status, 200) << "a replay";
  json f1 = recovery_of("F1");
  EXPECT_EQ(f1["status"], "retrying");
  EXPECT_EQ(f1["amount_minor"], 3000);
  EXPECT_EQ(f1["failure_reason"], "insufficient_funds");
  EXPECT_EQ(f1["next_action_at"], ago(1));
  json f4 = recovery_of("F4");
  EXPECT_EQ(f4["status"], "recovered");
  EXPECT_EQ(f4["stage"], "before_retry");
  EXPECT_EQ(f4["recovered_payment"], "P4b");

  auto manual = Post(fmt::format("/v1/recoveries/{}/retry", f1["id"].get<int64_t>()), json::object());
  ASSERT_EQ(manual.status, 200) << manual.body;
  EXPECT_EQ(Body(manual)["manual_retries"], 1);
  EXPECT_EQ(Body(manual)["retries_done"], 0);
  EXPECT_EQ(Post(fmt::format("/v1/recoveries/{}/retry", f4["id"].get<int64_t>()), json::object()).status, 422)
      << "nothing is owed";

  auto upkeep = Body(Post("/v1/retention/upkeep", json::object()));
  EXPECT_EQ(upkeep["retries_requested"], 2) << upkeep.dump();  // F1's first, F2's last
  EXPECT_EQ(upkeep["final_actions"], 1) << upkeep.dump();      // F3
  f1 = recovery_of("F1");
  EXPECT_EQ(f1["retries_done"], 1) << "the manual retry used up none of the four";
  EXPECT_EQ(f1["manual_retries"], 1);
  EXPECT_EQ(f1["next_action_at"], ago(-1));
  json f2 = recovery_of("F2");
  EXPECT_EQ(f2["status"], "grace");
  EXPECT_EQ(f2["retries_done"], 4);
  json f3 = recovery_of("F3");
  EXPECT_EQ(f3["status"], "lost");
  EXPECT_EQ(f3["closed_by"], "final_action");
  json s3 = Body(client_->Request("GET", "/v1/subscriptions/SF3"));
  EXPECT_EQ(s3["status"], "cancelled");
  EXPECT_EQ(s3["cancel_cause"], "involuntary");
  EXPECT_EQ(s3["cancel_reason"], "payment_failed");
  upkeep = Body(Post("/v1/retention/upkeep", json::object()));
  EXPECT_EQ(upkeep["retries_requested"], 0) << "nothing more is due: " << upkeep.dump();

  // Another failed attempt, then the money arrives.
  ASSERT_EQ(pay("P1b", "F1", "failed", 0.5).status, 201);
  EXPECT_EQ(recovery_of("F1")["failed_attempts"], 2);
  ASSERT_EQ(pay("P1c", "F1", "succeeded", 0.1).status, 201);
  f1 = recovery_of("F1");
  EXPECT_EQ(f1["status"], "recovered");
  EXPECT_EQ(f1["stage"], "retry_1");
  EXPECT_EQ(f1["recovered_minor"], 3000);

  // Suspending instead of cancelling, and a reminder before a card expires.
  json desk = retention::DefaultDeskDocument();
  desk["recovery"] = {{"final_action", "suspend"}, {"expiry_reminder_days", 45}};
  ASSERT_EQ(client_->Request("PUT", "/v1/retention/desk", desk.dump()).status, 200);
  ASSERT_EQ(pay("P5", "F5", "failed", 30).status, 201);
  auto bad = Post("/v1/events", {{"id", "M0"}, {"customer", "F5"}, {"type", "payment_method.updated"},
                                 {"occurred_at", ago(1)}, {"payload", {{"method", "card-1"}, {"expires", "13/2026"}}}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(Body(bad)["error"]["field"], "payload.expires") << bad.body;
  auto zone_now = std::chrono::floor<date::days>(now);
  date::year_month_day today{zone_now};
  std::string month = fmt::format("{:04}-{:02}", static_cast<int>(today.year()), static_cast<unsigned>(today.month()));
  ASSERT_EQ(Post("/v1/events", {{"id", "M1"}, {"customer", "F5"}, {"type", "payment_method.updated"},
                                {"occurred_at", ago(1)},
                                {"payload", {{"method", "card-1"}, {"expires", month}, {"label", "Visa ending 4242"}}}}).status,
            201);
  auto methods = Body(client_->Request("GET", "/v1/customers/F5/payment-methods"));
  ASSERT_EQ(methods["data"].size(), 1u) << methods.dump();
  EXPECT_EQ(methods["data"][0]["label"], "Visa ending 4242");
  upkeep = Body(Post("/v1/retention/upkeep", json::object()));
  EXPECT_EQ(upkeep["final_actions"], 1) << upkeep.dump();
  EXPECT_EQ(upkeep["expiry_reminders"], 1) << upkeep.dump();
  EXPECT_EQ(Body(Post("/v1/retention/upkeep", json::object()))["expiry_reminders"], 0) << "reminded once";
  EXPECT_EQ(recovery_of("F5")["status"], "suspended");
  EXPECT_EQ(Body(client_->Request("GET", "/v1/subscriptions/SF5"))["status"], "paused");
  ASSERT_EQ(pay("P5b", "F5", "succeeded", 0).status, 201);
  EXPECT_EQ(recovery_of("F5")["stage"], "suspended");
  EXPECT_EQ(Body(client_->Request("GET", "/v1/subscriptions/SF5"))["status"], "active") << "resumed once paid";

  auto report = Body(client_->Request("GET", "/v1/retention/recovery-report"));
  EXPECT_EQ(report["opened"], 5) << report.dump();
  EXPECT_EQ(report["recovered"], 3);  // F1, F4, F5
  EXPECT_EQ(report["lost"], 1);       // F3
  EXPECT_EQ(report["open"], 1);       // F2, in grace
  EXPECT_EQ(report["recovered_minor"], 9000);
  EXPECT_EQ(report["manual_retries"], 1);
  EXPECT_DOUBLE_EQ(report["recovery_rate"]["rate"].get<double>(), 0.75);

  // What the billing system and outreach hear, in the outbox.
  auto store = storage::OpenSqlStore(db_->url());
  ASSERT_TRUE(store) << store.error().message;
  auto events = (*store)->OutboxAfter(0, 10000);
  ASSERT_TRUE(events) << events.error().message;
  std::map<std::string, int> types;
  int manual_requests = 0;
  for (const auto& e : *events) {
    ++types[e.type];
    auto data = json::parse(e.payload_json)["data"];
    if (e.type == "payment.retry_requested" && data["manual"] == true) ++manual_requests;
    if (e.type == "payment.retry_due" && data["customer"] == "F2") {
      EXPECT_EQ(data["attempt"], 4);
      EXPECT_EQ(data["skipped"], 3);
    }
  }
  EXPECT_EQ(types["payment.recovery_started"], 5);
  EXPECT_EQ(types["payment.retry_due"], 2);
  EXPECT_EQ(manual_requests, 1);
  EXPECT_EQ(types["payment.recovered"], 3);
  EXPECT_EQ(types["payment_method.expiring"], 1);
  EXPECT_EQ(types["subscription.suspended"], 1);
  EXPECT_GE(types["payment.reminder"], 5 + 2 + 2);  // on failing, at each retry, at each final action
}

// Cancelled subscribers enter the win-back list after the desk's days (once), those with
// another subscription do not, and a new subscription within the window is tracked back to the
// offer.
TEST_P(ServerTest, CancelledSubscribersAreWonBack) {
  ASSERT_EQ(Post("/v1/plans", {{"id", "TV"}, {"name", "TV Plus"}, {"kind", "plan"}, {"price", "30.00"},
                               {"currency", "EUR"}, {"billing", "monthly"}}).status, 201);
  json desk = retention::DefaultDeskDocument();
  desk["winback"]["control_share"] = 0;
  ASSERT_EQ(client_->Request("PUT", "/v1/retention/desk", desk.dump()).status, 200);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto ago = [&](int days) { return FormatTimestamp(now - std::chrono::days(days)); };
  auto cancelled = [&](const std::string& sub, const std::string& customer, int days_ago) {
    auto r = Post("/v1/subscriptions", {{"id", sub}, {"customer", customer}, {"plan", "TV"}, {"started_at", ago(400)},
                                        {"status", "cancelled"}, {"cancelled_at", ago(days_ago)},
                                        {"cancel_cause", "voluntary"}});
    ASSERT_EQ(r.status, 201) << r.body;
  };
  for (const char* id : {"W1", "W2", "W3", "W4"}) SeedCustomer(id);
  cancelled("SW1", "W1", 40);
  cancelled("SW2", "W2", 10);   // too recent
  cancelled("SW3", "W3", 40);   // but still has another subscription
  ASSERT_EQ(Post("/v1/subscriptions", {{"id", "SW3b"}, {"customer", "W3"}, {"plan", "TV"}, {"started_at", ago(100)}}).status, 201);
  cancelled("SW4", "W4", 400);  // long gone: past the window

  auto upkeep = Body(Post("/v1/retention/upkeep", json::object()));
  EXPECT_EQ(upkeep["winback_offered"], 1) << upkeep.dump();
  EXPECT_EQ(Body(Post("/v1/retention/upkeep", json::object()))["winback_offered"], 0) << "once per subscription";
  auto open = Body(client_->Request("GET", "/v1/winback?status=open"));
  ASSERT_EQ(open["data"].size(), 1u) << open.dump();
  EXPECT_EQ(open["data"][0]["customer"], "W1");
  EXPECT_EQ(open["data"][0]["offer"], "winback-30-3");
  EXPECT_EQ(open["data"][0]["monthly_minor"], 3000);

  // Back after the offer: a subscription that starts once the entry exists (one that started
  // before it would not be the offer's doing).
  auto back = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  ASSERT_EQ(Post("/v1/subscriptions", {{"id", "SW1b"}, {"customer", "W1"}, {"plan", "TV"},
                                       {"started_at", FormatTimestamp(back)}}).status, 201);
  auto entry = Body(client_->Request("GET", "/v1/winback?customer=W1"))["data"][0];
  EXPECT_EQ(entry["status"], "reactivated") << entry.dump();
  EXPECT_EQ(entry["reactivated_subscription"], "SW1b");

  auto report = Body(client_->Request("GET", "/v1/retention/winback-report"));
  EXPECT_EQ(report["entered"], 1) << report.dump();
  EXPECT_EQ(report["offered"]["reactivated"], 1);
  EXPECT_EQ(report["revenue_reactivated_minor"], 3000 * 12);

  auto store = storage::OpenSqlStore(db_->url());
  ASSERT_TRUE(store) << store.error().message;
  auto events = (*store)->OutboxAfter(0, 10000);
  ASSERT_TRUE(events);
  std::vector<std::string> winback;
  for (const auto& e : *events) {
    if (e.type.starts_with("winback.")) winback.push_back(e.type + ":" + json::parse(e.payload_json)["data"]["customer"].get<std::string>());
  }
  EXPECT_EQ(winback, (std::vector<std::string>{"winback.offered:W1", "winback.reactivated:W1"}));
}

// Complaint cases over HTTP: the policy that covers a case sets its targets, the first answer
// stops the first-response clock, waiting on the customer pauses the resolution clock, the
// states refuse a move they do not allow, reopening counts, and the upkeep escalates once per
// level.
TEST_P(ServerTest, ComplaintCasesRunOnTheirSlaClocks) {
  SeedCustomer("CS1");
  json sla = {{"calendar", {{"hours", {{"mon", {"00:00-24:00"}}, {"tue", {"00:00-24:00"}}, {"wed", {"00:00-24:00"}},
                                      {"thu", {"00:00-24:00"}}, {"fri", {"00:00-24:00"}}, {"sat", {"00:00-24:00"}},
                                      {"sun", {"00:00-24:00"}}}}}},
              {"policies", {{{"id", "fast"}, {"severities", {"high"}}, {"first_response_minutes", 60},
                             {"resolution_minutes", 120}, {"escalate_after_minutes", 60}},
                            {{"id", "standard"}, {"first_response_minutes", 480}, {"resolution_minutes", 2400}}}}};
  auto bad = client_->Request("PUT", "/v1/care/sla", json{{"calendar", sla["calendar"]},
                                                          {"policies", {{{"id", "x"}, {"first_response_minutes", 60}}}}}.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["error"]["field"], "policies[0].resolution_minutes") << bad.body;
  ASSERT_EQ(client_->Request("PUT", "/v1/care/sla", sla.dump()).status, 200);

  auto refused = Post("/v1/cases", {{"customer", "CS1"}, {"category", "weather"}, {"text", "x"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(Body(refused)["error"]["field"], "category");
  EXPECT_EQ(Body(Post("/v1/cases", {{"customer", "NOBODY"}, {"category", "billing"}, {"text", "x"}}))["error"]["field"],
            "customer");

  auto opened = Post("/v1/cases", {{"customer", "CS1"}, {"channel", "letter"}, {"category", "product_quality"},
                                   {"severity", "high"}, {"text", "The sandwich was stale."}});
  ASSERT_EQ(opened.status, 201) << opened.body;
  json c = Body(opened);
  int64_t id = c["id"];
  EXPECT_EQ(c["status"], "new");
  EXPECT_EQ(c["policy"], "fast");
  EXPECT_EQ(c["sla"]["first_response"]["target_minutes"], 60);
  EXPECT_EQ(c["sla"]["first_response"]["state"], "on_time");
  auto path = [&](const std::string& what) { return fmt::format("/v1/cases/{}/{}", id, what); };

  auto closed_too_soon = Post(path("status"), {{"status", "closed"}});
  EXPECT_EQ(closed_too_soon.status, 422) << closed_too_soon.body;
  EXPECT_NE(Body(closed_too_soon)["error"]["message"].get<std::string>().find("a new case cannot become closed"),
            std::string::npos);

  c = Body(Post(path("replies"), {{"text", "We are sorry; a voucher is on its way."}}));
  EXPECT_EQ(c["status"], "open");
  EXPECT_EQ(c["sla"]["first_response"]["stopped"], true);
  EXPECT_EQ(c["sla"]["first_response"]["met"], true);
  c = Body(Post(path("status"), {{"status", "waiting"}, {"note", "asked for the receipt"}}));
  EXPECT_EQ(c["status"], "waiting");
  EXPECT_TRUE(c["sla"]["resolution"]["due_at"].is_null()) << "no due time while waiting on the customer";
  c = Body(Post(path("status"), {{"status", "open"}}));
  EXPECT_FALSE(c["sla"]["resolution"]["due_at"].is_null());
  ASSERT_EQ(c["pauses"].size(), 1u);
  EXPECT_FALSE(c["pauses"][0]["to"].is_null());
  c = Body(Post(path("status"), {{"status", "resolved"}}));
  EXPECT_EQ(c["sla"]["resolution"]["met"], true);
  c = Body(Post(path("status"), {{"status", "open"}, {"note", "the voucher never came"}}));
  EXPECT_EQ(c["reopened"], 1);
  c = Body(Post(path("assignee"), {{"assignee", "ana"}}));
  EXPECT_EQ(c["assignee"], "ana");
  auto full = Body(client_->Request("GET", fmt::format("/v1/cases/{}", id)));
  std::vector<std::string> kinds;
  for (const auto& h : full["history"]) kinds.push_back(h["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"opened", "reply", "status", "status", "status", "status", "assigned"}));

  // Letters received hours ago: one past its resolution target by more than the escalation delay
  // (escalated), one unanswered past its first-response target (breached).
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto letter = [&](int minutes_ago) {
    auto r = Post("/v1/cases", {{"customer", "CS1"}, {"channel", "letter"}, {"category", "delivery"}, {"severity", "high"},
                                {"text", "Where is my order?"},
                                {"received_at", FormatTimestamp(now - std::chrono::minutes(minutes_ago))}});
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r)["id"].get<int64_t>();
  };
  int64_t late = letter(200);
  letter(100);
  EXPECT_EQ(Body(client_->Request("GET", fmt::format("/v1/cases/{}", late)))["sla"]["resolution"]["state"], "escalated");
  auto upkeep = Body(Post("/v1/care/upkeep", json::object()));
  EXPECT_EQ(upkeep["cases_escalated"], 2) << upkeep.dump();
  EXPECT_EQ(Body(Post("/v1/care/upkeep", json::object()))["cases_escalated"], 0) << "once per level";
  EXPECT_EQ(Body(client_->Request("GET", fmt::format("/v1/cases/{}", late)))["priority"], 1);
  auto queue = Body(client_->Request("GET", "/v1/cases?status=open"));
  EXPECT_EQ(queue["data"].size(), 3u);

  auto store = storage::OpenSqlStore(db_->url());
  ASSERT_TRUE(store) << store.error().message;
  auto events = (*store)->OutboxAfter(0, 10000);
  ASSERT_TRUE(events);
  std::map<std::string, int> types;
  for (const auto& e : *events) ++types[e.type];
  EXPECT_EQ(types["case.opened"], 3);
  EXPECT_EQ(types["case.escalated"], 1);
  EXPECT_EQ(types["case.sla_breached"], 1);
}

// Compensation within an agent's limit is granted at once (a coupon gets its code); beyond it
// the server refuses it and records nothing, unless the agent asks a supervisor, whose approval
// grants it (free months become a discount on the subscription).
TEST_P(ServerTest, CompensationBeyondAnAgentsLimitWaitsForASupervisor) {
  SeedCustomer("CS2");
  ASSERT_EQ(Post("/v1/plans", {{"id", "TV"}, {"name", "TV Plus"}, {"kind", "plan"}, {"price", "30.00"},
                               {"currency", "EUR"}, {"billing", "monthly"}}).status, 201);
  ASSERT_EQ(Post("/v1/plans", {{"id", "SUB"}, {"name", "A sub"}, {"kind", "item"}, {"price", "6.50"},
                               {"currency", "EUR"}, {"billing", "one_off"}}).status, 201);
  ASSERT_EQ(Post("/v1/subscriptions", {{"id", "SCS2"}, {"customer", "CS2"}, {"plan", "TV"}, {"started_at", "2025-01-01"}}).status, 201);
  for (auto [user, role] : {std::pair{"ana", "agent"}, std::pair{"sam", "supervisor"}}) {
    ASSERT_EQ(Post("/v1/users", {{"username", user}, {"password", std::string("password of ") + user}, {"role", role}}).status, 201);
  }
  auto ana = SignIn(server_->port(), "ana", "password of ana");
  auto sam = SignIn(server_->port(), "sam", "password of sam");
  auto as = [](SignedIn& who, const std::string& method, const std::string& target, const json& body = nullptr) {
    return who.client->Request(method, target, body.is_null() ? "" : body.dump(), {{"X-CSRF-Token", who.csrf}});
  };
  auto opened = as(ana, "POST", "/v1/cases", {{"customer", "CS2"}, {"category", "technical"}, {"text", "No signal for a week."},
                                              {"subscription", "SCS2"}});
  ASSERT_EQ(opened.status, 201) << opened.body;
  std::string base = fmt::format("/v1/cases/{}/compensations", Body(opened)["id"].get<int64_t>());

  auto coupon = as(ana, "POST", base, {{"kind", "coupon"}, {"product", "SUB"}, {"note", "a free sub"}});
  ASSERT_EQ(coupon.status, 201) << coupon.body;
  EXPECT_EQ(Body(coupon)["status"], "granted");
  EXPECT_EQ(Body(coupon)["value_minor"], 650);
  std::string code = Body(coupon)["code"];
  EXPECT_TRUE(code.starts_with("CMP-"));
  // The coupon is taken at the till like a loyalty coupon, once.
  auto used = Post("/v1/coupons/" + code + "/use", {{"ref", "P-TILL-1"}});
  ASSERT_EQ(used.status, 200) << used.body;
  EXPECT_EQ(Body(used)["status"], "used");
  EXPECT_EQ(Body(used)["reward"]["kind"], "free_item");
  EXPECT_EQ(Body(used)["reward"]["value_minor"], 650);
  auto again = Post("/v1/coupons/" + code + "/use", {{"ref", "P-TILL-2"}});
  EXPECT_EQ(again.status, 422) << again.body;
  EXPECT_NE(Body(again)["error"]["message"].get<std::string>().find("P-TILL-1"), std::string::npos) << again.body;
  EXPECT_EQ(Post("/v1/coupons/CMP-0000000000/use", {{"ref", "P-TILL-3"}}).status, 404);

  auto refused = as(ana, "POST", base, {{"kind", "refund"}, {"amount_minor", 5000}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(Body(refused)["error"]["message"].get<std::string>().find("beyond your limit of 2500"), std::string::npos);
  auto bad = as(ana, "POST", base, {{"kind", "free_months"}, {"months", 2}});
  EXPECT_EQ(Body(bad)["error"]["field"], "subscription");

  auto asked = as(ana, "POST", base, {{"kind", "free_months"}, {"months", 2}, {"subscription", "SCS2"}, {"ask", true}});
  ASSERT_EQ(asked.status, 201) << asked.body;
  EXPECT_EQ(Body(asked)["status"], "pending_approval");
  EXPECT_EQ(Body(asked)["value_minor"], 6000);
  EXPECT_TRUE(Body(client_->Request("GET", "/v1/subscriptions/SCS2"))["discounts"].empty()) << "not before approval";
  EXPECT_EQ(as(ana, "GET", "/v1/compensations").status, 403);
  auto queue = Body(as(sam, "GET", "/v1/compensations"));
  ASSERT_EQ(queue["data"].size(), 1u) << queue.dump();
  std::string decide = fmt::format("/v1/compensations/{}/decision", queue["data"][0]["id"].get<int64_t>());
  auto approved = as(sam, "POST", decide, {{"decision", "approve"}, {"note", "a week without signal"}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(Body(approved)["status"], "granted");
  EXPECT_EQ(as(sam, "POST", decide, {{"decision", "decline"}}).status, 409) << "decided once";
  auto sub = Body(client_->Request("GET", "/v1/subscriptions/SCS2"));
  ASSERT_EQ(sub["discounts"].size(), 1u) << sub.dump();
  EXPECT_NE(sub["discounts"][0].dump().find("complaint case"), std::string::npos) << sub.dump();
  ASSERT_EQ(Post("/v1/customers", {{"id", "CS2"}, {"name", "Ann Holm"}, {"email", "CS2@example.com"}, {"locale", "da"}}).status, 200);
  ASSERT_EQ(as(ana, "POST", base, {{"kind", "apology"}, {"note", "Du får to gratis måneder."}}).status, 201);

  auto full = Body(client_->Request("GET", fmt::format("/v1/cases/{}", Body(opened)["id"].get<int64_t>())));
  std::vector<std::string> kinds;
  for (const auto& m : full["compensations"]) kinds.push_back(m["kind"].get<std::string>() + ":" + m["status"].get<std::string>());
  EXPECT_EQ(kinds, (std::vector<std::string>{"coupon:granted", "free_months:granted", "apology:granted"}))
      << "the refused refund left nothing";
  auto report = Body(client_->Request("GET", "/v1/care/report"));
  EXPECT_EQ(report["cases"], 1) << report.dump();
  EXPECT_EQ(report["open"], 1);
  EXPECT_EQ(report["compensation_cost_minor"], 650 + 6000);
  EXPECT_EQ(report["by_category"][0]["category"], "technical");
  auto store = storage::OpenSqlStore(db_->url());
  ASSERT_TRUE(store) << store.error().message;
  auto events = (*store)->OutboxAfter(0, 10000);
  ASSERT_TRUE(events);
  int granted = 0;
  json letter;
  for (const auto& e : *events) {
    granted += e.type == "compensation.granted";
    auto data = json::parse(e.payload_json)["data"];
    if (e.type == "compensation.granted" && data["kind"] == "apology") letter = data["letter"];
  }
  EXPECT_EQ(granted, 3);
  // The apology letter, written in the customer's language.
  EXPECT_EQ(letter["locale"], "da") << letter.dump();
  EXPECT_EQ(letter["subject"], fmt::format("Vi beklager (sag {})", Body(opened)["id"].get<int64_t>()));
  std::string body = letter["body"];
  EXPECT_EQ(body.rfind("Kære Ann Holm,", 0), 0u) << body;
  EXPECT_NE(body.find("det tekniske problem"), std::string::npos) << body;
  EXPECT_NE(body.find("Du får to gratis måneder."), std::string::npos) << body;
}

class Receiver {
 public:
  explicit Receiver(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~Receiver() {
    stop_ = true;
    beast::error_code ec;
    // Wake the blocking accept with a connection of our own.
    tcp::socket s(io_);
    s.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)}, ec);
    thread_.join();
  }
  int port() const { return port_; }
  struct Got {
    std::string body, event, signature;
  };
  std::vector<Got> received() {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  void Serve() {
    while (!stop_) {
      beast::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      int status;
      {
        std::lock_guard lock(mu_);
        got_.push_back({req.body(), std::string(req["Retain-Event"]), std::string(req["Retain-Signature"])});
        status = statuses_[std::min(got_.size(), statuses_.size()) - 1];
      }
      http::response<http::string_body> res(static_cast<http::status>(status), 11);
      res.body() = "ok";
      res.keep_alive(false);
      res.prepare_payload();
      http::write(socket, res, ec);
    }
  }
  net::io_context io_;
  tcp::acceptor acceptor_{io_};
  int port_ = 0;
  std::vector<int> statuses_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Got> got_;
  std::thread thread_;
};

TEST_P(ServerTest, LoyaltyOverHttpFromProgramToCoupon) {
  // A program document, then a second version of it; a bad one names its field.
  json card = {{"id", "subs"}, {"kind", "punch_card"}, {"punches", 9},
               {"reward", {{"kind", "free_item"}, {"product", "SUB"}, {"valid_days", 30}}}};
  auto created = client_->Request("POST", "/v1/loyalty/programs?effective_at=2020-01-01", card.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Body(created)["version"], 1);
  card["name"] = {{"en", "Sub club"}, {"pt", "Clube da sandes"}, {"da", "Sandwichklubben"}};
  auto v2 = client_->Request("POST", "/v1/loyalty/programs?effective_at=2020-01-02", card.dump());
  ASSERT_EQ(v2.status, 200) << v2.body;
  EXPECT_EQ(Body(v2)["version"], 2);
  auto program = Body(client_->Request("GET", "/v1/loyalty/programs/subs"));
  EXPECT_EQ(program["versions"].size(), 2u);
  EXPECT_EQ(program["version_in_effect"], 2);
  EXPECT_EQ(program["name"]["pt"], "Clube da sandes");
  auto bad = client_->Request("POST", "/v1/loyalty/programs", json{{"id", "x"}, {"kind", "punch_card"}}.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["error"]["field"], "punches");
  auto audit = Body(client_->Request("GET", "/v1/audit?record_type=loyalty_programs"));
  EXPECT_EQ(audit["data"].size(), 2u) << "every version is in the audit trail";

  // Nine subs over the API (an NDJSON batch, sent twice) complete one card and issue one coupon.
  SeedCustomer("C1");
  ASSERT_EQ(Post("/v1/plans", {{"id", "SUB"}, {"name", "Classic sub"}, {"kind", "item"}, {"price", "6.50"},
                               {"currency", "EUR"}, {"category", "subs"}}).status, 201);
  std::string batch;
  auto today = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  for (int i = 1; i <= 9; ++i) {
    batch += json{{"id", fmt::format("S{}", i)}, {"customer", "C1"}, {"currency", "EUR"},
                  {"occurred_at", FormatTimestamp(today - std::chrono::days(10 - i))},
                  {"lines", {{{"product", "SUB"}, {"quantity", 1}, {"unit_price", "6.50"}}}}}.dump() + "\n";
  }
  for (int run = 0; run < 2; ++run) {
    auto r = client_->Request("POST", "/v1/purchases", batch, {{"Content-Type", "application/x-ndjson"}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  auto member = Body(client_->Request("GET", "/v1/customers/C1/loyalty"));
  ASSERT_EQ(member["memberships"].size(), 1u) << member.dump();
  EXPECT_EQ(member["memberships"][0]["card"]["cards_completed"], 1);
  EXPECT_EQ(member["memberships"][0]["card"]["punches"], 0);
  EXPECT_EQ(member["memberships"][0]["card"]["of"], 9);
  ASSERT_EQ(member["coupons"].size(), 1u);
  std::string code = member["coupons"][0]["code"];
  EXPECT_EQ(member["coupons"][0]["reward"]["product"], "SUB");

  // The coupon is used once; a second till trying it is refused and told when it was used.
  auto used = Post("/v1/coupons/" + code + "/use", {{"ref", "S10"}});
  ASSERT_EQ(used.status, 200) << used.body;
  EXPECT_EQ(Body(used)["status"], "used");
  auto again = Post("/v1/coupons/" + code + "/use", {{"ref", "S11"}});
  EXPECT_EQ(again.status, 422);
  EXPECT_EQ(Body(again)["error"]["code"], "failed_precondition");

  // The designer's preview: what would this basket earn, under a draft or a stored program?
  json basket = {{"currency", "EUR"}, {"lines", {{{"product", "SUB"}, {"quantity", 3}, {"unit_price", "6.50"}}}}};
  json draft = {{"id", "draft"}, {"kind", "points"}, {"currency", "EUR"},
                {"earn", {{"per_unit", 1}, {"multipliers", {{{"category", "subs"}, {"factor", 3}}}}}}};
  auto preview = Post("/v1/loyalty/preview", {{"program", draft}, {"purchase", basket}});
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(Body(preview)["points"], 58) << "19.50 EUR at 3 points per euro for subs";
  auto stored = Body(Post("/v1/loyalty/preview", {{"program", "subs"}, {"purchase", basket}}));
  EXPECT_EQ(stored["punches"], 1);
  auto broken = Post("/v1/loyalty/preview", {{"program", draft}, {"purchase", {{"currency", "EUR"}, {"total", "x"}}}});
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(Body(broken)["error"]["field"], "purchase.total");

  // Points: a redemption needs an Idempotency-Key, spends once however often it is retried,
  // and cannot overspend.
  json points = {{"id", "points"}, {"kind", "points"}, {"currency", "EUR"}, {"earn", {{"per_unit", 2}}},
                 {"rewards", {{{"id", "coffee"}, {"kind", "free_item"}, {"product", "COFFEE"}, {"points", 50}}}}};
  ASSERT_EQ(client_->Request("POST", "/v1/loyalty/programs?effective_at=2020-01-01", points.dump()).status, 201);
  ASSERT_EQ(Post("/v1/purchases", {{"id", "BIG"}, {"customer", "C1"}, {"currency", "EUR"}, {"occurred_at", FormatTimestamp(today - std::chrono::hours(1))},
                                   {"total", "40.00"}}).status, 201);
  json redeem = {{"program", "points"}, {"customer", "C1"}, {"reward", "coffee"}};
  auto no_key = Post("/v1/loyalty/redemptions", redeem);
  EXPECT_EQ(no_key.status, 400);
  EXPECT_EQ(Body(no_key)["error"]["field"], "Idempotency-Key");
  auto c1_has_80 = [&] { return Body(Post("/v1/segments/count", {{"segment", "id = \"C1\" and points >= 80"}}))["count"]; };
  EXPECT_EQ(c1_has_80(), 1);
  auto first = Post("/v1/loyalty/redemptions", redeem, "till-7-0001");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(c1_has_80(), 0) << "a redemption leaves no outbox event; segments still see it, through the ledger";
  auto retry = Post("/v1/loyalty/redemptions", redeem, "till-7-0001");
  EXPECT_EQ(Body(retry)["code"], Body(first)["code"]);
  auto second = Post("/v1/loyalty/redemptions", redeem, "till-7-0002");
  EXPECT_EQ(second.status, 422) << "80 points earned, 50 spent: 30 left";
  EXPECT_NE(Body(second)["error"]["message"].get<std::string>().find("30 available, 50 needed"), std::string::npos)
      << second.body;

  // A supervisor's adjustment needs a reason and lands in the audit trail and the ledger.
  auto no_reason = Post("/v1/loyalty/adjustments", {{"program", "points"}, {"customer", "C1"}, {"points", 25}}, "adj-1");
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_EQ(Body(no_reason)["error"]["field"], "reason");
  auto adjusted = Post("/v1/loyalty/adjustments",
                       {{"program", "points"}, {"customer", "C1"}, {"points", 25}, {"reason", "birthday goodwill"}}, "adj-2");
  ASSERT_EQ(adjusted.status, 201) << adjusted.body;
  auto ledger = Body(client_->Request("GET", "/v1/customers/C1/loyalty/ledger?program=points"));
  ASSERT_EQ(ledger["data"].size(), 3u) << ledger.dump();
  EXPECT_EQ(ledger["data"][0]["kind"], "adjust");
  EXPECT_EQ(ledger["data"][0]["reason"], "birthday goodwill");
  EXPECT_EQ(ledger["data"][1]["kind"], "spend");
  EXPECT_EQ(ledger["data"][2]["kind"], "earn");
  EXPECT_EQ(ledger["data"][2]["points"], 80);
  auto adjustments = Body(client_->Request("GET", "/v1/audit?record_type=loyalty_ledger"));
  ASSERT_EQ(adjustments["data"].size(), 1u);
  EXPECT_EQ(adjustments["data"][0]["action"], "loyalty.adjusted");
  member = Body(client_->Request("GET", "/v1/customers/C1/loyalty"));
  EXPECT_EQ(member["memberships"][0]["program"], "points");
  EXPECT_EQ(member["memberships"][0]["balance"], 55);
  EXPECT_EQ(member["memberships"][0]["available"], 55);
}

TEST_P(ServerTest, TiersPromotionsAndReferralsOverHttp) {
  json program = {{"id", "club"}, {"kind", "points"}, {"currency", "EUR"}, {"earn", {{"per_unit", 1}}},
                  {"tiers", {{"measure", "spend"}, {"window_days", 365},
                             {"levels", {{{"id", "silver"}, {"threshold", "50.00"}, {"name", {{"en", "Silver"}, {"da", "Sølv"}}}},
                                         {{"id", "gold"}, {"threshold", "200.00"}, {"discount_percent", 10}}}}}},
                  {"referral", {{"referrer_points", 300}, {"referee_points", 100}}},
                  {"rewards", {{{"id", "cake"}, {"kind", "free_item"}, {"product", "CAKE"}}}},
                  {"promotions", {{{"id", "silver-cake"}, {"kind", "reward"}, {"reward", "cake"}, {"tiers", {"silver", "gold"}},
                                   {"per_member", 1}}}}};
  ASSERT_EQ(client_->Request("POST", "/v1/loyalty/programs?effective_at=2020-01-01", program.dump()).status, 201);
  auto today = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  SeedCustomer("A");
  SeedCustomer("B");
  auto buy = [&](const std::string& id, const std::string& customer, const std::string& total, Timestamp at) {
    auto r = Post("/v1/purchases", {{"id", id}, {"customer", customer}, {"currency", "EUR"},
                                    {"occurred_at", FormatTimestamp(at)}, {"total", total}});
    ASSERT_EQ(r.status, 201) << r.body;
  };
  buy("A1", "A", "60.00", today - std::chrono::hours(1));
  auto tier = Body(client_->Request("GET", "/v1/customers/A/loyalty"))["memberships"][0]["tier"];
  EXPECT_EQ(tier["tier"], "silver") << tier.dump();
  EXPECT_EQ(tier["next"], "gold");
  EXPECT_EQ(tier["to_next"], 14000) << "spend 140.00 more to reach Gold";
  EXPECT_EQ(tier["currency"], "EUR");
  EXPECT_EQ(tier["levels"][0]["name"]["da"], "Sølv");

  // A supervisor gives Gold by hand; an agent may not.
  json manual = {{"program", "club"}, {"tier", "gold"}, {"reason", "goodwill after a complaint"}};
  auto set = client_->Request("PUT", "/v1/customers/A/loyalty/tier", manual.dump());
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Body(set)["tier"], "gold");
  EXPECT_EQ(Body(set)["reached"], "silver");
  auto member = Body(client_->Request("GET", "/v1/customers/A/loyalty"))["memberships"][0];
  EXPECT_EQ(member["tier"]["discount_percent"], 10);
  EXPECT_EQ(member["tier"]["history"][0]["reason"], "set by hand: goodwill after a complaint");

  // The members-only promotion is offered to A and claimed once.
  ASSERT_EQ(member["promotions"].size(), 1u) << member.dump();
  json claim = {{"program", "club"}, {"promotion", "silver-cake"}, {"customer", "A"}};
  auto claimed = Post("/v1/loyalty/promotions/claims", claim, "claim-1");
  ASSERT_EQ(claimed.status, 201) << claimed.body;
  EXPECT_EQ(Body(claimed)["reward"]["product"], "CAKE");
  auto twice = Post("/v1/loyalty/promotions/claims", claim, "claim-2");
  EXPECT_EQ(twice.status, 422);
  EXPECT_NE(Body(twice)["error"]["message"].get<std::string>().find("1 of 1"), std::string::npos) << twice.body;

  // Referrals: A's code registers B; B's first purchase rewards both; A cannot use B's code.
  auto code = Post("/v1/customers/A/referral-code", json::object());
  ASSERT_EQ(code.status, 200) << code.body;
  std::string a_code = Body(code)["code"];
  EXPECT_EQ(Body(Post("/v1/customers/A/referral-code", json::object()))["code"], a_code) << "one code per member";
  auto self = Post("/v1/referrals", {{"code", a_code}, {"customer", "A"}});
  EXPECT_EQ(self.status, 422);
  EXPECT_NE(Body(self)["error"]["message"].get<std::string>().find("self-referral"), std::string::npos);
  auto registered = Post("/v1/referrals", {{"code", a_code}, {"customer", "B"}});
  ASSERT_EQ(registered.status, 201) << registered.body;
  EXPECT_EQ(Body(registered)["status"], "registered");
  // B buys after signing up (a purchase from before the sign-up would not qualify).
  buy("B1", "B", "20.00", std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  auto b = Body(client_->Request("GET", "/v1/customers/B/loyalty"));
  EXPECT_EQ(b["referral"]["referred_by"], "A");
  EXPECT_EQ(b["memberships"][0]["balance"], 20 + 100);
  auto a = Body(client_->Request("GET", "/v1/customers/A/loyalty"));
  EXPECT_EQ(a["memberships"][0]["balance"], 60 + 300);
  EXPECT_EQ(a["referral"]["code"], a_code);
  EXPECT_EQ(a["referral"]["referrals"]["qualified"], 1);
  EXPECT_EQ(a["referral"]["referrals"]["refused"], 1) << "the self-referral was kept with its reason";
  auto list = Body(client_->Request("GET", "/v1/customers/A/referrals"));
  ASSERT_EQ(list["data"].size(), 2u);
  EXPECT_EQ(list["data"][0]["status"], "qualified");
  EXPECT_EQ(list["data"][1]["status"], "refused");
  auto upkeep = Post("/v1/loyalty/expire", json::object());
  ASSERT_EQ(upkeep.status, 200) << upkeep.body;
  EXPECT_EQ(Body(upkeep)["tier_changes"], 0);

  // A document in TOML, said so by its Content-Type; a syntax error names the line.
  std::string toml = "id = \"cards\"\nkind = \"punch_card\"\npunches = 5\nreward = { kind = \"gift\", description = \"a mug\" }\n";
  auto from_toml = client_->Request("POST", "/v1/loyalty/programs", toml, {{"Content-Type", "application/toml"}});
  ASSERT_EQ(from_toml.status, 201) << from_toml.body;
  EXPECT_EQ(Body(from_toml)["document"]["punches"], 5);
  auto toml_preview = Post("/v1/loyalty/preview", {{"document_text", "id = \"t\"\nkind = \"points\"\ncurrency = \"EUR\"\nearn = { per_unit = 2 }\n"},
                                                  {"purchase", {{"currency", "EUR"}, {"total", "10.00"}}}});
  ASSERT_EQ(toml_preview.status, 200) << toml_preview.body;
  EXPECT_EQ(Body(toml_preview)["points"], 20);
  auto bad_toml = client_->Request("POST", "/v1/loyalty/programs", "id = \"x\"\npunches = [", {{"Content-Type", "application/toml"}});
  EXPECT_EQ(bad_toml.status, 400);
  EXPECT_NE(Body(bad_toml)["error"]["message"].get<std::string>().find("line 2"), std::string::npos) << bad_toml.body;
}

TEST_P(ServerTest, WebhooksAreSignedRetriedAndLogged) {
  server_->Stop();
  server_ = std::make_unique<ServerProcess>(db_->url(), std::vector<std::string>{"--webhook-retry-base", "1"});
  client_ = std::make_unique<HttpClient>(server_->port(), kAllAccess);
  Receiver receiver({500, 200});  // the first attempt fails, the retry succeeds
  auto hook = Post("/v1/webhooks", {{"url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook"},
                                    {"events", {"purchase.recorded"}}});
  ASSERT_EQ(hook.status, 201) << hook.body;
  std::string secret = Body(hook)["secret"];
  int64_t id = Body(hook)["id"];
  EXPECT_EQ(Post("/v1/webhooks", {{"url", "ftp://x"}, {"events", {"*"}}}).status, 400);
  SeedCustomer("C1");  // customer.created: not subscribed
  ASSERT_EQ(Post("/v1/purchases", {{"id", "P1"}, {"customer", "C1"}, {"currency", "EUR"},
                                   {"occurred_at", "2026-05-01T10:00:00Z"}, {"total", "7.50"}}).status, 201);
  for (int i = 0; i < 100 && receiver.received().size() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto got = receiver.received();
  ASSERT_EQ(got.size(), 2u) << "expected the failed attempt and its retry";
  EXPECT_EQ(got[0].body, got[1].body);
  EXPECT_EQ(got[1].event, "purchase.recorded");
  auto payload = json::parse(got[1].body);
  EXPECT_EQ(payload["type"], "purchase.recorded");
  EXPECT_EQ(payload["data"]["id"], "P1");
  EXPECT_EQ(payload["data"]["total_minor"], 750);
  // The signature verifies with the secret: t=<time>,v1=HMAC(secret, "<time>.<body>").
  const std::string& sig = got[1].signature;
  auto comma = sig.find(",v1=");
  ASSERT_NE(comma, std::string::npos) << sig;
  std::string t = sig.substr(2, comma - 2);
  EXPECT_EQ(sig.substr(comma + 4), HmacSha256Hex(secret, t + "." + got[1].body));
  // The delivery is recorded as delivered after two attempts.
  json deliveries;
  for (int i = 0; i < 50; ++i) {
    deliveries = Body(client_->Request("GET", "/v1/webhooks/" + std::to_string(id) + "/deliveries"));
    if (!deliveries["data"].empty() && deliveries["data"][0]["status"] == "delivered") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(deliveries["data"].size(), 1u);
  EXPECT_EQ(deliveries["data"][0]["status"], "delivered");
  EXPECT_EQ(deliveries["data"][0]["attempts"], 2);
}

// A survey from definition to answer: invitations only where the customer can be reached and not
// within the throttle, the public page in the customer's language, a token answered once, a
// detractor's follow-up case under its own SLA, reminders, expiry, and the report's counts.
TEST_P(ServerTest, SurveysFromInvitationToAnswer) {
  json doc = json::parse(R"({
    "kind": "nps", "throttle_days": 30, "reminder_days": [3], "expires_days": 14,
    "title": {"en": "How are we doing?", "da": "Hvordan klarer vi os?"},
    "thanks": {"en": "Thank you.", "da": "Tak for dit svar."},
    "questions": [
      {"id": "recommend", "type": "nps", "area": "overall",
       "text": {"en": "Would you recommend us?", "da": "Vil du anbefale os?"}},
      {"id": "billing", "type": "rating", "area": "billing", "optional": true,
       "text": {"en": "Your bills?", "da": "Dine regninger?"}},
      {"id": "comment", "type": "text", "optional": true, "text": {"en": "Why?", "da": "Hvorfor?"}}]})");
  json bad = doc;
  bad["questions"][0]["text"] = {{"da", "Vil du anbefale os?"}};
  auto refused = client_->Request("PUT", "/v1/surveys/pulse", bad.dump());
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(Body(refused)["error"]["field"], "questions[0].text.en") << refused.body;
  auto stored = client_->Request("PUT", "/v1/surveys/pulse", doc.dump());
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(Body(stored)["version"], 1);
  EXPECT_EQ(Body(stored)["missing_translations"], json({"pt"}));

  auto customer = [&](const std::string& id, const std::string& locale, bool consent) {
    auto r = Post("/v1/customers", {{"id", id}, {"name", "Kim " + id}, {"email", id + "@example.com"},
                                    {"locale", locale}, {"consent", {{"email", consent}}}});
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
  };
  customer("S1", "da", true);
  customer("S2", "en", false);
  customer("S3", "pt", true);
  customer("S4", "en", true);
  auto invited = Post("/v1/surveys/pulse/invitations", {{"customers", {"S1", "S2", "S3", "S1", "NOPE"}}});
  ASSERT_EQ(invited.status, 201) << invited.body;
  json inv = Body(invited);
  ASSERT_EQ(inv["invited"].size(), 2u) << inv.dump();
  std::map<std::string, std::string> token;
  for (const auto& i : inv["invited"]) token[i["customer"]] = i["token"];
  ASSERT_EQ(inv["skipped"].size(), 2u);
  EXPECT_EQ(inv["skipped"][0]["reason"], "no e-mail consent");
  EXPECT_EQ(inv["skipped"][1]["reason"], "unknown customer");
  auto again = Body(Post("/v1/surveys/pulse/invitations", {{"customers", {"S1"}}}));
  ASSERT_EQ(again["skipped"].size(), 1u);
  EXPECT_EQ(again["skipped"][0]["reason"].get<std::string>().rfind("throttled", 0), 0u) << again.dump();

  // The page speaks Danish to S1; a made-up token finds nothing.
  auto page = Body(client_->Request("GET", "/v1/self-serve/surveys/" + token["S1"], "", {}));
  EXPECT_EQ(page["title"], "Hvordan klarer vi os?");
  EXPECT_EQ(page["questions"][0]["text"], "Vil du anbefale os?");
  EXPECT_EQ(page["status"], "waiting");
  HttpClient anyone(server_->port());
  EXPECT_EQ(anyone.Request("GET", "/v1/self-serve/surveys/" + std::string(32, 'a')).status, 404);

  // Answered in Danish, without signing in: a detractor who blames the bills.
  std::string s1 = "/v1/self-serve/surveys/" + token["S1"];
  auto off_scale = anyone.Request("POST", s1, json{{"answers", {{"recommend", 11}}}}.dump());
  EXPECT_EQ(off_scale.status, 400);
  EXPECT_EQ(Body(off_scale)["error"]["field"], "answers.recommend");
  auto answered = anyone.Request("POST", s1, json{{"answers", {{"recommend", 3}, {"billing", 1},
                                                               {"comment", "Regningen var forkert to gange"}}}}.dump());
  ASSERT_EQ(answered.status, 201) << answered.body;
  EXPECT_EQ(Body(answered)["thanks"], "Tak for dit svar.");
  EXPECT_EQ(Body(answered)["band"], "detractor");
  // The same token again: refused, and the first answer stands.
  auto twice = anyone.Request("POST", s1, json{{"answers", {{"recommend", 10}}}}.dump());
  EXPECT_EQ(twice.status, 409) << twice.body;
  EXPECT_EQ(Body(anyone.Request("GET", s1))["status"], "answered");
  ASSERT_EQ(anyone.Request("POST", "/v1/self-serve/surveys/" + token["S3"],
                           json{{"answers", {{"recommend", 10}, {"billing", 5}}}}.dump()).status, 201);

  // The detractor's follow-up case, under the survey follow-up policy.
  auto cases = Body(client_->Request("GET", "/v1/cases?customer=S1"))["data"];
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0]["channel"], "survey");
  EXPECT_EQ(cases[0]["category"], "billing");
  EXPECT_EQ(cases[0]["severity"], "high");
  EXPECT_EQ(cases[0]["policy"], "survey-follow-up");
  EXPECT_NE(cases[0]["text"].get<std::string>().find("Regningen var forkert"), std::string::npos);
  EXPECT_TRUE(Body(client_->Request("GET", "/v1/cases?customer=S3"))["data"].empty());

  auto mine = Body(client_->Request("GET", "/v1/customers/S1/surveys"));
  ASSERT_EQ(mine["responses"].size(), 1u);
  EXPECT_EQ(mine["responses"][0]["score"], 3);
  EXPECT_EQ(mine["responses"][0]["locale"], "da");
  EXPECT_EQ(mine["responses"][0]["follow_up_case"], cases[0]["id"]);
  EXPECT_EQ(mine["invitations"][0]["status"], "answered");

  auto report = Body(client_->Request("GET", "/v1/feedback/report?survey=pulse"));
  EXPECT_EQ(report["invited"], 2);
  EXPECT_EQ(report["answered"], 2);
  EXPECT_EQ(report["nps"]["promoters"], 1);
  EXPECT_EQ(report["nps"]["detractors"], 1);
  EXPECT_DOUBLE_EQ(report["nps"]["score"].get<double>(), 0);
  EXPECT_EQ(report["follow_ups"], 1);
  ASSERT_EQ(report["drivers"].size(), 1u);
  EXPECT_EQ(report["drivers"][0]["area"], "billing");
  EXPECT_DOUBLE_EQ(report["drivers"][0]["low_share_negative"].get<double>(), 1);

  // S4 does not answer: one reminder when its day comes (once), and after expiry the link is closed.
  auto s4 = Body(Post("/v1/surveys/pulse/invitations", {{"customers", {"S4"}}}));
  ASSERT_EQ(s4["invited"].size(), 1u);
  std::string t4 = s4["invited"][0]["token"];
  EXPECT_EQ(Body(Post("/v1/feedback/upkeep", json::object()))["reminders_sent"], 0);
  {
    auto db = storage::Connection::Open(db_->url());
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE((*db)->ExecuteScript("UPDATE survey_invitations SET created_at = created_at - 4 * 86400"));
  }
  EXPECT_EQ(Body(Post("/v1/feedback/upkeep", json::object()))["reminders_sent"], 1);
  EXPECT_EQ(Body(Post("/v1/feedback/upkeep", json::object()))["reminders_sent"], 0);
  {
    auto db = storage::Connection::Open(db_->url());
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->ExecuteScript("UPDATE survey_invitations SET expires_at = created_at + 86400"));
  }
  EXPECT_EQ(Body(anyone.Request("GET", "/v1/self-serve/surveys/" + t4))["status"], "expired");
  auto late = anyone.Request("POST", "/v1/self-serve/surveys/" + t4, json{{"answers", {{"recommend", 9}}}}.dump());
  EXPECT_EQ(late.status, 422) << late.body;
  auto waiting = Body(client_->Request("GET", "/v1/surveys/pulse/invitations?status=expired"))["data"];
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0]["customer"], "S4");
  EXPECT_EQ(waiting[0]["reminders"], 1);

  auto store = storage::OpenSqlStore(db_->url());
  ASSERT_TRUE(store) << store.error().message;
  auto events = (*store)->OutboxAfter(0, 10000);
  ASSERT_TRUE(events);
  std::map<std::string, int> types;
  for (const auto& e : *events) {
    ++types[e.type];
    auto data = json::parse(e.payload_json)["data"];
    if (e.type == "survey.invited" && data["customer"] == "S1") {
      EXPECT_EQ(data["locale"], "da");
      EXPECT_EQ(data["path"], "/s/" + token["S1"]);
      EXPECT_EQ(data["title"], "Hvordan klarer vi os?");
    }
  }
  EXPECT_EQ(types["survey.invited"], 3);
  EXPECT_EQ(types["survey.reminder"], 1);
  EXPECT_EQ(types["survey.answered"], 2);
  EXPECT_EQ(types["case.opened"], 1);
}

// Closing a complaint asks the complainant how it went and scores the agent who had the case; a
// conversation does the same through the trigger route, once within the throttle.
TEST_P(ServerTest, ClosedCasesAndConversationsScoreTheAgent) {
  json csat = {{"kind", "csat"}, {"trigger", "case_closed"}, {"title", {{"en", "How did we handle it?"}}},
               {"questions", {{{"id", "satisfied"}, {"type", "csat"}, {"area", "support"},
                               {"text", {{"en", "How satisfied are you with how we handled it?"}}}}}}};
  ASSERT_EQ(client_->Request("PUT", "/v1/surveys/after-case", csat.dump()).status, 200);
  csat["trigger"] = "conversation";
  ASSERT_EQ(client_->Request("PUT", "/v1/surveys/after-call", csat.dump()).status, 200);
  for (const char* id : {"T1", "T2"}) {
    ASSERT_EQ(Post("/v1/customers", {{"id", id}, {"name", "Ida"}, {"email", std::string(id) + "@example.com"},
                                     {"consent", {{"email", true}}}}).status, 201);
  }
  auto opened = Body(Post("/v1/cases", {{"customer", "T1"}, {"category", "delivery"}, {"text", "Late again"},
                                        {"assignee", "ana"}}));
  std::string path = fmt::format("/v1/cases/{}/", opened["id"].get<int64_t>());
  ASSERT_EQ(Post(path + "replies", {{"text", "Sorry, here is a new date."}}).status, 200);
  ASSERT_EQ(Post(path + "status", {{"status", "resolved"}}).status, 200);
  EXPECT_TRUE(Body(client_->Request("GET", "/v1/customers/T1/surveys"))["invitations"].empty())
      << "asked only once the case is closed";
  ASSERT_EQ(Post(path + "status", {{"status", "closed"}}).status, 200);
  auto invitations = Body(client_->Request("GET", "/v1/customers/T1/surveys"))["invitations"];
  ASSERT_EQ(invitations.size(), 1u);
  EXPECT_EQ(invitations[0]["survey"], "after-case");
  EXPECT_EQ(invitations[0]["source"], "case_closed");
  EXPECT_EQ(invitations[0]["agent"], "ana");
  EXPECT_EQ(invitations[0]["case"], opened["id"]);

  // The link is in the outbox for outreach to send.
  auto store = storage::OpenSqlStore(db_->url());
  ASSERT_TRUE(store);
  std::string link;
  auto outbox = (*store)->OutboxAfter(0, 10000);
  ASSERT_TRUE(outbox);
  for (const auto& e : *outbox) {
    if (e.type == "survey.invited") link = json::parse(e.payload_json)["data"]["path"];
  }
  ASSERT_EQ(link.substr(0, 3), "/s/");
  HttpClient anyone(server_->port());
  auto answered = anyone.Request("POST", "/v1/self-serve/surveys/" + link.substr(3), json{{"answers", {{"satisfied", 2}}}}.dump());
  ASSERT_EQ(answered.status, 201) << answered.body;
  EXPECT_EQ(Body(answered)["band"], "dissatisfied");
  auto follow_ups = Body(client_->Request("GET", "/v1/cases?customer=T1"))["data"];
  ASSERT_EQ(follow_ups.size(), 2u) << "a low CSAT opens a follow-up case";
  EXPECT_EQ(follow_ups[0]["channel"], "survey");
  EXPECT_EQ(follow_ups[0]["category"], "other");  // nothing but the headline was rated

  auto sent = Post("/v1/surveys/triggers", {{"trigger", "conversation"}, {"customer", "T2"}, {"agent", "bo"}});
  ASSERT_EQ(sent.status, 201) << sent.body;
  auto throttled = Post("/v1/surveys/triggers", {{"trigger", "conversation"}, {"customer", "T2"}, {"agent", "bo"}});
  ASSERT_EQ(throttled.status, 200);
  EXPECT_EQ(Body(throttled)["sent"], false);
  EXPECT_EQ(Body(Post("/v1/surveys/triggers", {{"customer", "NOPE"}}))["error"]["field"], "customer");
  std::string bo = Body(sent)["path"];
  ASSERT_EQ(anyone.Request("POST", "/v1/self-serve/surveys/" + bo.substr(3), json{{"answers", {{"satisfied", 5}}}}.dump()).status, 201);

  // A cancel call an agent handles on the retention desk is a conversation too.
  ASSERT_EQ(Post("/v1/plans", {{"id", "TV"}, {"name", "TV"}, {"kind", "plan"}, {"price", "30.00"}, {"currency", "EUR"},
                               {"billing", "monthly"}}).status, 201);
  ASSERT_EQ(Post("/v1/customers", {{"id", "T3"}, {"name", "Ole"}, {"email", "t3@example.com"}, {"consent", {{"email", true}}}}).status, 201);
  ASSERT_EQ(Post("/v1/subscriptions", {{"id", "ST3"}, {"customer", "T3"}, {"plan", "TV"}, {"started_at", "2025-01-01"}}).status, 201);
  ASSERT_EQ(Post("/v1/users", {{"username", "cleo"}, {"password", "password of cleo"}, {"role", "agent"}}).status, 201);
  auto cleo = SignIn(server_->port(), "cleo", "password of cleo");
  auto call = cleo.client->Request("POST", "/v1/cancel-requests",
                                   json{{"subscription", "ST3"}, {"reason", "moving"}, {"channel", "phone"}}.dump(),
                                   {{"X-CSRF-Token", cleo.csrf}});
  ASSERT_EQ(call.status, 201) << call.body;
  auto ended = cleo.client->Request("POST", fmt::format("/v1/cancel-requests/{}/outcome", Body(call)["id"].get<int64_t>()),
                                    json{{"outcome", "declined"}}.dump(), {{"X-CSRF-Token", cleo.csrf}});
  ASSERT_EQ(ended.status, 200) << ended.body;
  auto t3 = Body(client_->Request("GET", "/v1/customers/T3/surveys"))["invitations"];
  ASSERT_EQ(t3.size(), 1u);
  EXPECT_EQ(t3[0]["survey"], "after-call");
  EXPECT_EQ(t3[0]["source"], "conversation");
  EXPECT_EQ(t3[0]["agent"], "cleo");

  auto agents = Body(client_->Request("GET", "/v1/feedback/report"))["agents"];
  ASSERT_EQ(agents.size(), 2u);
  std::map<std::string, double> share;
  for (const auto& a : agents) share[a["agent"]] = a["csat"]["share"];
  EXPECT_DOUBLE_EQ(share["ana"], 0);
  EXPECT_DOUBLE_EQ(share["bo"], 1);
}

// Segments count customers from their facts as of now, on both databases; a mistake answers with
// its line and column.
TEST_P(ServerTest, SegmentsCountCustomersFromTheirFacts) {
  auto customer = [&](const std::string& id, const std::string& locale, bool consent) {
    ASSERT_EQ(Post("/v1/customers", {{"id", id}, {"name", "Eva " + id}, {"email", id + "@example.com"}, {"locale", locale},
                                     {"consent", {{"email", consent}}}}).status, 201);
  };
  customer("G1", "pt", true);
  customer("G2", "da", false);
  customer("G3", "en", true);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto bought = [&](const std::string& id, const std::string& who, int days_ago) {
    ASSERT_EQ(Post("/v1/purchases", {{"id", id}, {"customer", who}, {"currency", "EUR"},
                                     {"occurred_at", FormatTimestamp(now - std::chrono::days(days_ago) - std::chrono::hours(1))},
                                     {"total", "5.00"}}).status, 201);
  };
  bought("GP1", "G1", 40);
  bought("GP2", "G2", 10);
  bought("GP3", "G2", 100);
  ASSERT_EQ(Post("/v1/plans", {{"id", "TV"}, {"name", "TV"}, {"kind", "plan"}, {"price", "30.00"}, {"currency", "EUR"},
                               {"billing", "monthly"}}).status, 201);
  ASSERT_EQ(Post("/v1/subscriptions", {{"id", "GS2"}, {"customer", "G2"}, {"plan", "TV"}, {"started_at", "2025-01-01"}}).status, 201);
  ASSERT_EQ(Post("/v1/cases", {{"customer", "G3"}, {"category", "billing"}, {"text", "Wrong bill"}}).status, 201);

  auto count = [&](const std::string& segment) { return Body(Post("/v1/segments/count", {{"segment", segment}})); };
  struct Case {
    const char* segment;
    int count;
    std::vector<std::string> sample;
  };
  for (const auto& [segment, n, sample] : {
           Case{"locale in (\"pt\", \"da\") and email_consent = true", 1, {"G1"}},
           Case{"days_since_last_purchase between 30 and 60", 1, {"G1"}},
           Case{"days_since_last_purchase is null", 1, {"G3"}},
           Case{"purchases_90 >= 1", 2, {"G1", "G2"}},
           Case{"plan = \"TV\" and active_subscriber = true", 1, {"G2"}},
           Case{"complaints_365 > 0 or tier is not null", 1, {"G3"}},
           Case{"churn_risk > 0.5", 0, {}},
           Case{"not churn_risk > 0.5", 3, {"G1", "G2", "G3"}},
       }) {
    json r = count(segment);
    EXPECT_EQ(r["count"], n) << segment << ": " << r.dump();
    EXPECT_EQ(r["customers"], 3) << segment;
    EXPECT_EQ(r["sample"].get<std::vector<std::string>>(), sample) << segment;
  }
  // A write shows in the next count: the facts the server keeps follow the outbox.
  bought("GP4", "G3", 2);
  EXPECT_EQ(count("purchases_90 >= 1")["count"], 3);
  EXPECT_EQ(count("days_since_last_purchase is null")["count"], 0);
  auto wrong = Post("/v1/segments/count", {{"segment", "locale = \"pt\"\n  and teir = \"gold\""}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(Body(wrong)["error"]["field"], "line 2, column 7") << wrong.body;
  EXPECT_NE(Body(wrong)["error"]["message"].get<std::string>().find("did you mean 'tier'?"), std::string::npos);
  auto fields = Body(client_->Request("GET", "/v1/segments/fields"))["data"];
  EXPECT_EQ(fields.size(), outreach::kFields.size());
}

// What `command` prints for `data` written to a file (the {} in `command` is the file's path).
std::string OutputOn(const std::string& data, const std::string& command) {
  char path[] = "/tmp/retain-test-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fd);
  std::string out;
  FILE* p = popen(fmt::format(fmt::runtime(command), path).c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  unlink(path);
  return out;
}

// The text of a PDF as poppler's pdftotext reads it back.
std::string PdfText(const std::string& pdf) { return OutputOn(pdf, "pdftotext -layout {} - 2>&1"); }

// A MIME part's base64 body decoded (the messages Retain composes are base64 throughout).
std::string DecodePart(const std::string& raw, const std::string& type) {
  auto at = raw.find("Content-Type: " + type);
  if (at == std::string::npos) return "";
  auto start = raw.find("\r\n\r\n", at) + 4;
  auto end = raw.find("\r\n--", start);
  std::string b64;
  for (size_t i = start; i < std::min(end, raw.size()); ++i) {
    if (raw[i] != '\r' && raw[i] != '\n') b64 += raw[i];
  }
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0;
  unsigned value = 0;
  for (char c : b64) {
    auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) break;
    value = (value << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xFF);
    }
  }
  return out;
}

TEST_P(ServerTest, CampaignsSendEmailAndLettersAndMeasureAgainstHeldOut) {
  SmtpSink smtp;
  ASSERT_GT(smtp.port(), 0);
  server_->Stop();
  server_ = std::make_unique<ServerProcess>(
      db_->url(), std::vector<std::string>{"--smtp-url", fmt::format("smtp://127.0.0.1:{}", smtp.port()), "--outreach-poll-ms",
                                           "100", "--smtp-rate", "0"});
  ASSERT_GT(server_->port(), 0);
  client_ = std::make_unique<HttpClient>(server_->port(), kAllAccess);
  auto put = [&](const std::string& target, const json& body) { return client_->Request("PUT", target, body.dump()); };

  // Quiet hours off, so the test sends at any hour; the sender is a café in Lisbon.
  auto settings = put("/v1/outreach/settings",
                      {{"sender", {{"business_name", "Sandes & Café"}, {"from_email", "news@sandes.example"},
                                   {"postal_address", {"Rua Augusta 10", "1100-053 Lisboa"}}, {"country", "PT"},
                                   {"city", "Lisboa"}}},
                       {"policy", {{"quiet_start_hour", 0}, {"quiet_end_hour", 0}}}});
  ASSERT_EQ(settings.status, 200) << settings.body;
  EXPECT_EQ(put("/v1/outreach/settings", {{"sender", {{"from_email", "not an address"}}}}).status, 400);

  auto customer = [&](const std::string& id, const std::string& name, const std::string& email, const std::string& locale,
                      bool email_ok, bool post_ok, const std::string& city) {
    auto r = Post("/v1/customers", {{"id", id}, {"name", name}, {"email", email}, {"locale", locale},
                                    {"consent_email", email_ok ? "yes" : "no"}, {"consent_post", post_ok ? "yes" : "no"},
                                    {"address_line1", "Nørregade 7"}, {"postal_code", "1165"}, {"city", city},
                                    {"country", "DK"}});
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
  };
  customer("L1", "João Ærø", "joao@example.com", "pt", true, true, "København");
  customer("L2", "Bo Bounce", "bounce@example.com", "da", true, false, "København");
  customer("L3", "Nina Noconsent", "nina@example.com", "en", false, true, "København");
  const int kRegular = 40;
  for (int i = 0; i < kRegular; ++i) {
    customer(fmt::format("R{:02d}", i), fmt::format("Rita {}", i), fmt::format("rita{}@example.com", i), "en", true, false, "Aarhus");
  }

  // A template: a mistake is named with its text, line and column; the example is stored.
  json bad = {{"subject", {{"en", "Hi"}}}, {"text", {{"en", "ok"}, {"pt", "Olá\n{{#tier}}sem fim"}}}};
  auto refused = put("/v1/templates/points", bad);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(Body(refused)["error"]["field"], "text.pt");
  EXPECT_NE(refused.body.find("line 2, column 1"), std::string::npos) << refused.body;
  json templates = Body(client_->Request("GET", "/v1/templates"));
  ASSERT_EQ(put("/v1/templates/points", templates["example"]).status, 200);
  // Previewed for a real customer, in their language, with the business's name.
  auto preview = Body(Post("/v1/templates/points/preview", {{"customer", "L1"}}));
  EXPECT_EQ(preview["locale"], "pt");
  EXPECT_EQ(preview["subject"], "João, os seus pontos estão à espera") << preview.dump();
  EXPECT_NE(preview["text"].get<std::string>().find("Tem 0 pontos para gastar."), std::string::npos) << preview.dump();
  EXPECT_NE(preview["html"].get<std::string>().find("Sandes &amp; Café"), std::string::npos);
  auto in_danish = Body(Post("/v1/templates/points/preview", {{"customer", "L1"}, {"locale", "da"}}));
  EXPECT_EQ(in_danish["subject"], "João, dine point venter");
  EXPECT_EQ(Post("/v1/templates/points/preview", {{"customer", "nobody"}}).status, 404);

  // Campaign 1, nobody held out: the Copenhagen customers by e-mail.
  auto draft = put("/v1/campaigns/hello", {{"name", "Hello"}, {"segment", "city = \"København\""}, {"channel", "email"},
                                           {"variants", {{{"template", "points"}}}}, {"holdout_percent", 0}});
  ASSERT_EQ(draft.status, 201) << draft.body;
  EXPECT_EQ(put("/v1/campaigns/nope", {{"segment", "city = \"x\""}, {"variants", {{{"template", "missing"}}}}}).status, 400);
  auto wait_sent = [&](const std::string& key) {
    json c;
    for (int i = 0; i < 300; ++i) {
      c = Body(client_->Request("GET", "/v1/campaigns/" + key));
      if (c["status"] == "sent") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return c;
  };
  ASSERT_EQ(Post("/v1/campaigns/hello/schedule", json::object()).status, 200);
  EXPECT_EQ(put("/v1/campaigns/hello", {{"segment", "city = \"x\""}, {"variants", {{{"template", "points"}}}}}).status, 409)
      << "a scheduled campaign no longer changes";
  json hello = wait_sent("hello");
  ASSERT_EQ(hello["status"], "sent") << hello.dump();
  EXPECT_EQ(hello["audience"], 3);
  EXPECT_EQ(hello["deliveries"]["sent"], 1) << hello.dump();
  EXPECT_EQ(hello["deliveries"]["bounced"], 1);
  EXPECT_EQ(hello["deliveries"]["skipped"], 1);

  // What arrived: one message, to João, multipart, with one-click unsubscribe.
  auto mail = smtp.Messages();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_NE(mail[0].envelope.find("joao@example.com"), std::string::npos);
  EXPECT_NE(mail[0].envelope.find("news@sandes.example"), std::string::npos);
  const std::string& raw = mail[0].raw;
  EXPECT_NE(raw.find("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), std::string::npos) << raw;
  EXPECT_NE(raw.find("multipart/alternative"), std::string::npos);
  EXPECT_NE(DecodePart(raw, "text/plain").find("Caro(a) João,"), std::string::npos) << DecodePart(raw, "text/plain");
  auto deliveries = Body(client_->Request("GET", "/v1/customers/L2/deliveries"))["data"];
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0]["status"], "bounced");
  EXPECT_NE(deliveries[0]["reason"].get<std::string>().find("550"), std::string::npos) << deliveries.dump();
  EXPECT_EQ(Body(client_->Request("GET", "/v1/customers/L3/deliveries"))["data"][0]["reason"], "no consent for email");

  // The one-click unsubscribe: a mail client's POST, no sign-in; consent is gone at once.
  auto link_at = raw.find("List-Unsubscribe: <") + 19;
  std::string link = raw.substr(link_at, raw.find('>', link_at) - link_at);
  std::string path = link.substr(link.find("/v1/unsubscribe/"));
  HttpClient anonymous(server_->port());
  auto page = anonymous.Request("GET", path);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(Body(page)["subscribed"], true);
  EXPECT_EQ(Body(page)["locale"], "pt");
  auto gone = anonymous.Request("POST", path, "List-Unsubscribe=One-Click",
                                {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(gone.status, 200) << gone.body;
  EXPECT_EQ(Body(gone)["changed"], true);
  EXPECT_EQ(Body(client_->Request("GET", "/v1/customers/L1"))["consent"]["email"], false);
  EXPECT_EQ(Body(anonymous.Request("POST", path))["changed"], false) << "twice is harmless";
  EXPECT_EQ(anonymous.Request("GET", path.substr(0, path.size() - 1) + (path.back() == '0' ? "1" : "0")).status, 404)
      << "a forged link";

  // A bounce that comes back hours later as a delivery status notification quoting João's
  // message: the delivery becomes bounced and the address suppressed; the same report again
  // changes nothing; a normal reply is refused.
  auto id_at = raw.find("X-Retain-Delivery: ") + 19;
  std::string delivery_id = raw.substr(id_at, raw.find('\r', id_at) - id_at);
  std::string dsn = "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\n"
                    "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
                    "Final-Recipient: rfc822; JOAO@example.com\r\nAction: failed\r\nStatus: 5.2.1\r\n"
                    "Diagnostic-Code: smtp; 550 5.2.1 mailbox disabled\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
                    "X-Retain-Delivery: " + delivery_id + "\r\n\r\n--B--\r\n";
  auto bounced = client_->Request("POST", "/v1/bounces", dsn, {{"Content-Type", "text/plain"}});
  ASSERT_EQ(bounced.status, 200) << bounced.body;
  EXPECT_EQ(Body(bounced)["delivery"], std::stoll(delivery_id));
  EXPECT_EQ(Body(bounced)["changed"], true);
  auto joao = Body(client_->Request("GET", "/v1/customers/L1/deliveries"))["data"][0];
  EXPECT_EQ(joao["status"], "bounced");
  EXPECT_EQ(joao["reason"], "bounced after sending: 5.2.1 550 5.2.1 mailbox disabled");
  EXPECT_EQ(Body(client_->Request("POST", "/v1/bounces", dsn, {{"Content-Type", "text/plain"}}))["changed"], false);
  auto not_dsn = client_->Request("POST", "/v1/bounces", "Thanks, see you Tuesday!", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(not_dsn.status, 400);
  EXPECT_EQ(Body(not_dsn)["error"]["field"], "message");

  // Campaign 2: the regular customers, 30 % held out, two variants.
  ASSERT_EQ(put("/v1/campaigns/winter",
                {{"segment", "city = \"Aarhus\""}, {"channel", "email"},
                 {"variants", {{{"template", "points"}, {"share", 50}}, {{"template", "points"}, {"share", 50}}}},
                 {"holdout_percent", 30}})
                .status,
            201);
  ASSERT_EQ(Post("/v1/campaigns/winter/schedule", json::object()).status, 200);
  json winter = wait_sent("winter");
  ASSERT_EQ(winter["status"], "sent") << winter.dump();
  int held = winter["deliveries"].value("held_out", 0);
  int sent = winter["deliveries"].value("sent", 0);
  EXPECT_EQ(held + sent, kRegular) << winter.dump();
  EXPECT_GT(held, 0);
  EXPECT_GT(sent, held);
  mail = smtp.Messages();
  EXPECT_EQ(static_cast<int>(mail.size()), 1 + sent) << "one message per sent delivery, none to the held out";
  std::set<std::string> mailed;
  for (const auto& m : mail) {
    auto at = m.envelope.find("rita");
    if (at != std::string::npos) mailed.insert(m.envelope.substr(at, m.envelope.find('"', at) - at));
  }
  EXPECT_EQ(static_cast<int>(mailed.size()), sent);
  // A purchase by a held-out and a sent customer after the draw shows up in the results.
  json results = Body(client_->Request("GET", "/v1/campaigns/winter/results"));
  ASSERT_EQ(results["groups"].size(), 4u) << results.dump();  // A, B, sent, held_out
  EXPECT_EQ(results["groups"][3]["group"], "held_out");
  EXPECT_EQ(results["groups"][3]["customers"], held);
  EXPECT_EQ(results["groups"][2]["customers"], sent);
  EXPECT_EQ(results["lifts"].size(), 3u);
  EXPECT_EQ(results["complete"], false);

  // Campaign 3: letters to those who accept post, one PDF for the mailing house.
  ASSERT_EQ(put("/v1/campaigns/letters", {{"segment", "post_consent = true"}, {"channel", "print"},
                                          {"variants", {{{"template", "points"}}}}, {"holdout_percent", 0}})
                .status,
            201);
  EXPECT_EQ(client_->Request("GET", "/v1/campaigns/letters/letters.pdf").status, 422) << "nothing written yet";
  ASSERT_EQ(Post("/v1/campaigns/letters/schedule", json::object()).status, 200);
  json letters = wait_sent("letters");
  EXPECT_EQ(letters["deliveries"]["sent"], 2) << letters.dump();  // L1 and L3 accept post
  auto pdf = client_->Request("GET", "/v1/campaigns/letters/letters.pdf");
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(pdf.headers["content-type"], "application/pdf");
  std::string text = PdfText(pdf.body);
  for (const char* part : {"João Ærø", "Nørregade 7", "1165 København", "DENMARK", "Nina Noconsent", "Sandes & Café",
                           "Lisboa,", "os seus pontos estão à espera"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " not in:\n" << text;
  }
}

TEST_P(ServerTest, EmailGoesOverStartTlsAndWebhooksCarryTextMessages) {
  SmtpSink smtp(/*starttls=*/true);
  ASSERT_GT(smtp.port(), 0);
  Receiver receiver({200});
  auto start = [&](std::vector<std::string> extra) {
    server_->Stop();
    std::vector<std::string> args = {"--smtp-url", fmt::format("smtp://127.0.0.1:{}", smtp.port()), "--smtp-require-tls",
                                     "--outreach-poll-ms", "100"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(db_->url(), args);
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(server_->port(), kAllAccess);
  };
  auto put = [&](const std::string& target, const json& body) { return client_->Request("PUT", target, body.dump()); };
  auto wait_for = [&](const std::string& customer, const std::string& status) {
    json d;
    for (int i = 0; i < 200; ++i) {
      d = Body(client_->Request("GET", "/v1/customers/" + customer + "/deliveries"))["data"];
      if (!d.empty() && d[0]["status"] == status && !d[0]["reason"].get<std::string>().empty() == (status != "sent")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return d.empty() ? json() : d[0];
  };
  // The relay's certificate is not trusted: with TLS required nothing goes out in the clear; the
  // delivery waits to retry and says why.
  start({});
  ASSERT_EQ(put("/v1/outreach/settings", {{"policy", {{"quiet_start_hour", 0}, {"quiet_end_hour", 0}}}}).status, 200);
  ASSERT_EQ(Post("/v1/customers", {{"id", "T1"}, {"name", "Tove"}, {"email", "tove@example.com"}, {"consent_email", "yes"},
                                   {"phone", "+4512345678"}, {"consent_sms", "yes"}}).status, 201);
  json doc = {{"purpose", "transactional"}, {"subject", {{"en", "Receipt"}}}, {"text", {{"en", "Thanks, {{first_name}}."}}}};
  ASSERT_EQ(put("/v1/templates/receipt", doc).status, 200);
  auto campaign = [&](const std::string& key, const std::string& channel) {
    ASSERT_EQ(put("/v1/campaigns/" + key, {{"segment", "id = \"T1\""}, {"channel", channel}, {"variants", {{{"template", "receipt"}}}},
                                           {"holdout_percent", 0}}).status, 201);
    ASSERT_EQ(Post("/v1/campaigns/" + key + "/schedule", json::object()).status, 200);
  };
  campaign("untrusted", "email");
  json waiting = wait_for("T1", "queued");
  EXPECT_NE(waiting["reason"].get<std::string>().find("will retry"), std::string::npos) << waiting.dump();
  EXPECT_TRUE(smtp.Messages().empty());

  // Trusting the relay's certificate, the message goes, and the relay saw it over TLS.
  start({"--smtp-ca-file", smtp.cert_file()});
  campaign("trusted", "email");
  std::vector<SmtpSink::Message> mail;
  for (int i = 0; i < 100 && mail.empty(); ++i) {
    mail = smtp.Messages();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_TRUE(json::parse(mail[0].envelope)["tls"].get<bool>()) << mail[0].envelope;

  // The webhook channel: the message goes into the outbox, signed to a subscriber (an SMS gateway).
  auto hook = Post("/v1/webhooks", {{"url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/sms"},
                                    {"events", {"outreach.message"}}});
  ASSERT_EQ(hook.status, 201) << hook.body;
  campaign("sms", "webhook");
  for (int i = 0; i < 100 && receiver.received().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event, "outreach.message");
  EXPECT_FALSE(got[0].signature.empty());
  auto payload = json::parse(got[0].body)["data"];
  EXPECT_EQ(payload["phone"], "+4512345678");
  EXPECT_EQ(payload["text"], "Thanks, Tove.");
}

TEST_P(ServerTest, JourneysStartFromEventsOnceAndWaitBetweenSteps) {
  SmtpSink smtp;
  ASSERT_GT(smtp.port(), 0);
  SeedCustomer("OLD");  // before the journey: not welcomed
  server_->Stop();
  server_ = std::make_unique<ServerProcess>(
      db_->url(), std::vector<std::string>{"--smtp-url", fmt::format("smtp://127.0.0.1:{}", smtp.port()), "--outreach-poll-ms", "100"});
  ASSERT_GT(server_->port(), 0);
  client_ = std::make_unique<HttpClient>(server_->port(), kAllAccess);
  auto put = [&](const std::string& target, const json& body) { return client_->Request("PUT", target, body.dump()); };
  ASSERT_EQ(put("/v1/outreach/settings", {{"policy", {{"quiet_start_hour", 0}, {"quiet_end_hour", 0}}}}).status, 200);
  ASSERT_EQ(put("/v1/templates/welcome", {{"subject", {{"en", "Welcome"}, {"pt", "Bem-vindo, {{first_name}}"}}},
                                          {"text", {{"en", "Hello"}, {"pt", "Olá {{first_name}}"}}}}).status, 200);
  ASSERT_EQ(put("/v1/templates/failed", {{"purpose", "transactional"}, {"subject", {{"en", "Your payment of {{amount}} failed"}}},
                                         {"text", {{"en", "Please update your card."}}}}).status, 200);
  auto bad = put("/v1/journeys/welcome", {{"trigger", "customer.born"}, {"steps", {{{"template", "welcome"}}}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["error"]["field"], "trigger");
  EXPECT_EQ(put("/v1/journeys/welcome", {{"trigger", "customer.created"}, {"steps", {{{"template", "nope"}}}}}).status, 400);
  // Welcome Portuguese customers at once and again three days later.
  auto welcome = put("/v1/journeys/welcome", {{"trigger", "customer.created"}, {"condition", "locale = \"pt\""}, {"holdout_percent", 0},
                                              {"steps", {{{"wait_days", 0}, {"template", "welcome"}}, {{"wait_days", 3}, {"template", "welcome"}}}}});
  ASSERT_EQ(welcome.status, 201) << welcome.body;
  ASSERT_EQ(put("/v1/journeys/dunning", {{"trigger", "payment.failed"}, {"holdout_percent", 0},
                                         {"steps", {{{"template", "failed"}}}}}).status, 201);
  auto customer = [&](const std::string& id, const std::string& locale) {
    auto r = Post("/v1/customers", {{"id", id}, {"name", "Inês " + id}, {"email", id + "@example.com"}, {"locale", locale},
                                    {"consent_email", "yes"}});
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
  };
  customer("J1", "pt");
  customer("J2", "da");
  std::vector<SmtpSink::Message> mail;
  for (int i = 0; i < 100 && mail.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    mail = smtp.Messages();
  }
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_NE(mail[0].envelope.find("J1@example.com"), std::string::npos);
  // The sender marks the delivery sent once the SMTP server has answered, a moment after the
  // message arrives there.
  json deliveries;
  for (int i = 0; i < 100; ++i) {
    deliveries = Body(client_->Request("GET", "/v1/customers/J1/deliveries"))["data"];
    if (deliveries.size() == 2 && deliveries[1]["status"] != "sending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(deliveries.size(), 2u) << deliveries.dump();
  // Newest due first: the second step waits three days after the first.
  EXPECT_EQ(deliveries[0]["status"], "queued");
  EXPECT_EQ(deliveries[1]["status"], "sent");
  EXPECT_EQ(deliveries[1]["subject"], "Bem-vindo, Inês");
  auto due = [](const json& d) { return *ParseTimestamp(d["due_at"].get<std::string>(), BusinessZone()); };
  EXPECT_EQ(due(deliveries[0]) - due(deliveries[1]), std::chrono::hours(72));
  EXPECT_TRUE(Body(client_->Request("GET", "/v1/customers/J2/deliveries"))["data"].empty()) << "the condition leaves J2 out";
  EXPECT_TRUE(Body(client_->Request("GET", "/v1/customers/OLD/deliveries"))["data"].empty()) << "history does not start a journey";

  // A failed payment starts the dunning journey; a transactional message says the amount.
  auto pay = Post("/v1/payments", {{"id", "PF1"}, {"customer", "J2"}, {"amount", "12.50"}, {"currency", "EUR"},
                                   {"status", "failed"}, {"occurred_at", "2026-05-01T10:00:00Z"}});
  ASSERT_EQ(pay.status, 201) << pay.body;
  // Recording J1 again changes it but creates nothing: no second welcome.
  customer("J1", "pt");
  for (int i = 0; i < 100 && mail.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    mail = smtp.Messages();
  }
  ASSERT_EQ(mail.size(), 2u);
  EXPECT_NE(mail[1].envelope.find("J2@example.com"), std::string::npos);
  auto dunning = Body(client_->Request("GET", "/v1/customers/J2/deliveries"))["data"];
  ASSERT_EQ(dunning.size(), 1u);
  // The template has only English; the Danish reader still sees the amount written the Danish way.
  EXPECT_EQ(dunning[0]["subject"], "Your payment of 12,50\u00a0€ failed") << dunning.dump();
  EXPECT_EQ(Body(client_->Request("GET", "/v1/customers/J1/deliveries"))["data"].size(), 2u);

  auto results = Body(client_->Request("GET", "/v1/journeys/welcome/results"));
  ASSERT_EQ(results["groups"].size(), 2u) << results.dump();
  EXPECT_EQ(results["groups"][0]["customers"], 1) << "one welcome, counted once for its two steps";
  // A loyalty program that changes tells every member: J1 joined by buying, J2 never did.
  json points = {{"id", "pts"}, {"kind", "points"}, {"currency", "EUR"}, {"earn", {{"per_unit", 1}}}};
  ASSERT_EQ(client_->Request("POST", "/v1/loyalty/programs?effective_at=2020-01-01", points.dump()).status, 201);
  ASSERT_EQ(Post("/v1/purchases", {{"id", "JP1"}, {"customer", "J1"}, {"currency", "EUR"},
                                   {"occurred_at", "2026-05-01T10:00:00Z"}, {"total", "10.00"}}).status, 201);
  ASSERT_EQ(put("/v1/templates/news", {{"subject", {{"en", "Our points program changes"}}},
                                       {"text", {{"en", "From {{effective_at}}, version {{version}}."}}}}).status, 200);
  ASSERT_EQ(put("/v1/journeys/news", {{"trigger", "program.changed"}, {"holdout_percent", 0},
                                      {"steps", {{{"template", "news"}}}}}).status, 201);
  points["earn"]["per_unit"] = 2;
  auto changed = client_->Request("POST", "/v1/loyalty/programs?effective_at=2026-06-01", points.dump());
  ASSERT_LT(changed.status, 300) << changed.body;
  json news;
  for (int i = 0; i < 100; ++i) {
    news = json::array();
    json j1 = Body(client_->Request("GET", "/v1/customers/J1/deliveries"));
    for (const auto& d : j1["data"]) {
      if (d["source"] == "journey:news") news.push_back(d);
    }
    if (!news.empty() && news[0]["status"] == "sent") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(news.size(), 1u) << news.dump();
  EXPECT_EQ(news[0]["status"], "sent") << news.dump();
  EXPECT_EQ(news[0]["subject"], "Our points program changes");
  json j2 = Body(client_->Request("GET", "/v1/customers/J2/deliveries"));
  for (const auto& d : j2["data"]) EXPECT_NE(d["source"], "journey:news") << "J2 is not a member";

  auto journeys = Body(client_->Request("GET", "/v1/journeys"));
  EXPECT_EQ(journeys["data"].size(), 3u);
  EXPECT_EQ(journeys["triggers"].size(), outreach::kJourneyTriggers.size());
}

// A saved segment follows events: a customer who comes into it (here, a second purchase in 90
// days) starts the journey that follows it; one who leaves it (consent withdrawn) is no longer a
// member. Members when the segment is first counted start nothing.
TEST_P(ServerTest, SavedSegmentsFollowEventsAndStartJourneys) {
  SmtpSink smtp;
  ASSERT_GT(smtp.port(), 0);
  server_->Stop();
  server_ = std::make_unique<ServerProcess>(
      db_->url(), std::vector<std::string>{"--smtp-url", fmt::format("smtp://127.0.0.1:{}", smtp.port()), "--outreach-poll-ms", "100"});
  ASSERT_GT(server_->port(), 0);
  client_ = std::make_unique<HttpClient>(server_->port(), kAllAccess);
  auto put = [&](const std::string& target, const json& body) { return client_->Request("PUT", target, body.dump()); };
  ASSERT_EQ(put("/v1/outreach/settings", {{"policy", {{"quiet_start_hour", 0}, {"quiet_end_hour", 0}}}}).status, 200);
  ASSERT_EQ(put("/v1/templates/regular", {{"subject", {{"en", "You are a regular, {{first_name}}"}}},
                                          {"text", {{"en", "Thank you."}}}}).status, 200);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  int n = 0;
  auto bought = [&](const std::string& who) {
    auto r = Post("/v1/purchases", {{"id", fmt::format("SP{}", ++n)}, {"customer", who}, {"currency", "EUR"},
                                    {"occurred_at", FormatTimestamp(now - std::chrono::hours(n))}, {"total", "9.50"}});
    ASSERT_EQ(r.status, 201) << r.body;
  };
  for (const char* id : {"S1", "S2", "S3"}) {
    ASSERT_EQ(Post("/v1/customers", {{"id", id}, {"name", std::string("Sam ") + id}, {"email", std::string(id) + "@example.com"},
                                     {"consent_email", "yes"}}).status, 201);
  }
  bought("S2");
  bought("S2");
  bought("S1");

  auto refused = put("/v1/saved-segments/regulars", {{"segment", "purchases_90 >= 2 and\nemial_consent = true"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(Body(refused)["error"]["field"], "line 2, column 1") << refused.body;
  auto saved = put("/v1/saved-segments/regulars", {{"name", "Regulars"}, {"segment", "purchases_90 >= 2 and email_consent = true"}});
  ASSERT_EQ(saved.status, 201) << saved.body;
  auto segment = [&] { return Body(client_->Request("GET", "/v1/saved-segments/regulars")); };
  json g;
  for (int i = 0; i < 100; ++i) {
    g = segment();
    if (!g["refreshed_at"].is_null()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(g["refreshed_at"].is_null()) << g.dump();
  EXPECT_EQ(g["members"], 1);
  EXPECT_EQ(g["sample"], json({"S2"}));

  auto missing = put("/v1/journeys/regular", {{"trigger", "segment.entered"}, {"steps", {{{"template", "regular"}}}}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(Body(missing)["error"]["field"], "segment");
  EXPECT_EQ(put("/v1/journeys/regular", {{"trigger", "segment.entered"}, {"segment", "nope"},
                                         {"steps", {{{"template", "regular"}}}}}).status, 400);
  ASSERT_EQ(put("/v1/journeys/regular", {{"trigger", "segment.entered"}, {"segment", "regulars"}, {"holdout_percent", 0},
                                         {"steps", {{{"template", "regular"}}}}}).status, 201);
  EXPECT_EQ(client_->Request("DELETE", "/v1/saved-segments/regulars").status, 409) << "a journey follows it";

  // S1's second purchase brings them in: the journey welcomes them as a regular.
  bought("S1");
  std::vector<SmtpSink::Message> mail;
  for (int i = 0; i < 100 && mail.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    mail = smtp.Messages();
  }
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_NE(mail[0].envelope.find("S1@example.com"), std::string::npos);
  g = segment();
  EXPECT_EQ(g["members"], 2);
  EXPECT_EQ(g["sample"], json({"S1", "S2"}));
  EXPECT_TRUE(Body(client_->Request("GET", "/v1/customers/S2/deliveries"))["data"].empty())
      << "being a member when the segment was first counted starts nothing";

  // S2 withdraws consent: out of the segment at once.
  ASSERT_EQ(Post("/v1/customers", {{"id", "S2"}, {"name", "Sam S2"}, {"email", "S2@example.com"}, {"consent_email", "no"}}).status, 200);
  for (int i = 0; i < 100 && g["members"] != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    g = segment();
  }
  EXPECT_EQ(g["sample"], json({"S1"}));
  EXPECT_EQ(Body(client_->Request("GET", "/v1/saved-segments"))["data"].size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(smtp.Messages().size(), 1u) << "nothing more was sent";
}

// SHA-256 as sha256sum writes it: an independent check of the contest's published recipe.
std::string Sha256sum(const std::string& text) { return OutputOn(text, "sha256sum {}").substr(0, 64); }

TEST_P(ServerTest, ContestsTakeOneEntryEachAndDrawWinnersAnyoneCanCheck) {
  SmtpSink smtp;
  ASSERT_GT(smtp.port(), 0);
  server_->Stop();
  server_ = std::make_unique<ServerProcess>(
      db_->url(), std::vector<std::string>{"--smtp-url", fmt::format("smtp://127.0.0.1:{}", smtp.port()), "--outreach-poll-ms", "100"});
  ASSERT_GT(server_->port(), 0);
  client_ = std::make_unique<HttpClient>(server_->port(), kAllAccess);
  auto put = [&](const std::string& target, const json& body) { return client_->Request("PUT", target, body.dump()); };
  ASSERT_EQ(put("/v1/outreach/settings", {{"policy", {{"quiet_start_hour", 0}, {"quiet_end_hour", 0}}}}).status, 200);
  ASSERT_EQ(put("/v1/templates/won", {{"purpose", "transactional"}, {"subject", {{"en", "You won, {{first_name}}!"}}},
                                      {"text", {{"en", "Congratulations."}}}}).status, 200);
  for (int i = 0; i < 12; ++i) {
    auto r = Post("/v1/customers", {{"id", fmt::format("K{:02d}", i)}, {"name", fmt::format("Kim {}", i)},
                                    {"email", fmt::format("k{}@example.com", i)}, {"locale", i < 10 ? "da" : "en"},
                                    {"consent_email", "no"}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  json doc = {{"name", "Sommerlotteri"}, {"prize", "A year of coffee"}, {"rules", "One entry per person."}, {"winners", 3},
              {"eligibility", "locale = \"da\""}, {"opens_at", FormatTimestamp(now - std::chrono::hours(1))},
              {"closes_at", FormatTimestamp(now + std::chrono::seconds(6))}, {"template", "won"}};
  auto with = [&](const json& patch) {
    json out = doc;
    out.merge_patch(patch);
    return out;
  };
  auto bad = put("/v1/contests/summer", with({{"template", "nope"}}));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["error"]["field"], "template");
  auto created = put("/v1/contests/summer", doc);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string commitment = Body(created)["commitment"];
  EXPECT_EQ(commitment.size(), 64u);
  EXPECT_TRUE(Body(created)["seed"].is_null()) << "the seed stays secret until the draw";

  // Entries: one each, eligible customers only.
  std::map<std::string, std::string> code_of;
  for (int i = 0; i < 10; ++i) {
    std::string id = fmt::format("K{:02d}", i);
    auto e = Post("/v1/contests/summer/entries", {{"customer", id}});
    ASSERT_EQ(e.status, 201) << e.body;
    code_of[Body(e)["entry_code"]] = id;
  }
  auto again = Post("/v1/contests/summer/entries", {{"customer", "K03"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(Body(again)["already_entered"].get<bool>());
  EXPECT_EQ(code_of[Body(again)["entry_code"]], "K03") << "the same entry comes back";
  auto ineligible = Post("/v1/contests/summer/entries", {{"customer", "K10"}});
  EXPECT_EQ(ineligible.status, 422) << ineligible.body;
  EXPECT_EQ(Post("/v1/contests/summer/entries", {{"customer", "nobody"}}).status, 404);
  auto number = Post("/v1/contests/summer/entries", {{"customer", 5}});
  EXPECT_EQ(number.status, 400);
  EXPECT_EQ(Body(number)["error"]["field"], "customer");
  // A handler that reads a value of the wrong type answers 400 for that request; the server goes on.
  EXPECT_EQ(Post("/v1/templates/won/preview", {{"customer", 5}}).status, 400);
  EXPECT_EQ(client_->Request("GET", "/healthz").status, 200);
  EXPECT_EQ(Post("/v1/contests/summer/draw", json::object()).status, 422) << "no draw before the close";
  EXPECT_EQ(put("/v1/contests/summer", with({{"winners", 5}})).status, 409)
      << "the rules are fixed once someone entered";
  auto renamed = put("/v1/contests/summer", with({{"name", "Sommerlotteri 2026"}}));
  EXPECT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(Body(renamed)["commitment"], commitment) << "the commitment never changes";

  // Anyone can see the commitment, but nothing of the draw before it happens.
  HttpClient anyone(server_->port());
  auto before = Body(anyone.Request("GET", "/v1/contests/summer/audit"));
  EXPECT_EQ(before["commitment"], commitment);
  EXPECT_EQ(before["entries"], 10);
  EXPECT_TRUE(before["seed"].is_null());
  EXPECT_TRUE(before["entry_codes"].is_null());

  // The server draws by itself after the close, and tells the winners (consent is not needed
  // for a transactional message).
  json drawn;
  for (int i = 0; i < 200; ++i) {
    drawn = Body(client_->Request("GET", "/v1/contests/summer"));
    if (drawn["status"] == "drawn" && drawn["deliveries"].value("sent", 0) == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(drawn["status"], "drawn") << drawn.dump();
  ASSERT_EQ(drawn["winners_drawn"].size(), 3u);
  EXPECT_EQ(drawn["deliveries"]["sent"], 3) << drawn.dump();
  auto mail = smtp.Messages();
  ASSERT_EQ(mail.size(), 3u);
  std::set<std::string> told;
  for (const auto& m : mail) told.insert(m.envelope);
  for (const auto& w : drawn["winners_drawn"]) {
    std::string id = w["customer"];
    bool found = false;
    for (const auto& envelope : told) found = found || envelope.find(fmt::format("k{}@", std::stoi(id.substr(1)))) != std::string::npos;
    EXPECT_TRUE(found) << id << " was told";
  }
  EXPECT_EQ(Post("/v1/contests/summer/entries", {{"customer", "K04"}}).status, 422) << "entries end with the close";
  EXPECT_EQ(Post("/v1/contests/summer/draw", json::object()).status, 409) << "a contest is drawn once";

  // The audit, checked with sha256sum alone: the seed matches the commitment published at the
  // start, and the three lowest tickets among all entry codes are the winners, in order.
  auto audit = Body(anyone.Request("GET", "/v1/contests/summer/audit"));
  ASSERT_TRUE(audit["seed"].is_string()) << audit.dump();
  std::string seed = audit["seed"];
  EXPECT_EQ(Sha256sum(seed), commitment);
  ASSERT_EQ(audit["entry_codes"].size(), 10u);
  std::vector<std::pair<std::string, std::string>> tickets;
  for (const auto& code : audit["entry_codes"]) tickets.push_back({Sha256sum(seed + ":" + code.get<std::string>()), code});
  std::sort(tickets.begin(), tickets.end());
  ASSERT_EQ(audit["drawn"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(audit["drawn"][i]["entry_code"], tickets[i].second);
    EXPECT_EQ(audit["drawn"][i]["ticket"], tickets[i].first);
    EXPECT_EQ(drawn["winners_drawn"][i]["customer"], code_of[tickets[i].second]);
  }
  EXPECT_EQ(audit.dump().find("K0"), std::string::npos) << "the public audit names entry codes, not customers";

  // A contest called off publishes its seed too.
  json later = doc;
  later["closes_at"] = FormatTimestamp(now + std::chrono::hours(24));
  ASSERT_EQ(put("/v1/contests/autumn", later).status, 201);
  auto off = Post("/v1/contests/autumn/cancel", json::object());
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(Sha256sum(Body(off)["seed"].get<std::string>()), Body(off)["commitment"]);
  EXPECT_EQ(Body(client_->Request("GET", "/v1/contests"))["data"].size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(BothDatabases, ServerTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace retain::testing
