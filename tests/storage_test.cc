// The storage layer and the importer against both databases: migrations, idempotent import,
// rejects, strict mode, references, timeline.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/importer.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/privacy.h"
#include "storage/query.h"
#include "storage/record_store.h"
#include "test_database.h"

namespace retain::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Collect : public core::ImportObserver {
 public:
  void OnReject(const std::string& m) override { rejects.push_back(m); }
  void OnProgress(uint64_t, uint64_t, int64_t) override {}
  std::vector<std::string> rejects;
};

constexpr const char* kCustomers =
    "id,name,email,locale,consent_email,first_contact_at\n"
    "C1,Ann Smith,ann@example.com,en,yes,2024-01-02\n"
    "C2,Søren Ås,soren@example.dk,da,no,2024-02-03\n"
    "C3,João Conceição,joao@example.pt,pt,sim,2024-03-04\n";
constexpr const char* kPlans =
    "id,name,kind,price,currency,billing\n"
    "TV,TV Basic,plan,29.00,EUR,monthly\n"
    "PREMIUM,Premium channels,addon,12.00,EUR,monthly\n"
    "SUB,Classic sub,item,6.50,EUR,\n";
constexpr const char* kSubscriptions =
    "id,customer,plan,status,started_at,cancelled_at,cancel_reason,addons\n"
    "S1,C1,TV,active,2024-01-02,,,PREMIUM\n"
    "S2,C2,TV,cancelled,2024-02-03,2024-06-01,too_expensive,\n";
constexpr const char* kPayments =
    "id,customer,subscription,amount,currency,status,failure_reason,occurred_at\n"
    "X1,C1,S1,41.00,EUR,succeeded,,2024-02-02\n"
    "X2,C1,S1,41.00,EUR,failed,card_declined,2024-03-02\n";
constexpr const char* kPurchases =
    "id,customer,occurred_at,store,currency,product,quantity,unit_price,kind,original,total\n"
    "P1,C3,2024-03-04T12:00,Baixa,EUR,SUB,2,6.50,sale,,\n"
    "P2,C3,2024-03-05T12:00,Baixa,EUR,SUB,1,6.50,sale,,\n"
    "P2R,C3,2024-03-05T15:00,Baixa,EUR,,,,return,P2,6.50\n";
constexpr const char* kEvents =
    "{\"id\":\"E1\",\"customer\":\"C1\",\"type\":\"complaint.opened\",\"occurred_at\":\"2024-03-03T09:00:00Z\",\"payload\":{\"category\":\"billing\"}}\n"
    "{\"id\":\"E2\",\"customer\":\"C1\",\"type\":\"survey.answered\",\"occurred_at\":\"2024-03-10T09:00:00Z\",\"payload\":{\"kind\":\"nps\",\"score\":9}}\n";

class StorageTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_FALSE(db_->url().empty());
    auto store = storage::OpenRecordStore(db_->url());
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  core::ImportReport Import(core::RecordKind kind, const std::string& name, const std::string& text,
                            bool strict = false) {
    core::ImportOptions options;
    options.kind = kind;
    options.path = dir_.Write(name, text);
    options.format = *FormatFromPath(name);
    options.strict = strict;
    options.batch_size = 2;  // several batches even in small files
    collect_.rejects.clear();
    auto report = core::ImportFile(*store_, options, &collect_);
    EXPECT_TRUE(report) << report.error().message;
    for (const auto& r : collect_.rejects) std::cerr << "rejected: " << r << "\n";
    return report ? *report : core::ImportReport{};
  }

  void ImportAll() {
    using K = core::RecordKind;
    EXPECT_EQ(Import(K::kCustomer, "customers.csv", kCustomers).inserted, 3);
    EXPECT_EQ(Import(K::kProduct, "plans.csv", kPlans).inserted, 3);
    EXPECT_EQ(Import(K::kSubscription, "subscriptions.csv", kSubscriptions).inserted, 2);
    EXPECT_EQ(Import(K::kPayment, "payments.csv", kPayments).inserted, 2);
    EXPECT_EQ(Import(K::kPurchase, "purchases.csv", kPurchases).inserted, 3);
    EXPECT_EQ(Import(K::kEvent, "events.ndjson", kEvents).inserted, 2);
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<core::RecordStore> store_;
  TempDir dir_;
  Collect collect_;
};

