// What a customer, an attacker and an auditor can check from outside `retain serve`, on SQLite and
// PostgreSQL: a customer's data exported and erased on request (the ledger's sums unchanged and
// the data gone from every table), SQL injection attempts in every filter and search parameter the
// API declares, and secrets (passwords, keys, webhook secrets, the database password) never
// written to the server's output or the audit trail.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_FALSE(db_->url().empty());
    auto store = storage::OpenSqlStore(db_->url());
    ASSERT_TRUE(store) << store.error().message;
    for (auto [prefix, scopes] : {std::pair<const char*, std::vector<std::string>>{
                                      "dpo", {"records:read", "records:write", "loyalty:manage", "audit:read", "privacy:manage"}},
                                  {"clerk", {"records:read", "records:write"}}}) {
      staff::ApiKey key;
      key.prefix = prefix;
      key.secret_hash = Sha256Hex("s3cret");
      key.name = prefix;
      key.scopes = scopes;
      key.created_by = "tests";
      key.created_at = FromUnixSeconds(1700000000);
      ASSERT_TRUE((*store)->CreateApiKey(key));
    }
  }

  const std::map<std::string, std::string> kDpo = {{"Authorization", "Bearer rk_dpo_s3cret"}};
  const std::map<std::string, std::string> kClerk = {{"Authorization", "Bearer rk_clerk_s3cret"}};

  // Every text stored in every table of the database, one cell per line.
  std::string EveryStoredText() {
    auto db = storage::Connection::Open(db_->url());
    EXPECT_TRUE(db) << db.error().message;
    if (!db) return "";
    std::string list = (*db)->dialect() == storage::Dialect::kSqlite
        ? "SELECT name FROM sqlite_master WHERE type = 'table'"
        : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()";
    auto tables = storage::Rows<std::string>(**db, list, [](storage::Statement* s) { return std::string(s->Text(0)); });
    EXPECT_TRUE(tables) << tables.error().message;
    std::string out;
    for (const auto& t : tables ? *tables : std::vector<std::string>{}) {
      auto s = (*db)->Prepare("SELECT * FROM " + t);
      EXPECT_TRUE(s) << s.error().message;
      if (!s) continue;
      while (true) {
        auto row = (*s)->Step();
        EXPECT_TRUE(row) << row.error().message;
        if (!row || !*row) break;
        for (int c = 0; c < (*s)->ColumnCount(); ++c) {
          if (!(*s)->IsNull(c)) out += t + ": " + std::string((*s)->Text(c)) + "\n";
        }
      }
      (*s)->Reset();
    }
    return out;
  }

  void ExpectEveryRuleHolds() {
    auto db = storage::Connection::Open(db_->url());
    ASSERT_TRUE(db) << db.error().message;
    auto checks = storage::CheckIntegrity(**db);
    ASSERT_TRUE(checks) << checks.error().message;
    for (const auto& c : *checks) EXPECT_EQ(c.violations, 0) << c.name;
  }

  std::unique_ptr<TestDatabase> db_;
};

// What only the erased customer's data holds; none may survive anywhere.
const std::vector<std::string> kPersonal = {"Maria Apagada", "maria.apagada@example.pt", "+351 912 345 678",
                                            "Rua das Flores 12", "4050-262", "my neighbour Joana saw my bill",
                                            "called about the router XR-77", "she asked for a refund by post"};

using PrivacyTest = ApiTest;

