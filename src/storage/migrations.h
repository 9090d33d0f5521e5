// Versioned schema migrations, one SQL text for both dialects (see migrations/*.sql), embedded in
// the binary at build time.
#ifndef RETAIN_STORAGE_MIGRATIONS_H_
#define RETAIN_STORAGE_MIGRATIONS_H_

#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/database.h"

namespace retain::storage {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;  // with {{id}} for the dialect's auto-numbered primary key
};

// Every migration this build knows, in version order (generated from migrations/NNNN_name.sql).
std::span<const Migration> AllMigrations();

// The newest schema version this build knows.
int LatestSchemaVersion();

// `sql` with the dialect's spelling of the template tokens.
std::string RenderMigration(std::string_view sql, Dialect dialect);

// The schema version of the database: 0 for an empty database. Errors as for Statement::Step.
Result<int> SchemaVersion(Connection& db);

// Applies every pending migration, each in its own transaction, and returns how many ran.
// FailedPrecondition when the database's schema is newer than this build knows.
Result<int> Migrate(Connection& db);

// Makes `db` ready for use: an empty database is migrated to the latest version; a database
// behind this build is FailedPrecondition ("run retain migrate"); one ahead of it is
// FailedPrecondition ("upgrade retain").
Status EnsureSchema(Connection& db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_MIGRATIONS_H_
