#include "storage/record_store.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <climits>
#include <chrono>
#include <unordered_map>

#include <fmt/format.h>

#include "common/money.h"
#include "core/parse.h"
#include "storage/privacy.h"
#include "storage/analytics_store.h"
#include "storage/care_store.h"
#include "storage/feedback_store.h"
#include "storage/outreach_store.h"
#include "storage/loyalty_store.h"
#include "storage/migrations.h"
#include "storage/query.h"
#include "storage/retention_store.h"

namespace retain::storage {
namespace {

using core::WriteOutcome;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t HashColumn(uint64_t h) { return std::bit_cast<int64_t>(h); }


// The customer-scoped tables FindOwned looks records up in.
enum class Table { kSubscriptions, kPayments, kPurchases, kEvents };
constexpr const char* kTableNames[] = {"subscriptions", "payments", "purchases", "events"};
constexpr const char* kFindSql[] = {
    "SELECT id, customer_id, content_hash FROM subscriptions WHERE external_id = ?",
    "SELECT id, customer_id, content_hash FROM payments WHERE external_id = ?",
    "SELECT id, customer_id, content_hash FROM purchases WHERE external_id = ?",
    "SELECT id, customer_id, content_hash FROM events WHERE external_id = ?",
};

// What a lookup by external id found.
struct Existing {
  int64_t id = 0;
  int64_t customer_id = 0;
  int64_t hash = 0;
};

class SqlRecordStore : public SqlStore {
 public:
  explicit SqlRecordStore(std::unique_ptr<Connection> db)
      : db_(std::move(db)), loyalty_(MakeSqlLoyaltyStore(*db_)), analytics_(MakeSqlAnalyticsStore(*db_)),
        retention_(MakeSqlRetentionStore(*db_)), care_(MakeSqlCareStore(*db_)),
        feedback_(MakeSqlFeedbackStore(*db_)), facts_(MakeSqlFactsStore(*db_)),
        outreach_(MakeSqlOutreachStore(*db_)) {}

  loyalty::LoyaltyStore& loyalty() override { return *loyalty_; }
  analytics::AnalyticsStore& analytics() override { return *analytics_; }
  retention::RetentionStore& retention() override { return *retention_; }
  care::CareStore& care() override { return *care_; }
  feedback::FeedbackStore& feedback() override { return *feedback_; }
  outreach::FactsStore& facts() override { return *facts_; }
  outreach::OutreachStore& outreach() override { return *outreach_; }

  // Loyalty learns of a transaction once it has begun (on SQLite, once the write lock is held),
  // so what it checks then no other writer can change.
  Status Begin() override {
    RETAIN_RETURN_IF_ERROR(db_->Begin());
    loyalty_->TransactionBegan();
    return Ok();
  }
  Status BeginRead() override {
    RETAIN_RETURN_IF_ERROR(db_->BeginRead());
    loyalty_->TransactionBegan();
    return Ok();
  }
  bool CheapReadSnapshots() const override { return db_->dialect() == Dialect::kSqlite; }
  Status Commit() override {
    if (auto flushed = loyalty_->Flush(); !flushed) {
      Rollback();
      return flushed;
    }
    if (auto committed = db_->Commit(); !committed) {
      Rollback();
      return committed;
    }
    loyalty_->TransactionEnded();
    return Ok();
  }
  void Rollback() override {
    (void)db_->Rollback();
    // Ids handed out inside the transaction are gone with it.
    customer_ids_.clear();
    product_ids_.clear();
    loyalty_->RolledBack();
  }