TEST_P(PrivacyTest, ACustomerIsExportedAndErasedOnRequestWithTheLedgerWhole) {
  auto server = std::make_unique<ServerProcess>(db_->url());
  ASSERT_GT(server->port(), 0);
  HttpClient client(server->port(), kDpo);
  json program = {{"id", "pts"}, {"kind", "points"}, {"currency", "EUR"}, {"earn", {{"per_unit", 10}}},
                  {"rewards", {{{"id", "coffee"}, {"kind", "free_item"}, {"product", "COFFEE"}, {"points", 50}}}}};
  ASSERT_EQ(client.Request("POST", "/v1/loyalty/programs?effective_at=2026-01-01T00:00:00Z", program.dump()).status, 201);
  json maria = {{"id", "C1"}, {"name", "Maria Apagada"}, {"email", "maria.apagada@example.pt"},
                {"phone", "+351 912 345 678"}, {"locale", "pt"},
                {"address", {{"line1", "Rua das Flores 12"}, {"postal_code", "4050-262"}, {"city", "Porto"},
                             {"country", "PT"}}},
                {"consent", {{"email", true}, {"post", true}}}, {"attributes", {{"nickname", "Maria Apagada"}}}};
  auto made = client.Request("POST", "/v1/customers", maria.dump(), {{"Idempotency-Key", "maria-1"}});
  ASSERT_EQ(made.status, 201) << made.body;
  ASSERT_EQ(client.Request("POST", "/v1/customers", json{{"id", "C2"}, {"name", "Keep Me"}, {"email", "keep@example.dk"}}.dump()).status, 201);
  for (int i = 1; i <= 2; ++i) {
    auto p = client.Request("POST", "/v1/purchases", json{{"id", fmt::format("P{}", i)}, {"customer", "C1"}, {"currency", "EUR"},
                                                          {"occurred_at", "2026-02-01T12:00:00Z"}, {"total", "100.00"}}.dump());
    ASSERT_EQ(p.status, 201) << p.body;
  }
  auto redeemed = client.Request("POST", "/v1/loyalty/redemptions",
                                 json{{"program", "pts"}, {"customer", "C1"}, {"reward", "coffee"}}.dump(),
                                 {{"Idempotency-Key", "r1"}});
  ASSERT_EQ(redeemed.status, 201) << redeemed.body;
  auto ev = client.Request("POST", "/v1/events", json{{"id", "E1"}, {"customer", "C1"}, {"type", "support.call"},
                                                      {"occurred_at", "2026-02-02T10:00:00Z"},
                                                      {"payload", {{"summary", "called about the router XR-77"}}}}.dump());
  ASSERT_EQ(ev.status, 201) << ev.body;
  auto opened = client.Request("POST", "/v1/cases", json{{"customer", "C1"}, {"category", "billing"},
                                                         {"text", "my neighbour Joana saw my bill"}}.dump());
  ASSERT_EQ(opened.status, 201) << opened.body;
  int64_t case_id = json::parse(opened.body)["id"].get<int64_t>();
  auto replied = client.Request("POST", fmt::format("/v1/cases/{}/replies", case_id),
                                json{{"text", "she asked for a refund by post"}}.dump());
  ASSERT_EQ(replied.status, 200) << replied.body;

  auto loyalty_before = client.Request("GET", "/v1/customers/C1/loyalty");
  ASSERT_EQ(loyalty_before.status, 200);
  auto purchases_before = client.Request("GET", "/v1/purchases?customer=C1");
  ASSERT_EQ(purchases_before.status, 200);

  // Only a holder of privacy:manage may read or erase it.
  HttpClient clerk(server->port(), kClerk);
  EXPECT_EQ(clerk.Request("GET", "/v1/customers/C1/export").status, 403);
  EXPECT_EQ(clerk.Request("POST", "/v1/customers/C1/erase").status, 403);
  EXPECT_EQ(client.Request("GET", "/v1/customers/NOPE/export").status, 404);

  auto exported = client.Request("GET", "/v1/customers/C1/export");
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.headers["content-disposition"], "attachment; filename=\"retain-customer-C1.json\"");
  for (const auto& s : kPersonal) EXPECT_NE(exported.body.find(s), std::string::npos) << s << " is missing from the export";
  json doc = json::parse(exported.body);
  std::map<std::string, size_t> rows;
  for (const auto& t : doc["tables"]) rows[t["table"].get<std::string>()] = t["rows"].size();
  EXPECT_EQ(rows["customers"], 1u);
  EXPECT_EQ(rows["purchases"], 2u);
  EXPECT_EQ(rows["coupons"], 1u);
  EXPECT_EQ(rows["care_cases"], 1u);
  EXPECT_GE(rows["loyalty_ledger"], 3u);  // two earns and a spend
  EXPECT_EQ(rows["customers"], 1u);
  for (const auto& t : doc["tables"]) {
    if (t["table"] == "customers") {
      EXPECT_EQ(t["rows"][0]["created_at"].get<std::string>().size(), 20u) << "instants in ISO 8601";
    }
  }

  auto erased = client.Request("POST", "/v1/customers/C1/erase", json{{"reason", "request of 2026-12-01 by e-mail"}}.dump());
  ASSERT_EQ(erased.status, 200) << erased.body;
  json e = json::parse(erased.body);
  EXPECT_EQ(e["result"], "erased");
  EXPECT_EQ(e["cleared"]["customers"], 1);
  EXPECT_EQ(e["cleared"]["care_cases"], 1);
  EXPECT_EQ(e["cleared"]["events"], 1);
  EXPECT_GE(e["cleared"]["outbox"].get<int>(), 1);  // the customer.created payload for webhooks
  auto again = client.Request("POST", "/v1/customers/C1/erase");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body)["result"], "already_erased");

  // The customer is a bare id; what the business recorded of them still adds up.
  auto c1 = json::parse(client.Request("GET", "/v1/customers/C1").body);
  EXPECT_EQ(c1["name"], "");
  EXPECT_EQ(c1["email"], "");
  EXPECT_EQ(c1["consent"]["email"], false);
  EXPECT_TRUE(c1.contains("erased_at"));
  EXPECT_EQ(json::parse(client.Request("GET", "/v1/customers/C2").body)["name"], "Keep Me");
  EXPECT_EQ(json::parse(client.Request("GET", "/v1/customers/C1/loyalty").body), json::parse(loyalty_before.body));
  EXPECT_EQ(json::parse(client.Request("GET", "/v1/purchases?customer=C1").body), json::parse(purchases_before.body));
  ExpectEveryRuleHolds();

  // Nothing of theirs is left in any table (audit trail, webhook outbox and stored replies included).
  std::string stored = EveryStoredText();
  EXPECT_NE(stored.find("Keep Me"), std::string::npos) << "the scan reads the tables";
  for (const auto& s : kPersonal) EXPECT_EQ(stored.find(s), std::string::npos) << s << " is still stored";
  auto after = client.Request("GET", "/v1/customers/C1/export");
  for (const auto& s : kPersonal) EXPECT_EQ(after.body.find(s), std::string::npos) << s << " is still exported";
  auto audit = client.Request("GET", "/v1/audit?record_id=C1");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("customers.erased"), std::string::npos);
  EXPECT_NE(audit.body.find("request of 2026-12-01 by e-mail"), std::string::npos);

  // The same customer sent again is refused, naming the id; the business's records are still taken.
  auto resent = client.Request("POST", "/v1/customers", maria.dump());
  EXPECT_EQ(resent.status, 422) << resent.body;
  EXPECT_NE(resent.body.find("erased"), std::string::npos);
  EXPECT_EQ(json::parse(resent.body)["error"]["field"], "id");
  auto replay = client.Request("POST", "/v1/customers", maria.dump(), {{"Idempotency-Key", "maria-1"}});
  EXPECT_EQ(replay.status, 422) << "a stored reply holding the old record is not replayed: " << replay.body;
  auto later = client.Request("POST", "/v1/purchases", json{{"id", "P3"}, {"customer", "C1"}, {"currency", "EUR"},
                                                            {"occurred_at", "2026-03-01T12:00:00Z"}, {"total", "5.00"}}.dump());
  EXPECT_EQ(later.status, 201) << later.body;

  // SQLite: the file itself keeps no copy (freed space is zeroed) once the server has closed it.
  if (GetParam() == Backend::kSqlite) {
    ASSERT_EQ(server->Stop(), 0);
    std::string path = db_->url().substr(std::string("sqlite:").size());
    std::string bytes = ReadAll(path);
    if (std::filesystem::exists(path + "-wal")) bytes += ReadAll(path + "-wal");
    ASSERT_GT(bytes.size(), 10000u);
    EXPECT_NE(bytes.find("keep@example.dk"), std::string::npos);
    for (const auto& s : kPersonal) EXPECT_EQ(bytes.find(s), std::string::npos) << s << " is still in the file";
  }
}

