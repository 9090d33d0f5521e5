// The SQL implementation of outreach::FactsStore, one text for SQLite and PostgreSQL.
#ifndef RETAIN_STORAGE_OUTREACH_STORE_H_
#define RETAIN_STORAGE_OUTREACH_STORE_H_

#include <memory>

#include "outreach/facts_store.h"
#include "storage/database.h"

namespace retain::storage {

// A facts store on `db`, which must outlive it.
std::unique_ptr<outreach::FactsStore> MakeSqlFactsStore(Connection& db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_OUTREACH_STORE_H_
