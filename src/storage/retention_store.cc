#include "storage/retention_store.h"

#include <fmt/format.h>

#include "storage/query.h"

namespace retain::storage {
namespace {

using retention::Approval;
using retention::ApprovalStatus;
using retention::CancelRequest;
using retention::RequestStatus;
using retention::Recovery;
using retention::WinbackEntry;

constexpr std::string_view kRequestSelect =
    "SELECT r.id, c.external_id, s.external_id, r.channel, r.reason, r.note, r.opened_by, r.status, r.control,"
    " r.desk_version, r.value_band, r.risk_band, r.monthly_minor, r.currency, r.value_minor, r.offers, r.offer,"
    " r.cost_minor, r.presented, r.decided_by, r.created_at, r.decided_at, r.cancel_effective_at"
    " FROM cancel_requests r JOIN customers c ON c.id = r.customer_id JOIN subscriptions s ON s.id = r.subscription_id";

CancelRequest DecodeRequest(Statement* s) {
  CancelRequest r;
  r.id = s->Int(0);
  r.customer = std::string(s->Text(1));
  r.subscription = std::string(s->Text(2));
  r.channel = std::string(s->Text(3));
  r.reason = retention::ParseReason(s->Text(4)).value_or(retention::Reason::kOther);
  r.note = std::string(s->Text(5));
  r.opened_by = std::string(s->Text(6));
  r.status = retention::ParseRequestStatus(s->Text(7)).value_or(RequestStatus::kOpen);
  r.control = s->Int(8) != 0;
  r.desk_version = static_cast<int>(s->Int(9));
  r.value_band = std::string(s->Text(10));
  r.risk_band = std::string(s->Text(11));
  r.monthly_minor = s->Int(12);
  r.currency = std::string(s->Text(13));
  r.value_minor = s->Int(14);
  r.offers_json = std::string(s->Text(15));
  r.offer = std::string(s->Text(16));
  r.cost_minor = s->Int(17);
  r.presented_json = std::string(s->Text(18));
  r.decided_by = std::string(s->Text(19));
  r.created_at = FromUnixSeconds(s->Int(20));
  r.decided_at = OptionalTime(s, 21);
  r.cancel_effective_at = OptionalTime(s, 22);
  return r;
}

constexpr std::string_view kApprovalSelect =
    "SELECT id, request_id, offer, terms, requested_by, requester_role, note, status, decided_by, decision_note,"
    " requested_at, decided_at FROM retention_approvals";

Approval DecodeApproval(Statement* s) {
  Approval a;
  a.id = s->Int(0);
  a.request_id = s->Int(1);
  a.offer = std::string(s->Text(2));
  a.terms_json = std::string(s->Text(3));
  a.requested_by = std::string(s->Text(4));
  a.requester_role = std::string(s->Text(5));
  a.note = std::string(s->Text(6));
  a.status = retention::ParseApprovalStatus(s->Text(7)).value_or(ApprovalStatus::kPending);
  a.decided_by = std::string(s->Text(8));
  a.decision_note = std::string(s->Text(9));
  a.requested_at = FromUnixSeconds(s->Int(10));
  a.decided_at = OptionalTime(s, 11);
  return a;
}

constexpr std::string_view kRecoverySelect =
    "SELECT r.id, c.external_id, s.external_id, r.failed_payment, r.last_failed_payment, r.amount_minor, r.currency,"
    " r.failure_reason, r.status, r.retries_done, r.manual_retries, r.failed_attempts, r.opened_at, r.next_action_at,"
    " r.closed_at, r.closed_by, r.stage, r.recovered_payment, r.recovered_minor"
    " FROM payment_recoveries r JOIN customers c ON c.id = r.customer_id JOIN subscriptions s ON s.id = r.subscription_id";

Recovery DecodeRecovery(Statement* s) {
  Recovery r;
  r.id = s->Int(0);
  r.customer = std::string(s->Text(1));
  r.subscription = std::string(s->Text(2));
  r.failed_payment = std::string(s->Text(3));
  r.last_failed_payment = std::string(s->Text(4));
  r.amount_minor = s->Int(5);
  r.currency = std::string(s->Text(6));
  r.failure_reason = std::string(s->Text(7));
  r.status = retention::ParseRecoveryStatus(s->Text(8)).value_or(retention::RecoveryStatus::kRetrying);
  r.retries_done = static_cast<int>(s->Int(9));
  r.manual_retries = static_cast<int>(s->Int(10));
  r.failed_attempts = static_cast<int>(s->Int(11));
  r.opened_at = FromUnixSeconds(s->Int(12));
  r.next_action_at = OptionalTime(s, 13);
  r.closed_at = OptionalTime(s, 14);
  r.closed_by = std::string(s->Text(15));
  r.stage = std::string(s->Text(16));
  r.recovered_payment = std::string(s->Text(17));
  r.recovered_minor = s->Int(18);
  return r;
}

constexpr std::string_view kMethodSelect =
    "SELECT c.external_id, m.method, m.label, m.expires, m.expires_at, m.reminded_for, m.updated_at"
    " FROM payment_methods m JOIN customers c ON c.id = m.customer_id";

retention::PaymentMethod DecodeMethod(Statement* s) {
  return retention::PaymentMethod{std::string(s->Text(0)), std::string(s->Text(1)), std::string(s->Text(2)),
                                  std::string(s->Text(3)), FromUnixSeconds(s->Int(4)), std::string(s->Text(5)),
                                  FromUnixSeconds(s->Int(6))};
}

constexpr std::string_view kWinbackSelect =
    "SELECT w.id, c.external_id, s.external_id, w.offer, w.control, w.status, w.cancel_cause, w.locale, w.entered_at,"
    " w.expires_at, w.reactivated_at, w.reactivated_subscription, w.monthly_minor, w.currency"
    " FROM winback_entries w JOIN customers c ON c.id = w.customer_id JOIN subscriptions s ON s.id = w.subscription_id";

WinbackEntry DecodeWinback(Statement* s) {
  WinbackEntry e;
  e.id = s->Int(0);
  e.customer = std::string(s->Text(1));
  e.subscription = std::string(s->Text(2));
  e.offer = std::string(s->Text(3));
  e.control = s->Int(4) != 0;
  e.status = retention::ParseWinbackStatus(s->Text(5)).value_or(retention::WinbackStatus::kOpen);
  e.cancel_cause = std::string(s->Text(6));
  e.locale = std::string(s->Text(7));
  e.entered_at = FromUnixSeconds(s->Int(8));
  e.expires_at = FromUnixSeconds(s->Int(9));
  e.reactivated_at = OptionalTime(s, 10);
  e.reactivated_subscription = std::string(s->Text(11));
  e.monthly_minor = s->Int(12);
  e.currency = std::string(s->Text(13));
  return e;
}

// The subscription's row id and its customer's. NotFound naming "subscription".
Result<std::pair<int64_t, int64_t>> SubscriptionIds(Connection& db, std::string_view subscription) {
  using Ids = std::pair<int64_t, int64_t>;
  RETAIN_ASSIGN_OR_RETURN(auto ids, FirstRow<Ids>(db, "SELECT s.id, s.customer_id FROM subscriptions s WHERE s.external_id = ?",
                                                  [](Statement* s) { return Ids{s->Int(0), s->Int(1)}; }, subscription));
  if (!ids) return NotFound(fmt::format("no subscription '{}'", subscription), "subscription");
  return *ids;
}

class SqlRetentionStore : public retention::RetentionStore {
 public:
  explicit SqlRetentionStore(Connection& db) : db_(db) {}