TEST_P(StorageTest, MigrationsAreVersionedAndANewerSchemaIsRefused) {
  auto db = storage::Connection::Open(db_->url());
  ASSERT_TRUE(db);
  EXPECT_EQ(*storage::SchemaVersion(**db), storage::LatestSchemaVersion());
  EXPECT_EQ(*storage::Migrate(**db), 0);  // already current
  ASSERT_TRUE(storage::Execute(**db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                               storage::LatestSchemaVersion() + 1, "future", int64_t{0}));
  auto again = storage::OpenRecordStore(db_->url());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message.find("upgrade retain"), std::string::npos) << again.error().message;
  EXPECT_FALSE(storage::Migrate(**db));
}

TEST_P(StorageTest, ImportingTheSameFilesTwiceChangesNothing) {
  ImportAll();
  auto counts = store_->Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->customers, 3);
  EXPECT_EQ(counts->purchases, 3);
  EXPECT_EQ(counts->purchase_lines, 2);
  using K = core::RecordKind;
  for (auto [kind, name, text] : {std::tuple{K::kCustomer, "customers.csv", kCustomers},
                                  std::tuple{K::kProduct, "plans.csv", kPlans},
                                  std::tuple{K::kSubscription, "subscriptions.csv", kSubscriptions},
                                  std::tuple{K::kPayment, "payments.csv", kPayments},
                                  std::tuple{K::kPurchase, "purchases.csv", kPurchases},
                                  std::tuple{K::kEvent, "events.ndjson", kEvents}}) {
    auto r = Import(kind, name, text);
    EXPECT_EQ(r.inserted + r.updated + r.rejected, 0) << name;
    EXPECT_EQ(r.unchanged, r.read) << name;
  }
  auto after = store_->Counts();
  EXPECT_EQ(after->customers, counts->customers);
  EXPECT_EQ(after->payments, counts->payments);
  EXPECT_EQ(after->purchase_lines, counts->purchase_lines);
}

TEST_P(StorageTest, AChangedRowUpdatesItsRecord) {
  ImportAll();
  std::string changed = kCustomers;
  changed.replace(changed.find("Ann Smith"), 9, "Ann Jones");
  auto r = Import(core::RecordKind::kCustomer, "customers.csv", changed);
  EXPECT_EQ(r.updated, 1);
  EXPECT_EQ(r.unchanged, 2);
  auto c = store_->GetCustomer("C1");
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->name, "Ann Jones");
  EXPECT_TRUE((*c)->consent.email);
  EXPECT_EQ(FormatTimestamp(*(*c)->first_contact_at), "2024-01-02T00:00:00Z");
}

