// The fixture loyalty's database tests share: a store on SQLite or PostgreSQL with three
// customers, two products, and helpers to define programs and record purchases as the server does.
#ifndef RETAIN_TESTS_LOYALTY_FIXTURE_H_
#define RETAIN_TESTS_LOYALTY_FIXTURE_H_

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/importer.h"
#include "loyalty/engine.h"
#include "storage/record_store.h"
#include "test_database.h"

namespace retain::testing {

inline Timestamp At(const std::string& text) { return *ParseTimestamp(text, BusinessZone()); }

class Quiet : public core::ImportObserver {
 public:
  void OnReject(const std::string& m) override { rejects.push_back(m); }
  void OnProgress(uint64_t, uint64_t, int64_t) override {}
  std::vector<std::string> rejects;
};

inline constexpr const char* kSubsCard =
    R"({"id": "subs", "kind": "punch_card", "punches": 9, "reward": {"kind": "free_item", "product": "SUB", "valid_days": 90}})";
inline constexpr const char* kPoints =
    R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
        "pending_days": 14, "expiry": {"after_days": 365},
        "rewards": [{"id": "coffee", "kind": "free_item", "product": "COFFEE", "points": 100}]})";

class LoyaltyTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_FALSE(db_->url().empty());
    auto store = storage::OpenSqlStore(db_->url());
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    for (const char* id : {"C1", "C2", "C3"}) {
      core::Customer c;
      c.external_id = id;
      c.name = std::string("Customer ") + id;
      ASSERT_TRUE(store_->PutCustomer(c));
    }
    for (auto [id, category, price] : {std::tuple{"SUB", "subs", 650}, {"COFFEE", "drinks", 250}}) {
      core::Product p;
      p.external_id = id;
      p.name = id;
      p.category = category;
      p.price_minor = price;
      p.currency = "EUR";
      ASSERT_TRUE(store_->PutProduct(p));
    }
  }

  void Define(const std::string& doc, Timestamp effective = At("2020-01-01T00:00:00Z")) {
    auto program = loyalty::ParseProgram(doc);
    ASSERT_TRUE(program) << program.error().ToString();
    auto v = loyalty().PutProgramVersion(program->id, program->kind, doc, effective, "test", effective);
    ASSERT_TRUE(v) << v.error().ToString();
  }

  loyalty::LoyaltyStore& loyalty() { return store_->loyalty(); }

  static core::Purchase Sale(const std::string& id, const std::string& customer, const std::string& at,
                             int64_t subs, int64_t unit = 650) {
    core::Purchase p;
    p.external_id = id;
    p.customer = customer;
    p.occurred_at = At(at);
    p.currency = "EUR";
    core::PurchaseLine l;
    l.product = "SUB";
    l.quantity = subs;
    l.unit_price_minor = unit;
    l.amount_minor = subs * unit;
    p.lines.push_back(l);
    p.total_minor = l.amount_minor;
    return p;
  }

  static core::Purchase Return(const std::string& id, const std::string& sale, const std::string& customer,
                               const std::string& at, int64_t total) {
    core::Purchase p;
    p.external_id = id;
    p.customer = customer;
    p.kind = core::PurchaseKind::kReturn;
    p.original = sale;
    p.occurred_at = At(at);
    p.currency = "EUR";
    p.total_minor = total;
    return p;
  }

  // Stores a purchase and books it, in one transaction, as the server and the importer do.
  void Record(const core::Purchase& p) {
    ASSERT_TRUE(store_->Begin());
    auto outcome = store_->PutPurchase(p);
    ASSERT_TRUE(outcome) << outcome.error().ToString();
    auto ok = engine_.OnPurchase(loyalty(), *store_, p, *outcome, "test");
    ASSERT_TRUE(ok) << ok.error().ToString();
    ASSERT_TRUE(store_->Commit());
  }

  loyalty::Account Account(const std::string& program, const std::string& customer) {
    auto a = loyalty().GetAccount(program, customer);
    EXPECT_TRUE(a && *a) << program << "/" << customer;
    return a && *a ? **a : loyalty::Account{};
  }

  // balance = sum of the ledger = points left in lots - debt.
  void ExpectConsistent(const std::string& program, const std::string& customer) {
    auto a = Account(program, customer);
    auto sum = loyalty().LedgerSum(program, customer);
    ASSERT_TRUE(sum);
    EXPECT_EQ(a.balance, *sum) << customer;
    auto lots = loyalty().OpenLots(program, customer);
    ASSERT_TRUE(lots);
    int64_t remaining = 0;
    for (const auto& l : *lots) {
      EXPECT_GE(l.remaining, 0);
      EXPECT_LE(l.remaining, l.points);
      remaining += l.remaining;
    }
    if (program != "subs") {
      EXPECT_EQ(a.balance, remaining - a.debt) << customer;
    }
    EXPECT_GE(a.debt, 0);
  }

  // What a race of bookings came to: committed, refused by a rule (FailedPrecondition), or failed
  // otherwise (which a correct store never does).
  struct RaceCounts {
    int granted = 0, refused = 0, failed = 0;
  };
  // Runs `attempt(store, thread, i)` for i = 0..attempts-1 in each of `threads` threads, each on
  // its own connection and each attempt in its own transaction.
  RaceCounts Race(int threads, int attempts, const std::function<Status(storage::SqlStore&, int, int)>& attempt) {
    std::atomic<int> granted{0}, refused{0}, failed{0};
    auto worker = [&](int who) {
      auto store = storage::OpenSqlStore(db_->url());
      if (!store) {
        failed += attempts;
        return;
      }
      for (int i = 0; i < attempts; ++i) {
        if (!(*store)->Begin()) {
          ++failed;
          continue;
        }
        auto r = attempt(**store, who, i);
        if (r && (*store)->Commit()) {
          ++granted;
        } else {
          (*store)->Rollback();
          if (!r && r.error().code == ErrorCode::kFailedPrecondition) ++refused;
          else ++failed;
        }
      }
    };
    std::vector<std::thread> pool;
    for (int w = 0; w < threads; ++w) pool.emplace_back(worker, w);
    for (auto& t : pool) t.join();
    return {granted.load(), refused.load(), failed.load()};
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<storage::SqlStore> store_;
  loyalty::Engine engine_{BusinessZone()};
  TempDir dir_;
};

}  // namespace retain::testing

#endif  // RETAIN_TESTS_LOYALTY_FIXTURE_H_
