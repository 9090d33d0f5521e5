#include "app/services.h"

#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/record_store.h"

namespace retain::app {

cli::Services MakeServices() {
  cli::Services s;
  s.open_store = [](const std::string& url) { return storage::OpenRecordStore(url); };
  s.migrate = [](const std::string& url) -> Result<cli::MigrateOutcome> {
    RETAIN_ASSIGN_OR_RETURN(auto db, storage::Connection::Open(url));
    cli::MigrateOutcome out;
    RETAIN_ASSIGN_OR_RETURN(out.from_version, storage::SchemaVersion(*db));
    RETAIN_ASSIGN_OR_RETURN(out.applied, storage::Migrate(*db));
    RETAIN_ASSIGN_OR_RETURN(out.to_version, storage::SchemaVersion(*db));
    return out;
  };
  s.serve = [](const cli::ServeOptions&) -> Result<int> {
    return FailedPrecondition("this build has no HTTP server");
  };
  return s;
}

}  // namespace retain::app
