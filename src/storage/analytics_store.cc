#include "storage/analytics_store.h"

#include <unordered_map>

#include "storage/query.h"

namespace retain::storage {
namespace {

using analytics::AnalyticsInput;

class SqlAnalyticsStore : public analytics::AnalyticsStore {
 public:
  explicit SqlAnalyticsStore(Connection& db) : db_(db) {}

  Result<AnalyticsInput> LoadInput() override {
    AnalyticsInput in;
    std::unordered_map<int64_t, uint32_t> index;
    {
      RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(
          "SELECT id, external_id, name, COALESCE(first_contact_at, created_at) FROM customers ORDER BY id"));
      while (true) {
        RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        index.emplace(s->Int(0), static_cast<uint32_t>(in.customers.size()));
        in.customers.push_back({s->Int(0), std::string(s->Text(1)), std::string(s->Text(2)), s->Int(3)});
      }
      s->Reset();
    }
    auto customer = [&](int64_t id) { return index.at(id); };
    {
      RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(
          "SELECT customer_id, occurred_at, total_minor FROM purchases WHERE kind = 'sale'"));
      while (true) {
        RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        in.sales.push_back({customer(s->Int(0)), s->Int(1), s->Int(2)});
      }
      s->Reset();
    }
    {
      RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(
          "SELECT s.customer_id, p.name, p.price_minor, p.billing, s.started_at, s.cancelled_at, s.cancel_cause "
          "FROM subscriptions s JOIN products p ON p.id = s.plan_id"));
      while (true) {
        RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        int64_t price = s->Int(2);
        std::string_view billing = s->Text(3);
        int64_t monthly = billing == "yearly" ? price / 12 : billing == "monthly" ? price : 0;
        std::optional<int64_t> cancelled;
        if (!s->IsNull(5)) cancelled = s->Int(5);
        in.subscriptions.push_back({customer(s->Int(0)), std::string(s->Text(1)), monthly, s->Int(4), cancelled,
                                    std::string(s->Text(6))});
      }
      s->Reset();
    }
    auto stamps = [&](std::string_view sql, std::vector<AnalyticsInput::Stamp>* out) -> Status {
      RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(sql));
      while (true) {
        RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out->push_back({customer(s->Int(0)), s->Int(1)});
      }
      s->Reset();
      return {};
    };
    RETAIN_RETURN_IF_ERROR(stamps("SELECT customer_id, occurred_at FROM payments WHERE status = 'failed'",
                                  &in.payment_failures));
    RETAIN_RETURN_IF_ERROR(stamps("SELECT customer_id, occurred_at FROM events WHERE type LIKE 'complaint%'",
                                  &in.complaints));
    RETAIN_RETURN_IF_ERROR(stamps("SELECT customer_id, occurred_at FROM loyalty_ledger", &in.loyalty_activity));
    RETAIN_ASSIGN_OR_RETURN(auto currency, FirstRow<std::string>(db_,
        "SELECT currency FROM purchases GROUP BY currency ORDER BY COUNT(*) DESC, currency LIMIT 1",
        [](Statement* s) { return std::string(s->Text(0)); }));
    in.currency = currency.value_or("");
    return in;
  }

  Result<int64_t> SaveRun(const analytics::StoredRun& stored, std::span<const analytics::StoredScore> scores) override {
    RETAIN_ASSIGN_OR_RETURN(Statement * insert, db_.Prepare(
        std::string("INSERT INTO analytics_runs (computed_at, dashboard, churn_model) VALUES (?, ?, ?)") +
        std::string(db_.ReturningId())));
    Bind(insert, stored.computed_at, stored.dashboard, stored.churn_model);
    RETAIN_ASSIGN_OR_RETURN(int64_t run, db_.ExecuteInsert(insert));
    // Older runs' dashboards are kept a while for comparison; the scores are only the newest.
    RETAIN_RETURN_IF_ERROR(Execute(db_, "DELETE FROM analytics_runs WHERE id <= ?", run - 30));
    RETAIN_RETURN_IF_ERROR(Execute(db_, "DELETE FROM customer_scores"));
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(
        "INSERT INTO customer_scores (customer_id, run_id, clv_minor, risk_ppm, segment, detail) VALUES (?, ?, ?, ?, ?, ?)"));
    for (const auto& score : scores) {
      Bind(s, score.customer_id, run, score.clv_minor, score.risk_ppm, score.segment, score.detail);
      while (true) {
        RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
      }
      s->Reset();
    }
    return run;
  }

  Result<std::optional<analytics::StoredRun>> LatestRun() override {
    return FirstRow<analytics::StoredRun>(db_,
        "SELECT id, computed_at, dashboard, churn_model FROM analytics_runs ORDER BY id DESC LIMIT 1",
        [](Statement* s) {
          return analytics::StoredRun{s->Int(0), s->Int(1), std::string(s->Text(2)), std::string(s->Text(3))};
        });
  }

  Result<std::optional<std::string>> ScoreDetail(std::string_view customer) override {
    return FirstRow<std::string>(db_,
        "SELECT s.detail FROM customer_scores s JOIN customers c ON c.id = s.customer_id WHERE c.external_id = ?",
        [](Statement* s) { return std::string(s->Text(0)); }, customer);
  }

 private:
  Connection& db_;
};

}  // namespace

std::unique_ptr<analytics::AnalyticsStore> MakeSqlAnalyticsStore(Connection& db) {
  return std::make_unique<SqlAnalyticsStore>(db);
}

}  // namespace retain::storage