  Result<std::optional<retention::StoredDesk>> Desk() override {
    return FirstRow<retention::StoredDesk>(db_,
        "SELECT version, document, created_by, created_at FROM retention_desk ORDER BY version DESC LIMIT 1",
        [](Statement* s) {
          return retention::StoredDesk{static_cast<int>(s->Int(0)), std::string(s->Text(1)), std::string(s->Text(2)),
                                       FromUnixSeconds(s->Int(3))};
        });
  }

  Result<int> PutDesk(std::string_view document, std::string_view actor, Timestamp at) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t newest, ScalarInt(db_, "SELECT MAX(version) FROM retention_desk"));
    int version = static_cast<int>(newest) + 1;
    RETAIN_RETURN_IF_ERROR(Execute(db_,
        "INSERT INTO retention_desk (version, document, created_by, created_at) VALUES (?, ?, ?, ?)", version, document,
        actor, ToUnixSeconds(at)));
    return version;
  }

  Result<int64_t> CreateRequest(const CancelRequest& r) override {
    RETAIN_ASSIGN_OR_RETURN(auto ids, SubscriptionIds(db_, r.subscription));
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO cancel_requests (customer_id, subscription_id, channel, reason, note, opened_by, status, control,"
        " desk_version, value_band, risk_band, monthly_minor, currency, value_minor, offers, offer, cost_minor,"
        " presented, decided_by, created_at, decided_at, cancel_effective_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") + std::string(db_.ReturningId())));
    Bind(s, ids.second, ids.first, r.channel, retention::ReasonName(r.reason), r.note, r.opened_by,
         retention::RequestStatusName(r.status), r.control, r.desk_version, r.value_band, r.risk_band, r.monthly_minor,
         r.currency, r.value_minor, r.offers_json, r.offer, r.cost_minor, r.presented_json, r.decided_by,
         ToUnixSeconds(r.created_at), Seconds(r.decided_at), Seconds(r.cancel_effective_at));
    return db_.ExecuteInsert(s);
  }

  Result<std::optional<CancelRequest>> GetRequest(int64_t id) override {
    return FirstRow<CancelRequest>(db_, std::string(kRequestSelect) + " WHERE r.id = ?", DecodeRequest, id);
  }

  Result<std::vector<CancelRequest>> ListRequests(const retention::RequestQuery& q) override {
    std::string sql(kRequestSelect);
    sql += " WHERE (? = '' OR r.status = ?) AND (? = '' OR c.external_id = ?) AND (? = 0 OR r.id < ?)"
           " ORDER BY r.id DESC LIMIT ?";
    std::string status = q.status ? std::string(retention::RequestStatusName(*q.status)) : "";
    return Rows<CancelRequest>(db_, sql, DecodeRequest, status, status, q.customer, q.customer, q.before_id,
                               q.before_id, static_cast<int64_t>(q.limit));
  }

  Result<std::optional<CancelRequest>> OpenRequestFor(std::string_view subscription) override {
    return FirstRow<CancelRequest>(db_,
        std::string(kRequestSelect) + " WHERE s.external_id = ? AND r.status IN ('open', 'pending_approval')",
        DecodeRequest, subscription);
  }

  Result<bool> UpdateRequest(const CancelRequest& r, std::span<const RequestStatus> from) override {
    std::string in;
    for (auto status : from) {
      if (!in.empty()) in += ", ";
      in += fmt::format("'{}'", retention::RequestStatusName(status));
    }
    // Conditional on the status, so of two agents deciding at once exactly one changes the row
    // (and on PostgreSQL the second waits on the first's row lock, then finds it decided).
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<int64_t>(db_,
        fmt::format("UPDATE cancel_requests SET status = ?, offer = ?, cost_minor = ?, presented = ?, decided_by = ?,"
                    " decided_at = ?, cancel_effective_at = ? WHERE id = ? AND status IN ({}) RETURNING id", in),
        [](Statement* s) { return s->Int(0); }, retention::RequestStatusName(r.status), r.offer, r.cost_minor,
        r.presented_json, r.decided_by, Seconds(r.decided_at), Seconds(r.cancel_effective_at), r.id));
    return row.has_value();
  }

  Result<std::map<std::string, retention::Tally>> Tallies(retention::Reason reason, std::string_view band) override {
    using Row = std::pair<std::string, retention::Tally>;
    RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<Row>(db_,
        "SELECT offer, accepted, declined FROM retention_tallies WHERE reason = ? AND value_band = ?",
        [](Statement* s) { return Row{std::string(s->Text(0)), retention::Tally{s->Int(1), s->Int(2)}}; },
        retention::ReasonName(reason), band));
    return std::map<std::string, retention::Tally>(rows.begin(), rows.end());
  }

  Status AddTally(std::string_view offer, retention::Reason reason, std::string_view band, int64_t accepted,
                  int64_t declined) override {
    return Execute(db_,
        "INSERT INTO retention_tallies (offer, reason, value_band, accepted, declined) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (offer, reason, value_band) DO UPDATE SET accepted = retention_tallies.accepted + excluded.accepted,"
        " declined = retention_tallies.declined + excluded.declined",
        offer, retention::ReasonName(reason), band, accepted, declined);
  }

  Result<std::map<std::string, Timestamp>> LastOffered(std::string_view customer) override {
    using Row = std::pair<std::string, Timestamp>;
    RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<Row>(db_,
        "SELECT o.offer, MAX(o.offered_at) FROM retention_offered o JOIN customers c ON c.id = o.customer_id"
        " WHERE c.external_id = ? GROUP BY o.offer",
        [](Statement* s) { return Row{std::string(s->Text(0)), FromUnixSeconds(s->Int(1))}; }, customer));
    return std::map<std::string, Timestamp>(rows.begin(), rows.end());
  }

  Status RecordOffered(std::string_view customer, std::string_view offer, int64_t request_id, Timestamp at) override {
    return Execute(db_,
        "INSERT INTO retention_offered (customer_id, offer, request_id, offered_at)"
        " SELECT id, ?, ?, ? FROM customers WHERE external_id = ? ON CONFLICT DO NOTHING",
        offer, request_id, ToUnixSeconds(at), customer);
  }

  Result<int64_t> CreateApproval(const Approval& a) override {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO retention_approvals (request_id, offer, terms, requested_by, requester_role, note, status,"
        " decided_by, decision_note, requested_at, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") +
        std::string(db_.ReturningId())));
    Bind(s, a.request_id, a.offer, a.terms_json, a.requested_by, a.requester_role, a.note,
         retention::ApprovalStatusName(a.status), a.decided_by, a.decision_note, ToUnixSeconds(a.requested_at),
         Seconds(a.decided_at));
    return db_.ExecuteInsert(s);
  }

  Result<std::optional<Approval>> GetApproval(int64_t id) override {
    return FirstRow<Approval>(db_, std::string(kApprovalSelect) + " WHERE id = ?", DecodeApproval, id);
  }

  Result<std::vector<Approval>> ListApprovals(std::optional<ApprovalStatus> status, int limit) override {
    // One query for the queue, the requests' fields joined in (not one read per approval).
    std::string s = status ? std::string(retention::ApprovalStatusName(*status)) : "";
    return Rows<Approval>(db_,
        "SELECT a.id, a.request_id, a.offer, a.terms, a.requested_by, a.requester_role, a.note, a.status, a.decided_by,"
        " a.decision_note, a.requested_at, a.decided_at, c.external_id, sub.external_id, r.reason, r.value_minor,"
        " r.value_band FROM retention_approvals a JOIN cancel_requests r ON r.id = a.request_id"
        " JOIN customers c ON c.id = r.customer_id JOIN subscriptions sub ON sub.id = r.subscription_id"
        " WHERE (? = '' OR a.status = ?) ORDER BY a.id LIMIT ?",
        [](Statement* st) {
          Approval a = DecodeApproval(st);
          a.customer = std::string(st->Text(12));
          a.subscription = std::string(st->Text(13));
          a.reason = std::string(st->Text(14));
          a.value_minor = st->Int(15);
          a.value_band = std::string(st->Text(16));
          return a;
        },
        s, s, static_cast<int64_t>(limit));
  }

  Result<std::vector<Approval>> ApprovalsFor(int64_t request_id) override {
    return Rows<Approval>(db_, std::string(kApprovalSelect) + " WHERE request_id = ? ORDER BY id", DecodeApproval,
                          request_id);
  }

  Result<bool> DecideApproval(const Approval& a) override {
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<int64_t>(db_,
        "UPDATE retention_approvals SET status = ?, decided_by = ?, decision_note = ?, decided_at = ?"
        " WHERE id = ? AND status = 'pending' RETURNING id",
        [](Statement* s) { return s->Int(0); }, retention::ApprovalStatusName(a.status), a.decided_by,
        a.decision_note, Seconds(a.decided_at), a.id));
    return row.has_value();
  }

  Result<std::vector<retention::ReportRow>> ReportRows(Timestamp from, Timestamp to) override {
    return Rows<retention::ReportRow>(db_,
        "SELECT r.reason, r.channel, r.opened_by, r.offer, r.control, r.status, r.cost_minor, r.monthly_minor,"
        " r.created_at, s.cancelled_at, r.decided_by, r.currency FROM cancel_requests r JOIN subscriptions s ON s.id = r.subscription_id"
        " WHERE r.created_at >= ? AND r.created_at < ? ORDER BY r.id",
        [](Statement* s) {
          retention::ReportRow row;
          row.reason = std::string(s->Text(0));
          row.channel = std::string(s->Text(1));
          // The agent who decided it, else who opened it.
          row.agent = s->Text(10).empty() ? std::string(s->Text(2)) : std::string(s->Text(10));
          row.offer = std::string(s->Text(3));
          row.control = s->Int(4) != 0;
          row.status = std::string(s->Text(5));
          row.cost_minor = s->Int(6);
          row.monthly_minor = s->Int(7);
          row.created_at = FromUnixSeconds(s->Int(8));
          row.cancelled_at = OptionalTime(s, 9);
          row.currency = std::string(s->Text(11));
          return row;
        },
        ToUnixSeconds(from), ToUnixSeconds(to));
  }

  Result<retention::Prices> PlanPrices() override {
    retention::Prices prices;
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(
        "SELECT external_id, kind, price_minor, billing FROM products WHERE kind IN ('plan', 'addon')"));
    while (true) {
      RETAIN_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      std::string id(s->Text(0));
      int64_t price = s->Int(2);
      bool yearly = s->Text(3) == "yearly";
      int64_t monthly = yearly ? price / 12 : price;
      if (s->Text(1) == "plan") {
        prices.plans[id] = monthly;
        prices.yearly[id] = yearly;
      } else {
        prices.addons[id] = monthly;
      }
    }
    s->Reset();
    return prices;
  }

  Result<std::vector<std::string>> DueSubscriptions(Timestamp now) override {
    int64_t t = ToUnixSeconds(now);
    return Rows<std::string>(db_,
        "SELECT external_id FROM subscriptions WHERE (status = 'cancel_requested' AND cancelled_at <= ?)"
        " OR (status = 'paused' AND resume_at <= ?) ORDER BY id LIMIT 10000",
        [](Statement* s) { return std::string(s->Text(0)); }, t, t);
  }

  Result<std::optional<retention::Score>> CustomerScore(std::string_view customer) override {
    return FirstRow<retention::Score>(db_,
        "SELECT x.clv_minor, x.risk_ppm FROM customer_scores x JOIN customers c ON c.id = x.customer_id"
        " WHERE c.external_id = ?",
        [](Statement* s) {
          retention::Score score{s->Int(0), std::nullopt};
          if (s->Int(1) >= 0) score.risk = static_cast<double>(s->Int(1)) / 1e6;
          return score;
        },
        customer);
  }

  Result<int64_t> CreateRecovery(const Recovery& r) override {
    RETAIN_ASSIGN_OR_RETURN(auto ids, SubscriptionIds(db_, r.subscription));
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO payment_recoveries (customer_id, subscription_id, failed_payment, last_failed_payment,"
        " amount_minor, currency, failure_reason, status, retries_done, manual_retries, failed_attempts, opened_at,"
        " next_action_at, closed_at, closed_by, stage, recovered_payment, recovered_minor)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") + std::string(db_.ReturningId())));
    Bind(s, ids.second, ids.first, r.failed_payment, r.last_failed_payment, r.amount_minor, r.currency,
         r.failure_reason, retention::RecoveryStatusName(r.status), int64_t{r.retries_done},
         int64_t{r.manual_retries}, int64_t{r.failed_attempts}, ToUnixSeconds(r.opened_at), Seconds(r.next_action_at),
         Seconds(r.closed_at), r.closed_by, r.stage, r.recovered_payment, r.recovered_minor);
    return db_.ExecuteInsert(s);
  }

  Result<std::optional<Recovery>> GetRecovery(int64_t id) override {
    return FirstRow<Recovery>(db_, std::string(kRecoverySelect) + " WHERE r.id = ?", DecodeRecovery, id);
  }

  Result<bool> UpdateRecovery(const Recovery& r, retention::RecoveryStatus from) override {
    // Conditional on the status it was read with, so an upkeep and a payment arriving at once
    // cannot both close it (on PostgreSQL the second waits on the row lock, then finds it changed).
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<int64_t>(db_,
        "UPDATE payment_recoveries SET last_failed_payment = ?, failure_reason = ?, status = ?, retries_done = ?,"
        " manual_retries = ?, failed_attempts = ?, next_action_at = ?, closed_at = ?, closed_by = ?, stage = ?,"
        " recovered_payment = ?, recovered_minor = ? WHERE id = ? AND status = ? RETURNING id",
        [](Statement* s) { return s->Int(0); }, r.last_failed_payment, r.failure_reason,
        retention::RecoveryStatusName(r.status), int64_t{r.retries_done}, int64_t{r.manual_retries},
        int64_t{r.failed_attempts}, Seconds(r.next_action_at), Seconds(r.closed_at), r.closed_by, r.stage,
        r.recovered_payment, r.recovered_minor, r.id, retention::RecoveryStatusName(from)));
    return row.has_value();
  }

  Result<std::optional<Recovery>> OpenRecoveryFor(std::string_view subscription) override {
    return FirstRow<Recovery>(db_,
        std::string(kRecoverySelect) +
            // By the subscription's row id, so the (subscription_id, status) index is used: matching
            // on s.external_id let SQLite scan every open recovery for each payment.
            " WHERE r.subscription_id = (SELECT id FROM subscriptions WHERE external_id = ?)"
            " AND r.status IN ('retrying', 'grace', 'suspended') ORDER BY r.id DESC",
        DecodeRecovery, subscription);
  }

  Result<std::vector<Recovery>> ListRecoveries(const retention::RecoveryQuery& q) override {
    std::string sql(kRecoverySelect);
    sql += " WHERE (? = '' OR r.status = ?) AND (? = 0 OR r.status IN ('retrying', 'grace', 'suspended'))"
           " AND (? = '' OR c.external_id = ?) AND (? = 0 OR r.id < ?) ORDER BY r.id DESC LIMIT ?";
    std::string status = q.status ? std::string(retention::RecoveryStatusName(*q.status)) : "";
    return Rows<Recovery>(db_, sql, DecodeRecovery, status, status, int64_t{q.open_only ? 1 : 0}, q.customer,
                          q.customer, q.before_id, q.before_id, static_cast<int64_t>(q.limit));
  }

  Result<std::vector<Recovery>> DueRecoveries(Timestamp now) override {
    return Rows<Recovery>(db_,
        std::string(kRecoverySelect) +
            " WHERE r.next_action_at <= ? AND r.status IN ('retrying', 'grace') ORDER BY r.next_action_at, r.id LIMIT 10000",
        DecodeRecovery, ToUnixSeconds(now));
  }

  Result<std::vector<Recovery>> RecoveriesOpened(Timestamp from, Timestamp to) override {
    return Rows<Recovery>(db_, std::string(kRecoverySelect) + " WHERE r.opened_at >= ? AND r.opened_at < ? ORDER BY r.id",
                          DecodeRecovery, ToUnixSeconds(from), ToUnixSeconds(to));
  }

  Status PutPaymentMethod(const retention::PaymentMethod& m) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer, ScalarInt(db_, "SELECT id FROM customers WHERE external_id = ?", m.customer));
    if (customer == 0) return NotFound(fmt::format("no customer '{}'", m.customer), "customer");
    return Execute(db_,
        "INSERT INTO payment_methods (customer_id, method, label, expires, expires_at, reminded_for, updated_at)"
        " VALUES (?, ?, ?, ?, ?, '', ?) ON CONFLICT (customer_id, method) DO UPDATE SET label = excluded.label,"
        " expires = excluded.expires, expires_at = excluded.expires_at, updated_at = excluded.updated_at",
        customer, m.method, m.label, m.expires, ToUnixSeconds(m.expires_at), ToUnixSeconds(m.updated_at));
  }

  Result<std::vector<retention::PaymentMethod>> ExpiringMethods(Timestamp by) override {
    return Rows<retention::PaymentMethod>(db_,
        std::string(kMethodSelect) + " WHERE m.expires_at <= ? AND m.reminded_for <> m.expires ORDER BY m.expires_at LIMIT 10000",
        DecodeMethod, ToUnixSeconds(by));
  }

  Status MarkMethodReminded(std::string_view customer, std::string_view method, std::string_view expires) override {
    return Execute(db_,
        "UPDATE payment_methods SET reminded_for = ? WHERE method = ?"
        " AND customer_id = (SELECT id FROM customers WHERE external_id = ?)",
        expires, method, customer);
  }

  Result<std::vector<retention::PaymentMethod>> PaymentMethods(std::string_view customer) override {
    return Rows<retention::PaymentMethod>(db_, std::string(kMethodSelect) + " WHERE c.external_id = ? ORDER BY m.method",
                                          DecodeMethod, customer);
  }

  Result<std::vector<retention::WinbackCandidate>> WinbackCandidates(Timestamp from, Timestamp to) override {
    RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<retention::WinbackCandidate>(db_,
        "SELECT c.external_id, s.external_id, p.external_id, s.cancel_cause, c.locale, p.currency, s.cancelled_at, s.id"
        " FROM subscriptions s JOIN customers c ON c.id = s.customer_id JOIN products p ON p.id = s.plan_id"
        " WHERE s.status = 'cancelled' AND s.cancelled_at >= ? AND s.cancelled_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM subscriptions o WHERE o.customer_id = s.customer_id AND o.status <> 'cancelled')"
        " AND NOT EXISTS (SELECT 1 FROM winback_entries w WHERE w.customer_id = s.customer_id AND w.subscription_id = s.id)"
        " ORDER BY s.cancelled_at, s.id LIMIT 10000",
        [](Statement* s) {
          retention::WinbackCandidate c;
          c.customer = std::string(s->Text(0));
          c.subscription = std::string(s->Text(1));
          c.plan = std::string(s->Text(2));
          c.cancel_cause = s->Text(3).empty() ? std::string("unspecified") : std::string(s->Text(3));
          c.locale = std::string(s->Text(4));
          c.currency = std::string(s->Text(5));
          c.cancelled_at = FromUnixSeconds(s->Int(6));
          return c;
        },
        ToUnixSeconds(from), ToUnixSeconds(to)));
    for (auto& c : rows) {
      RETAIN_ASSIGN_OR_RETURN(c.addons, Rows<std::string>(db_,
          "SELECT p.external_id FROM subscription_addons a JOIN products p ON p.id = a.product_id"
          " JOIN subscriptions s ON s.id = a.subscription_id AND s.customer_id = a.customer_id WHERE s.external_id = ?",
          [](Statement* s) { return std::string(s->Text(0)); }, c.subscription));
    }
    return rows;
  }

  Result<int64_t> CreateWinback(const WinbackEntry& e) override {
    RETAIN_ASSIGN_OR_RETURN(auto ids, SubscriptionIds(db_, e.subscription));
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO winback_entries (customer_id, subscription_id, offer, control, status, cancel_cause, locale,"
        " entered_at, expires_at, reactivated_at, reactivated_subscription, monthly_minor, currency)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") + std::string(db_.ReturningId())));
    Bind(s, ids.second, ids.first, e.offer, e.control, retention::WinbackStatusName(e.status), e.cancel_cause,
         e.locale, ToUnixSeconds(e.entered_at), ToUnixSeconds(e.expires_at), Seconds(e.reactivated_at),
         e.reactivated_subscription, e.monthly_minor, e.currency);
    return db_.ExecuteInsert(s);
  }

  Result<std::vector<WinbackEntry>> OpenWinbacks(std::string_view customer) override {
    return Rows<WinbackEntry>(db_, std::string(kWinbackSelect) + " WHERE c.external_id = ? AND w.status = 'open' ORDER BY w.id",
                              DecodeWinback, customer);
  }

  Result<bool> CloseWinback(const WinbackEntry& e) override {
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<int64_t>(db_,
        "UPDATE winback_entries SET status = ?, reactivated_at = ?, reactivated_subscription = ?"
        " WHERE id = ? AND status = 'open' RETURNING id",
        [](Statement* s) { return s->Int(0); }, retention::WinbackStatusName(e.status), Seconds(e.reactivated_at),
        e.reactivated_subscription, e.id));
    return row.has_value();
  }

  Result<int64_t> ExpireWinbacks(Timestamp now) override {
    RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<int64_t>(db_,
        "UPDATE winback_entries SET status = 'expired' WHERE status = 'open' AND expires_at <= ? RETURNING id",
        [](Statement* s) { return s->Int(0); }, ToUnixSeconds(now)));
    return static_cast<int64_t>(rows.size());
  }

  Result<std::vector<WinbackEntry>> ListWinbacks(std::optional<retention::WinbackStatus> status, std::string_view customer,
                                                 int64_t before_id, int limit) override {
    std::string st = status ? std::string(retention::WinbackStatusName(*status)) : "";
    return Rows<WinbackEntry>(db_,
        std::string(kWinbackSelect) +
            " WHERE (? = '' OR w.status = ?) AND (? = '' OR c.external_id = ?) AND (? = 0 OR w.id < ?)"
            " ORDER BY w.id DESC LIMIT ?",
        DecodeWinback, st, st, customer, customer, before_id, before_id, static_cast<int64_t>(limit));
  }

  Result<std::vector<WinbackEntry>> WinbacksEntered(Timestamp from, Timestamp to) override {
    return Rows<WinbackEntry>(db_, std::string(kWinbackSelect) + " WHERE w.entered_at >= ? AND w.entered_at < ? ORDER BY w.id",
                              DecodeWinback, ToUnixSeconds(from), ToUnixSeconds(to));
  }

 private:
  Connection& db_;
};

}  // namespace

std::unique_ptr<retention::RetentionStore> MakeSqlRetentionStore(Connection& db) {
  return std::make_unique<SqlRetentionStore>(db);
}

}  // namespace retain::storage
