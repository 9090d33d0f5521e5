#include "storage/privacy.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "storage/query.h"

namespace retain::storage {
namespace {

using nlohmann::json;

// How rows of a table concern a customer, and what erasure clears in them. `where` selects them
// with one parameter: the customer's row id, or (by_external) their external id.
struct PersonalData {
  const char* table;
  const char* holds;
  const char* where;
  // Column assignments that clear what identifies the customer or what people wrote about them;
  // `changed` tells the rows that still hold some. Null where the table keeps everything (the
  // business's records, which add up to its sums).
  const char* clear = nullptr;
  const char* changed = nullptr;
  bool by_external = false;
};

constexpr const char* kMine = "customer_id = ?";

const PersonalData kMap[] = {
    {"customers", "who the customer is: name, contact details, address, consent, attributes", "id = ?"},
    {"events", "things that happened to the customer, with what the sending system said of them", kMine,
     "payload = '{}'", "payload <> '{}'"},
    {"subscriptions", "plans subscribed, paused and cancelled", kMine},
    {"subscription_addons", "add-ons on the subscriptions", kMine},
    {"subscription_discounts", "discounts given on the subscriptions", kMine},
    {"payments", "payments, paid and failed", kMine},
    {"payment_methods", "the payment method on file and when it expires", kMine, "label = ''", "label <> ''"},
    {"payment_recoveries", "failed payments being recovered", kMine},
    {"purchases", "purchases and returns", kMine},
    {"purchase_lines", "the lines of the purchases", kMine},
    {"loyalty_accounts", "loyalty memberships: balance, punches, tier", kMine},
    {"loyalty_ledger", "every points entry: earned, spent, expired, adjusted", kMine},
    {"loyalty_lots", "points earned and what is left of each", kMine},
    {"loyalty_expiry_warnings", "warnings sent about points expiring", kMine},
    {"loyalty_promotion_uses", "promotions the customer received", kMine},
    {"loyalty_tier_changes", "tier changes", kMine},
    {"coupons", "coupons and rewards issued and redeemed", kMine},
    {"referral_codes", "the customer's referral code", kMine},
    {"referrals", "referrals made and received, with the invited address", "? IN (referrer_id, referee_id)",
     "email = ''", "email <> ''"},
    {"cancel_requests", "requests to cancel, the offers made and the agent's note", kMine, "note = ''", "note <> ''"},
    {"retention_approvals", "offers sent to a supervisor for approval, with their notes",
     "request_id IN (SELECT id FROM cancel_requests WHERE customer_id = ?)", "note = '', decision_note = ''",
     "note <> '' OR decision_note <> ''"},
    {"retention_offered", "retention offers made", kMine},
    {"winback_entries", "win-back offers after a cancellation", kMine},
    {"care_cases", "complaints and service cases, with what the customer wrote", kMine, "body = ''", "body <> ''"},
    {"care_case_events", "the history of the cases: replies, notes, status changes",
     "case_id IN (SELECT id FROM care_cases WHERE customer_id = ?)"},
    {"care_compensations", "compensation given for cases", kMine, "note = ''", "note <> ''"},
    {"survey_invitations", "surveys the customer was invited to", kMine},
    {"survey_responses", "survey answers: scores and comments", kMine},
    {"deliveries", "e-mails and letters sent or held, with the address and the message", kMine,
     "address = '', subject = '', content = ''", "address <> '' OR subject <> '' OR content <> ''"},
    {"contest_entries", "contest entries and wins", kMine},
    {"customer_scores", "lifetime value and churn risk computed for the customer", kMine},
    {"segment_members", "saved segments the customer belongs to", kMine},
    {"audit_log", "changes staff and systems made to the customer's records",
     "(record_type = 'customers' AND record_id = ?)", nullptr, nullptr, /*by_external=*/true},
};

// Keys under which JSON the system keeps (case histories, survey answers, audit entries,
// webhook payloads) holds personal data or words people wrote.
bool IsPersonalKey(std::string_view key) {
  static constexpr std::string_view kKeys[] = {"name",  "email", "phone", "address", "address_line1",
                                               "address_line2", "postal_code", "city", "text",
                                               "note",  "body",  "comment", "attributes", "label",
                                               "subject", "content", "decision_note", "payload"};
  for (auto k : kKeys) {
    if (k == key) return true;
  }
  return false;
}

// Blanks every personal value in `j`; true when something changed.
bool Scrub(json& j) {
  bool changed = false;
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if (IsPersonalKey(k)) {
        json blank = v.is_object() ? json::object() : v.is_array() ? json::array() : json("");
        if (v.is_boolean() || v.is_number()) continue;
        if (v != blank) {
          v = std::move(blank);
          changed = true;
        }
      } else {
        changed = Scrub(v) || changed;
      }
    }
  } else if (j.is_array()) {
    for (auto& v : j) changed = Scrub(v) || changed;
  }
  return changed;
}