using InjectionTest = ApiTest;

// Every query parameter every listing declares in /openapi.json, and every {id} in a path, given
// SQL and LIKE injection attempts: each is answered (never a 500), finds nothing it should not, and
// the data is as it was.
TEST_P(InjectionTest, FiltersAndSearchesTakeInjectionAttemptsAsPlainText) {
  ServerProcess server(db_->url());
  ASSERT_GT(server.port(), 0);
  HttpClient client(server.port(), kDpo);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(client.Request("POST", "/v1/customers",
                             json{{"id", fmt::format("C{}", i)}, {"name", fmt::format("Customer {}", i)},
                                  {"email", fmt::format("c{}@example.com", i)}}.dump()).status, 201);
    ASSERT_EQ(client.Request("POST", "/v1/purchases", json{{"id", fmt::format("P{}", i)}, {"customer", fmt::format("C{}", i)},
                                                           {"currency", "EUR"}, {"occurred_at", "2026-02-01T12:00:00Z"},
                                                           {"total", "10.00"}}.dump()).status, 201);
  }
  const std::vector<std::string> attempts = {
      "' OR '1'='1", "' OR 1=1 --", "\" OR \"\"=\"", "C1'; DROP TABLE customers; --", "1; DELETE FROM purchases",
      "%", "_", "%' --", "C1' UNION SELECT name, email FROM customers --", "\\", "'||(SELECT version())||'",
      "1 AND SLEEP(1)", "$1", "?", "\x01\x7f", "C%"};
  auto spec = client.Request("GET", "/openapi.json");
  ASSERT_EQ(spec.status, 200);
  json paths = json::parse(spec.body)["paths"];
  int requests = 0, params = 0;
  for (const auto& [path, ops] : paths.items()) {
    if (!ops.contains("get")) continue;
    const json& get = ops["get"];
    std::vector<std::string> names;
    for (const auto& p : get.value("parameters", json::array())) {
      if (p.value("in", "") == "query") names.push_back(p["name"].get<std::string>());
    }
    bool templated = path.find('{') != std::string::npos;
    for (const auto& attempt : attempts) {
      std::string base = path;
      if (templated) {
        // Every {name} in the path takes the attempt.
        std::string filled;
        for (size_t i = 0; i < path.size();) {
          if (path[i] == '{') {
            filled += UrlEncode(attempt);
            i = path.find('}', i) + 1;
          } else {
            filled += path[i++];
          }
        }
        base = filled;
        auto r = client.Request("GET", base);
        ++requests;
        EXPECT_LT(r.status, 500) << "GET " << base << ": " << r.body;
      }
      for (const auto& name : names) {
        std::string target = base + "?" + name + "=" + UrlEncode(attempt);
        auto r = client.Request("GET", target);
        ++requests;
        EXPECT_LT(r.status, 500) << "GET " << target << ": " << r.body;
        if (r.status == 200 && (name == "q" || name == "customer") && path.find("/v1/") == 0 && !templated) {
          auto body = json::parse(r.body, nullptr, false);
          if (body.is_object() && body.contains("data") && body["data"].is_array()) {
            EXPECT_TRUE(body["data"].empty()) << "GET " << target << " found records: " << r.body.substr(0, 300);
          }
        }
      }
      params += static_cast<int>(names.size());
    }
  }
  EXPECT_GT(requests, 1000);
  EXPECT_GT(params, 100);
  // A plain search still works, and nothing was dropped, deleted or changed.
  auto found = json::parse(client.Request("GET", "/v1/customers?q=Customer%202").body);
  ASSERT_EQ(found["data"].size(), 1u);
  EXPECT_EQ(found["data"][0]["id"], "C2");
  auto stats = json::parse(client.Request("GET", "/v1/stats").body);
  EXPECT_EQ(stats["customers"], 3);
  EXPECT_EQ(stats["purchases"], 3);
  ExpectEveryRuleHolds();
}

