// The SQL implementations of outreach::FactsStore and outreach::OutreachStore, one text for
// SQLite and PostgreSQL.
#ifndef RETAIN_STORAGE_OUTREACH_STORE_H_
#define RETAIN_STORAGE_OUTREACH_STORE_H_

#include <memory>

#include "outreach/facts_store.h"
#include "outreach/outreach_store.h"
#include "storage/database.h"

namespace retain::storage {

// A facts store on `db`, which must outlive it.
std::unique_ptr<outreach::FactsStore> MakeSqlFactsStore(Connection& db);
// An outreach store on `db`, which must outlive it.
std::unique_ptr<outreach::OutreachStore> MakeSqlOutreachStore(Connection& db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_OUTREACH_STORE_H_
