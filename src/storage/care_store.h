// The SQL implementation of care::CareStore, one text for SQLite and PostgreSQL.
#ifndef RETAIN_STORAGE_CARE_STORE_H_
#define RETAIN_STORAGE_CARE_STORE_H_

#include <memory>

#include "care/care_store.h"
#include "storage/database.h"

namespace retain::storage {

// A care store on `db`, which must outlive it (it shares the record store's connection, so a
// case's change and its audit entry commit together).
std::unique_ptr<care::CareStore> MakeSqlCareStore(Connection& db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_CARE_STORE_H_