// A LIKE pattern matching text that contains `needle` as it is.
std::string Containing(std::string_view needle) {
  std::string out = "%";
  for (char c : needle) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

// Rewrites the JSON `column` of the rows `select` returns (id, column) with personal values
// blanked; returns how many changed.
template <typename... Args>
Result<int64_t> ScrubColumn(Connection& db, const std::string& table, const std::string& column,
                            const std::string& select, const Args&... args) {
  struct Row {
    int64_t id;
    std::string text;
  };
  RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<Row>(db, select, [](Statement* s) {
    return Row{s->Int(0), std::string(s->Text(1))};
  }, args...));
  int64_t changed = 0;
  std::string update = fmt::format("UPDATE {} SET {} = ? WHERE id = ?", table, column);
  for (auto& row : rows) {
    auto doc = json::parse(row.text, nullptr, false);
    if (doc.is_discarded() || !Scrub(doc)) continue;
    RETAIN_RETURN_IF_ERROR(Execute(db, update, doc.dump(), row.id));
    ++changed;
  }
  return changed;
}

struct Subject {
  int64_t id;
  std::string email;
  std::string phone;
  std::optional<int64_t> erased_at;
};

Result<std::optional<Subject>> FindSubject(Connection& db, std::string_view external_id) {
  return FirstRow<Subject>(db, "SELECT id, email, phone, erased_at FROM customers WHERE external_id = ?",
                           [](Statement* s) {
                             Subject out{s->Int(0), std::string(s->Text(1)), std::string(s->Text(2)), {}};
                             if (!s->IsNull(3)) out.erased_at = s->Int(3);
                             return out;
                           }, external_id);
}

}  // namespace

std::vector<std::string_view> PersonalDataTables() {
  std::vector<std::string_view> out;
  for (const auto& p : kMap) out.emplace_back(p.table);
  return out;
}

Result<std::optional<std::vector<core::PersonalDataTable>>> ExportCustomer(Connection& db,
                                                                           std::string_view external_id) {
  RETAIN_ASSIGN_OR_RETURN(auto subject, FindSubject(db, external_id));
  if (!subject) return std::optional<std::vector<core::PersonalDataTable>>();
  std::vector<core::PersonalDataTable> out;
  for (const auto& p : kMap) {
    core::PersonalDataTable t{p.table, p.holds, {}, {}};
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db.Prepare(fmt::format("SELECT * FROM {} WHERE {} ORDER BY 1", p.table, p.where)));
    if (p.by_external) Bind(s, external_id);
    else Bind(s, subject->id);
    while (true) {
      auto row = s->Step();
      if (!row) {
        s->Reset();
        return tl::unexpected(row.error());
      }
      if (!*row) break;
      if (t.columns.empty()) {
        for (int c = 0; c < s->ColumnCount(); ++c) t.columns.emplace_back(s->ColumnName(c));
      }
      std::vector<core::DataCell> cells(t.columns.size());
      for (size_t c = 0; c < cells.size(); ++c) {
        int col = static_cast<int>(c);
        if (s->IsNull(col)) continue;
        if (s->IsInteger(col)) {
          cells[c].kind = core::DataCell::Kind::kInteger;
          cells[c].integer = s->Int(col);
        } else {
          cells[c].kind = core::DataCell::Kind::kText;
          cells[c].text = s->Text(col);
        }
      }
      t.rows.push_back(std::move(cells));
    }
    s->Reset();
    out.push_back(std::move(t));
  }
  return std::optional(std::move(out));
}

