// The driver constructors behind Connection::Open. Internal to storage/.
#ifndef RETAIN_STORAGE_DRIVERS_H_
#define RETAIN_STORAGE_DRIVERS_H_

#include <memory>
#include <string_view>

#include "storage/database.h"

namespace retain::storage {

Result<std::unique_ptr<Connection>> OpenSqlite(std::string_view path);
Result<std::unique_ptr<Connection>> OpenPostgres(std::string_view url);

// A SQLite file opened read-only, changing nothing in it (no WAL switch, no pragmas): for looking
// at a backup before it is restored.
Result<std::unique_ptr<Connection>> OpenSqliteReadOnly(const std::string& path);

// Copies the SQLite database `from` into `to` (created, or replaced whole) with SQLite's backup
// API, in one step: one consistent snapshot of `from` while other connections go on writing.
Status CopySqlite(const std::string& from, const std::string& to);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_DRIVERS_H_
