#include "core/privacy_requests.h"

#include <fmt/format.h>

#include "core/store.h"
#include "core/webhook_store.h"

namespace retain::core {
namespace {

using nlohmann::json;

json CellJson(const std::string& column, const DataCell& cell) {
  using K = DataCell::Kind;
  if (cell.kind == K::kNull) return nullptr;
  if (cell.kind == K::kInteger) {
    bool instant = column == "at" || column == "since" || column.ends_with("_at");
    if (instant) return FormatTimestamp(FromUnixSeconds(cell.integer));
    return cell.integer;
  }
  if (!cell.text.empty() && (cell.text.front() == '{' || cell.text.front() == '[')) {
    auto doc = json::parse(cell.text, nullptr, false);
    if (!doc.is_discarded()) return doc;
  }
  return cell.text;
}

Error NoCustomer(const std::string& id) { return Error{ErrorCode::kNotFound, fmt::format("no customer '{}'", id), "id"}; }

}  // namespace

Result<json> ExportCustomerJson(RecordStore& store, const std::string& id, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto tables, store.ExportCustomer(id));
  if (!tables) return tl::unexpected(NoCustomer(id));
  json out_tables = json::array();
  int64_t rows = 0;
  for (const auto& t : *tables) {
    json jrows = json::array();
    for (const auto& row : t.rows) {
      json r = json::object();
      for (size_t c = 0; c < row.size(); ++c) r[t.columns[c]] = CellJson(t.columns[c], row[c]);
      jrows.push_back(std::move(r));
    }
    rows += static_cast<int64_t>(t.rows.size());
    out_tables.push_back({{"table", t.table}, {"holds", t.holds}, {"rows", std::move(jrows)}});
  }
  return json{{"customer", id}, {"exported_at", FormatTimestamp(now)}, {"rows", rows}, {"tables", std::move(out_tables)}};
}

json ErasureJson(const std::string& id, const Erasure& e) {
  json cleared = json::object();
  for (const auto& [table, n] : e.cleared) cleared[table] = n;
  return {{"customer", id}, {"result", e.already_erased ? "already_erased" : "erased"},
          {"erased_at", FormatTimestamp(e.erased_at)}, {"cleared", std::move(cleared)}};
}

Result<Erasure> EraseOnRequest(RecordStore& store, WebhookStore& outbox, const std::string& id,
                               const std::string& reason, const std::string& actor, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto done, store.EraseCustomer(id, now));
  if (!done) return tl::unexpected(NoCustomer(id));
  if (done->already_erased) return *done;
  AuditEntry a;
  a.at = now;
  a.actor = actor;
  a.action = "customers.erased";
  a.record_type = "customers";
  a.record_id = id;
  a.before_json = "null";
  a.after_json = json{{"reason", reason}, {"cleared", ErasureJson(id, *done)["cleared"]}}.dump();
  RETAIN_RETURN_IF_ERROR(store.AppendAudit(a));
  json payload = {{"type", "customer.erased"}, {"created_at", FormatTimestamp(now)},
                  {"data", {{"id", id}, {"erased_at", FormatTimestamp(done->erased_at)}}}};
  RETAIN_RETURN_IF_ERROR(outbox.AppendOutbox({0, "customer.erased", id, payload.dump(), now}));
  return *done;
}

}  // namespace retain::core
