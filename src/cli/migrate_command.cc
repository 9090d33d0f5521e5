#include <iostream>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/store_opener.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/record_store.h"

namespace retain::cli {

Result<int> RunMigrate(Context& ctx) {
  std::string timezone;
  auto app = NewParser("migrate", "Create the database schema or bring it up to date.", ctx);
  app->add_option("--timezone", timezone,
                  "Set the business time zone (IANA name such as Europe/Copenhagen); days and "
                  "months are counted in it");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;

  RETAIN_ASSIGN_OR_RETURN(auto db, storage::Connection::Open(ctx.config.db));
  RETAIN_ASSIGN_OR_RETURN(int before, storage::SchemaVersion(*db));
  RETAIN_ASSIGN_OR_RETURN(int applied, storage::Migrate(*db));
  auto store = storage::MakeRecordStore(std::move(db));
  if (!timezone.empty()) {
    RETAIN_ASSIGN_OR_RETURN(auto zone, BusinessZone::Load(timezone));
    RETAIN_RETURN_IF_ERROR(store->SetSetting("timezone", zone.name()));
  }
  RETAIN_ASSIGN_OR_RETURN(auto zone, LoadZone(*store));
  if (applied == 0) {
    std::cout << fmt::format("{}: schema is current (version {}); time zone {}\n",
                             ctx.config.db, before, zone.name());
  } else {
    std::cout << fmt::format("{}: migrated from version {} to {} ({} migration{}); time zone {}\n",
                             ctx.config.db, before, storage::LatestSchemaVersion(), applied,
                             applied == 1 ? "" : "s", zone.name());
  }
  return 0;
}

}  // namespace retain::cli