TEST_P(StorageTest, BadRowsAreReportedWrittenAsideAndTheRestImported) {
  ImportAll();
  std::string file =
      "id,customer,amount,currency,status,occurred_at\n"
      "X10,C1,10.00,EUR,succeeded,2024-04-01\n"
      "X11,C9,10.00,EUR,succeeded,2024-04-01\n"       // unknown customer
      "X12,C1,10.005,EUR,succeeded,2024-04-01\n"      // three decimals
      "X13,C2,\"unclosed,EUR,succeeded,2024-04-01\n"  // broken quoting: swallows the rest
      ;
  file += "X14,C2,5.00,EUR,failed,2024-04-02\n";
  auto r = Import(core::RecordKind::kPayment, "more.csv", file);
  EXPECT_EQ(r.read, 4);
  EXPECT_EQ(r.inserted, 1);
  EXPECT_EQ(r.rejected, 3);
  ASSERT_EQ(collect_.rejects.size(), 3u);
  auto in = dir_.path() + "/more.csv";
  EXPECT_EQ(collect_.rejects[0], in + ":3: customer: no customer 'C9'; import customers first");
  EXPECT_EQ(collect_.rejects[1].rfind(in + ":4: amount: '10.005' is not an amount in EUR", 0), 0u)
      << collect_.rejects[1];
  EXPECT_EQ(collect_.rejects[2].rfind(in + ":5: a quoted field opened on line 5 never closes", 0), 0u)
      << collect_.rejects[2];
  EXPECT_EQ(r.rejects_path, dir_.path() + "/more.rejects.csv");
  auto rejected = ReadFile(r.rejects_path);
  EXPECT_EQ(rejected.substr(0, rejected.find('\n')), "id,customer,amount,currency,status,occurred_at");
  EXPECT_NE(rejected.find("X11,C9"), std::string::npos);
  EXPECT_NE(rejected.find("X12,C1"), std::string::npos);
  EXPECT_EQ(ReadFile(r.log_path), collect_.rejects[0] + "\n" + collect_.rejects[1] + "\n" +
                                      collect_.rejects[2] + "\n");
  EXPECT_EQ(store_->Counts()->payments, 3);

  // A clean re-run removes the stale rejects files.
  auto clean = Import(core::RecordKind::kPayment, "more.csv",
                      "id,customer,amount,currency,status,occurred_at\nX10,C1,10.00,EUR,succeeded,2024-04-01\n");
  EXPECT_EQ(clean.rejected, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/more.rejects.csv"));
}

TEST_P(StorageTest, StrictImportIsAllOrNothing) {
  ImportAll();
  auto r = Import(core::RecordKind::kEvent, "e.ndjson",
                  "{\"id\":\"E3\",\"customer\":\"C1\",\"type\":\"x\",\"occurred_at\":\"2024-05-01\"}\n"
                  "{\"id\":\"E4\",\"customer\":\"C1\",\"type\":\"x\"}\n",
                  /*strict=*/true);
  EXPECT_TRUE(r.rolled_back);
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(store_->Counts()->events, 2);
  auto ok = Import(core::RecordKind::kEvent, "e.ndjson",
                   "{\"id\":\"E3\",\"customer\":\"C1\",\"type\":\"x\",\"occurred_at\":\"2024-05-01\"}\n", true);
  EXPECT_FALSE(ok.rolled_back);
  EXPECT_EQ(store_->Counts()->events, 3);
}

TEST_P(StorageTest, ARecordCannotMoveToAnotherCustomerOrBeDoubled) {
  ImportAll();
  // P1 belongs to C3; the same id for C1 is a conflict, not a second purchase.
  auto r = Import(core::RecordKind::kPurchase, "p.csv",
                  "id,customer,occurred_at,currency,total\nP1,C1,2024-03-04T12:00,EUR,13.00\n");
  EXPECT_EQ(r.rejected, 1);
  ASSERT_EQ(collect_.rejects.size(), 1u);
  EXPECT_NE(collect_.rejects[0].find(":2: id: 'P1' already belongs to another customer"), std::string::npos)
      << collect_.rejects[0];
  EXPECT_EQ(store_->Counts()->purchases, 3);
  // A return must name a sale of the same customer.
  auto bad_return = Import(core::RecordKind::kPurchase, "r.csv",
                           "id,customer,occurred_at,currency,total,kind,original\nR9,C1,2024-03-06,EUR,1,return,P1\n");
  EXPECT_EQ(bad_return.rejected, 1);
  EXPECT_NE(collect_.rejects[0].find("original: no sale 'P1' for customer 'C1'"), std::string::npos)
      << collect_.rejects[0];
}

TEST_P(StorageTest, TimelineReadsEverythingInTimeOrder) {
  ImportAll();
  auto t = store_->Timeline("C1");
  ASSERT_TRUE(t) << t.error().message;
  std::vector<std::string> got;
  for (const auto& e : *t) got.push_back(FormatTimestamp(e.at) + " " + core::Summarize(e));
  std::vector<std::string> want = {
      "2024-01-02T00:00:00Z subscribed to TV Basic",
      "2024-02-02T00:00:00Z payment 41.00 EUR succeeded",
      "2024-03-02T00:00:00Z payment 41.00 EUR failed: card_declined",
      "2024-03-03T09:00:00Z complaint.opened {\"category\":\"billing\"}",
      "2024-03-10T09:00:00Z survey.answered {\"kind\":\"nps\",\"score\":9}",
  };
  EXPECT_EQ(got, want);
  auto c3 = store_->Timeline("C3");
  ASSERT_TRUE(c3);
  ASSERT_EQ(c3->size(), 3u);
  EXPECT_EQ(core::Summarize((*c3)[0]), "purchase 13.00 EUR at Baixa (1 line)");
  EXPECT_EQ(core::Summarize((*c3)[2]), "return 6.50 EUR at Baixa");
  auto missing = store_->Timeline("nobody");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_P(StorageTest, RecordsReadBackAsWritten) {
  ImportAll();
  auto sub = store_->GetSubscription("S1");
  ASSERT_TRUE(sub && *sub) << (sub ? "missing" : sub.error().message);
  EXPECT_EQ((*sub)->customer, "C1");
  EXPECT_EQ((*sub)->plan, "TV");
  EXPECT_EQ((*sub)->addons, std::vector<std::string>{"PREMIUM"});
  auto cancelled = store_->GetSubscription("S2");
  ASSERT_TRUE(cancelled && *cancelled);
  EXPECT_EQ((*cancelled)->status, core::SubscriptionStatus::kCancelled);
  EXPECT_EQ((*cancelled)->cancel_cause, core::CancelCause::kVoluntary);
  EXPECT_EQ((*cancelled)->cancel_reason, "too_expensive");
  auto sale = store_->GetPurchase("P1");
  ASSERT_TRUE(sale && *sale);
  ASSERT_EQ((*sale)->lines.size(), 1u);
  EXPECT_EQ((*sale)->lines[0].product, "SUB");
  EXPECT_EQ((*sale)->lines[0].quantity, 2);
  EXPECT_EQ((*sale)->total_minor, 1300);
  auto ret = store_->GetPurchase("P2R");
  ASSERT_TRUE(ret && *ret);
  EXPECT_EQ((*ret)->original, "P2");
  EXPECT_EQ((*ret)->kind, core::PurchaseKind::kReturn);
  auto pay = store_->GetPayment("X2");
  ASSERT_TRUE(pay && *pay);
  EXPECT_EQ((*pay)->failure_reason, "card_declined");
  EXPECT_EQ((*pay)->subscription, "S1");
  EXPECT_FALSE(*store_->GetEvent("nope"));
}

TEST_P(StorageTest, ListingsPageWithCursorsAndFilters) {
  ImportAll();
  core::ListQuery q;
  q.limit = 2;
  auto first = store_->ListCustomers(q);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].external_id, "C1");
  ASSERT_FALSE(first->next_cursor.empty());
  q.cursor = first->next_cursor;
  auto second = store_->ListCustomers(q);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].external_id, "C3");
  EXPECT_TRUE(second->next_cursor.empty());

  core::ListQuery by_customer;
  by_customer.customer = "C1";
  auto pays = store_->ListPayments(by_customer);
  ASSERT_TRUE(pays);
  EXPECT_EQ(pays->items.size(), 2u);
  by_customer.type = "survey.answered";
  auto surveys = store_->ListEvents(by_customer);
  ASSERT_TRUE(surveys);
  ASSERT_EQ(surveys->items.size(), 1u);
  EXPECT_EQ(surveys->items[0].external_id, "E2");

  core::ListQuery search;
  search.search = "søren";
  auto found = store_->ListCustomers(search);
  ASSERT_TRUE(found);
  // SQLite's LOWER folds ASCII only, so search by the e-mail or a plain-ASCII name prefix.
  search.search = "SOREN@example.dk";
  found = store_->ListCustomers(search);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].external_id, "C2");
  search.search = "ann";
  found = store_->ListCustomers(search);
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].name, "Ann Smith");

  core::ListQuery bad;
  bad.cursor = "abc";
  auto err = store_->ListCustomers(bad);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().field, "cursor");
  core::ListQuery unknown;
  unknown.customer = "nobody";
  auto none = store_->ListPurchases(unknown);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

