#include "storage/care_store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "storage/query.h"

namespace retain::storage {
namespace {

using care::CaseRecord;
using nlohmann::json;

constexpr std::string_view kCaseSelect =
    "SELECT k.id, c.external_id, k.channel, k.category, k.severity, k.body, k.purchase, k.subscription, k.assignee,"
    " k.status, k.priority, k.policy, k.first_response_minutes, k.resolution_minutes, k.value_band, k.opened_at,"
    " k.first_response_at, k.resolved_at, k.closed_at, k.reopened, k.pauses, k.escalation, k.version"
    " FROM care_cases k JOIN customers c ON c.id = k.customer_id";

std::string PausesText(const std::vector<care::Pause>& pauses) {
  json a = json::array();
  for (const auto& p : pauses) a.push_back({ToUnixSeconds(p.from), p.to ? json(ToUnixSeconds(*p.to)) : json()});
  return a.dump();
}

std::vector<care::Pause> ParsePauses(std::string_view text) {
  std::vector<care::Pause> out;
  auto a = json::parse(text, nullptr, false);
  if (!a.is_array()) return out;
  for (const auto& p : a) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer()) continue;
    care::Pause pause{FromUnixSeconds(p[0].get<int64_t>()), std::nullopt};
    if (p[1].is_number_integer()) pause.to = FromUnixSeconds(p[1].get<int64_t>());
    out.push_back(pause);
  }
  return out;
}

CaseRecord DecodeCase(Statement* s) {
  CaseRecord k;
  k.id = s->Int(0);
  k.customer = std::string(s->Text(1));
  k.channel = std::string(s->Text(2));
  k.category = std::string(s->Text(3));
  k.severity = std::string(s->Text(4));
  k.text = std::string(s->Text(5));
  k.purchase = std::string(s->Text(6));
  k.subscription = std::string(s->Text(7));
  k.assignee = std::string(s->Text(8));
  k.status = care::ParseCaseStatus(s->Text(9)).value_or(care::CaseStatus::kNew);
  k.priority = static_cast<int>(s->Int(10));
  k.policy = std::string(s->Text(11));
  k.first_response_minutes = s->Int(12);
  k.resolution_minutes = s->Int(13);
  k.value_band = std::string(s->Text(14));
  k.opened_at = FromUnixSeconds(s->Int(15));
  k.first_response_at = OptionalTime(s, 16);
  k.resolved_at = OptionalTime(s, 17);
  k.closed_at = OptionalTime(s, 18);
  k.reopened = static_cast<int>(s->Int(19));
  k.pauses = ParsePauses(s->Text(20));
  k.escalation = static_cast<int>(s->Int(21));
  k.version = s->Int(22);
  return k;
}

constexpr std::string_view kCompensationSelect =
    "SELECT m.id, m.case_id, c.external_id, m.kind, m.value_minor, m.currency, m.product, m.months, m.subscription,"
    " m.note, m.status, m.requested_by, m.requester_role, m.decided_by, m.code, m.created_at, m.decided_at,"
    " m.redeemed_at, m.redeemed_ref"
    " FROM care_compensations m JOIN customers c ON c.id = m.customer_id";

care::Compensation DecodeCompensation(Statement* s) {
  care::Compensation m;
  m.id = s->Int(0);
  m.case_id = s->Int(1);
  m.customer = std::string(s->Text(2));
  m.kind = care::ParseCompensationKind(s->Text(3)).value_or(care::CompensationKind::kApology);
  m.value_minor = s->Int(4);
  m.currency = std::string(s->Text(5));
  m.product = std::string(s->Text(6));
  m.months = static_cast<int>(s->Int(7));
  m.subscription = std::string(s->Text(8));
  m.note = std::string(s->Text(9));
  m.status = std::string(s->Text(10));
  m.requested_by = std::string(s->Text(11));
  m.requester_role = std::string(s->Text(12));
  m.decided_by = std::string(s->Text(13));
  m.code = std::string(s->Text(14));
  m.created_at = FromUnixSeconds(s->Int(15));
  m.decided_at = OptionalTime(s, 16);
  m.redeemed_at = OptionalTime(s, 17);
  m.redeemed_ref = std::string(s->Text(18));
  return m;
}

class SqlCareStore : public care::CareStore {
 public:
  explicit SqlCareStore(Connection& db) : db_(db) {}

