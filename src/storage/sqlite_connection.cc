// The SQLite driver.
#include <sqlite3.h>

#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "storage/database.h"
#include "storage/drivers.h"

namespace retain::storage {
namespace {

tl::unexpected<Error> SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg = fmt::format("{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_CONSTRAINT) return Conflict(msg);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Unavailable(msg);
  // The disk or the file refuses: say what the operating system said and what to do. Nothing
  // of the failed transaction is kept; what was committed before stays.
  if (primary == SQLITE_FULL || primary == SQLITE_IOERR) {
    int os_error = db != nullptr ? sqlite3_system_errno(db) : 0;
    return Unavailable(fmt::format("{}{}; the database's disk cannot be written: free space on it (or check it), then "
                                   "retry", msg, os_error != 0 ? fmt::format(" ({})", std::strerror(os_error)) : ""));
  }
  if (primary == SQLITE_READONLY) {
    return Unavailable(msg + "; the database file, its -wal or -shm file, or its folder is read-only: let the user running retain write "
                             "them, then retry");
  }
  if (primary == SQLITE_CANTOPEN) return Unavailable(msg);
  return Internal(msg);
}

class SqliteStatement : public Statement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void BindNull(int index) override { sqlite3_bind_null(stmt_, index); }
  void BindInt(int index, int64_t value) override { sqlite3_bind_int64(stmt_, index, value); }
  void BindText(int index, std::string_view value) override {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }

  Result<bool> Step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    auto err = SqliteError(db_, rc, "sqlite");
    sqlite3_reset(stmt_);
    return err;
  }

  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string_view Text(int column) const override {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (p == nullptr) return {};
    return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
  }

  int ColumnCount() const override { return sqlite3_column_count(stmt_); }
  std::string_view ColumnName(int column) const override {
    const char* p = sqlite3_column_name(stmt_, column);
    return p == nullptr ? std::string_view() : std::string_view(p);
  }
  bool IsInteger(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_INTEGER; }

  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteConnection : public Connection {
 public:
  SqliteConnection(sqlite3* db, std::string description)
      : db_(db), description_(std::move(description)) {}
  ~SqliteConnection() override {
    cache_.clear();
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }
  const std::string& description() const override { return description_; }

  Status ExecuteScript(std::string_view sql) override {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return SqliteError(nullptr, rc, msg);
    }
    return Ok();
  }

  Result<Statement*> Prepare(std::string_view sql) override {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      it->second->Reset();
      return it->second.get();
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, fmt::format("preparing '{}'", sql));
    auto owned = std::make_unique<SqliteStatement>(db_, stmt);
    Statement* raw = owned.get();
    cache_.emplace(std::string(sql), std::move(owned));
    return raw;
  }

  Result<int64_t> ExecuteInsert(Statement* insert) override {
    RETAIN_ASSIGN_OR_RETURN(bool row, insert->Step());
    (void)row;
    int64_t id = sqlite3_last_insert_rowid(db_);
    insert->Reset();
    return id;
  }
  Result<std::optional<int64_t>> ExecuteInsertIfAbsent(Statement* insert) override {
    RETAIN_ASSIGN_OR_RETURN(bool row, insert->Step());
    (void)row;
    bool inserted = sqlite3_changes(db_) > 0;
    int64_t id = sqlite3_last_insert_rowid(db_);
    insert->Reset();
    return inserted ? std::optional<int64_t>(id) : std::nullopt;
  }
  std::string_view ReturningId() const override { return ""; }

  Status Begin() override { return Run("BEGIN IMMEDIATE"); }
  Status BeginRead() override { return Run("BEGIN DEFERRED"); }
  Status Commit() override { return Run("COMMIT"); }
  Status Rollback() override { return Run("ROLLBACK"); }

 private:
  Status Run(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    return Ok();
  }

  sqlite3* db_;
  std::string description_;
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>, SqlTextHash, std::equal_to<>> cache_;
};

}  // namespace

Result<std::unique_ptr<Connection>> OpenSqlite(std::string_view path) {
  sqlite3* db = nullptr;
  std::string file(path.empty() ? "retain.db" : path);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = fmt::format("cannot open SQLite database '{}': {}", file,
                                  db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return Unavailable(msg);
  }
  sqlite3_busy_timeout(db, 10000);
  auto conn = std::make_unique<SqliteConnection>(db, "sqlite:" + file);
  // WAL lets readers run beside the writer; synchronous=FULL makes a commit survive power loss;
  // secure_delete zeroes what a change frees, so an erased customer's data leaves the file.
  const char* pragmas = file == ":memory:"
                            ? "PRAGMA foreign_keys=ON;"
                            : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=10000; PRAGMA journal_size_limit=67108864;";
  auto ok = conn->ExecuteScript(pragmas);
  if (!ok) {
    return Unavailable(fmt::format("cannot use SQLite database '{}': {}", file, ok.error().message));
  }
  return std::unique_ptr<Connection>(std::move(conn));
}

Result<std::unique_ptr<Connection>> OpenSqliteReadOnly(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = fmt::format("cannot open SQLite database '{}': {}", path,
                                  db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return Unavailable(msg);
  }
  sqlite3_busy_timeout(db, 10000);
  return std::unique_ptr<Connection>(std::make_unique<SqliteConnection>(db, "sqlite:" + path));
}

Status CopySqlite(const std::string& from, const std::string& to) {
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto close = [&] {
    sqlite3_close_v2(src);
    sqlite3_close_v2(dst);
  };
  if (int rc = sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr); rc != SQLITE_OK) {
    auto err = Unavailable(fmt::format("cannot open SQLite database '{}': {}", from, sqlite3_errstr(rc)));
    close();
    return err;
  }
  if (int rc = sqlite3_open_v2(to.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                               nullptr); rc != SQLITE_OK) {
    auto err = Unavailable(fmt::format("cannot write SQLite database '{}': {}", to, sqlite3_errstr(rc)));
    close();
    return err;
  }
  sqlite3_busy_timeout(src, 10000);
  sqlite3_busy_timeout(dst, 10000);
  sqlite3_backup* backup = sqlite3_backup_init(dst, "main", src, "main");
  if (backup == nullptr) {
    auto err = Internal(fmt::format("cannot copy '{}' to '{}': {}", from, to, sqlite3_errmsg(dst)));
    close();
    return err;
  }
  // The source is only read (WAL lets the server go on); a busy destination is waited for, up
  // to a minute, as the busy timeout does for statements.
  int rc = SQLITE_OK;
  for (int tries = 0; tries < 600; ++tries) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    sqlite3_sleep(100);
  }
  sqlite3_backup_finish(backup);
  Status out = Ok();
  if (rc != SQLITE_DONE) {
    out = SqliteError(dst, rc, fmt::format("copying '{}' to '{}'", from, to));
  }
  close();
  return out;
}

}  // namespace retain::storage