TEST_P(StorageTest, SettingsPersist) {
  EXPECT_FALSE(*store_->GetSetting("timezone"));
  ASSERT_TRUE(store_->SetSetting("timezone", "Europe/Lisbon"));
  ASSERT_TRUE(store_->SetSetting("timezone", "Europe/Copenhagen"));
  EXPECT_EQ(store_->GetSetting("timezone")->value_or(""), "Europe/Copenhagen");
}

// A store that fails like a database would (an error naming no field) after writing the event
// "BOOM", so the importer must roll the batch back and keep only the good rows.
class FailsOnBoom : public core::RecordStore {
 public:
  explicit FailsOnBoom(core::RecordStore& inner) : inner_(inner) {}
  Status Begin() override { return inner_.Begin(); }
  Status BeginRead() override { return inner_.BeginRead(); }
  bool CheapReadSnapshots() const override { return inner_.CheapReadSnapshots(); }
  Status Commit() override { return inner_.Commit(); }
  void Rollback() override { inner_.Rollback(); }
  Result<core::WriteOutcome> PutCustomer(const core::Customer& c) override { return inner_.PutCustomer(c); }
  Result<core::WriteOutcome> PutProduct(const core::Product& p) override { return inner_.PutProduct(p); }
  Result<core::WriteOutcome> PutSubscription(const core::Subscription& s) override { return inner_.PutSubscription(s); }
  Result<core::WriteOutcome> PutPayment(const core::Payment& p) override { return inner_.PutPayment(p); }
  Result<core::WriteOutcome> PutPurchase(const core::Purchase& p) override { return inner_.PutPurchase(p); }
  Result<core::WriteOutcome> PutEvent(const core::Event& e) override {
    auto r = inner_.PutEvent(e);
    if (e.external_id == "BOOM") return Internal("disk I/O error (simulated)");
    return r;
  }
  Result<std::optional<core::Customer>> GetCustomer(std::string_view id) override { return inner_.GetCustomer(id); }
  Result<std::optional<core::Product>> GetProduct(std::string_view id) override { return inner_.GetProduct(id); }
  Result<std::optional<core::Subscription>> GetSubscription(std::string_view id) override { return inner_.GetSubscription(id); }
  Result<std::optional<core::Payment>> GetPayment(std::string_view id) override { return inner_.GetPayment(id); }
  Result<std::optional<core::Purchase>> GetPurchase(std::string_view id) override { return inner_.GetPurchase(id); }
  Result<std::optional<core::Event>> GetEvent(std::string_view id) override { return inner_.GetEvent(id); }
  Result<core::Page<core::Customer>> ListCustomers(const core::ListQuery& q) override { return inner_.ListCustomers(q); }
  Result<core::Page<core::Product>> ListProducts(const core::ListQuery& q) override { return inner_.ListProducts(q); }
  Result<core::Page<core::Subscription>> ListSubscriptions(const core::ListQuery& q) override { return inner_.ListSubscriptions(q); }
  Result<core::Page<core::Payment>> ListPayments(const core::ListQuery& q) override { return inner_.ListPayments(q); }
  Result<core::Page<core::Purchase>> ListPurchases(const core::ListQuery& q) override { return inner_.ListPurchases(q); }
  Result<core::Page<core::Event>> ListEvents(const core::ListQuery& q) override { return inner_.ListEvents(q); }
  Result<std::optional<core::IdempotentReply>> GetIdempotentReply(std::string_view k) override { return inner_.GetIdempotentReply(k); }
  Status PutIdempotentReply(std::string_view k, const core::IdempotentReply& r) override { return inner_.PutIdempotentReply(k, r); }
  Status AppendAudit(const core::AuditEntry& e) override { return inner_.AppendAudit(e); }
  Result<core::Page<core::AuditEntry>> ListAudit(const core::AuditQuery& q) override { return inner_.ListAudit(q); }
  Result<std::vector<core::TimelineEntry>> Timeline(std::string_view id) override { return inner_.Timeline(id); }
  Result<core::RecordCounts> Counts() override { return inner_.Counts(); }
  Result<std::optional<std::vector<core::PersonalDataTable>>> ExportCustomer(std::string_view id) override {
    return inner_.ExportCustomer(id);
  }
  Result<std::optional<core::Erasure>> EraseCustomer(std::string_view id, Timestamp at) override {
    return inner_.EraseCustomer(id, at);
  }
  Result<std::optional<std::string>> GetSetting(std::string_view k) override { return inner_.GetSetting(k); }
  Status SetSetting(std::string_view k, std::string_view v) override { return inner_.SetSetting(k, v); }

