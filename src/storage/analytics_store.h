// The SQL implementation of analytics::AnalyticsStore, one text for SQLite and PostgreSQL.
#ifndef RETAIN_STORAGE_ANALYTICS_STORE_H_
#define RETAIN_STORAGE_ANALYTICS_STORE_H_

#include <memory>

#include "analytics/analytics_store.h"
#include "storage/database.h"

namespace retain::storage {

// An analytics store on `db`, which must outlive it (it shares the record store's connection).
std::unique_ptr<analytics::AnalyticsStore> MakeSqlAnalyticsStore(Connection& db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_ANALYTICS_STORE_H_
