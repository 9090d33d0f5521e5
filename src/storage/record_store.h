// The SQL implementation of core::RecordStore, one text for SQLite and PostgreSQL.
#ifndef RETAIN_STORAGE_RECORD_STORE_H_
#define RETAIN_STORAGE_RECORD_STORE_H_

#include <memory>
#include <string_view>

#include "common/status.h"
#include "core/store.h"
#include "storage/database.h"

namespace retain::storage {

// Opens the database at `url` (see Connection::Open), makes sure its schema is current (see
// EnsureSchema) and returns a store over it. Not thread-safe; open one per thread.
Result<std::unique_ptr<core::RecordStore>> OpenRecordStore(std::string_view url);

// A store over an already open connection (owned by the store).
std::unique_ptr<core::RecordStore> MakeRecordStore(std::unique_ptr<Connection> db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_RECORD_STORE_H_