 private:
  core::RecordStore& inner_;
};

// A table added later that names a customer must say what it holds in the export and what
// erasure clears in it (storage/privacy.cc); this keeps the map whole.
TEST_P(StorageTest, EveryTableNamingACustomerIsInTheExport) {
  auto db = storage::Connection::Open(db_->url());
  ASSERT_TRUE(db) << db.error().message;
  std::string sql = (*db)->dialect() == storage::Dialect::kSqlite
      ? "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'"
      : "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = current_schema()";
  auto columns = storage::Rows<std::string>(**db, sql, [](storage::Statement* s) { return std::string(s->Text(0)); });
  ASSERT_TRUE(columns) << columns.error().message;
  auto mapped = storage::PersonalDataTables();
  int naming = 0;
  for (const auto& c : *columns) {
    auto dot = c.find('.');
    std::string table = c.substr(0, dot), column = c.substr(dot + 1);
    if (column != "customer_id" && column != "referrer_id" && column != "referee_id") continue;
    ++naming;
    EXPECT_NE(std::find(mapped.begin(), mapped.end(), table), mapped.end())
        << table << " names a customer but is not in storage/privacy.cc's map";
  }
  EXPECT_GT(naming, 25);
}

TEST_P(StorageTest, ErasureClearsTheCustomerAndKeepsTheirRecords) {
  ImportAll();
  auto before = store_->ExportCustomer("C1");
  ASSERT_TRUE(before && *before) << (before ? "no customer" : before.error().message);
  std::string all;
  for (const auto& t : **before) {
    for (const auto& row : t.rows) for (const auto& cell : row) all += cell.text + "\n";
  }
  EXPECT_NE(all.find("ann@example.com"), std::string::npos);
  EXPECT_NE(all.find("billing"), std::string::npos);  // the event's payload

  auto at = FromUnixSeconds(1767225600);
  ASSERT_TRUE(store_->Begin());
  auto erased = store_->EraseCustomer("C1", at);
  ASSERT_TRUE(erased && *erased) << (erased ? "no customer" : erased.error().message);
  ASSERT_TRUE(store_->Commit());
  EXPECT_FALSE((*erased)->already_erased);

  auto c1 = store_->GetCustomer("C1");
  ASSERT_TRUE(c1 && *c1);
  EXPECT_EQ((*c1)->name, "");
  EXPECT_EQ((*c1)->email, "");
  EXPECT_FALSE((*c1)->consent.email);
  ASSERT_TRUE((*c1)->erased_at.has_value());
  EXPECT_EQ(ToUnixSeconds(*(*c1)->erased_at), 1767225600);
  auto after = store_->ExportCustomer("C1");
  ASSERT_TRUE(after && *after);
  all.clear();
  for (const auto& t : **after) {
    for (const auto& row : t.rows) for (const auto& cell : row) all += cell.text + "\n";
  }
  EXPECT_EQ(all.find("ann@example.com"), std::string::npos);
  EXPECT_EQ(all.find("Ann Smith"), std::string::npos);
  EXPECT_EQ(all.find("billing"), std::string::npos);

  // The business's records stay, and the customer's id with them.
  core::ListQuery q;
  q.customer = "C1";
  auto payments = store_->ListPayments(q);
  ASSERT_TRUE(payments);
  EXPECT_EQ(payments->items.size(), 2u);
  auto counts = store_->Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->customers, 3);

  // Sending the customer again is refused, naming the id; their payments are still taken.
  core::Customer ann;
  ann.external_id = "C1";
  ann.name = "Ann Smith";
  ann.email = "ann@example.com";
  auto again = store_->PutCustomer(ann);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(again.error().field, "id");
  EXPECT_NE(again.error().message.find("erased"), std::string::npos);
  auto second = store_->EraseCustomer("C1", at + std::chrono::hours(1));
  ASSERT_TRUE(second && *second);
  EXPECT_TRUE((*second)->already_erased);
  EXPECT_EQ(ToUnixSeconds((*second)->erased_at), 1767225600);
  auto none = store_->EraseCustomer("NOPE", at);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST_P(StorageTest, ADatabaseErrorRejectsOnlyTheRowAtFault) {
  ImportAll();
  std::string file;
  for (const char* id : {"A1", "A2", "A3", "BOOM", "A5", "A6", "A7"}) {
    file += std::string("{\"id\":\"") + id +
            "\",\"customer\":\"C2\",\"type\":\"visit\",\"occurred_at\":\"2024-06-01\"}\n";
  }
  FailsOnBoom failing(*store_);
  core::ImportOptions options;
  options.kind = core::RecordKind::kEvent;
  options.path = dir_.Write("boom.ndjson", file);
  options.format = FileFormat::kNdjson;
  options.batch_size = 100;
  collect_.rejects.clear();
  auto report = core::ImportFile(failing, options, &collect_);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->inserted, 6);
  EXPECT_EQ(report->rejected, 1);
  ASSERT_EQ(collect_.rejects.size(), 1u);
  EXPECT_NE(collect_.rejects[0].find("boom.ndjson:4: disk I/O error (simulated)"), std::string::npos)
      << collect_.rejects[0];
  EXPECT_EQ(store_->Counts()->events, 2 + 6);  // BOOM's own write was rolled back
}

INSTANTIATE_TEST_SUITE_P(BothDatabases, StorageTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace retain::testing
