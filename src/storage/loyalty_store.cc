#include "storage/loyalty_store.h"

#include <charconv>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "loyalty/engine.h"
#include "storage/query.h"

namespace retain::storage {
namespace {

using loyalty::Account;
using loyalty::Coupon;
using loyalty::LedgerEntry;
using loyalty::LedgerKind;
using loyalty::Lot;

// Tier columns (tier, tier_since, below_since, manual_tier) from `column` on; times of 0 mean none.
void DecodeTier(Statement* s, int column, Account& a) {
  a.tier = std::string(s->Text(column));
  if (int64_t t = s->Int(column + 1)) a.tier_since = FromUnixSeconds(t);
  if (int64_t t = s->Int(column + 2)) a.below_since = FromUnixSeconds(t);
  a.manual_tier = std::string(s->Text(column + 3));
}

int64_t SecondsOrZero(const std::optional<Timestamp>& t) { return t ? ToUnixSeconds(*t) : 0; }

constexpr std::string_view kReferralSelect =
    "SELECT r.id, a.external_id, COALESCE(b.external_id, ''), r.email, r.status, r.reason, r.program, r.created_at,"
    " r.registered_at, r.qualified_at FROM referrals r JOIN customers a ON a.id = r.referrer_id"
    " LEFT JOIN customers b ON b.id = r.referee_id";

loyalty::ReferralStatus ParseReferralStatus(std::string_view s) {
  if (s == "registered") return loyalty::ReferralStatus::kRegistered;
  if (s == "qualified") return loyalty::ReferralStatus::kQualified;
  if (s == "refused") return loyalty::ReferralStatus::kRefused;
  return loyalty::ReferralStatus::kInvited;
}

loyalty::Referral DecodeReferral(Statement* s) {
  loyalty::Referral r;
  r.id = s->Int(0);
  r.referrer = std::string(s->Text(1));
  r.referee = std::string(s->Text(2));
  r.email = std::string(s->Text(3));
  r.status = ParseReferralStatus(s->Text(4));
  r.reason = std::string(s->Text(5));
  r.program = std::string(s->Text(6));
  r.created_at = FromUnixSeconds(s->Int(7));
  r.registered_at = OptionalTime(s, 8);
  r.qualified_at = OptionalTime(s, 9);
  return r;
}

constexpr std::string_view kAccountSelect =
    "SELECT p.external_id, c.external_id, a.balance, a.debt, a.punches, a.cards_completed, a.last_punch_day,"
    " a.joined_at, a.tier, a.tier_since, a.below_since, a.manual_tier FROM loyalty_accounts a JOIN loyalty_programs p ON p.id = a.program_id"
    " JOIN customers c ON c.id = a.customer_id";

Account DecodeAccount(Statement* s) {
  Account a;
  a.program = std::string(s->Text(0));
  a.customer = std::string(s->Text(1));
  a.balance = s->Int(2);
  a.debt = s->Int(3);
  a.punches = static_cast<int>(s->Int(4));
  a.cards_completed = static_cast<int>(s->Int(5));
  a.last_punch_day = static_cast<int>(s->Int(6));
  a.joined_at = FromUnixSeconds(s->Int(7));
  DecodeTier(s, 8, a);
  return a;
}

constexpr std::string_view kLedgerSelect =
    "SELECT l.id, p.external_id, c.external_id, l.kind, l.points, l.source, l.ref, l.reason, l.actor,"
    " l.program_version, l.occurred_at FROM loyalty_ledger l JOIN loyalty_programs p ON p.id = l.program_id"
    " JOIN customers c ON c.id = l.customer_id";

LedgerEntry DecodeLedger(Statement* s) {
  LedgerEntry e;
  e.id = s->Int(0);
  e.program = std::string(s->Text(1));
  e.customer = std::string(s->Text(2));
  e.kind = loyalty::ParseLedgerKind(s->Text(3)).value_or(LedgerKind::kAdjust);
  e.points = s->Int(4);
  e.source = std::string(s->Text(5));
  e.ref = std::string(s->Text(6));
  e.reason = std::string(s->Text(7));
  e.actor = std::string(s->Text(8));
  e.program_version = static_cast<int>(s->Int(9));
  e.occurred_at = FromUnixSeconds(s->Int(10));
  return e;
}

Lot DecodeLot(Statement* s) {
  return Lot{s->Int(0), s->Int(1), s->Int(2), FromUnixSeconds(s->Int(3)), FromUnixSeconds(s->Int(4)),
             OptionalTime(s, 5)};
}

constexpr std::string_view kCouponSelect =
    "SELECT x.code, c.external_id, p.external_id, x.reward, x.reward_json, x.source, x.issued_at, x.expires_at,"
    " x.redeemed_at, x.redeemed_ref FROM coupons x JOIN customers c ON c.id = x.customer_id"
    " JOIN loyalty_programs p ON p.id = x.program_id";

Coupon DecodeCoupon(Statement* s) {
  Coupon c;
  c.code = std::string(s->Text(0));
  c.customer = std::string(s->Text(1));
  c.program = std::string(s->Text(2));
  c.reward = std::string(s->Text(3));
  c.reward_json = std::string(s->Text(4));
  c.source = std::string(s->Text(5));
  c.issued_at = FromUnixSeconds(s->Int(6));
  c.expires_at = OptionalTime(s, 7);
  c.redeemed_at = OptionalTime(s, 8);
  c.redeemed_ref = std::string(s->Text(9));
  return c;
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class SqlLoyalty : public SqlLoyaltyStore {
 public:
  explicit SqlLoyalty(Connection& db) : db_(db) {}

  void RolledBack() override {
    accounts_.clear();
    dirty_.clear();
    programs_.reset();
    program_ids_.clear();
    customer_ids_.clear();
    last_customer_.clear();
    in_transaction_ = false;
    checked_in_transaction_ = false;
  }
  void TransactionBegan() override {
    in_transaction_ = true;
    checked_in_transaction_ = false;
  }
  void TransactionEnded() override {
    accounts_.clear();
    dirty_.clear();
    in_transaction_ = false;
    checked_in_transaction_ = false;
  }

  Result<int> PutProgramVersion(const std::string& id, loyalty::ProgramKind kind, const std::string& document,
                                Timestamp effective_at, const std::string& actor, Timestamp now) override {
    const std::string kind_name(loyalty::ProgramKindName(kind));
    auto existing = FirstRow<std::pair<int64_t, std::string>>(
        db_, "SELECT id, kind FROM loyalty_programs WHERE external_id = ?",
        [](Statement* s) { return std::make_pair(s->Int(0), std::string(s->Text(1))); }, id);
    if (!existing) return tl::unexpected(existing.error());
    int64_t program_id = 0;
    if (!*existing) {
      RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
          "INSERT INTO loyalty_programs (external_id, kind, current_version, created_at) VALUES (?, ?, 0, ?)") +
          std::string(db_.ReturningId())));
      Bind(s, id, kind_name, ToUnixSeconds(now));
      RETAIN_ASSIGN_OR_RETURN(program_id, db_.ExecuteInsert(s));
    } else {
      if ((*existing)->second != kind_name) {
        return Conflict(fmt::format("program '{}' is a {}; a program cannot change its kind", id, (*existing)->second),
                        "kind");
      }
      program_id = (*existing)->first;
    }
    // The version number comes from the row's own counter, bumped first so concurrent
    // writers of one program serialise on it.
    RETAIN_RETURN_IF_ERROR(Execute(db_, "UPDATE loyalty_programs SET current_version = current_version + 1 WHERE id = ?",
                                   program_id));
    RETAIN_ASSIGN_OR_RETURN(int64_t version, ScalarInt(db_, "SELECT current_version FROM loyalty_programs WHERE id = ?",
                                                       program_id));
    RETAIN_RETURN_IF_ERROR(Execute(db_,
        "INSERT INTO loyalty_program_versions (program_id, version, document, effective_at, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        program_id, version, document, ToUnixSeconds(effective_at), actor, ToUnixSeconds(now)));
    checked_in_transaction_ = false;  // this connection changed a program: look again
    return static_cast<int>(version);
  }

  Result<std::shared_ptr<const loyalty::ProgramSet>> Programs() override {
    // Inside a transaction the set is checked once: a program changed by another connection
    // meanwhile is seen from the next transaction on, as any committed change is.
    if (programs_ && in_transaction_ && checked_in_transaction_) return programs_;
    // One cheap query (a row per program) tells whether any program changed since the set was parsed.
    using Signature = std::pair<int64_t, int64_t>;
    RETAIN_ASSIGN_OR_RETURN(auto signature, Rows<Signature>(
        db_, "SELECT id, current_version FROM loyalty_programs ORDER BY id",
        [](Statement* s) { return std::make_pair(s->Int(0), s->Int(1)); }));
    checked_in_transaction_ = true;
    if (programs_ && signature == signature_) return programs_;
    RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<loyalty::ProgramVersion>(
        db_,
        "SELECT p.external_id, v.version, v.document, v.effective_at, v.created_by, v.created_at"
        " FROM loyalty_program_versions v JOIN loyalty_programs p ON p.id = v.program_id ORDER BY p.external_id, v.version",
        [](Statement* s) {
          return loyalty::ProgramVersion{std::string(s->Text(0)), static_cast<int>(s->Int(1)), std::string(s->Text(2)),
                                         FromUnixSeconds(s->Int(3)), std::string(s->Text(4)), FromUnixSeconds(s->Int(5))};
        }));
    std::vector<loyalty::ProgramSet::Entry> entries;
    for (auto& meta : rows) {
      auto program = loyalty::ParseProgram(meta.document);
      if (!program) {
        return Internal(fmt::format("stored program '{}' version {} no longer parses: {}", meta.program, meta.version,
                                    program.error().ToString()));
      }
      entries.push_back(loyalty::ProgramSet::Entry{std::move(meta), std::move(*program)});
    }
    programs_ = std::make_shared<const loyalty::ProgramSet>(std::move(entries));
    program_ids_.clear();
    signature_ = std::move(signature);
    return programs_;
  }