  Result<WriteOutcome> PutCustomer(const core::Customer& c) override {
    int64_t hash = HashColumn(core::ContentHash(c));
    RETAIN_ASSIGN_OR_RETURN(auto existing,
                            Find("SELECT id, id, content_hash FROM customers WHERE external_id = ?",
                                 c.external_id));
    int64_t now = Now();
    if (!existing) {
      RETAIN_ASSIGN_OR_RETURN(Statement * s, PrepareInsert(
          "INSERT INTO customers (external_id, name, email, phone, address_line1, address_line2,"
          " postal_code, city, region, country, locale, consent_email, consent_sms, consent_post,"
          " consent_phone, first_contact_at, attributes, content_hash, created_at, updated_at)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
      Bind(s, c.external_id, c.name, c.email, c.phone, c.address_line1, c.address_line2,
           c.postal_code, c.city, c.region, c.country, c.locale, c.consent.email, c.consent.sms,
           c.consent.post, c.consent.phone, Seconds(c.first_contact_at), c.attributes_json, hash,
           now, now);
      RETAIN_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(s));
      customer_ids_[c.external_id] = id;
      return WriteOutcome::kInserted;
    }
    if (existing->hash == hash) return WriteOutcome::kUnchanged;
    RETAIN_ASSIGN_OR_RETURN(int64_t erased_at, ScalarInt(*db_, "SELECT erased_at FROM customers WHERE id = ?", existing->id));
    if (erased_at != 0) {
      return tl::unexpected(Error{ErrorCode::kFailedPrecondition,
                                  fmt::format("customer '{}' was erased at their request on {}; their personal data"
                                              " is not taken again (their purchases, payments and subscriptions still are)",
                                              c.external_id, FormatTimestamp(FromUnixSeconds(erased_at)).substr(0, 10)),
                                  "id"});
    }
    RETAIN_RETURN_IF_ERROR(Execute(*db_,
        "UPDATE customers SET name = ?, email = ?, phone = ?, address_line1 = ?, address_line2 = ?,"
        " postal_code = ?, city = ?, region = ?, country = ?, locale = ?, consent_email = ?,"
        " consent_sms = ?, consent_post = ?, consent_phone = ?, first_contact_at = ?,"
        " attributes = ?, content_hash = ?, updated_at = ? WHERE id = ?",
        c.name, c.email, c.phone, c.address_line1, c.address_line2, c.postal_code, c.city,
        c.region, c.country, c.locale, c.consent.email, c.consent.sms, c.consent.post,
        c.consent.phone, Seconds(c.first_contact_at), c.attributes_json, hash, now, existing->id));
    return WriteOutcome::kUpdated;
  }

  Result<WriteOutcome> PutProduct(const core::Product& p) override {
    int64_t hash = HashColumn(core::ContentHash(p));
    RETAIN_ASSIGN_OR_RETURN(auto existing,
                            Find("SELECT id, 0, content_hash FROM products WHERE external_id = ?",
                                 p.external_id));
    int64_t now = Now();
    if (!existing) {
      RETAIN_ASSIGN_OR_RETURN(Statement * s, PrepareInsert(
          "INSERT INTO products (external_id, name, kind, price_minor, currency, billing, category,"
          " active, content_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          ""));
      Bind(s, p.external_id, p.name, core::ProductKindName(p.kind), p.price_minor, p.currency,
           core::BillingName(p.billing), p.category, p.active, hash, now, now);
      RETAIN_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(s));
      product_ids_[p.external_id] = id;
      return WriteOutcome::kInserted;
    }
    if (existing->hash == hash) return WriteOutcome::kUnchanged;
    RETAIN_RETURN_IF_ERROR(Execute(*db_,
        "UPDATE products SET name = ?, kind = ?, price_minor = ?, currency = ?, billing = ?,"
        " category = ?, active = ?, content_hash = ?, updated_at = ? WHERE id = ?",
        p.name, core::ProductKindName(p.kind), p.price_minor, p.currency,
        core::BillingName(p.billing), p.category, p.active, hash, now, existing->id));
    return WriteOutcome::kUpdated;
  }

  Result<WriteOutcome> PutSubscription(const core::Subscription& s) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(s.customer));
    RETAIN_ASSIGN_OR_RETURN(int64_t plan_id, ProductId(s.plan, "plan"));
    std::vector<int64_t> addon_ids;
    for (const auto& a : s.addons) {
      RETAIN_ASSIGN_OR_RETURN(int64_t id, ProductId(a, "addons"));
      addon_ids.push_back(id);
    }
    int64_t hash = HashColumn(core::ContentHash(s));
    RETAIN_ASSIGN_OR_RETURN(auto existing, FindOwned(Table::kSubscriptions, s.external_id, customer_id));
    int64_t now = Now();
    int64_t id = 0;
    WriteOutcome outcome;
    if (!existing) {
      RETAIN_ASSIGN_OR_RETURN(Statement * st, PrepareInsert(
          "INSERT INTO subscriptions (customer_id, external_id, plan_id, status, started_at,"
          " paused_at, resume_at, cancel_requested_at, cancelled_at, cancel_cause, cancel_reason,"
          " content_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          ""));
      Bind(st, customer_id, s.external_id, plan_id, core::SubscriptionStatusName(s.status),
           ToUnixSeconds(s.started_at), Seconds(s.paused_at), Seconds(s.resume_at),
           Seconds(s.cancel_requested_at), Seconds(s.cancelled_at),
           core::CancelCauseName(s.cancel_cause), s.cancel_reason, hash, now, now);
      RETAIN_ASSIGN_OR_RETURN(id, InsertReturningId(st));
      outcome = WriteOutcome::kInserted;
    } else {
      if (existing->hash == hash) return WriteOutcome::kUnchanged;
      id = existing->id;
      RETAIN_RETURN_IF_ERROR(Execute(*db_,
          "UPDATE subscriptions SET plan_id = ?, status = ?, started_at = ?, paused_at = ?,"
          " resume_at = ?, cancel_requested_at = ?, cancelled_at = ?, cancel_cause = ?,"
          " cancel_reason = ?, content_hash = ?, updated_at = ? WHERE id = ?",
          plan_id, core::SubscriptionStatusName(s.status), ToUnixSeconds(s.started_at),
          Seconds(s.paused_at), Seconds(s.resume_at), Seconds(s.cancel_requested_at),
          Seconds(s.cancelled_at), core::CancelCauseName(s.cancel_cause), s.cancel_reason, hash,
          now, id));
      RETAIN_RETURN_IF_ERROR(Execute(*db_,
          "DELETE FROM subscription_addons WHERE customer_id = ? AND subscription_id = ?",
          customer_id, id));
      RETAIN_RETURN_IF_ERROR(Execute(*db_,
          "DELETE FROM subscription_discounts WHERE customer_id = ? AND subscription_id = ?",
          customer_id, id));
      outcome = WriteOutcome::kUpdated;
    }
    for (int64_t addon : addon_ids) {
      RETAIN_RETURN_IF_ERROR(Execute(*db_,
          "INSERT INTO subscription_addons (customer_id, subscription_id, product_id) VALUES (?, ?, ?)",
          customer_id, id, addon));
    }
    int position = 0;
    for (const auto& d : s.discounts) {
      RETAIN_RETURN_IF_ERROR(Execute(*db_,
          "INSERT INTO subscription_discounts (customer_id, subscription_id, position, percent_bp,"
          " amount_minor, starts_at, ends_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          customer_id, id, position++, static_cast<int64_t>(d.percent_bp), d.amount_minor,
          ToUnixSeconds(d.starts_at), Seconds(d.ends_at), d.reason));
    }
    return outcome;
  }

  Result<WriteOutcome> PutPayment(const core::Payment& p) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(p.customer));
    std::optional<int64_t> subscription_id;
    if (!p.subscription.empty()) {
      RETAIN_ASSIGN_OR_RETURN(auto sub, FindOwned(Table::kSubscriptions, p.subscription, customer_id,
                                                  "subscription"));
      if (!sub) {
        return NotFound(fmt::format("no subscription '{}' for customer '{}'; import subscriptions first",
                                    p.subscription, p.customer), "subscription");
      }
      subscription_id = sub->id;
    }
    int64_t hash = HashColumn(core::ContentHash(p));
    RETAIN_ASSIGN_OR_RETURN(auto existing, FindOwned(Table::kPayments, p.external_id, customer_id));
    int64_t now = Now();
    if (!existing) {
      RETAIN_RETURN_IF_ERROR(Execute(*db_,
          "INSERT INTO payments (customer_id, external_id, subscription_id, amount_minor, currency,"
          " status, failure_reason, occurred_at, content_hash, created_at, updated_at)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          customer_id, p.external_id, subscription_id, p.amount_minor, p.currency,
          core::PaymentStatusName(p.status), p.failure_reason, ToUnixSeconds(p.occurred_at), hash,
          now, now));
      return WriteOutcome::kInserted;
    }
    if (existing->hash == hash) return WriteOutcome::kUnchanged;
    RETAIN_RETURN_IF_ERROR(Execute(*db_,
        "UPDATE payments SET subscription_id = ?, amount_minor = ?, currency = ?, status = ?,"
        " failure_reason = ?, occurred_at = ?, content_hash = ?, updated_at = ? WHERE id = ?",
        subscription_id, p.amount_minor, p.currency, core::PaymentStatusName(p.status),
        p.failure_reason, ToUnixSeconds(p.occurred_at), hash, now, existing->id));
    return WriteOutcome::kUpdated;
  }

