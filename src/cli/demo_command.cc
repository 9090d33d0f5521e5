#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/store_opener.h"
#include "demo/world.h"

namespace retain::cli {

Result<int> RunDemo(Context& ctx) {
  demo::WorldOptions options;
  std::string end;
  int port = 8080;
  bool quiet = false;
  // The demo fills its own file unless told otherwise, never the default retain.db.
  if (std::getenv("RETAIN_DB") == nullptr) ctx.config.db = "sqlite:demo.db";
  auto app = NewParser("demo",
                       "Generate a deterministic demo world: a sandwich chain's walk-in customers "
                       "and a cable and phone company's subscribers over three years.",
                       ctx);
  app->get_option("--db")->description("Database to fill (default sqlite:demo.db, or $RETAIN_DB)");
  app->add_option("--customers", options.customers, "How many customers")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app->add_option("--seed", options.seed, "Random seed; the same seed gives the same world")
      ->capture_default_str();
  app->add_option("--end", end, "The world's last day, exclusive (default 2026-11-01)");
  app->add_option("--port", port, "Port the web app will be served on (once the server exists)")
      ->capture_default_str();
  app->add_flag("-q,--quiet", quiet, "No progress bar");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;

  RETAIN_ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
  RETAIN_ASSIGN_OR_RETURN(auto zone_setting, store->GetSetting("timezone"));
  if (!zone_setting) RETAIN_RETURN_IF_ERROR(store->SetSetting("timezone", demo::kDemoTimeZone));
  RETAIN_ASSIGN_OR_RETURN(auto zone, LoadZone(*store));
  if (!end.empty()) {
    RETAIN_ASSIGN_OR_RETURN(auto t, ParseTimestamp(end, zone));
    options.end = zone.LocalDate(t);
  }

  ProgressBar bar("generating", !quiet && StderrIsTerminal());
  RETAIN_ASSIGN_OR_RETURN(auto written, demo::GenerateWorld(*store, options, zone, [&](int64_t done, int64_t total) {
    bar.Update(static_cast<uint64_t>(done), static_cast<uint64_t>(total), done);
  }));
  bar.Clear();
  RETAIN_ASSIGN_OR_RETURN(auto counts, store->Counts());
  std::cout << fmt::format(
      "Demo world in {} (seed {}, three years to {}, times in {}):\n"
      "  {} customers, {} products and plans, {} subscriptions, {} payments,\n"
      "  {} purchases with {} lines, {} events (complaints, surveys)\n",
      ctx.config.db, options.seed, FormatDate(options.end), zone.name(), counts.customers,
      counts.products, counts.subscriptions, counts.payments, counts.purchases,
      counts.purchase_lines, counts.events);
  (void)written;
  std::cout << fmt::format(
      "\nTry:\n  retain stats --db {0}\n  retain timeline C0000001 --db {0}\n"
      "The web app will be served on port {1} once 'retain serve' exists.\n",
      ctx.config.db, port);
  return 0;
}

}  // namespace retain::cli
