// Online backup and restore of a Retain database, as one file.
//   SQLite:     SQLite's backup API copies a consistent snapshot page by page while the server goes
//               on writing; the backup is itself a SQLite database.
//   PostgreSQL: pg_dump's custom format (one consistent snapshot), restored with pg_restore in
//               one transaction.
// A backup is written beside its final name and renamed when complete, so a crash never leaves a
// half-written file under the name asked for.
#ifndef RETAIN_STORAGE_BACKUP_H_
#define RETAIN_STORAGE_BACKUP_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace retain::storage {

// Writes the database at `url` to `file`. Conflict when `file` exists (a backup is never
// overwritten); FailedPrecondition when the database holds no Retain schema; Unavailable when it
// cannot be read or pg_dump is missing; Internal when pg_dump fails.
Status BackupDatabase(std::string_view url, const std::string& file);

// Restores `file` (made by BackupDatabase) into the database at `url`, which must hold no Retain
// schema unless `replace`. The file is checked first: InvalidArgument when it is not a backup or
// is one of the other database's (a SQLite backup restores into sqlite:, a PostgreSQL one into
// postgresql:) or a SQLite backup's pages are damaged; FailedPrecondition when the target holds a Retain
// schema and not `replace`, or the backup's schema is newer than this build's. A failed
// PostgreSQL restore changes nothing (one transaction).
Status RestoreDatabase(const std::string& file, std::string_view url, bool replace);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_BACKUP_H_