  Result<WriteOutcome> PutPurchase(const core::Purchase& p) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(p.customer));
    std::optional<int64_t> original_id;
    if (!p.original.empty()) {
      RETAIN_ASSIGN_OR_RETURN(auto original, FindOwned(Table::kPurchases, p.original, customer_id, "original"));
      if (!original) {
        return NotFound(fmt::format("no sale '{}' for customer '{}' to return", p.original, p.customer),
                        "original");
      }
      original_id = original->id;
    }
    std::vector<std::optional<int64_t>> product_ids;
    for (size_t i = 0; i < p.lines.size(); ++i) {
      if (p.lines[i].product.empty()) {
        product_ids.emplace_back();
        continue;
      }
      RETAIN_ASSIGN_OR_RETURN(int64_t id, ProductId(p.lines[i].product,
                                                    p.lines.size() == 1 ? "product" : fmt::format("lines[{}].product", i)));
      product_ids.emplace_back(id);
    }
    int64_t hash = HashColumn(core::ContentHash(p));
    RETAIN_ASSIGN_OR_RETURN(auto existing, FindOwned(Table::kPurchases, p.external_id, customer_id));
    int64_t now = Now();
    int64_t id = 0;
    WriteOutcome outcome;
    auto line_count = static_cast<int64_t>(p.lines.size());
    if (!existing) {
      RETAIN_ASSIGN_OR_RETURN(Statement * s, PrepareInsert(
          "INSERT INTO purchases (customer_id, external_id, kind, original_id, occurred_at, store,"
          " total_minor, currency, line_count, content_hash, created_at, updated_at)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
      Bind(s, customer_id, p.external_id, core::PurchaseKindName(p.kind), original_id,
           ToUnixSeconds(p.occurred_at), p.store, p.total_minor, p.currency, line_count, hash,
           now, now);
      RETAIN_ASSIGN_OR_RETURN(id, InsertReturningId(s));
      outcome = WriteOutcome::kInserted;
    } else {
      if (existing->hash == hash) return WriteOutcome::kUnchanged;
      id = existing->id;
      RETAIN_RETURN_IF_ERROR(Execute(*db_,
          "UPDATE purchases SET kind = ?, original_id = ?, occurred_at = ?, store = ?,"
          " total_minor = ?, currency = ?, line_count = ?, content_hash = ?, updated_at = ?"
          " WHERE id = ?",
          core::PurchaseKindName(p.kind), original_id, ToUnixSeconds(p.occurred_at), p.store,
          p.total_minor, p.currency, line_count, hash, now, id));
      RETAIN_RETURN_IF_ERROR(Execute(*db_,
          "DELETE FROM purchase_lines WHERE customer_id = ? AND purchase_id = ?", customer_id, id));
      outcome = WriteOutcome::kUpdated;
    }
    for (size_t i = 0; i < p.lines.size(); ++i) {
      const auto& l = p.lines[i];
      RETAIN_RETURN_IF_ERROR(Execute(*db_,
          "INSERT INTO purchase_lines (customer_id, purchase_id, line_no, product_id, description,"
          " quantity, unit_price_minor, amount_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          customer_id, id, static_cast<int64_t>(i + 1), product_ids[i], l.description, l.quantity,
          l.unit_price_minor, l.amount_minor));
    }
    return outcome;
  }

  Result<WriteOutcome> PutEvent(const core::Event& e) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(e.customer));
    int64_t hash = HashColumn(core::ContentHash(e));
    RETAIN_ASSIGN_OR_RETURN(auto existing, FindOwned(Table::kEvents, e.external_id, customer_id));
    int64_t now = Now();
    if (!existing) {
      RETAIN_RETURN_IF_ERROR(Execute(*db_,
          "INSERT INTO events (customer_id, external_id, type, occurred_at, payload, content_hash,"
          " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          customer_id, e.external_id, e.type, ToUnixSeconds(e.occurred_at), e.payload_json, hash,
          now, now));
      return WriteOutcome::kInserted;
    }
    if (existing->hash == hash) return WriteOutcome::kUnchanged;
    RETAIN_RETURN_IF_ERROR(Execute(*db_,
        "UPDATE events SET type = ?, occurred_at = ?, payload = ?, content_hash = ?, updated_at = ?"
        " WHERE id = ?",
        e.type, ToUnixSeconds(e.occurred_at), e.payload_json, hash, now, existing->id));
    return WriteOutcome::kUpdated;
  }

  Status Tidy() override {
    if (db_->dialect() != Dialect::kSqlite) return Ok();
    // RESTART waits (the busy timeout, shortened here) until no reader is in the log, then the
    // next write starts it over; journal_size_limit then trims the file.
    RETAIN_RETURN_IF_ERROR(db_->ExecuteScript("PRAGMA busy_timeout = 50"));
    auto done = db_->ExecuteScript("PRAGMA wal_checkpoint(RESTART)");
    RETAIN_RETURN_IF_ERROR(db_->ExecuteScript("PRAGMA busy_timeout = 10000"));
    if (!done && done.error().code != ErrorCode::kUnavailable) return done;
    return Ok();
  }

  Result<std::optional<std::vector<core::PersonalDataTable>>> ExportCustomer(std::string_view external_id) override {
    return storage::ExportCustomer(*db_, external_id);
  }
  Result<std::optional<core::Erasure>> EraseCustomer(std::string_view external_id, Timestamp at) override {
    return storage::EraseCustomer(*db_, external_id, at);
  }

  Result<std::optional<core::Customer>> GetCustomer(std::string_view external_id) override {
    return GetOne<core::Customer>(kCustomerSelect, " WHERE x.external_id = ?", external_id,
                                  [&](Statement* s) { return DecodeCustomer(s); });
  }

  Result<std::optional<core::Product>> GetProduct(std::string_view external_id) override {
    return GetOne<core::Product>(kProductSelect, " WHERE x.external_id = ?", external_id,
                                 [&](Statement* s) { return DecodeProduct(s); });
  }
  Result<std::optional<core::Subscription>> GetSubscription(std::string_view external_id) override {
    return GetOne<core::Subscription>(kSubscriptionSelect, " WHERE x.external_id = ?", external_id,
                                      [&](Statement* s) { return DecodeSubscription(s); });
  }
  Result<std::optional<core::Payment>> GetPayment(std::string_view external_id) override {
    return GetOne<core::Payment>(kPaymentSelect, " WHERE x.external_id = ?", external_id,
                                 [&](Statement* s) { return DecodePayment(s); });
  }
  Result<std::optional<core::Purchase>> GetPurchase(std::string_view external_id) override {
    return GetOne<core::Purchase>(kPurchaseSelect, " WHERE x.external_id = ?", external_id,
                                  [&](Statement* s) { return DecodePurchase(s); });
  }
  Result<std::optional<core::Event>> GetEvent(std::string_view external_id) override {
    return GetOne<core::Event>(kEventSelect, " WHERE x.external_id = ?", external_id,
                               [&](Statement* s) { return DecodeEvent(s); });
  }

  Result<core::Page<core::Customer>> ListCustomers(const core::ListQuery& q) override {
    return List<core::Customer>(kCustomerSelect, q, /*scoped=*/false,
                                [&](Statement* s) { return DecodeCustomer(s); });
  }
  Result<core::Page<core::Product>> ListProducts(const core::ListQuery& q) override {
    return List<core::Product>(kProductSelect, q, false, [&](Statement* s) { return DecodeProduct(s); });
  }
  Result<core::Page<core::Subscription>> ListSubscriptions(const core::ListQuery& q) override {
    return List<core::Subscription>(kSubscriptionSelect, q, true,
                                    [&](Statement* s) { return DecodeSubscription(s); });
  }
  Result<core::Page<core::Payment>> ListPayments(const core::ListQuery& q) override {
    return List<core::Payment>(kPaymentSelect, q, true, [&](Statement* s) { return DecodePayment(s); });
  }
  Result<core::Page<core::Purchase>> ListPurchases(const core::ListQuery& q) override {
    return List<core::Purchase>(kPurchaseSelect, q, true, [&](Statement* s) { return DecodePurchase(s); });
  }
  Result<core::Page<core::Event>> ListEvents(const core::ListQuery& q) override {
    return List<core::Event>(kEventSelect, q, true, [&](Statement* s) { return DecodeEvent(s); });
  }

