#include <iostream>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/store_opener.h"

namespace retain::cli {

Result<int> RunMigrate(Context& ctx) {
  std::string timezone;
  auto app = NewParser("migrate", "Create the database schema or bring it up to date.", ctx);
  app->add_option("--timezone", timezone,
                  "Set the business time zone (IANA name such as Europe/Copenhagen); days and "
                  "months are counted in it");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;

  RETAIN_ASSIGN_OR_RETURN(auto outcome, ctx.services->migrate(ctx.config.db));
  RETAIN_ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
  if (!timezone.empty()) {
    RETAIN_ASSIGN_OR_RETURN(auto zone, BusinessZone::Load(timezone));
    RETAIN_RETURN_IF_ERROR(store->SetSetting("timezone", zone.name()));
  }
  RETAIN_ASSIGN_OR_RETURN(auto zone, LoadZone(*store));
  if (outcome.applied == 0) {
    std::cout << fmt::format("{}: schema is current (version {}); time zone {}\n",
                             ctx.config.db, outcome.to_version, zone.name());
  } else {
    std::cout << fmt::format("{}: migrated from version {} to {} ({} migration{}); time zone {}\n",
                             ctx.config.db, outcome.from_version, outcome.to_version,
                             outcome.applied, outcome.applied == 1 ? "" : "s", zone.name());
  }
  return 0;
}

}  // namespace retain::cli