  Result<std::optional<Account>> LockAccount(const std::string& program, const std::string& customer, bool create,
                                             Timestamp now) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    // An account locked earlier in this transaction stays locked until it ends, so its row is
    // kept here and written back once, when the transaction commits (see Flush).
    auto key = std::make_pair(customer_id, program_id);
    if (in_transaction_) {
      if (auto it = accounts_.find(key); it != accounts_.end()) return std::optional<Account>(it->second.account);
    }
    RETAIN_ASSIGN_OR_RETURN(auto found, Lock(customer_id, program_id, program, customer));
    if (!found && create) {
      RETAIN_RETURN_IF_ERROR(Execute(db_,
          "INSERT INTO loyalty_accounts (customer_id, program_id, balance, debt, punches, cards_completed,"
          " last_punch_day, joined_at, version) VALUES (?, ?, 0, 0, 0, 0, 0, ?, 0)"
          " ON CONFLICT (customer_id, program_id) DO NOTHING",
          customer_id, program_id, ToUnixSeconds(now)));
      RETAIN_ASSIGN_OR_RETURN(found, Lock(customer_id, program_id, program, customer));
    }
    if (found && in_transaction_) accounts_[key] = {*found, false};
    return found;
  }

  Status SaveAccount(const Account& a) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(a.program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(a.customer));
    if (in_transaction_) {
      auto& cached = accounts_[{customer_id, program_id}];
      if (!cached.dirty) dirty_.emplace_back(customer_id, program_id);
      cached = {a, true};
      return Ok();
    }
    return Write(customer_id, program_id, a);
  }

  Status Flush() override {
    for (const auto& key : dirty_) {
      auto& cached = accounts_[key];
      if (cached.dirty) RETAIN_RETURN_IF_ERROR(Write(key.first, key.second, cached.account));
      cached.dirty = false;
    }
    dirty_.clear();
    return Ok();
  }

  Result<std::optional<Account>> GetAccount(const std::string& program, const std::string& customer) override {
    if (in_transaction_) {  // as this transaction left it
      RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
      RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
      if (auto it = accounts_.find({customer_id, program_id}); it != accounts_.end()) {
        return std::optional<Account>(it->second.account);
      }
    }
    return FirstRow<Account>(db_, std::string(kAccountSelect) + " WHERE p.external_id = ? AND c.external_id = ?",
                             DecodeAccount, program, customer);
  }

  Result<std::vector<Account>> AccountsOf(const std::string& customer) override {
    RETAIN_RETURN_IF_ERROR(Flush());
    return Rows<Account>(db_, std::string(kAccountSelect) + " WHERE c.external_id = ? ORDER BY p.external_id",
                         DecodeAccount, customer);
  }

  Result<std::optional<int64_t>> AppendLedger(const LedgerEntry& e) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(e.program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(e.customer));
    // A source booked before inserts nothing.
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO loyalty_ledger (customer_id, program_id, kind, points, source, ref, reason, actor,"
        " program_version, occurred_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (customer_id, program_id, source) DO NOTHING") + std::string(db_.ReturningId())));
    Bind(s, customer_id, program_id, loyalty::LedgerKindName(e.kind), e.points, e.source, e.ref, e.reason, e.actor,
         e.program_version, ToUnixSeconds(e.occurred_at), NowSeconds());
    return db_.ExecuteInsertIfAbsent(s);
  }

  Result<int64_t> SumByRef(const std::string& program, const std::string& customer, const std::string& ref,
                           LedgerKind kind) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    if (kind == LedgerKind::kEarn || kind == LedgerKind::kPunch) {
      // What a sale earned is booked under "purchase:ID", corrections under "purchase:ID#n":
      // both found through the unique index on the source.
      std::string exact = "purchase:" + ref;
      return ScalarInt(db_,
          "SELECT SUM(points) FROM loyalty_ledger WHERE customer_id = ? AND program_id = ? AND kind = ?"
          " AND (source = ? OR (source >= ? AND source < ?))",
          customer_id, program_id, loyalty::LedgerKindName(kind), exact, exact + "#", exact + "$");
    }
    return ScalarInt(db_,
        "SELECT SUM(points) FROM loyalty_ledger WHERE customer_id = ? AND program_id = ? AND ref = ?"
        " AND kind IN ('reverse', 'unpunch') AND kind = ?",
        customer_id, program_id, ref, loyalty::LedgerKindName(kind));
  }

  Result<int64_t> SumBetween(const std::string& program, const std::string& customer, LedgerKind kind,
                             Timestamp from, Timestamp to) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    return ScalarInt(db_,
        "SELECT SUM(points) FROM loyalty_ledger WHERE customer_id = ? AND program_id = ? AND kind = ?"
        " AND occurred_at >= ? AND occurred_at < ?",
        customer_id, program_id, loyalty::LedgerKindName(kind), ToUnixSeconds(from), ToUnixSeconds(to));
  }

  Result<int64_t> SumPurchaseEarnings(const std::string& program, const std::string& customer, Timestamp from,
                                      Timestamp to) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    // "purchase:" sources sort below "purchase;"; promotions' entries carry "#promo-".
    return ScalarInt(db_,
        "SELECT SUM(points) FROM loyalty_ledger WHERE customer_id = ? AND program_id = ? AND kind = 'earn'"
        " AND occurred_at >= ? AND occurred_at < ? AND source >= 'purchase:' AND source < 'purchase;'"
        " AND source NOT LIKE '%#promo-%'",
        customer_id, program_id, ToUnixSeconds(from), ToUnixSeconds(to));
  }

  Result<core::Page<LedgerEntry>> Ledger(const std::string& program, const std::string& customer,
                                         const std::string& cursor, int limit) override {
    int64_t before = INT64_MAX;
    if (!cursor.empty()) {
      auto [p, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), before);
      if (ec != std::errc() || p != cursor.data() + cursor.size() || before <= 0) {
        return InvalidArgument("is not a cursor this server gave out", "cursor");
      }
    }
    RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<LedgerEntry>(db_,
        std::string(kLedgerSelect) + " WHERE l.program_id = (SELECT id FROM loyalty_programs WHERE external_id = ?)"
                                     " AND l.customer_id = (SELECT id FROM customers WHERE external_id = ?) AND l.id < ?"
                                     " ORDER BY l.id DESC LIMIT ?",
        DecodeLedger, program, customer, before, limit + 1));
    core::Page<LedgerEntry> page;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      page.next_cursor = std::to_string(rows.back().id);
    }
    page.items = std::move(rows);
    return page;
  }

  Result<int64_t> LedgerSum(const std::string& program, const std::string& customer) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    return ScalarInt(db_, "SELECT SUM(points) FROM loyalty_ledger WHERE customer_id = ? AND program_id = ?",
                     customer_id, program_id);
  }

  Result<int64_t> AddLot(const std::string& program, const std::string& customer, int64_t ledger_id,
                         const Lot& lot) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO loyalty_lots (customer_id, program_id, ledger_id, points, remaining, earned_at, available_at,"
        " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)") + std::string(db_.ReturningId())));
    Bind(s, customer_id, program_id, ledger_id, lot.points, lot.remaining, ToUnixSeconds(lot.earned_at),
         ToUnixSeconds(lot.available_at), Seconds(lot.expires_at));
    return db_.ExecuteInsert(s);
  }

  Result<std::vector<Lot>> OpenLots(const std::string& program, const std::string& customer) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    return Rows<Lot>(db_,
        "SELECT id, points, remaining, earned_at, available_at, expires_at FROM loyalty_lots"
        " WHERE customer_id = ? AND program_id = ? AND remaining > 0"
        " ORDER BY CASE WHEN expires_at IS NULL THEN 1 ELSE 0 END, expires_at, id",
        DecodeLot, customer_id, program_id);
  }

  Status SetLotRemaining(int64_t lot_id, int64_t remaining) override {
    return Execute(db_, "UPDATE loyalty_lots SET remaining = ? WHERE id = ?", remaining, lot_id);
  }

  Result<std::vector<std::pair<std::string, std::string>>> AccountsWithExpiredLots(Timestamp now,
                                                                                   int limit) override {
    return Rows<std::pair<std::string, std::string>>(db_,
        "SELECT DISTINCT p.external_id, c.external_id FROM loyalty_lots l"
        " JOIN loyalty_programs p ON p.id = l.program_id JOIN customers c ON c.id = l.customer_id"
        " WHERE l.expires_at <= ? AND l.remaining > 0 ORDER BY p.external_id, c.external_id LIMIT ?",
        [](Statement* s) { return std::make_pair(std::string(s->Text(0)), std::string(s->Text(1))); },
        ToUnixSeconds(now), limit);
  }

  Result<std::vector<loyalty::Bucket>> Buckets(const std::string& program, Timestamp from, Timestamp to) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    auto decode = [](Statement* s) {
      return loyalty::Bucket{FromUnixSeconds(s->Int(0) * 900), std::string(s->Text(1)), s->Int(2), s->Int(3)};
    };
    const int64_t f = ToUnixSeconds(from), t = ToUnixSeconds(to);
    RETAIN_ASSIGN_OR_RETURN(auto out, Rows<loyalty::Bucket>(db_,
        "SELECT occurred_at / 900, kind, SUM(points), COUNT(*) FROM loyalty_ledger"
        " WHERE program_id = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY occurred_at / 900, kind",
        decode, program_id, f, t));
    struct Event {
      const char* column;
      const char* name;
    };
    for (auto [column, name] : {Event{"issued_at", "coupon_issued"}, Event{"redeemed_at", "coupon_used"},
                                Event{"expires_at", "coupon_expired"}}) {
      std::string extra = std::string(name) == "coupon_expired" ? " AND redeemed_at IS NULL" : "";
      RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<loyalty::Bucket>(db_,
          fmt::format("SELECT {0} / 900, '{1}', 0, COUNT(*) FROM coupons WHERE program_id = ? AND {0} >= ?"
                      " AND {0} < ?{2} GROUP BY {0} / 900", column, name, extra),
          decode, program_id, f, t));
      out.insert(out.end(), rows.begin(), rows.end());
    }
    return out;
  }

  Result<std::vector<int64_t>> ActiveMembers(const std::string& program, const std::vector<Timestamp>& bounds) override {
    std::vector<int64_t> out(bounds.size() > 1 ? bounds.size() - 1 : 0, 0);
    if (out.empty()) return out;
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    // One pass over the program's entries: each falls in the period its CASE finds.
    std::string which = "CASE";
    for (size_t i = 1; i < bounds.size(); ++i) which += fmt::format(" WHEN occurred_at < {} THEN {}", ToUnixSeconds(bounds[i]), i - 1);
    which += " END";
    using PeriodCount = std::pair<int64_t, int64_t>;
    RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<PeriodCount>(db_,
        fmt::format("SELECT {} AS period, COUNT(DISTINCT customer_id) FROM loyalty_ledger WHERE program_id = ?"
                    " AND kind IN ('earn', 'punch') AND occurred_at >= ? AND occurred_at < ? GROUP BY {}", which, which),
        [](Statement* s) { return std::make_pair(s->Int(0), s->Int(1)); }, program_id, ToUnixSeconds(bounds.front()),
        ToUnixSeconds(bounds.back())));
    for (const auto& [period, count] : rows) {
      if (period >= 0 && static_cast<size_t>(period) < out.size()) out[static_cast<size_t>(period)] = count;
    }
    return out;
  }

  Result<std::vector<RetentionCell>> RetentionCells(const std::string& program, Timestamp start, Timestamp mid,
                                                    Timestamp end) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_RETURN_IF_ERROR(Flush());
    const int64_t s0 = ToUnixSeconds(start), m = ToUnixSeconds(mid), e = ToUnixSeconds(end);
    return Rows<RetentionCell>(db_,
        "SELECT CASE WHEN t.bought >= 4 THEN 2 WHEN t.bought >= 2 THEN 1 ELSE 0 END AS band, t.member, COUNT(*),"
        " SUM(t.again) FROM (SELECT p.customer_id,"
        "   SUM(CASE WHEN p.occurred_at < ? THEN 1 ELSE 0 END) AS bought,"
        "   MAX(CASE WHEN p.occurred_at >= ? THEN 1 ELSE 0 END) AS again,"
        "   MAX(CASE WHEN a.customer_id IS NULL THEN 0 ELSE 1 END) AS member"
        "   FROM purchases p LEFT JOIN loyalty_accounts a ON a.customer_id = p.customer_id AND a.program_id = ?"
        "     AND a.joined_at < ?"
        "   WHERE p.kind = 'sale' AND p.occurred_at >= ? AND p.occurred_at < ? GROUP BY p.customer_id) t"
        " WHERE t.bought > 0 GROUP BY 1, 2 ORDER BY 1, 2",
        [](Statement* s) { return RetentionCell{static_cast<int>(s->Int(0)), s->Int(1) != 0, s->Int(2), s->Int(3)}; },
        m, m, program_id, m, s0, e);
  }

  Result<std::pair<int64_t, int64_t>> Outstanding(const std::string& program) override {
    RETAIN_RETURN_IF_ERROR(Flush());
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    using Totals = std::pair<int64_t, int64_t>;
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<Totals>(db_,
        "SELECT COALESCE(SUM(balance), 0), COUNT(*) FROM loyalty_accounts WHERE program_id = ?",
        [](Statement* s) { return std::make_pair(s->Int(0), s->Int(1)); }, program_id));
    return row.value_or(std::make_pair(int64_t{0}, int64_t{0}));
  }

  Status PutCoupon(const Coupon& c) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(c.program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(c.customer));
    return Execute(db_,
        "INSERT INTO coupons (code, customer_id, program_id, reward, reward_json, source, issued_at, expires_at,"
        " redeemed_at, redeemed_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, '')",
        c.code, customer_id, program_id, c.reward, c.reward_json, c.source, ToUnixSeconds(c.issued_at),
        Seconds(c.expires_at));
  }

  Result<std::optional<Coupon>> GetCoupon(const std::string& code) override {
    return FirstRow<Coupon>(db_, std::string(kCouponSelect) + " WHERE x.code = ?", DecodeCoupon, code);
  }

  Result<std::optional<Coupon>> CouponBySource(const std::string& customer, const std::string& source) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    return FirstRow<Coupon>(db_, std::string(kCouponSelect) + " WHERE x.customer_id = ? AND x.source = ?", DecodeCoupon,
                            customer_id, source);
  }

  Result<bool> BurnCoupon(const std::string& code, const std::string& ref, Timestamp now) override {
    // One statement checks and burns, so two tills using one code cannot both succeed.
    RETAIN_ASSIGN_OR_RETURN(auto burnt, FirstRow<int64_t>(db_,
        "UPDATE coupons SET redeemed_at = ?, redeemed_ref = ? WHERE code = ? AND redeemed_at IS NULL"
        " AND (expires_at IS NULL OR expires_at > ?) RETURNING id",
        [](Statement* s) { return s->Int(0); }, ToUnixSeconds(now), ref, code, ToUnixSeconds(now)));
    return burnt.has_value();
  }

  Result<std::vector<Coupon>> UsableCoupons(const std::string& customer, Timestamp at) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    return Rows<Coupon>(db_, std::string(kCouponSelect) +
                                 " WHERE x.customer_id = ? AND x.redeemed_at IS NULL"
                                 " AND (x.expires_at IS NULL OR x.expires_at > ?) ORDER BY x.issued_at, x.id",
                        DecodeCoupon, customer_id, ToUnixSeconds(at));
  }

  Result<std::vector<Coupon>> CouponsOf(const std::string& customer) override {
    return Rows<Coupon>(db_, std::string(kCouponSelect) + " WHERE c.external_id = ? ORDER BY x.issued_at DESC, x.id DESC",
                        DecodeCoupon, customer);
  }

  Result<int64_t> SumBySourcePrefix(const std::string& program, const std::string& customer,
                                    const std::string& prefix) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    // A range on the unique (customer, program, source) index; prefixes end in a character
    // below '~', so prefix + '~' bounds them.
    return ScalarInt(db_,
        "SELECT SUM(points) FROM loyalty_ledger WHERE customer_id = ? AND program_id = ? AND source >= ? AND source < ?",
        customer_id, program_id, prefix, prefix + "~");
  }

  Result<int64_t> SpendBetween(const std::string& customer, const std::string& currency, Timestamp from,
                               Timestamp to) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    return ScalarInt(db_,
        "SELECT SUM(CASE WHEN kind = 'sale' THEN total_minor ELSE -total_minor END) FROM purchases"
        " WHERE customer_id = ? AND occurred_at >= ? AND occurred_at < ? AND currency = ?",
        customer_id, ToUnixSeconds(from), ToUnixSeconds(to), currency);
  }

  Status AppendTierChange(const loyalty::TierChange& c) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(c.program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(c.customer));
    return Execute(db_,
        "INSERT INTO loyalty_tier_changes (customer_id, program_id, from_tier, to_tier, reason, actor, occurred_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        customer_id, program_id, c.from, c.to, c.reason, c.actor, ToUnixSeconds(c.occurred_at));
  }

  Result<std::vector<loyalty::TierChange>> TierChanges(const std::string& program, const std::string& customer,
                                                       int limit) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    return Rows<loyalty::TierChange>(db_,
        "SELECT from_tier, to_tier, reason, actor, occurred_at FROM loyalty_tier_changes"
        " WHERE customer_id = ? AND program_id = ? ORDER BY id DESC LIMIT ?",
        [&](Statement* s) {
          return loyalty::TierChange{program, customer, std::string(s->Text(0)), std::string(s->Text(1)),
                                     std::string(s->Text(2)), std::string(s->Text(3)), FromUnixSeconds(s->Int(4))};
        },
        customer_id, program_id, limit);
  }

  Result<std::vector<std::string>> TieredMembers(const std::string& program, const std::string& after,
                                                 int limit) override {
    RETAIN_RETURN_IF_ERROR(Flush());
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    int64_t after_id = 0;
    if (!after.empty()) {
      RETAIN_ASSIGN_OR_RETURN(after_id, CustomerId(after));
    }
    return Rows<std::string>(db_,
        "SELECT c.external_id FROM loyalty_accounts a JOIN customers c ON c.id = a.customer_id"
        " WHERE a.program_id = ? AND a.tier <> '' AND a.customer_id > ? ORDER BY a.customer_id LIMIT ?",
        [](Statement* s) { return std::string(s->Text(0)); }, program_id, after_id, limit);
  }

  Result<loyalty::Counter> LockCounter(const std::string& program, const std::string& name) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_RETURN_IF_ERROR(Execute(db_,
        "INSERT INTO loyalty_counters (program_id, name, uses, points, cost_minor) VALUES (?, ?, 0, 0, 0)"
        " ON CONFLICT (program_id, name) DO NOTHING",
        program_id, name));
    // The UPDATE takes PostgreSQL's row lock; SQLite's writers are serial already.
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<loyalty::Counter>(db_,
        "UPDATE loyalty_counters SET uses = uses WHERE program_id = ? AND name = ? RETURNING uses, points, cost_minor",
        [](Statement* s) { return loyalty::Counter{s->Int(0), s->Int(1), s->Int(2)}; }, program_id, name));
    if (!row) return Internal("a counter row vanished");
    return *row;
  }

  Status SaveCounter(const std::string& program, const std::string& name, const loyalty::Counter& c) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    return Execute(db_, "UPDATE loyalty_counters SET uses = ?, points = ?, cost_minor = ? WHERE program_id = ? AND name = ?",
                   c.uses, c.points, c.cost_minor, program_id, name);
  }

  Result<loyalty::Counter> GetCounter(const std::string& program, const std::string& name) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<loyalty::Counter>(db_,
        "SELECT uses, points, cost_minor FROM loyalty_counters WHERE program_id = ? AND name = ?",
        [](Statement* s) { return loyalty::Counter{s->Int(0), s->Int(1), s->Int(2)}; }, program_id, name));
    return row.value_or(loyalty::Counter{});
  }

  Result<bool> AddPromotionUse(const loyalty::PromotionUse& u) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(u.program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(u.customer));
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO loyalty_promotion_uses (customer_id, program_id, promotion, source, points, cost_minor, coupon,"
        " occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id, program_id, promotion, source)"
        " DO NOTHING") + std::string(db_.ReturningId())));
    Bind(s, customer_id, program_id, u.promotion, u.source, u.points, u.cost_minor, u.coupon,
         ToUnixSeconds(u.occurred_at));
    RETAIN_ASSIGN_OR_RETURN(auto id, db_.ExecuteInsertIfAbsent(s));
    return id.has_value();
  }

  Result<int64_t> PromotionUses(const std::string& program, const std::string& promotion,
                                const std::string& customer) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    return ScalarInt(db_,
        "SELECT COUNT(*) FROM loyalty_promotion_uses WHERE customer_id = ? AND program_id = ? AND promotion = ?",
        customer_id, program_id, promotion);
  }

  Result<std::optional<loyalty::PromotionUse>> PromotionUseBySource(const std::string& program,
                                                                    const std::string& promotion,
                                                                    const std::string& customer,
                                                                    const std::string& source) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    return FirstRow<loyalty::PromotionUse>(db_,
        "SELECT points, cost_minor, coupon, occurred_at FROM loyalty_promotion_uses"
        " WHERE customer_id = ? AND program_id = ? AND promotion = ? AND source = ?",
        [&](Statement* s) {
          return loyalty::PromotionUse{program, customer, promotion, source, s->Int(0), s->Int(1),
                                       std::string(s->Text(2)), FromUnixSeconds(s->Int(3))};
        },
        customer_id, program_id, promotion, source);
  }

  Result<std::vector<ExpiringLot>> ExpiringLots(const std::string& program, Timestamp from, Timestamp to,
                                                int limit) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    return Rows<ExpiringLot>(db_,
        "SELECT c.external_id, l.expires_at, l.remaining FROM loyalty_lots l JOIN customers c ON c.id = l.customer_id"
        " WHERE l.expires_at > ? AND l.expires_at <= ? AND l.remaining > 0 AND l.program_id = ?"
        " ORDER BY l.expires_at, l.id LIMIT ?",
        [](Statement* s) { return ExpiringLot{std::string(s->Text(0)), FromUnixSeconds(s->Int(1)), s->Int(2)}; },
        ToUnixSeconds(from), ToUnixSeconds(to), program_id, limit);
  }

  Result<bool> MarkExpiryWarned(const std::string& program, const std::string& customer, const std::string& month,
                                int64_t points, Timestamp first_expiry, Timestamp at) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    RETAIN_ASSIGN_OR_RETURN(auto inserted, FirstRow<int64_t>(db_,
        "INSERT INTO loyalty_expiry_warnings (customer_id, program_id, month, points, first_expiry, warned_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id, program_id, month) DO NOTHING RETURNING customer_id",
        [](Statement* s) { return s->Int(0); }, customer_id, program_id, month, points, ToUnixSeconds(first_expiry),
        ToUnixSeconds(at)));
    return inserted.has_value();
  }

  Result<std::vector<MemberDates>> MembersWithDates(const std::string& program) override {
    RETAIN_RETURN_IF_ERROR(Flush());
    RETAIN_ASSIGN_OR_RETURN(int64_t program_id, ProgramId(program));
    return Rows<MemberDates>(db_,
        "SELECT c.external_id, a.joined_at, c.attributes FROM loyalty_accounts a"
        " JOIN customers c ON c.id = a.customer_id WHERE a.program_id = ? ORDER BY a.customer_id",
        [](Statement* s) {
          return MemberDates{std::string(s->Text(0)), FromUnixSeconds(s->Int(1)), std::string(s->Text(2))};
        },
        program_id);
  }

  Result<std::optional<std::string>> ReferralCode(const std::string& customer, bool create) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer_id, CustomerId(customer));
    auto get = [&]() {
      return FirstRow<std::string>(db_, "SELECT code FROM referral_codes WHERE customer_id = ?",
                                   [](Statement* s) { return std::string(s->Text(0)); }, customer_id);
    };
    RETAIN_ASSIGN_OR_RETURN(auto code, get());
    if (code || !create) return code;
    for (int attempt = 0; attempt < 5; ++attempt) {
      RETAIN_ASSIGN_OR_RETURN(auto drawn, loyalty::NewCouponCode());
      std::string candidate = "R-" + drawn.substr(0, 9);  // "R-XXXX-XXXX": short enough to read out
      RETAIN_ASSIGN_OR_RETURN(auto taken, CustomerByReferralCode(candidate));
      if (taken) continue;
      RETAIN_RETURN_IF_ERROR(Execute(db_,
          "INSERT INTO referral_codes (customer_id, code, created_at) VALUES (?, ?, ?)"
          " ON CONFLICT (customer_id) DO NOTHING",
          customer_id, candidate, NowSeconds()));
      return get();
    }
    return Internal("could not draw an unused referral code");
  }

  Result<std::optional<std::string>> CustomerByReferralCode(const std::string& code) override {
    return FirstRow<std::string>(db_,
        "SELECT c.external_id FROM referral_codes r JOIN customers c ON c.id = r.customer_id WHERE r.code = ?",
        [](Statement* s) { return std::string(s->Text(0)); }, code);
  }

  Result<int64_t> PutReferral(const loyalty::Referral& r) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t referrer_id, CustomerId(r.referrer));
    std::optional<int64_t> referee_id;
    if (!r.referee.empty()) {
      RETAIN_ASSIGN_OR_RETURN(referee_id, CustomerId(r.referee));
    }
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO referrals (referrer_id, referee_id, email, status, reason, program, created_at, registered_at,"
        " qualified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)") + std::string(db_.ReturningId())));
    Bind(s, referrer_id, referee_id, r.email, loyalty::ReferralStatusName(r.status), r.reason, r.program,
         ToUnixSeconds(r.created_at), Seconds(r.registered_at), Seconds(r.qualified_at));
    return db_.ExecuteInsert(s);
  }

  Status UpdateReferral(const loyalty::Referral& r) override {
    std::optional<int64_t> referee_id;
    if (!r.referee.empty()) {
      RETAIN_ASSIGN_OR_RETURN(referee_id, CustomerId(r.referee));
    }
    return Execute(db_,
        "UPDATE referrals SET referee_id = ?, status = ?, reason = ?, program = ?, registered_at = ?, qualified_at = ?"
        " WHERE id = ?",
        referee_id, loyalty::ReferralStatusName(r.status), r.reason, r.program, Seconds(r.registered_at),
        Seconds(r.qualified_at), r.id);
  }

  Result<std::optional<loyalty::Referral>> ReferralOf(const std::string& referee) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t referee_id, CustomerId(referee));
    return FirstRow<loyalty::Referral>(db_,
        std::string(kReferralSelect) + " WHERE r.referee_id = ? AND r.status IN ('registered', 'qualified')",
        DecodeReferral, referee_id);
  }

  Result<std::vector<loyalty::Referral>> ReferralsBy(const std::string& referrer) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t referrer_id, CustomerId(referrer));
    return Rows<loyalty::Referral>(db_, std::string(kReferralSelect) + " WHERE r.referrer_id = ? ORDER BY r.id DESC",
                                   DecodeReferral, referrer_id);
  }

 private:
  // Programs and customers are never deleted, so their ids are kept (and dropped on rollback,
  // which may undo the insert that made one).
  Result<int64_t> ProgramId(const std::string& program) {
    if (auto it = program_ids_.find(program); it != program_ids_.end()) return it->second;
    RETAIN_ASSIGN_OR_RETURN(auto id, FirstRow<int64_t>(db_, "SELECT id FROM loyalty_programs WHERE external_id = ?",
                                                       [](Statement* s) { return s->Int(0); }, program));
    if (!id) return NotFound(fmt::format("no loyalty program '{}'", program), "program");
    program_ids_[program] = *id;
    return *id;
  }

  Result<int64_t> CustomerId(const std::string& customer) {
    // One booking asks for the same customer many times in a row.
    if (!last_customer_.empty() && customer == last_customer_) return last_customer_id_;
    if (auto it = customer_ids_.find(customer); it != customer_ids_.end()) {
      last_customer_ = customer;
      last_customer_id_ = it->second;
      return it->second;
    }
    RETAIN_ASSIGN_OR_RETURN(auto id, FirstRow<int64_t>(db_, "SELECT id FROM customers WHERE external_id = ?",
                                                       [](Statement* s) { return s->Int(0); }, customer));
    if (!id) return NotFound(fmt::format("no customer '{}'", customer), "customer");
    if (customer_ids_.size() >= kMaxCachedCustomers) {
      customer_ids_.clear();
      last_customer_.clear();
    }
    customer_ids_[customer] = *id;
    return *id;
  }

  Status Write(int64_t customer_id, int64_t program_id, const Account& a) {
    return Execute(db_,
        "UPDATE loyalty_accounts SET balance = ?, debt = ?, punches = ?, cards_completed = ?, last_punch_day = ?,"
        " tier = ?, tier_since = ?, below_since = ?, manual_tier = ? WHERE customer_id = ? AND program_id = ?",
        a.balance, a.debt, a.punches, a.cards_completed, a.last_punch_day, a.tier, SecondsOrZero(a.tier_since),
        SecondsOrZero(a.below_since), a.manual_tier, customer_id, program_id);
  }

  Result<std::optional<Account>> Lock(int64_t customer_id, int64_t program_id, const std::string& program,
                                      const std::string& customer) {
    // SQLite's write transactions already exclude each other (BEGIN IMMEDIATE), so a read is
    // enough there; PostgreSQL needs the row lock an UPDATE takes.
    const char* sql = db_.dialect() == Dialect::kSqlite
        ? "SELECT balance, debt, punches, cards_completed, last_punch_day, joined_at, tier, tier_since, below_since,"
          " manual_tier FROM loyalty_accounts WHERE customer_id = ? AND program_id = ?"
        : "UPDATE loyalty_accounts SET version = version + 1 WHERE customer_id = ? AND program_id = ?"
          " RETURNING balance, debt, punches, cards_completed, last_punch_day, joined_at, tier, tier_since, below_since,"
          " manual_tier";
    return FirstRow<Account>(db_, sql,
        [&](Statement* s) {
          Account a;
          a.program = program;
          a.customer = customer;
          a.balance = s->Int(0);
          a.debt = s->Int(1);
          a.punches = static_cast<int>(s->Int(2));
          a.cards_completed = static_cast<int>(s->Int(3));
          a.last_punch_day = static_cast<int>(s->Int(4));
          a.joined_at = FromUnixSeconds(s->Int(5));
          DecodeTier(s, 6, a);
          return a;
        },
        customer_id, program_id);
  }

  Connection& db_;
  std::shared_ptr<const loyalty::ProgramSet> programs_;
  std::vector<std::pair<int64_t, int64_t>> signature_;
  struct CachedAccount {
    Account account;
    bool dirty = false;
  };
  // (customer id, program id) -> the account as this transaction left it.
  struct KeyHash {
    size_t operator()(const std::pair<int64_t, int64_t>& k) const noexcept {
      return std::hash<int64_t>{}(k.first * 1'000'003 + k.second);
    }
  };
  std::unordered_map<std::pair<int64_t, int64_t>, CachedAccount, KeyHash> accounts_;
  std::vector<std::pair<int64_t, int64_t>> dirty_;  // keys of accounts_ to write back
  bool in_transaction_ = false;
  bool checked_in_transaction_ = false;
  static constexpr size_t kMaxCachedCustomers = 100'000;
  std::unordered_map<std::string, int64_t> program_ids_;
  std::unordered_map<std::string, int64_t> customer_ids_;
  std::string last_customer_;  // the customer CustomerId answered last, while customer_ids_ holds it
  int64_t last_customer_id_ = 0;
};

}  // namespace

std::unique_ptr<SqlLoyaltyStore> MakeSqlLoyaltyStore(Connection& db) {
  return std::make_unique<SqlLoyalty>(db);
}

}  // namespace retain::storage