Result<std::optional<core::Erasure>> EraseCustomer(Connection& db, std::string_view external_id, Timestamp at) {
  RETAIN_ASSIGN_OR_RETURN(auto subject, FindSubject(db, external_id));
  if (!subject) return std::optional<core::Erasure>();
  core::Erasure done;
  if (subject->erased_at) {
    done.already_erased = true;
    done.erased_at = FromUnixSeconds(*subject->erased_at);
    return std::optional(std::move(done));
  }
  done.erased_at = at;
  int64_t now = ToUnixSeconds(at);
  auto note = [&](const char* table, int64_t n) {
    if (n > 0) done.cleared.emplace_back(table, n);
  };

  // Who they are. The id stays: the business's records of them keep adding up under it.
  RETAIN_RETURN_IF_ERROR(Execute(db,
      "UPDATE customers SET name = '', email = '', phone = '', address_line1 = '', address_line2 = '',"
      " postal_code = '', city = '', attributes = '{}', consent_email = 0, consent_sms = 0, consent_post = 0,"
      " consent_phone = 0, content_hash = 0, erased_at = ?, updated_at = ? WHERE id = ?",
      now, now, subject->id));
  note("customers", 1);

  for (const auto& p : kMap) {
    if (p.clear == nullptr) continue;
    RETAIN_ASSIGN_OR_RETURN(int64_t n, ScalarInt(db, fmt::format("SELECT COUNT(*) FROM {} WHERE ({}) AND ({})",
                                                                 p.table, p.where, p.changed), subject->id));
    if (n == 0) continue;
    RETAIN_RETURN_IF_ERROR(Execute(db, fmt::format("UPDATE {} SET {} WHERE {}", p.table, p.clear, p.where), subject->id));
    note(p.table, n);
  }

  // JSON the system keeps about them: case histories and survey comments.
  RETAIN_ASSIGN_OR_RETURN(int64_t events, ScrubColumn(db, "care_case_events", "detail",
      "SELECT id, detail FROM care_case_events WHERE case_id IN (SELECT id FROM care_cases WHERE customer_id = ?)",
      subject->id));
  note("care_case_events", events);
  RETAIN_ASSIGN_OR_RETURN(int64_t answers, ScrubColumn(db, "survey_responses", "answers",
      "SELECT id, answers FROM survey_responses WHERE customer_id = ?", subject->id));
  note("survey_responses", answers);

  // Copies of their record elsewhere: the audit trail's before and after, and the outbox's
  // webhook payloads (the customer's own, and any naming them).
  std::string named = Containing(fmt::format("\"customer\":{}", json(std::string(external_id)).dump()));
  for (const char* column : {"before_json", "after_json"}) {
    RETAIN_ASSIGN_OR_RETURN(int64_t n, ScrubColumn(db, "audit_log", column,
        fmt::format("SELECT id, {0} FROM audit_log WHERE (record_type = 'customers' AND record_id = ?)"
                    " OR {0} LIKE ? ESCAPE '\\'", column),
        external_id, named));
    note(column == std::string_view("before_json") ? "audit_log (before)" : "audit_log (after)", n);
  }
  RETAIN_ASSIGN_OR_RETURN(int64_t outbox, ScrubColumn(db, "outbox", "payload",
      "SELECT id, payload FROM outbox WHERE (type LIKE 'customer.%' AND record_id = ?) OR payload LIKE ? ESCAPE '\\'",
      external_id, named));
  note("outbox", outbox);

  // Stored replies to repeated requests that carry their record, and the addresses suppressed
  // for them: both would keep their contact details.
  std::vector<std::string> contacts;
  for (const auto& c : {subject->email, subject->phone}) {
    if (c.size() >= 3) contacts.push_back(c);
  }
  for (const auto& c : contacts) {
    RETAIN_ASSIGN_OR_RETURN(int64_t n, ScalarInt(db, "SELECT COUNT(*) FROM idempotency_keys WHERE body LIKE ? ESCAPE '\\'",
                                                 Containing(json(c).dump())));
    if (n > 0) {
      RETAIN_RETURN_IF_ERROR(Execute(db, "DELETE FROM idempotency_keys WHERE body LIKE ? ESCAPE '\\'",
                                     Containing(json(c).dump())));
      note("idempotency_keys", n);
    }
    RETAIN_ASSIGN_OR_RETURN(int64_t s, ScalarInt(db, "SELECT COUNT(*) FROM suppressions WHERE lower(address) = lower(?)", c));
    if (s > 0) {
      RETAIN_RETURN_IF_ERROR(Execute(db, "DELETE FROM suppressions WHERE lower(address) = lower(?)", c));
      note("suppressions", s);
    }
  }
  return std::optional(std::move(done));
}

}  // namespace retain::storage
