// Small helpers for running a prepared statement and decoding its rows, shared by the stores.
#ifndef RETAIN_STORAGE_QUERY_H_
#define RETAIN_STORAGE_QUERY_H_

#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "storage/database.h"

namespace retain::storage {

// An optional instant as the Unix seconds a nullable column stores, and back.
inline std::optional<int64_t> Seconds(const std::optional<Timestamp>& t) {
  if (!t) return std::nullopt;
  return ToUnixSeconds(*t);
}
inline std::optional<Timestamp> OptionalTime(Statement* s, int column) {
  if (s->IsNull(column)) return std::nullopt;
  return FromUnixSeconds(s->Int(column));
}

// Every remaining row of the bound statement `s`, decoded; resets `s`.
template <typename T, typename Decode>
Result<std::vector<T>> Drain(Statement* s, Decode decode) {
  std::vector<T> out;
  while (true) {
    auto row = s->Step();
    if (!row) {
      s->Reset();
      return tl::unexpected(row.error());
    }
    if (!*row) break;
    out.push_back(decode(s));
  }
  s->Reset();
  return out;
}

// Every row `sql` returns for `args`, decoded.
template <typename T, typename Decode, typename... Args>
Result<std::vector<T>> Rows(Connection& db, std::string_view sql, Decode decode, const Args&... args) {
  RETAIN_ASSIGN_OR_RETURN(Statement * s, db.Prepare(sql));
  Bind(s, args...);
  return Drain<T>(s, decode);
}

// The first row `sql` returns for `args`, decoded, or nullopt.
template <typename T, typename Decode, typename... Args>
Result<std::optional<T>> FirstRow(Connection& db, std::string_view sql, Decode decode, const Args&... args) {
  RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<T>(db, sql, decode, args...));
  if (rows.empty()) return std::optional<T>();
  return std::optional<T>(std::move(rows.front()));
}

// The integer in the first column of the first row (0 when there is no row or it is NULL).
template <typename... Args>
Result<int64_t> ScalarInt(Connection& db, std::string_view sql, const Args&... args) {
  RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<int64_t>(db, sql, [](Statement* s) {
    return s->IsNull(0) ? int64_t{0} : s->Int(0);
  }, args...));
  return row.value_or(0);
}

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_QUERY_H_
