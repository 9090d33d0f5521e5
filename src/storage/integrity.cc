#include "storage/integrity.h"

#include <fmt/format.h>

#include "storage/query.h"

namespace retain::storage {
namespace {

struct Rule {
  const char* name;
  const char* description;
  // Selects one text column naming each row that breaks the rule.
  const char* sql;
};

// The member named in examples: "customer C0000042, program sub-club".
#define RETAIN_MEMBER "'customer ' || cu.external_id || ', program ' || p.external_id"

const Rule kRules[] = {
    {"loyalty.balance", "a member's balance is the sum of their ledger",
     "SELECT " RETAIN_MEMBER " || ': balance ' || a.balance || ', ledger ' || COALESCE(s.total, 0)"
     " FROM loyalty_accounts a JOIN customers cu ON cu.id = a.customer_id JOIN loyalty_programs p ON p.id = a.program_id"
     " LEFT JOIN (SELECT customer_id, program_id, SUM(points) AS total FROM loyalty_ledger GROUP BY customer_id, program_id) s"
     "   ON s.customer_id = a.customer_id AND s.program_id = a.program_id"
     " WHERE a.balance <> COALESCE(s.total, 0) ORDER BY 1"},
    {"loyalty.lots", "a points member's balance is their earn lots' remaining points less their debt",
     "SELECT " RETAIN_MEMBER " || ': balance ' || a.balance || ', lots ' || COALESCE(s.total, 0) || ', debt ' || a.debt"
     " FROM loyalty_accounts a JOIN customers cu ON cu.id = a.customer_id JOIN loyalty_programs p ON p.id = a.program_id"
     " LEFT JOIN (SELECT customer_id, program_id, SUM(remaining) AS total FROM loyalty_lots GROUP BY customer_id, program_id) s"
     "   ON s.customer_id = a.customer_id AND s.program_id = a.program_id"
     " WHERE p.kind <> 'punch_card' AND a.balance <> COALESCE(s.total, 0) - a.debt ORDER BY 1"},
    {"loyalty.lot_points", "an earn lot holds its entry's points and has between none and all of them left",
     "SELECT " RETAIN_MEMBER " || ': lot ' || l.id || ' has ' || l.remaining || ' of ' || l.points"
     " || ' points, its entry ' || COALESCE(e.points, 0)"
     " FROM loyalty_lots l JOIN customers cu ON cu.id = l.customer_id JOIN loyalty_programs p ON p.id = l.program_id"
     " LEFT JOIN loyalty_ledger e ON e.id = l.ledger_id"
     " WHERE e.id IS NULL OR l.points <> e.points OR l.remaining < 0 OR l.remaining > l.points ORDER BY 1"},
    {"loyalty.coupon_entries", "every coupon from a redemption or a full card has its ledger entry",
     "SELECT " RETAIN_MEMBER " || ': coupon ' || c.code || ' from ' || c.source"
     " FROM coupons c JOIN customers cu ON cu.id = c.customer_id JOIN loyalty_programs p ON p.id = c.program_id"
     " WHERE (c.source LIKE 'redeem:%' OR c.source LIKE 'card:%') AND NOT EXISTS (SELECT 1 FROM loyalty_ledger e"
     "   WHERE e.customer_id = c.customer_id AND e.program_id = c.program_id AND e.source = c.source) ORDER BY 1"},
    {"loyalty.entry_coupons", "every redemption and full card in the ledger issued its coupon",
     "SELECT " RETAIN_MEMBER " || ': ' || e.kind || ' entry ' || e.source"
     " FROM loyalty_ledger e JOIN customers cu ON cu.id = e.customer_id JOIN loyalty_programs p ON p.id = e.program_id"
     " WHERE ((e.kind = 'spend' AND e.source LIKE 'redeem:%') OR e.kind = 'card') AND NOT EXISTS (SELECT 1 FROM coupons c"
     "   WHERE c.customer_id = e.customer_id AND c.program_id = e.program_id AND c.source = e.source) ORDER BY 1"},
};

#undef RETAIN_MEMBER

}  // namespace

Result<std::vector<IntegrityCheck>> CheckIntegrity(Connection& db) {
  std::vector<IntegrityCheck> out;
  RETAIN_RETURN_IF_ERROR(db.BeginRead());
  auto run = [&]() -> Status {
    for (const auto& rule : kRules) {
      RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<std::string>(db, rule.sql, [](Statement* s) {
        return std::string(s->Text(0));
      }));
      IntegrityCheck check{rule.name, rule.description, static_cast<int64_t>(rows.size()), {}};
      for (size_t i = 0; i < rows.size() && i < 5; ++i) check.examples.push_back(rows[i]);
      out.push_back(std::move(check));
    }
    if (db.dialect() == Dialect::kSqlite) {
      // Every page, index entry and constraint of the file (PRAGMA integrity_check).
      RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<std::string>(db, "PRAGMA integrity_check", [](Statement* s) {
        return std::string(s->Text(0));
      }));
      IntegrityCheck check{"sqlite.file", "the database file's pages, indexes and constraints are sound", 0, {}};
      for (const auto& row : rows) {
        if (row == "ok") continue;
        ++check.violations;
        if (check.examples.size() < 5) check.examples.push_back(row);
      }
      out.push_back(std::move(check));
    }
    return Ok();
  };
  auto ok = run();
  auto ended = db.Rollback();  // read only: nothing to keep
  if (!ok) return tl::unexpected(ok.error());
  if (!ended) return tl::unexpected(ended.error());
  return out;
}

}  // namespace retain::storage
