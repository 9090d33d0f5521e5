// The SQL implementation of core::RecordStore, one text for SQLite and PostgreSQL.
#ifndef RETAIN_STORAGE_RECORD_STORE_H_
#define RETAIN_STORAGE_RECORD_STORE_H_

#include <memory>
#include <string_view>

#include "analytics/analytics_store.h"
#include "care/care_store.h"
#include "feedback/feedback_store.h"
#include "outreach/facts_store.h"
#include "outreach/outreach_store.h"
#include "common/status.h"
#include "core/store.h"
#include "core/webhook_store.h"
#include "loyalty/loyalty_store.h"
#include "retention/retention_store.h"
#include "staff/staff_store.h"
#include "storage/database.h"

namespace retain::storage {

// One session on the database serving both the records and the staff interfaces, so a write
// and its audit entry share one transaction. Not thread-safe; open one per thread.
class SqlStore : public core::RecordStore, public staff::StaffStore, public core::WebhookStore {
 public:
  // Loyalty's tables on the same connection, so a purchase and what it earns commit together.
  virtual loyalty::LoyaltyStore& loyalty() = 0;
  // The analytics' history and stored results, on the same connection.
  virtual analytics::AnalyticsStore& analytics() = 0;
  // The retention desk's tables, on the same connection.
  virtual retention::RetentionStore& retention() = 0;
  // Complaint cases, on the same connection.
  virtual care::CareStore& care() = 0;
  // Surveys, invitations and responses, on the same connection.
  virtual feedback::FeedbackStore& feedback() = 0;
  // Segments' facts, read on the same connection.
  virtual outreach::FactsStore& facts() = 0;
  // Templates, campaigns, deliveries and suppressions, on the same connection.
  virtual outreach::OutreachStore& outreach() = 0;
};

struct StoreOptions {
  // SQLite's page cache for this connection, in MiB. Bulk writers (imports, the demo) touch
  // index pages all over a large file and gain from a larger one; the cache grows only as pages
  // are used.
  int sqlite_cache_mib = 64;
};

// Opens the database at `url` (see Connection::Open), makes sure its schema is current (see
// EnsureSchema) and returns a store over it.
Result<std::unique_ptr<SqlStore>> OpenSqlStore(std::string_view url, const StoreOptions& options = {});
// The same, as the records interface alone.
Result<std::unique_ptr<core::RecordStore>> OpenRecordStore(std::string_view url);

// A store over an already open connection (owned by the store).
std::unique_ptr<SqlStore> MakeSqlStore(std::unique_ptr<Connection> db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_RECORD_STORE_H_
