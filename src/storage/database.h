// A small database layer with two drivers, SQLite and PostgreSQL (libpq). Statements are written
// once with '?' placeholders in SQL both dialects accept; the PostgreSQL driver numbers them.
// Only prepared statements run with parameters; ExecuteScript is for migrations.
#ifndef RETAIN_STORAGE_DATABASE_H_
#define RETAIN_STORAGE_DATABASE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace retain::storage {

enum class Dialect { kSqlite, kPostgres };

// A prepared statement. Owned by its Connection; valid while the connection lives. Not
// thread-safe. Use: Bind...(1..n), Step() until it returns false, Reset() before the next use.
// Hashes std::string and std::string_view alike, so a statement cache keyed by SQL text is
// searched with the caller's string_view without building a std::string per look-up.
struct SqlTextHash {
  using is_transparent = void;
  size_t operator()(std::string_view sql) const noexcept { return std::hash<std::string_view>{}(sql); }
};

class Statement {
 public:
  virtual ~Statement() = default;

  // Parameters are numbered from 1.
  virtual void BindNull(int index) = 0;
  virtual void BindInt(int index, int64_t value) = 0;
  virtual void BindText(int index, std::string_view value) = 0;

  // Runs the statement (first call) or moves to the next row. Returns true when a row is
  // available. Errors: Conflict for a unique-constraint violation, Unavailable when the database
  // is busy or gone, Internal otherwise; the message includes the database's own words.
  virtual Result<bool> Step() = 0;

  // Columns of the current row, numbered from 0.
  virtual bool IsNull(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  // Valid until the next Step() or Reset().
  virtual std::string_view Text(int column) const = 0;
  // The shape of the current row, for code that reads any table (a customer's data export).
  virtual int ColumnCount() const = 0;
  virtual std::string_view ColumnName(int column) const = 0;
  // True when the column holds an integer in this row (false for text and NULL).
  virtual bool IsInteger(int column) const = 0;

  // Clears the result and the bindings so the statement can run again.
  virtual void Reset() = 0;
};

// One connection to one database. Not thread-safe: one per thread.
class Connection {
 public:
  virtual ~Connection() = default;

  // Opens "sqlite:PATH" (WAL mode; the file is created if missing; "sqlite::memory:" for a
  // private in-memory database) or "postgresql://user@host:port/db?..." (also "postgres://").
  // Errors: InvalidArgument for an unrecognised URL, Unavailable when the database can't be
  // reached or opened.
  static Result<std::unique_ptr<Connection>> Open(std::string_view url);

  virtual Dialect dialect() const = 0;
  // The URL with any password replaced by "***", for messages.
  virtual const std::string& description() const = 0;

  // Runs one or more statements without parameters (DDL). Errors as for Statement::Step.
  virtual Status ExecuteScript(std::string_view sql) = 0;

  // Prepares `sql` once and returns the cached statement on later calls with the same text.
  // The statement is reset and ready for binding. Errors: Internal for bad SQL.
  virtual Result<Statement*> Prepare(std::string_view sql) = 0;

  // Runs `insert`, an INSERT into a table whose primary key is `id`, and returns the new row's
  // id. The statement's text must end with ReturningId(). Errors as for Statement::Step.
  virtual Result<int64_t> ExecuteInsert(Statement* insert) = 0;
  // The same for an INSERT … ON CONFLICT DO NOTHING (text ending with ReturningId()): the new
  // row's id, or nullopt when a conflicting row kept it out.
  virtual Result<std::optional<int64_t>> ExecuteInsertIfAbsent(Statement* insert) = 0;
  // " RETURNING id" where the dialect needs it to report the new id; "" for SQLite, whose own
  // last-insert id is cheaper than RETURNING.
  virtual std::string_view ReturningId() const = 0;

  virtual Status Begin() = 0;
  // A read-only transaction; nothing is locked until the first read.
  virtual Status BeginRead() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
};

// Binds `args` (integers, strings, string_views, std::nullopt or optionals of those) to
// parameters 1..n of `stmt`.
namespace internal {
inline void BindOne(Statement* s, int i, int64_t v) { s->BindInt(i, v); }
inline void BindOne(Statement* s, int i, int v) { s->BindInt(i, v); }
inline void BindOne(Statement* s, int i, bool v) { s->BindInt(i, v ? 1 : 0); }
inline void BindOne(Statement* s, int i, std::string_view v) { s->BindText(i, v); }
inline void BindOne(Statement* s, int i, const std::string& v) { s->BindText(i, v); }
inline void BindOne(Statement* s, int i, const char* v) { s->BindText(i, v); }
inline void BindOne(Statement* s, int i, std::nullopt_t) { s->BindNull(i); }
template <typename T>
void BindOne(Statement* s, int i, const std::optional<T>& v) {
  if (v) BindOne(s, i, *v);
  else s->BindNull(i);
}
}  // namespace internal

template <typename... Args>
void Bind([[maybe_unused]] Statement* stmt, const Args&... args) {
  [[maybe_unused]] int i = 0;
  (internal::BindOne(stmt, ++i, args), ...);
}

// `url` with any password in it replaced by *** (postgresql://user:***@host/db, ?password=***),
// for messages and logs.
std::string RedactUrl(std::string_view url);

// Prepares `sql`, binds `args` and runs it to completion (for statements returning no rows).
template <typename... Args>
Status Execute(Connection& db, std::string_view sql, const Args&... args) {
  RETAIN_ASSIGN_OR_RETURN(Statement * stmt, db.Prepare(sql));
  Bind(stmt, args...);
  while (true) {
    RETAIN_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
  }
  stmt->Reset();
  return Ok();
}

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_DATABASE_H_