using SecretsTest = ApiTest;

// Passwords, API keys, webhook signing secrets and the database's password are never written
// where an operator or a log collector reads: the server's output and the audit trail.
TEST_P(SecretsTest, SecretsNeverReachTheServersOutputOrTheAuditTrail) {
  std::string url = db_->url();
  const std::string db_password = "pg-Secret-4711";
  if (GetParam() == Backend::kPostgres) {
    // The test cluster trusts loopback, so any password connects; it must still never be shown.
    auto scheme = url.find("://") + 3;
    auto at = url.find('@', scheme);
    ASSERT_NE(at, std::string::npos) << url;
    url = url.substr(0, at) + ":" + db_password + url.substr(at);
  }
  TempDir dir;
  std::string log = dir.path() + "/stderr.log";
  auto store = storage::OpenSqlStore(db_->url());
  ASSERT_TRUE(store);
  staff::ApiKey admin;
  admin.prefix = "root";
  admin.secret_hash = Sha256Hex("root-Secret-0001");
  admin.name = "root";
  admin.scopes = {"staff:admin", "audit:read", "records:read", "records:write"};
  admin.created_by = "tests";
  admin.created_at = FromUnixSeconds(1700000000);
  ASSERT_TRUE((*store)->CreateApiKey(admin));
  store->reset();

  ServerProcess server(url, {}, 0, log);
  ASSERT_GT(server.port(), 0);
  HttpClient client(server.port(), {{"Authorization", "Bearer rk_root_root-Secret-0001"}});
  const std::string password = "user-Secret-2222";
  auto user = client.Request("POST", "/v1/users", json{{"username", "ana"}, {"password", password}, {"role", "agent"}}.dump());
  ASSERT_EQ(user.status, 201) << user.body;
  EXPECT_EQ(user.body.find(password), std::string::npos);
  HttpClient anon(server.port());
  EXPECT_EQ(anon.Request("POST", "/v1/session", json{{"username", "ana"}, {"password", "wrong-Secret-3333"}}.dump()).status, 401);
  EXPECT_EQ(anon.Request("POST", "/v1/session", json{{"username", "ana"}, {"password", password}}.dump()).status, 200);
  EXPECT_EQ(anon.Request("GET", "/v1/customers", "", {{"Authorization", "Bearer rk_root_bad-Secret-5555"}}).status, 401);
  auto key = client.Request("POST", "/v1/api-keys", json{{"name", "pos"}, {"scopes", {"records:write"}}}.dump());
  ASSERT_EQ(key.status, 201) << key.body;
  std::string key_text = json::parse(key.body)["key"].get<std::string>();
  // A webhook to a closed port: its deliveries fail (and are retried), which the server may report.
  auto hook = client.Request("POST", "/v1/webhooks", json{{"url", "http://127.0.0.1:9/hook"}, {"events", {"*"}}}.dump());
  ASSERT_EQ(hook.status, 201) << hook.body;
  std::string hook_secret = json::parse(hook.body)["secret"].get<std::string>();
  EXPECT_EQ(client.Request("GET", "/v1/webhooks").body.find(hook_secret), std::string::npos) << "shown only once";
  EXPECT_EQ(client.Request("GET", "/v1/api-keys").body.find(key_text.substr(key_text.rfind('_') + 1)), std::string::npos);
  HttpClient pos(server.port(), {{"Authorization", "Bearer " + key_text}});
  ASSERT_EQ(pos.Request("POST", "/v1/customers", json{{"id", "C1"}, {"name", "Ana"}}.dump()).status, 201);
  // A malformed body and an unknown route, the errors a log would hold.
  EXPECT_EQ(pos.Request("POST", "/v1/customers", "{\"id\": \"C2\", \"password\": \"" + password + "\"").status, 400);
  auto audit = client.Request("GET", "/v1/audit?limit=1000");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("api_key.created"), std::string::npos);
  std::string first_line = server.first_line();
  ASSERT_EQ(server.Stop(), 0);
  std::string output = first_line + ReadAll(log);
  EXPECT_NE(first_line.find("serving"), std::string::npos) << first_line;
  for (const std::string& secret : {db_password, password, std::string("wrong-Secret-3333"), std::string("root-Secret-0001"),
                                    std::string("bad-Secret-5555"), key_text.substr(key_text.rfind('_') + 1), hook_secret}) {
    EXPECT_EQ(output.find(secret), std::string::npos) << "the server's output shows a secret: " << output;
    EXPECT_EQ(audit.body.find(secret), std::string::npos) << "the audit trail shows a secret";
  }
}

INSTANTIATE_TEST_SUITE_P(BothDatabases, PrivacyTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) { return BackendName(param_info.param); });
INSTANTIATE_TEST_SUITE_P(BothDatabases, InjectionTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) { return BackendName(param_info.param); });
INSTANTIATE_TEST_SUITE_P(BothDatabases, SecretsTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace retain::testing
