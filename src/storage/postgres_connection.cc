// The PostgreSQL driver, on libpq with text-format parameters.
#include <libpq-fe.h>

#include <charconv>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "storage/database.h"
#include "storage/drivers.h"

namespace retain::storage {
namespace {

// Rewrites '?' placeholders as $1, $2, ... outside quoted literals and identifiers.
std::string NumberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out += fmt::format("${}", ++n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

tl::unexpected<Error> PgError(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string detail = res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  std::string msg = fmt::format("{}: {}", what, detail);
  if (PQstatus(conn) != CONNECTION_OK) return Unavailable(msg);
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view code = state != nullptr ? state : "";
  if (code.starts_with("23")) return Conflict(msg);
  if (code.starts_with("08") || code.starts_with("57") || code.starts_with("53") ||
      code == "40001" || code == "40P01") {
    return Unavailable(msg);
  }
  return Internal(msg);
}

// A statement prepared on the server under `name`. After the connection is re-established (a new
// server session, see PgConnection::Reconnect) it is prepared again on its next use, so a
// Statement* a store holds stays valid.
class PgStatement : public Statement {
 public:
  PgStatement(PGconn* conn, std::string name, std::string text, int params, const uint64_t* session)
      : conn_(conn), name_(std::move(name)), text_(std::move(text)), values_(static_cast<size_t>(params)),
        is_null_(static_cast<size_t>(params), true), session_(session), prepared_in_(*session) {}
  ~PgStatement() override { Clear(); }

  void BindNull(int index) override { is_null_[Slot(index)] = true; }
  void BindInt(int index, int64_t value) override {
    values_[Slot(index)] = std::to_string(value);
    is_null_[Slot(index)] = false;
  }
  void BindText(int index, std::string_view value) override {
    values_[Slot(index)].assign(value);
    is_null_[Slot(index)] = false;
  }

  Result<bool> Step() override {
    if (result_ == nullptr) {
      if (prepared_in_ != *session_) {
        PGresult* res = PQprepare(conn_, name_.c_str(), text_.c_str(), static_cast<int>(values_.size()), nullptr);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
          auto err = PgError(conn_, res, "preparing again");
          PQclear(res);
          return err;
        }
        PQclear(res);
        prepared_in_ = *session_;
      }
      std::vector<const char*> ptrs(values_.size());
      for (size_t i = 0; i < values_.size(); ++i) ptrs[i] = is_null_[i] ? nullptr : values_[i].c_str();
      result_ = PQexecPrepared(conn_, name_.c_str(), static_cast<int>(ptrs.size()), ptrs.data(),
                               nullptr, nullptr, 0);
      auto status = PQresultStatus(result_);
      if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        auto err = PgError(conn_, result_, "postgresql");
        Clear();
        return err;
      }
      row_ = -1;
      rows_ = PQntuples(result_);
    }
    ++row_;
    return row_ < rows_;
  }

  bool IsNull(int column) const override { return PQgetisnull(result_, row_, column) != 0; }
  int64_t Int(int column) const override {
    const char* p = PQgetvalue(result_, row_, column);
    int64_t v = 0;
    std::from_chars(p, p + PQgetlength(result_, row_, column), v);
    return v;
  }
  std::string_view Text(int column) const override {
    return {PQgetvalue(result_, row_, column),
            static_cast<size_t>(PQgetlength(result_, row_, column))};
  }

  int ColumnCount() const override { return result_ == nullptr ? 0 : PQnfields(result_); }
  std::string_view ColumnName(int column) const override { return PQfname(result_, column); }
  bool IsInteger(int column) const override {
    // int8, int2 and int4 (pg_type's oids 20, 21 and 23).
    Oid type = PQftype(result_, column);
    return !IsNull(column) && (type == 20 || type == 21 || type == 23);
  }

  void Reset() override {
    Clear();
    std::fill(is_null_.begin(), is_null_.end(), true);
  }

 private:
  size_t Slot(int index) const { return static_cast<size_t>(index - 1); }
  void Clear() {
    if (result_ != nullptr) PQclear(result_);
    result_ = nullptr;
  }

