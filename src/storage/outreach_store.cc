#include "storage/outreach_store.h"

#include <unordered_map>

#include "storage/query.h"

namespace retain::storage {
namespace {

using outreach::CustomerFacts;
using outreach::FieldIndex;
using outreach::Value;

class SqlFactsStore : public outreach::FactsStore {
 public:
  explicit SqlFactsStore(Connection& db) : db_(db) {}

  // Six grouped reads, each one pass over its table, joined in memory by the customer's row id.
  Result<std::vector<CustomerFacts>> AllFacts(Timestamp now) override {
    const int64_t t = ToUnixSeconds(now);
    std::vector<CustomerFacts> out;
    std::unordered_map<int64_t, size_t> at;
    auto set = [&](int64_t customer, const char* field, Value v) {
      auto it = at.find(customer);
      if (it != at.end()) out[it->second].facts.values[*FieldIndex(field)] = std::move(v);
    };
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(
        "SELECT id, external_id, name, email, locale, country, city, consent_email, consent_post, consent_sms,"
        " first_contact_at FROM customers ORDER BY external_id"));
    while (true) {
      RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      CustomerFacts c;
      c.id = std::string(s->Text(1));
      auto& v = c.facts.values;
      v[*FieldIndex("id")] = c.id;
      v[*FieldIndex("name")] = std::string(s->Text(2));
      v[*FieldIndex("email")] = std::string(s->Text(3));
      v[*FieldIndex("locale")] = std::string(s->Text(4));
      if (!s->Text(5).empty()) v[*FieldIndex("country")] = std::string(s->Text(5));
      if (!s->Text(6).empty()) v[*FieldIndex("city")] = std::string(s->Text(6));
      v[*FieldIndex("email_consent")] = s->Int(7) != 0;
      v[*FieldIndex("post_consent")] = s->Int(8) != 0;
      v[*FieldIndex("sms_consent")] = s->Int(9) != 0;
      if (!s->IsNull(10)) v[*FieldIndex("tenure_days")] = static_cast<double>((t - s->Int(10)) / 86400);
      // Counted facts are zero, not missing, for a customer with nothing to count.
      v[*FieldIndex("purchases_90")] = 0.0;
      v[*FieldIndex("complaints_365")] = 0.0;
      v[*FieldIndex("points")] = 0.0;
      v[*FieldIndex("active_subscriber")] = false;
      at[s->Int(0)] = out.size();
      out.push_back(std::move(c));
    }
    s->Reset();
    RETAIN_RETURN_IF_ERROR(Each("SELECT customer_id, clv_minor, risk_ppm, segment FROM customer_scores", [&](Statement* r) {
      set(r->Int(0), "clv", static_cast<double>(r->Int(1)) / 100.0);
      set(r->Int(0), "churn_risk", static_cast<double>(r->Int(2)) / 1e6);
      if (!r->Text(3).empty()) set(r->Int(0), "rfm_segment", std::string(r->Text(3)));
    }));
    // Loyalty: points across programs; the tier of the program the member stands highest in is
    // not comparable across programs, so the first program's (by id) with a tier counts.
    std::unordered_map<int64_t, double> points;
    std::unordered_map<int64_t, std::string> tier;
    RETAIN_RETURN_IF_ERROR(Each(
        "SELECT customer_id, balance, CASE WHEN manual_tier <> '' THEN manual_tier ELSE tier END FROM loyalty_accounts"
        " ORDER BY program_id",
        [&](Statement* r) {
          points[r->Int(0)] += static_cast<double>(r->Int(1));
          if (!r->Text(2).empty() && !tier.contains(r->Int(0))) tier[r->Int(0)] = std::string(r->Text(2));
        }));
    for (const auto& [c, p] : points) set(c, "points", p);
    for (const auto& [c, name] : tier) set(c, "tier", name);
    RETAIN_RETURN_IF_ERROR(Each(
        "SELECT s.customer_id, MIN(p.external_id) FROM subscriptions s JOIN products p ON p.id = s.plan_id"
        " WHERE s.status <> 'cancelled' GROUP BY s.customer_id",
        [&](Statement* r) {
          set(r->Int(0), "plan", std::string(r->Text(1)));
          set(r->Int(0), "active_subscriber", true);
        }));
    RETAIN_RETURN_IF_ERROR(Each(
        "SELECT customer_id, MAX(occurred_at), SUM(CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END) FROM purchases"
        " WHERE kind = 'sale' AND occurred_at <= ? GROUP BY customer_id",
        [&](Statement* r) {
          set(r->Int(0), "days_since_last_purchase", static_cast<double>((t - r->Int(1)) / 86400));
          set(r->Int(0), "purchases_90", static_cast<double>(r->Int(2)));
        },
        t - 90 * 86400, t));
    RETAIN_RETURN_IF_ERROR(Each(
        "SELECT customer_id, COUNT(*) FROM care_cases WHERE opened_at >= ? AND opened_at <= ? GROUP BY customer_id",
        [&](Statement* r) { set(r->Int(0), "complaints_365", static_cast<double>(r->Int(1))); }, t - 365 * 86400, t));
    return out;
  }

 private:
  template <typename F, typename... Args>
  Status Each(std::string_view sql, F on_row, const Args&... args) {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(sql));
    Bind(s, args...);
    while (true) {
      auto row = s->Step();
      if (!row) {
        s->Reset();
        return tl::unexpected(row.error());
      }
      if (!*row) break;
      on_row(s);
    }
    s->Reset();
    return Ok();
  }

  Connection& db_;
};

}  // namespace

std::unique_ptr<outreach::FactsStore> MakeSqlFactsStore(Connection& db) { return std::make_unique<SqlFactsStore>(db); }

}  // namespace retain::storage
