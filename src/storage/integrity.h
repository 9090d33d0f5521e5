// What must always be true of a Retain database, checked with SQL: the loyalty ledger's sums, its
// earn lots and coupons agree with each other, and (SQLite) the file's pages and indexes are sound.
// `retain check` runs it after a crash, a restore or a bulk repair; the fault tests run it after
// every kill.
#ifndef RETAIN_STORAGE_INTEGRITY_H_
#define RETAIN_STORAGE_INTEGRITY_H_

#include <vector>

#include "common/status.h"
#include "core/integrity.h"
#include "storage/database.h"

namespace retain::storage {

using core::IntegrityCheck;

// Runs every check on `db` (whose schema is current) in one read transaction, so the checks see
// one moment even while a server writes.
Result<std::vector<IntegrityCheck>> CheckIntegrity(Connection& db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_INTEGRITY_H_
