// Opening the record store and the business time zone for a command.
#ifndef RETAIN_CLI_STORE_OPENER_H_
#define RETAIN_CLI_STORE_OPENER_H_

#include <memory>

#include "cli/cli.h"
#include "common/time.h"
#include "core/store.h"

namespace retain::cli {

// Opens ctx.config.db (migrating an empty database) and returns the store.
Result<std::unique_ptr<core::RecordStore>> OpenStore(const Context& ctx);

// The record store with loyalty beside it, on one connection.
Result<std::unique_ptr<StoreSession>> OpenSession(const Context& ctx);

// Runs `body` (returning a Result or a Status) in one transaction on `store`: committed when it
// succeeds, rolled back when it fails.
template <typename F>
auto InTransaction(core::RecordStore& store, F body) -> decltype(body()) {
  RETAIN_RETURN_IF_ERROR(store.Begin());
  auto result = body();
  if (!result) {
    store.Rollback();
    return result;
  }
  RETAIN_RETURN_IF_ERROR(store.Commit());
  return result;
}

// The business time zone kept in the database's settings (UTC when unset).
Result<BusinessZone> LoadZone(core::RecordStore& store);

}  // namespace retain::cli

#endif  // RETAIN_CLI_STORE_OPENER_H_
