// The SQL implementation of retention::RetentionStore, one text for SQLite and PostgreSQL.
#ifndef RETAIN_STORAGE_RETENTION_STORE_H_
#define RETAIN_STORAGE_RETENTION_STORE_H_

#include <memory>

#include "retention/retention_store.h"
#include "storage/database.h"

namespace retain::storage {

// A retention store on `db`, which must outlive it (it shares the record store's connection, so
// a request's outcome and the subscription it changes commit together).
std::unique_ptr<retention::RetentionStore> MakeSqlRetentionStore(Connection& db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_RETENTION_STORE_H_