  Result<std::optional<core::IdempotentReply>> GetIdempotentReply(std::string_view key) override {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(
        "SELECT request_hash, status, body FROM idempotency_keys WHERE key = ?"));
    Bind(s, key);
    RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
    std::optional<core::IdempotentReply> reply;
    if (row) reply = core::IdempotentReply{std::string(s->Text(0)), static_cast<int>(s->Int(1)), std::string(s->Text(2))};
    s->Reset();
    return reply;
  }

  Status PutIdempotentReply(std::string_view key, const core::IdempotentReply& reply) override {
    return Execute(*db_,
                   "INSERT INTO idempotency_keys (key, request_hash, status, body, created_at)"
                   " VALUES (?, ?, ?, ?, ?)",
                   key, reply.request_hash, static_cast<int64_t>(reply.status), reply.body, Now());
  }

  // --- The audit trail ---------------------------------------------------------------------

  Status AppendAudit(const core::AuditEntry& e) override {
    return Execute(*db_,
                   "INSERT INTO audit_log (at, actor, action, record_type, record_id, before_json, after_json)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                   ToUnixSeconds(e.at), e.actor, e.action, e.record_type, e.record_id, e.before_json,
                   e.after_json);
  }

  Result<core::Page<core::AuditEntry>> ListAudit(const core::AuditQuery& q) override {
    int64_t before = INT64_MAX;
    if (!q.cursor.empty()) {
      auto [p, ec] = std::from_chars(q.cursor.data(), q.cursor.data() + q.cursor.size(), before);
      if (ec != std::errc() || p != q.cursor.data() + q.cursor.size()) {
        return InvalidArgument("is not a cursor this server gave out", "cursor");
      }
    }
    if (q.limit < 1 || q.limit > 1000) return InvalidArgument("must be between 1 and 1000", "limit");
    std::string sql = "SELECT id, at, actor, action, record_type, record_id, before_json, after_json"
                      " FROM audit_log WHERE id < ?";
    if (!q.record_type.empty()) sql += " AND record_type = ?";
    if (!q.record_id.empty()) sql += " AND record_id = ?";
    if (!q.actor.empty()) sql += " AND actor = ?";
    sql += " ORDER BY id DESC LIMIT ?";
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql));
    int i = 0;
    s->BindInt(++i, before);
    if (!q.record_type.empty()) s->BindText(++i, q.record_type);
    if (!q.record_id.empty()) s->BindText(++i, q.record_id);
    if (!q.actor.empty()) s->BindText(++i, q.actor);
    s->BindInt(++i, q.limit + 1);
    core::Page<core::AuditEntry> page;
    int64_t last = 0;
    while (true) {
      RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == q.limit) {
        page.next_cursor = std::to_string(last);
        break;
      }
      last = s->Int(0);
      page.items.push_back({FromUnixSeconds(s->Int(1)), std::string(s->Text(2)), std::string(s->Text(3)),
                            std::string(s->Text(4)), std::string(s->Text(5)), std::string(s->Text(6)),
                            std::string(s->Text(7))});
    }
    s->Reset();
    return page;
  }

  // --- Staff ---------------------------------------------------------------------------------

  Status CreateUser(const staff::User& u) override {
    auto existing = FindUser(u.username);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) return Conflict("a user named '" + u.username + "' exists", "username");
    int64_t now = Now();
    return Execute(*db_,
                   "INSERT INTO staff_users (username, display_name, password_hash, role, locale, active,"
                   " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   u.username, u.display_name, u.password_hash, staff::RoleName(u.role), u.locale, u.active,
                   now, now);
  }

  Status UpdateUser(const staff::User& u) override {
    RETAIN_ASSIGN_OR_RETURN(auto existing, GetUser(u.id));
    if (!existing) return NotFound("no such user", "id");
    return Execute(*db_,
                   "UPDATE staff_users SET display_name = ?, password_hash = ?, role = ?, locale = ?,"
                   " active = ?, updated_at = ? WHERE id = ?",
                   u.display_name, u.password_hash, staff::RoleName(u.role), u.locale, u.active, Now(), u.id);
  }

  Result<std::optional<staff::User>> FindUser(std::string_view username) override {
    return OneUser("SELECT id, username, display_name, password_hash, role, locale, active FROM staff_users"
                   " WHERE username = ?", username);
  }

  Result<std::optional<staff::User>> GetUser(int64_t id) override {
    return OneUser("SELECT id, username, display_name, password_hash, role, locale, active FROM staff_users"
                   " WHERE id = ?", id);
  }

  Result<std::vector<staff::User>> ListUsers() override {
    return Rows<staff::User>(
        "SELECT id, username, display_name, password_hash, role, locale, active FROM staff_users ORDER BY username",
        [&](Statement* s) { return DecodeUser(s); });
  }

  Status CreateSession(const staff::Session& x) override {
    return Execute(*db_,
                   "INSERT INTO staff_sessions (token_hash, user_id, csrf_token, created_at, expires_at)"
                   " VALUES (?, ?, ?, ?, ?)",
                   x.token_hash, x.user_id, x.csrf_token, Now(), ToUnixSeconds(x.expires_at));
  }

  Result<std::optional<staff::Session>> FindSession(std::string_view token_hash) override {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(
        "SELECT token_hash, user_id, csrf_token, expires_at FROM staff_sessions WHERE token_hash = ?"));
    Bind(s, token_hash);
    RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
    std::optional<staff::Session> out;
    if (row) out = staff::Session{std::string(s->Text(0)), s->Int(1), std::string(s->Text(2)), FromUnixSeconds(s->Int(3))};
    s->Reset();
    return out;
  }

  Status DeleteSession(std::string_view token_hash) override {
    return Execute(*db_, "DELETE FROM staff_sessions WHERE token_hash = ?", token_hash);
  }

  Status CreateApiKey(const staff::ApiKey& k) override {
    std::string scopes;
    for (const auto& sc : k.scopes) scopes += (scopes.empty() ? "" : " ") + sc;
    return Execute(*db_,
                   "INSERT INTO api_keys (prefix, secret_hash, name, scopes, created_by, created_at, revoked_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, NULL)",
                   k.prefix, k.secret_hash, k.name, scopes, k.created_by, ToUnixSeconds(k.created_at));
  }

  Result<std::optional<staff::ApiKey>> FindApiKey(std::string_view prefix) override {
    return FirstRow<staff::ApiKey>(
        "SELECT prefix, secret_hash, name, scopes, created_by, created_at, revoked_at FROM api_keys WHERE prefix = ?",
        [&](Statement* s) { return DecodeKey(s); }, prefix);
  }

  Result<std::vector<staff::ApiKey>> ListApiKeys() override {
    return Rows<staff::ApiKey>(
        "SELECT prefix, secret_hash, name, scopes, created_by, created_at, revoked_at FROM api_keys"
        " ORDER BY created_at, prefix",
        [&](Statement* s) { return DecodeKey(s); });
  }

  Status RevokeApiKey(std::string_view prefix, Timestamp at) override {
    RETAIN_ASSIGN_OR_RETURN(auto key, FindApiKey(prefix));
    if (!key) return NotFound("no API key '" + std::string(prefix) + "'", "prefix");
    return Execute(*db_, "UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL",
                   ToUnixSeconds(at), prefix);
  }

  Result<staff::Authority> GetAuthority(staff::Role role) override {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(
        "SELECT max_discount_bp, max_free_months, max_offer_cost_minor, max_compensation_minor"
        " FROM role_authority WHERE role = ?"));
    Bind(s, staff::RoleName(role));
    RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
    staff::Authority a = staff::DefaultAuthority(role);
    if (row) a = {static_cast<int32_t>(s->Int(0)), static_cast<int32_t>(s->Int(1)), s->Int(2), s->Int(3)};
    s->Reset();
    return a;
  }

  Status SetAuthority(staff::Role role, const staff::Authority& a) override {
    return Execute(*db_,
                   "INSERT INTO role_authority (role, max_discount_bp, max_free_months, max_offer_cost_minor,"
                   " max_compensation_minor) VALUES (?, ?, ?, ?, ?) ON CONFLICT (role) DO UPDATE SET"
                   " max_discount_bp = excluded.max_discount_bp, max_free_months = excluded.max_free_months,"
                   " max_offer_cost_minor = excluded.max_offer_cost_minor,"
                   " max_compensation_minor = excluded.max_compensation_minor",
                   staff::RoleName(role), static_cast<int64_t>(a.max_discount_bp),
                   static_cast<int64_t>(a.max_free_months), a.max_offer_cost_minor, a.max_compensation_minor);
  }

  // --- Outbox and webhooks --------------------------------------------------------------------

  Status AppendOutbox(const core::OutboxEvent& e) override {
    return Execute(*db_, "INSERT INTO outbox (type, record_id, payload, created_at) VALUES (?, ?, ?, ?)",
                   e.type, e.record_id, e.payload_json, ToUnixSeconds(e.created_at));
  }

  static core::OutboxEvent DecodeOutbox(Statement* s) {
    return {s->Int(0), std::string(s->Text(1)), std::string(s->Text(2)), std::string(s->Text(3)),
            FromUnixSeconds(s->Int(4))};
  }

  Result<std::vector<core::OutboxEvent>> OutboxAfter(int64_t after, int limit) override {
    return Rows<core::OutboxEvent>(
        "SELECT id, type, record_id, payload, created_at FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
        DecodeOutbox, after, static_cast<int64_t>(limit));
  }

  Result<std::optional<core::OutboxEvent>> GetOutbox(int64_t id) override {
    return FirstRow<core::OutboxEvent>("SELECT id, type, record_id, payload, created_at FROM outbox WHERE id = ?",
                                       DecodeOutbox, id);
  }

  Result<int64_t> CreateWebhook(const core::Webhook& w) override {
    std::string types;
    for (const auto& t : w.event_types) types += (types.empty() ? "" : " ") + t;
    RETAIN_ASSIGN_OR_RETURN(Statement * s, PrepareInsert(
        "INSERT INTO webhooks (url, event_types, secret, active, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)"));
    Bind(s, w.url, types, w.secret, w.active, w.created_by, ToUnixSeconds(w.created_at));
    return InsertReturningId(s);
  }

  core::Webhook DecodeWebhook(Statement* s) {
    core::Webhook w;
    w.id = s->Int(0);
    w.url = s->Text(1);
    std::string_view types = s->Text(2);
    while (!types.empty()) {
      auto sp = types.find(' ');
      w.event_types.emplace_back(types.substr(0, sp));
      types = sp == std::string_view::npos ? std::string_view() : types.substr(sp + 1);
    }
    w.secret = s->Text(3);
    w.active = s->Int(4) != 0;
    w.created_by = s->Text(5);
    w.created_at = FromUnixSeconds(s->Int(6));
    return w;
  }

  Result<std::vector<core::Webhook>> ListWebhooks() override {
    return Rows<core::Webhook>(
        "SELECT id, url, event_types, secret, active, created_by, created_at FROM webhooks ORDER BY id",
        [&](Statement* s) { return DecodeWebhook(s); });
  }

  Result<std::optional<core::Webhook>> GetWebhook(int64_t id) override {
    return FirstRow<core::Webhook>(
        "SELECT id, url, event_types, secret, active, created_by, created_at FROM webhooks WHERE id = ?",
        [&](Statement* s) { return DecodeWebhook(s); }, id);
  }

  Status DeactivateWebhook(int64_t id) override {
    RETAIN_ASSIGN_OR_RETURN(auto w, GetWebhook(id));
    if (!w) return NotFound("no webhook " + std::to_string(id), "id");
    return Execute(*db_, "UPDATE webhooks SET active = 0 WHERE id = ?", id);
  }

  Status EnqueueDelivery(int64_t webhook_id, int64_t outbox_id, Timestamp at) override {
    return Execute(*db_,
                   "INSERT INTO webhook_deliveries (webhook_id, outbox_id, attempts, status, next_attempt_at,"
                   " last_response, last_error) VALUES (?, ?, 0, 'pending', ?, 0, '')"
                   " ON CONFLICT (webhook_id, outbox_id) DO NOTHING",
                   webhook_id, outbox_id, ToUnixSeconds(at));
  }

  core::Delivery DecodeDelivery(Statement* s) {
    core::Delivery d;
    d.id = s->Int(0);
    d.webhook_id = s->Int(1);
    d.outbox_id = s->Int(2);
    d.attempts = static_cast<int>(s->Int(3));
    auto st = s->Text(4);
    d.status = st == "delivered" ? core::DeliveryStatus::kDelivered
               : st == "gave_up" ? core::DeliveryStatus::kGaveUp : core::DeliveryStatus::kPending;
    d.next_attempt_at = FromUnixSeconds(s->Int(5));
    d.last_response = static_cast<int>(s->Int(6));
    d.last_error = s->Text(7);
    return d;
  }

  Result<std::vector<core::Delivery>> DueDeliveries(Timestamp now, int limit) override {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(
        "SELECT id, webhook_id, outbox_id, attempts, status, next_attempt_at, last_response, last_error"
        " FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?"
        " ORDER BY next_attempt_at, id LIMIT ?"));
    Bind(s, ToUnixSeconds(now), static_cast<int64_t>(limit));
    return Drain<core::Delivery>(s, [&](Statement* st) { return DecodeDelivery(st); });
  }

  Status UpdateDelivery(const core::Delivery& d) override {
    return Execute(*db_,
                   "UPDATE webhook_deliveries SET attempts = ?, status = ?, next_attempt_at = ?,"
                   " last_response = ?, last_error = ? WHERE id = ?",
                   static_cast<int64_t>(d.attempts), core::DeliveryStatusName(d.status),
                   ToUnixSeconds(d.next_attempt_at), static_cast<int64_t>(d.last_response), d.last_error, d.id);
  }

  Status LogAttempt(const core::DeliveryAttempt& a) override {
    return Execute(*db_,
                   "INSERT INTO webhook_attempts (delivery_id, attempt, at, response, error, duration_ms)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   a.delivery_id, static_cast<int64_t>(a.attempt), ToUnixSeconds(a.at),
                   static_cast<int64_t>(a.response), a.error, a.duration_ms);
  }

  Result<std::vector<core::Delivery>> ListDeliveries(int64_t webhook_id, int limit) override {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(
        "SELECT id, webhook_id, outbox_id, attempts, status, next_attempt_at, last_response, last_error"
        " FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?"));
    Bind(s, webhook_id, static_cast<int64_t>(limit));
    return Drain<core::Delivery>(s, [&](Statement* st) { return DecodeDelivery(st); });
  }

  Result<std::vector<core::TimelineEntry>> Timeline(std::string_view customer_external_id) override {
    RETAIN_ASSIGN_OR_RETURN(auto customer, Find("SELECT id, id, content_hash FROM customers WHERE external_id = ?",
                                                customer_external_id));
    if (!customer) {
      return NotFound(fmt::format("no customer '{}'", customer_external_id), "customer");
    }
    int64_t cid = customer->id;
    std::vector<core::TimelineEntry> out;
    using core::RecordKind;
    auto each = [&](std::string_view sql, auto&& fn) -> Status {
      RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql));
      Bind(s, cid);
      while (true) {
        RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        fn(s);
      }
      s->Reset();
      return Ok();
    };
    RETAIN_RETURN_IF_ERROR(each(
        "SELECT s.external_id, s.started_at, s.paused_at, s.cancel_requested_at, s.cancelled_at,"
        " s.cancel_cause, s.cancel_reason, p.name, s.status FROM subscriptions s"
        " JOIN products p ON p.id = s.plan_id WHERE s.customer_id = ?",
        [&](Statement* s) {
          std::string id(s->Text(0));
          std::string plan(s->Text(7));
          auto entry = [&](int column, const char* action) {
            core::TimelineEntry e;
            e.at = FromUnixSeconds(s->Int(column));
            e.kind = RecordKind::kSubscription;
            e.external_id = id;
            e.action = action;
            e.subject = plan;
            return e;
          };
          out.push_back(entry(1, "subscribed"));
          if (!s->IsNull(2) && s->Text(8) == "paused") out.push_back(entry(2, "paused"));
          if (!s->IsNull(3)) out.push_back(entry(3, "cancel_requested"));
          if (!s->IsNull(4)) {
            auto e = entry(4, "cancelled");
            e.status = s->Text(5);
            e.detail = s->Text(6);
            out.push_back(std::move(e));
          }
        }));
    RETAIN_RETURN_IF_ERROR(each(
        "SELECT external_id, occurred_at, amount_minor, currency, status, failure_reason"
        " FROM payments WHERE customer_id = ?",
        [&](Statement* s) {
          core::TimelineEntry e;
          e.at = FromUnixSeconds(s->Int(1));
          e.kind = RecordKind::kPayment;
          e.external_id = s->Text(0);
          e.action = "payment";
          e.amount_minor = s->Int(2);
          e.currency = s->Text(3);
          e.status = s->Text(4);
          e.detail = s->Text(5);
          out.push_back(std::move(e));
        }));
    RETAIN_RETURN_IF_ERROR(each(
        "SELECT external_id, occurred_at, kind, total_minor, currency, store, line_count"
        " FROM purchases WHERE customer_id = ?",
        [&](Statement* s) {
          core::TimelineEntry e;
          e.at = FromUnixSeconds(s->Int(1));
          e.kind = RecordKind::kPurchase;
          e.external_id = s->Text(0);
          e.action = s->Text(2);
          e.amount_minor = s->Int(3);
          e.currency = s->Text(4);
          e.subject = s->Text(5);
          e.count = s->Int(6);
          out.push_back(std::move(e));
        }));
    RETAIN_RETURN_IF_ERROR(each(
        "SELECT external_id, occurred_at, type, payload FROM events WHERE customer_id = ?",
        [&](Statement* s) {
          core::TimelineEntry e;
          e.at = FromUnixSeconds(s->Int(1));
          e.kind = RecordKind::kEvent;
          e.external_id = s->Text(0);
          e.action = s->Text(2);
          e.detail = s->Text(3);
          out.push_back(std::move(e));
        }));
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.at < b.at; });
    return out;
  }

  Result<core::RecordCounts> Counts() override {
    core::RecordCounts c;
    std::pair<const char*, int64_t*> tables[] = {
        {"SELECT COUNT(*) FROM customers", &c.customers},
        {"SELECT COUNT(*) FROM products", &c.products},
        {"SELECT COUNT(*) FROM subscriptions", &c.subscriptions},
        {"SELECT COUNT(*) FROM payments", &c.payments},
        {"SELECT COUNT(*) FROM purchases", &c.purchases},
        {"SELECT COUNT(*) FROM purchase_lines", &c.purchase_lines},
        {"SELECT COUNT(*) FROM events", &c.events}};
    for (auto& [sql, out] : tables) {
      RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql));
      RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
      *out = row ? s->Int(0) : 0;
      s->Reset();
    }
    return c;
  }

  Result<std::optional<std::string>> GetSetting(std::string_view key) override {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare("SELECT value FROM settings WHERE key = ?"));
    Bind(s, key);
    RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
    std::optional<std::string> value;
    if (row) value = std::string(s->Text(0));
    s->Reset();
    return value;
  }

  Status SetSetting(std::string_view key, std::string_view value) override {
    return Execute(*db_,
                   "INSERT INTO settings (key, value) VALUES (?, ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   key, value);
  }

 private:
  staff::User DecodeUser(Statement* s) {
    staff::User u;
    u.id = s->Int(0);
    u.username = s->Text(1);
    u.display_name = s->Text(2);
    u.password_hash = s->Text(3);
    u.role = staff::ParseRole(s->Text(4)).value_or(staff::Role::kAgent);
    u.locale = s->Text(5);
    u.active = s->Int(6) != 0;
    return u;
  }

  template <typename Arg>
  Result<std::optional<staff::User>> OneUser(const char* sql, const Arg& arg) {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql));
    Bind(s, arg);
    RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
    std::optional<staff::User> out;
    if (row) out = DecodeUser(s);
    s->Reset();
    return out;
  }

  staff::ApiKey DecodeKey(Statement* s) {
    staff::ApiKey k;
    k.prefix = s->Text(0);
    k.secret_hash = s->Text(1);
    k.name = s->Text(2);
    std::string_view scopes = s->Text(3);
    while (!scopes.empty()) {
      auto sp = scopes.find(' ');
      k.scopes.emplace_back(scopes.substr(0, sp));
      scopes = sp == std::string_view::npos ? std::string_view() : scopes.substr(sp + 1);
    }
    k.created_by = s->Text(4);
    k.created_at = FromUnixSeconds(s->Int(5));
    if (!s->IsNull(6)) k.revoked_at = FromUnixSeconds(s->Int(6));
    return k;
  }

  // Row decoders for the SELECTs below (column order matters).
  core::Customer DecodeCustomer(Statement* s) {
    core::Customer c;
    c.external_id = s->Text(1);
    c.name = s->Text(2);
    c.email = s->Text(3);
    c.phone = s->Text(4);
    c.address_line1 = s->Text(5);
    c.address_line2 = s->Text(6);
    c.postal_code = s->Text(7);
    c.city = s->Text(8);
    c.region = s->Text(9);
    c.country = s->Text(10);
    c.locale = s->Text(11);
    c.consent = {s->Int(12) != 0, s->Int(13) != 0, s->Int(14) != 0, s->Int(15) != 0};
    if (!s->IsNull(16)) c.first_contact_at = FromUnixSeconds(s->Int(16));
    c.attributes_json = s->Text(17);
    if (!s->IsNull(18)) c.erased_at = FromUnixSeconds(s->Int(18));
    return c;
  }

  core::Product DecodeProduct(Statement* s) {
    core::Product p;
    p.external_id = s->Text(1);
    p.name = s->Text(2);
    auto kind = s->Text(3);
    p.kind = kind == "plan" ? core::ProductKind::kPlan
             : kind == "addon" ? core::ProductKind::kAddon : core::ProductKind::kItem;
    p.price_minor = s->Int(4);
    p.currency = s->Text(5);
    auto billing = s->Text(6);
    p.billing = billing == "monthly" ? core::Billing::kMonthly
                : billing == "yearly" ? core::Billing::kYearly : core::Billing::kOneOff;
    p.category = s->Text(7);
    p.active = s->Int(8) != 0;
    return p;
  }

  static std::optional<Timestamp> OptionalTime(Statement* s, int column) {
    if (s->IsNull(column)) return std::nullopt;
    return FromUnixSeconds(s->Int(column));
  }

  // Reads the subscription's add-ons and discounts too (after the main row is decoded).
  core::Subscription DecodeSubscription(Statement* s) {
    core::Subscription x;
    x.external_id = s->Text(1);
    x.customer = s->Text(2);
    x.plan = s->Text(3);
    auto status = s->Text(4);
    x.status = status == "paused" ? core::SubscriptionStatus::kPaused
               : status == "cancel_requested" ? core::SubscriptionStatus::kCancelRequested
               : status == "cancelled" ? core::SubscriptionStatus::kCancelled
                                       : core::SubscriptionStatus::kActive;
    x.started_at = FromUnixSeconds(s->Int(5));
    x.paused_at = OptionalTime(s, 6);
    x.resume_at = OptionalTime(s, 7);
    x.cancel_requested_at = OptionalTime(s, 8);
    x.cancelled_at = OptionalTime(s, 9);
    auto cause = s->Text(10);
    x.cancel_cause = cause == "voluntary" ? core::CancelCause::kVoluntary
                     : cause == "involuntary" ? core::CancelCause::kInvoluntary : core::CancelCause::kNone;
    x.cancel_reason = s->Text(11);
    pending_children_ = {s->Int(12), s->Int(0)};  // customer id, subscription id
    return x;
  }

  Status LoadSubscriptionChildren(core::Subscription& x, int64_t customer_id, int64_t id) {
    RETAIN_ASSIGN_OR_RETURN(Statement * a, db_->Prepare(
        "SELECT p.external_id FROM subscription_addons a JOIN products p ON p.id = a.product_id"
        " WHERE a.customer_id = ? AND a.subscription_id = ? ORDER BY p.external_id"));
    Bind(a, customer_id, id);
    while (true) {
      RETAIN_ASSIGN_OR_RETURN(bool row, a->Step());
      if (!row) break;
      x.addons.emplace_back(a->Text(0));
    }
    a->Reset();
    RETAIN_ASSIGN_OR_RETURN(Statement * d, db_->Prepare(
        "SELECT percent_bp, amount_minor, starts_at, ends_at, reason FROM subscription_discounts"
        " WHERE customer_id = ? AND subscription_id = ? ORDER BY position"));
    Bind(d, customer_id, id);
    while (true) {
      RETAIN_ASSIGN_OR_RETURN(bool row, d->Step());
      if (!row) break;
      x.discounts.push_back({static_cast<int32_t>(d->Int(0)), d->Int(1), FromUnixSeconds(d->Int(2)),
                             OptionalTime(d, 3), std::string(d->Text(4))});
    }
    d->Reset();
    return Ok();
  }

  core::Payment DecodePayment(Statement* s) {
    core::Payment p;
    p.external_id = s->Text(1);
    p.customer = s->Text(2);
    if (!s->IsNull(3)) p.subscription = s->Text(3);
    p.amount_minor = s->Int(4);
    p.currency = s->Text(5);
    auto status = s->Text(6);
    p.status = status == "failed" ? core::PaymentStatus::kFailed
               : status == "refunded" ? core::PaymentStatus::kRefunded : core::PaymentStatus::kSucceeded;
    p.failure_reason = s->Text(7);
    p.occurred_at = FromUnixSeconds(s->Int(8));
    return p;
  }

  core::Purchase DecodePurchase(Statement* s) {
    core::Purchase p;
    p.external_id = s->Text(1);
    p.customer = s->Text(2);
    p.kind = s->Text(3) == "return" ? core::PurchaseKind::kReturn : core::PurchaseKind::kSale;
    if (!s->IsNull(4)) p.original = s->Text(4);
    p.occurred_at = FromUnixSeconds(s->Int(5));
    p.store = s->Text(6);
    p.total_minor = s->Int(7);
    p.currency = s->Text(8);
    pending_children_ = {s->Int(9), s->Int(0)};
    return p;
  }

  Status LoadPurchaseLines(core::Purchase& p, int64_t customer_id, int64_t id) {
    RETAIN_ASSIGN_OR_RETURN(Statement * l, db_->Prepare(
        "SELECT pr.external_id, l.description, l.quantity, l.unit_price_minor, l.amount_minor"
        " FROM purchase_lines l LEFT JOIN products pr ON pr.id = l.product_id"
        " WHERE l.customer_id = ? AND l.purchase_id = ? ORDER BY l.line_no"));
    Bind(l, customer_id, id);
    while (true) {
      RETAIN_ASSIGN_OR_RETURN(bool row, l->Step());
      if (!row) break;
      p.lines.push_back({l->IsNull(0) ? std::string() : std::string(l->Text(0)), std::string(l->Text(1)),
                         l->Int(2), l->Int(3), l->Int(4)});
    }
    l->Reset();
    return Ok();
  }

  core::Event DecodeEvent(Statement* s) {
    core::Event e;
    e.external_id = s->Text(1);
    e.customer = s->Text(2);
    e.type = s->Text(3);
    e.occurred_at = FromUnixSeconds(s->Int(4));
    e.payload_json = s->Text(5);
    return e;
  }

  // Child rows (add-ons, discounts, lines) are read after the parent statement is done with, so
  // two statements are never stepped at once on one connection.
  template <typename T>
  Status LoadChildren(T& record, std::pair<int64_t, int64_t> ids) {
    if constexpr (std::is_same_v<T, core::Subscription>) {
      return LoadSubscriptionChildren(record, ids.first, ids.second);
    } else if constexpr (std::is_same_v<T, core::Purchase>) {
      return LoadPurchaseLines(record, ids.first, ids.second);
    } else {
      return Ok();
    }
  }

  template <typename T, typename Decode>
  Result<std::optional<T>> GetOne(std::string_view select, std::string_view where,
                                  std::string_view external_id, Decode decode) {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(std::string(select) + std::string(where)));
    Bind(s, external_id);
    RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return std::optional<T>();
    T record = decode(s);
    auto ids = pending_children_;
    s->Reset();
    RETAIN_RETURN_IF_ERROR(LoadChildren(record, ids));
    return std::optional<T>(std::move(record));
  }

  template <typename T, typename Decode>
  Result<core::Page<T>> List(std::string_view select, const core::ListQuery& q, bool scoped,
                             Decode decode) {
    int64_t after = 0;
    if (!q.cursor.empty()) {
      auto [p, ec] = std::from_chars(q.cursor.data(), q.cursor.data() + q.cursor.size(), after);
      if (ec != std::errc() || p != q.cursor.data() + q.cursor.size() || after < 0) {
        return InvalidArgument("is not a cursor this server gave out", "cursor");
      }
    }
    if (q.limit < 1 || q.limit > 1000) return InvalidArgument("must be between 1 and 1000", "limit");
    std::string sql(select);
    sql += " WHERE x.id > ?";
    std::optional<int64_t> customer_id;
    if (scoped && !q.customer.empty()) {
      RETAIN_ASSIGN_OR_RETURN(customer_id, CustomerId(q.customer));
      sql += " AND x.customer_id = ?";
    }
    if (!q.type.empty()) sql += " AND x.type = ?";
    if (!q.search.empty()) {
      sql += " AND (x.external_id = ? OR LOWER(x.email) = LOWER(?) OR LOWER(x.name) LIKE LOWER(?) ESCAPE '\\')";
    }
    sql += " ORDER BY x.id LIMIT ?";
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql));
    int i = 0;
    s->BindInt(++i, after);
    if (customer_id) s->BindInt(++i, *customer_id);
    if (!q.type.empty()) s->BindText(++i, q.type);
    if (!q.search.empty()) {
      s->BindText(++i, q.search);
      s->BindText(++i, q.search);
      std::string prefix;
      for (char c : q.search) {  // LIKE's wildcards in the search mean themselves
        if (c == '%' || c == '_' || c == '\\') prefix.push_back('\\');
        prefix.push_back(c);
      }
      s->BindText(++i, prefix + "%");
    }
    s->BindInt(++i, q.limit + 1);
    core::Page<T> page;
    std::vector<std::pair<int64_t, int64_t>> children;
    int64_t last_id = 0;
    while (true) {
      RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == q.limit) {
        page.next_cursor = std::to_string(last_id);
        break;
      }
      last_id = s->Int(0);
      page.items.push_back(decode(s));
      children.push_back(pending_children_);
    }
    s->Reset();
    for (size_t k = 0; k < page.items.size(); ++k) {
      RETAIN_RETURN_IF_ERROR(LoadChildren(page.items[k], children[k]));
    }
    return page;
  }

  static constexpr const char* kCustomerSelect =
      "SELECT x.id, x.external_id, x.name, x.email, x.phone, x.address_line1, x.address_line2,"
      " x.postal_code, x.city, x.region, x.country, x.locale, x.consent_email, x.consent_sms,"
      " x.consent_post, x.consent_phone, x.first_contact_at, x.attributes, x.erased_at FROM customers x";
  static constexpr const char* kProductSelect =
      "SELECT x.id, x.external_id, x.name, x.kind, x.price_minor, x.currency, x.billing, x.category,"
      " x.active FROM products x";
  static constexpr const char* kSubscriptionSelect =
      "SELECT x.id, x.external_id, c.external_id, p.external_id, x.status, x.started_at,"
      " x.paused_at, x.resume_at, x.cancel_requested_at, x.cancelled_at, x.cancel_cause,"
      " x.cancel_reason, x.customer_id FROM subscriptions x"
      " JOIN customers c ON c.id = x.customer_id JOIN products p ON p.id = x.plan_id";
  static constexpr const char* kPaymentSelect =
      "SELECT x.id, x.external_id, c.external_id, s.external_id, x.amount_minor, x.currency,"
      " x.status, x.failure_reason, x.occurred_at FROM payments x"
      " JOIN customers c ON c.id = x.customer_id LEFT JOIN subscriptions s ON s.id = x.subscription_id";
  static constexpr const char* kPurchaseSelect =
      "SELECT x.id, x.external_id, c.external_id, x.kind, o.external_id, x.occurred_at, x.store,"
      " x.total_minor, x.currency, x.customer_id FROM purchases x"
      " JOIN customers c ON c.id = x.customer_id LEFT JOIN purchases o ON o.id = x.original_id";
  static constexpr const char* kEventSelect =
      "SELECT x.id, x.external_id, c.external_id, x.type, x.occurred_at, x.payload FROM events x"
      " JOIN customers c ON c.id = x.customer_id";

  // Every row `sql` returns for `args`, decoded.
  template <typename T, typename Decode, typename... Args>
  Result<std::vector<T>> Rows(std::string_view sql, Decode decode, const Args&... args) {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql));
    Bind(s, args...);
    return Drain<T>(s, decode);
  }

  // Every remaining row of the bound statement `s`, decoded; resets `s`.
  template <typename T, typename Decode>
  static Result<std::vector<T>> Drain(Statement* s, Decode decode) {
    std::vector<T> out;
    while (true) {
      RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      out.push_back(decode(s));
    }
    s->Reset();
    return out;
  }

  // The first row `sql` returns for `args`, decoded, or nullopt.
  template <typename T, typename Decode, typename... Args>
  Result<std::optional<T>> FirstRow(std::string_view sql, Decode decode, const Args&... args) {
    RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<T>(sql, decode, args...));
    if (rows.empty()) return std::optional<T>();
    return std::optional<T>(std::move(rows.front()));
  }

  template <typename... Args>
  Result<std::optional<Existing>> Find(std::string_view sql, const Args&... args) {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(sql));
    Bind(s, args...);
    RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
    std::optional<Existing> found;
    if (row) found = Existing{s->Int(0), s->Int(1), s->Int(2)};
    s->Reset();
    return found;
  }

  // Looks a customer-scoped record up by external id. A record with that id that belongs to
  // another customer is a Conflict naming `field`.
  Result<std::optional<Existing>> FindOwned(Table table, std::string_view external_id,
                                            int64_t customer_id, std::string_view field = "id") {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(kFindSql[static_cast<int>(table)]));
    Bind(s, external_id);
    std::optional<Existing> mine;
    bool someone_else = false;
    while (true) {
      RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      if (s->Int(1) == customer_id) mine = Existing{s->Int(0), s->Int(1), s->Int(2)};
      else someone_else = true;
    }
    s->Reset();
    if (!mine && someone_else && field == "id") {
      return Conflict(fmt::format("'{}' already belongs to another customer's {}; a record "
                                  "cannot move between customers", external_id,
                                  kTableNames[static_cast<int>(table)]), std::string(field));
    }
    return mine;
  }

  // Prepares an INSERT (given as a string literal) whose new id InsertReturningId reads.
  Result<Statement*> PrepareInsert(const char* sql) {
    if (auto it = inserts_.find(sql); it != inserts_.end()) {
      it->second->Reset();
      return it->second;
    }
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_->Prepare(std::string(sql) + std::string(db_->ReturningId())));
    inserts_[sql] = s;
    return s;
  }

  Result<int64_t> InsertReturningId(Statement* s) { return db_->ExecuteInsert(s); }

  Result<int64_t> CustomerId(const std::string& external_id) {
    if (auto it = customer_ids_.find(external_id); it != customer_ids_.end()) return it->second;
    RETAIN_ASSIGN_OR_RETURN(auto found, Find("SELECT id, id, 0 FROM customers WHERE external_id = ?",
                                             external_id));
    if (!found) {
      return NotFound(fmt::format("no customer '{}'; import customers first", external_id), "customer");
    }
    customer_ids_[external_id] = found->id;
    return found->id;
  }

  Result<int64_t> ProductId(const std::string& external_id, std::string field) {
    if (auto it = product_ids_.find(external_id); it != product_ids_.end()) return it->second;
    RETAIN_ASSIGN_OR_RETURN(auto found, Find("SELECT id, 0, 0 FROM products WHERE external_id = ?",
                                             external_id));
    if (!found) {
      return NotFound(fmt::format("no product or plan '{}'; import plans first", external_id),
                      std::move(field));
    }
    product_ids_[external_id] = found->id;
    return found->id;
  }

  std::unique_ptr<Connection> db_;
  // External id -> internal id, for references; cleared on rollback.
  std::unordered_map<std::string, int64_t> customer_ids_;
  std::unordered_map<std::string, int64_t> product_ids_;
  // (customer id, record id) of the last subscription or purchase decoded, for LoadChildren.
  std::pair<int64_t, int64_t> pending_children_{0, 0};
  // INSERT statements by the address of their literal text.
  std::unordered_map<const char*, Statement*> inserts_;
  std::unique_ptr<SqlLoyaltyStore> loyalty_;  // on db_
  std::unique_ptr<analytics::AnalyticsStore> analytics_;  // on db_
  std::unique_ptr<retention::RetentionStore> retention_;  // on db_
  std::unique_ptr<care::CareStore> care_;  // on db_
  std::unique_ptr<feedback::FeedbackStore> feedback_;  // on db_
  std::unique_ptr<outreach::FactsStore> facts_;  // on db_
  std::unique_ptr<outreach::OutreachStore> outreach_;  // on db_
};

}  // namespace

std::unique_ptr<SqlStore> MakeSqlStore(std::unique_ptr<Connection> db) {
  return std::make_unique<SqlRecordStore>(std::move(db));
}

Result<std::unique_ptr<SqlStore>> OpenSqlStore(std::string_view url, const StoreOptions& options) {
  RETAIN_ASSIGN_OR_RETURN(auto db, Connection::Open(url));
  if (db->dialect() == Dialect::kSqlite && options.sqlite_cache_mib != StoreOptions{}.sqlite_cache_mib) {
    RETAIN_RETURN_IF_ERROR(db->ExecuteScript(fmt::format("PRAGMA cache_size=-{}", options.sqlite_cache_mib * 1024)));
  }
  RETAIN_RETURN_IF_ERROR(EnsureSchema(*db));
  return MakeSqlStore(std::move(db));
}

Result<std::unique_ptr<core::RecordStore>> OpenRecordStore(std::string_view url) {
  RETAIN_ASSIGN_OR_RETURN(auto store, OpenSqlStore(url));
  return std::unique_ptr<core::RecordStore>(std::move(store));
}

}  // namespace retain::storage