  PGconn* conn_;
  std::string name_;
  std::string text_;
  std::vector<std::string> values_;
  std::vector<bool> is_null_;
  const uint64_t* session_;  // the connection's session number
  uint64_t prepared_in_;     // the session it was last prepared in
  PGresult* result_ = nullptr;
  int row_ = -1;
  int rows_ = 0;
};

void IgnoreNotice(void*, const char*) {}

class PgConnection : public Connection {
 public:
  PgConnection(PGconn* conn, std::string description)
      : conn_(conn), description_(std::move(description)) {
    PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  }
  ~PgConnection() override {
    cache_.clear();
    PQfinish(conn_);
  }

  Dialect dialect() const override { return Dialect::kPostgres; }
  const std::string& description() const override { return description_; }

  Status ExecuteScript(std::string_view sql) override {
    RETAIN_RETURN_IF_ERROR(Reconnect());
    PGresult* res = PQexec(conn_, std::string(sql).c_str());
    auto status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      auto err = PgError(conn_, res, "postgresql");
      PQclear(res);
      return err;
    }
    PQclear(res);
    return Ok();
  }

  Result<Statement*> Prepare(std::string_view sql) override {
    RETAIN_RETURN_IF_ERROR(Reconnect());
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      it->second->Reset();
      return it->second.get();
    }
    std::string text = NumberPlaceholders(sql);
    int params = static_cast<int>(std::count(sql.begin(), sql.end(), '?'));
    std::string name = fmt::format("retain_{}", cache_.size() + 1);
    PGresult* res = PQprepare(conn_, name.c_str(), text.c_str(), params, nullptr);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      auto err = PgError(conn_, res, fmt::format("preparing '{}'", sql));
      PQclear(res);
      return err;
    }
    PQclear(res);
    auto owned = std::make_unique<PgStatement>(conn_, name, std::move(text), params, &session_);
    Statement* raw = owned.get();
    cache_.emplace(std::string(sql), std::move(owned));
    return raw;
  }

  Result<int64_t> ExecuteInsert(Statement* insert) override {
    RETAIN_ASSIGN_OR_RETURN(bool row, insert->Step());
    if (!row) {
      insert->Reset();
      return Internal("insert returned no id; does its text end with RETURNING id?");
    }
    int64_t id = insert->Int(0);
    insert->Reset();
    return id;
  }
  Result<std::optional<int64_t>> ExecuteInsertIfAbsent(Statement* insert) override {
    RETAIN_ASSIGN_OR_RETURN(bool row, insert->Step());
    std::optional<int64_t> id;
    if (row) id = insert->Int(0);
    insert->Reset();
    return id;
  }
  std::string_view ReturningId() const override { return " RETURNING id"; }

  Status Begin() override { return BeginWith("BEGIN"); }
  Status BeginRead() override { return BeginWith("BEGIN READ ONLY"); }
  Status Commit() override { return End("COMMIT"); }
  Status Rollback() override { return End("ROLLBACK"); }

 private:
  Status BeginWith(const char* sql) {
    RETAIN_RETURN_IF_ERROR(ExecuteScript(sql));
    in_transaction_ = true;
    return Ok();
  }
  Status End(const char* sql) {
    auto ended = ExecuteScript(sql);
    in_transaction_ = false;  // committed, rolled back, or lost with the connection
    return ended;
  }

  // A connection the server dropped (restarted, failed over, or gone for a while) is opened
  // again before the next transaction or statement outside one; the statements are prepared
  // again as they are used. Inside a transaction it is never re-opened: the rest of that
  // transaction fails, so nothing half-done can commit in a new session.
  Status Reconnect() {
    if (PQstatus(conn_) != CONNECTION_BAD || in_transaction_) return Ok();
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string detail = PQerrorMessage(conn_);
      while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
      return Unavailable(fmt::format("the database is unavailable (PostgreSQL at {}: {}); retry shortly",
                                     description_, detail));
    }
    PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
    ++session_;
    return Ok();
  }

  PGconn* conn_;
  std::string description_;
  uint64_t session_ = 0;
  bool in_transaction_ = false;
  std::unordered_map<std::string, std::unique_ptr<PgStatement>, SqlTextHash, std::equal_to<>> cache_;
};

}  // namespace

Result<std::unique_ptr<Connection>> OpenPostgres(std::string_view url) {
  std::string conninfo(url);
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfinish(conn);
    return Unavailable(fmt::format("cannot connect to PostgreSQL at {}: {}", RedactUrl(url), msg));
  }
  return std::unique_ptr<Connection>(std::make_unique<PgConnection>(conn, RedactUrl(url)));
}

}  // namespace retain::storage