  Result<std::optional<std::pair<int, std::string>>> CareDocument() override {
    return FirstRow<std::pair<int, std::string>>(db_,
        "SELECT version, document FROM care_documents ORDER BY version DESC LIMIT 1",
        [](Statement* s) { return std::pair<int, std::string>{static_cast<int>(s->Int(0)), std::string(s->Text(1))}; });
  }

  Result<int> PutCareDocument(std::string_view document, std::string_view actor, Timestamp at) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t newest, ScalarInt(db_, "SELECT MAX(version) FROM care_documents"));
    int version = static_cast<int>(newest) + 1;
    RETAIN_RETURN_IF_ERROR(Execute(db_,
        "INSERT INTO care_documents (version, document, created_by, created_at) VALUES (?, ?, ?, ?)", version, document,
        actor, ToUnixSeconds(at)));
    return version;
  }

  Result<int64_t> CreateCase(const CaseRecord& k) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer, ScalarInt(db_, "SELECT id FROM customers WHERE external_id = ?", k.customer));
    if (customer == 0) return NotFound(fmt::format("no customer '{}'", k.customer), "customer");
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO care_cases (customer_id, channel, category, severity, body, purchase, subscription, assignee,"
        " status, priority, policy, first_response_minutes, resolution_minutes, value_band, opened_at,"
        " first_response_at, resolved_at, closed_at, reopened, pauses, escalation, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)") + std::string(db_.ReturningId())));
    Bind(s, customer, k.channel, k.category, k.severity, k.text, k.purchase, k.subscription, k.assignee,
         care::CaseStatusName(k.status), int64_t{k.priority}, k.policy, k.first_response_minutes, k.resolution_minutes,
         k.value_band, ToUnixSeconds(k.opened_at), Seconds(k.first_response_at), Seconds(k.resolved_at),
         Seconds(k.closed_at), int64_t{k.reopened}, PausesText(k.pauses), int64_t{k.escalation});
    return db_.ExecuteInsert(s);
  }

  Result<std::optional<CaseRecord>> GetCase(int64_t id) override {
    return FirstRow<CaseRecord>(db_, std::string(kCaseSelect) + " WHERE k.id = ?", DecodeCase, id);
  }

  Result<bool> UpdateCase(const CaseRecord& k) override {
    // Conditional on the version read, so two agents changing one case cannot overwrite each other.
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<int64_t>(db_,
        "UPDATE care_cases SET assignee = ?, status = ?, priority = ?, first_response_at = ?, resolved_at = ?,"
        " closed_at = ?, reopened = ?, pauses = ?, escalation = ?, version = version + 1"
        " WHERE id = ? AND version = ? RETURNING id",
        [](Statement* s) { return s->Int(0); }, k.assignee, care::CaseStatusName(k.status), int64_t{k.priority},
        Seconds(k.first_response_at), Seconds(k.resolved_at), Seconds(k.closed_at), int64_t{k.reopened},
        PausesText(k.pauses), int64_t{k.escalation}, k.id, k.version));
    return row.has_value();
  }

  Result<std::vector<CaseRecord>> ListCases(const care::CaseQuery& q) override {
    std::string status = q.status ? std::string(care::CaseStatusName(*q.status)) : "";
    return Rows<CaseRecord>(db_,
        std::string(kCaseSelect) +
            " WHERE (? = '' OR k.status = ?) AND (? = 0 OR k.status IN ('new', 'open', 'waiting'))"
            " AND (? = '' OR c.external_id = ?) AND (? = '' OR k.assignee = ?) AND (? = 0 OR k.id < ?)"
            " ORDER BY k.id DESC LIMIT ?",
        DecodeCase, status, status, int64_t{q.open_only ? 1 : 0}, q.customer, q.customer, q.assignee, q.assignee,
        q.before_id, q.before_id, static_cast<int64_t>(q.limit));
  }

  Result<std::vector<CaseRecord>> CasesOpened(Timestamp from, Timestamp to) override {
    return Rows<CaseRecord>(db_, std::string(kCaseSelect) + " WHERE k.opened_at >= ? AND k.opened_at < ? ORDER BY k.id",
                            DecodeCase, ToUnixSeconds(from), ToUnixSeconds(to));
  }

  Result<std::vector<care::Compensation>> CompensationsOfCasesOpened(Timestamp from, Timestamp to) override {
    return Rows<care::Compensation>(db_,
        std::string(kCompensationSelect) +
            " JOIN care_cases k ON k.id = m.case_id WHERE k.opened_at >= ? AND k.opened_at < ? ORDER BY m.id",
        DecodeCompensation, ToUnixSeconds(from), ToUnixSeconds(to));
  }

  Status AddCaseEvent(const care::CaseEvent& e) override {
    return Execute(db_, "INSERT INTO care_case_events (case_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)",
                   e.case_id, ToUnixSeconds(e.at), e.actor, e.kind, e.detail);
  }

  Result<std::vector<care::CaseEvent>> CaseEvents(int64_t case_id) override {
    return Rows<care::CaseEvent>(db_,
        "SELECT case_id, at, actor, kind, detail FROM care_case_events WHERE case_id = ? ORDER BY id",
        [](Statement* s) {
          return care::CaseEvent{s->Int(0), FromUnixSeconds(s->Int(1)), std::string(s->Text(2)),
                                 std::string(s->Text(3)), std::string(s->Text(4))};
        },
        case_id);
  }

  Result<int64_t> CreateCompensation(const care::Compensation& c) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer, ScalarInt(db_, "SELECT id FROM customers WHERE external_id = ?", c.customer));
    if (customer == 0) return NotFound(fmt::format("no customer '{}'", c.customer), "customer");
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO care_compensations (case_id, customer_id, kind, value_minor, currency, product, months, subscription,"
        " note, status, requested_by, requester_role, decided_by, code, created_at, decided_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") + std::string(db_.ReturningId())));
    Bind(s, c.case_id, customer, care::CompensationKindName(c.kind), c.value_minor, c.currency, c.product,
         int64_t{c.months}, c.subscription, c.note, c.status, c.requested_by, c.requester_role, c.decided_by, c.code,
         ToUnixSeconds(c.created_at), Seconds(c.decided_at));
    return db_.ExecuteInsert(s);
  }

  Result<std::optional<care::Compensation>> GetCompensation(int64_t id) override {
    return FirstRow<care::Compensation>(db_, std::string(kCompensationSelect) + " WHERE m.id = ?", DecodeCompensation, id);
  }

  Result<bool> DecideCompensation(const care::Compensation& c) override {
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<int64_t>(db_,
        "UPDATE care_compensations SET status = ?, decided_by = ?, decided_at = ?, note = ?, code = ?"
        " WHERE id = ? AND status = 'pending_approval' RETURNING id",
        [](Statement* s) { return s->Int(0); }, c.status, c.decided_by, Seconds(c.decided_at), c.note, c.code, c.id));
    return row.has_value();
  }

  Result<std::vector<care::Compensation>> Compensations(int64_t case_id, std::string_view status) override {
    return Rows<care::Compensation>(db_,
        std::string(kCompensationSelect) + " WHERE (? = 0 OR m.case_id = ?) AND (? = '' OR m.status = ?) ORDER BY m.id LIMIT 1000",
        DecodeCompensation, case_id, case_id, status, status);
  }

  Result<std::optional<care::Compensation>> CompensationByCode(std::string_view code) override {
    return FirstRow<care::Compensation>(db_, std::string(kCompensationSelect) + " WHERE m.code = ? AND m.code <> ''",
                                        DecodeCompensation, code);
  }

  Result<bool> RedeemCoupon(std::string_view code, std::string_view ref, Timestamp at) override {
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<int64_t>(db_,
        "UPDATE care_compensations SET redeemed_at = ?, redeemed_ref = ?"
        " WHERE code = ? AND kind = 'coupon' AND status = 'granted' AND redeemed_at IS NULL RETURNING id",
        [](Statement* s) { return s->Int(0); }, ToUnixSeconds(at), ref, code));
    return row.has_value();
  }

  Result<std::vector<care::SubscriptionSpan>> SubscriptionSpans() override {
    return Rows<care::SubscriptionSpan>(db_,
        "SELECT s.external_id, c.external_id, p.external_id, s.started_at, s.cancelled_at FROM subscriptions s"
        " JOIN customers c ON c.id = s.customer_id JOIN products p ON p.id = s.plan_id ORDER BY s.id",
        [](Statement* s) {
          return care::SubscriptionSpan{std::string(s->Text(0)), std::string(s->Text(1)), std::string(s->Text(2)),
                                        FromUnixSeconds(s->Int(3)), OptionalTime(s, 4)};
        });
  }

 private:
  Connection& db_;
};

}  // namespace

std::unique_ptr<care::CareStore> MakeSqlCareStore(Connection& db) { return std::make_unique<SqlCareStore>(db); }

}  // namespace retain::storage
