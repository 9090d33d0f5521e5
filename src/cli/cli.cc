#include "cli/cli.h"

#include <algorithm>
#include <exception>
#include <iostream>

#include <fmt/format.h>

#include "app/config.h"

#ifndef RETAIN_VERSION
#define RETAIN_VERSION "0.0.0"
#endif

namespace retain::cli {
namespace {

const Command kCommands[] = {
    {"migrate", "Create or upgrade the database schema", RunMigrate},
    {"import", "Import customers, plans, subscriptions, payments, purchases or events from CSV/NDJSON",
     RunImport},
    {"stats", "Count the records in the database", RunStats},
    {"timeline", "Show everything recorded about one customer, oldest first", RunTimeline},
    {"customer", "A customer's personal data on request: export it as JSON, or erase it", RunCustomer},
    {"loyalty", "Loyalty programs: define punch cards and points, show a member, expire points", RunLoyalty},
    {"analytics", "Retention models: RFM, lifetime value, survival, cohorts, churn risk (CSV files or the database)",
     RunAnalytics},
    {"check", "Check that the ledger's sums, lots and coupons agree (after a crash or a restore)", RunCheck},
    {"backup", "Write the database to a backup file while it stays in use", RunBackup},
    {"restore", "Restore a backup file into an empty database", RunRestore},
    {"serve", "Serve the web app and the HTTP API", RunServe},
    {"user", "Add, list or reset staff accounts (user add NAME --role admin)", RunUser},
    {"key", "Create, list or revoke API keys for integrations", RunKey},
    {"demo", "Generate the demo world: a sandwich chain and a cable and phone company", RunDemo},
};

void PrintHelp() {
  std::cout << "retain " RETAIN_VERSION " - customer retention management\n\n"
               "Usage: retain COMMAND [OPTIONS]\n\nCommands:\n";
  for (const auto& c : kCommands) std::cout << fmt::format("  {:<10} {}\n", c.name, c.summary);
  std::cout << "\nEvery command takes --db URL (default sqlite:retain.db, or $RETAIN_DB) and --help.\n"
               "\nExamples:\n"
               "  retain demo --customers 2000          build and explore a demo world\n"
               "  retain import customers people.csv    import (again: nothing changes)\n"
               "  retain import purchases sales.ndjson --db postgresql://localhost/retain\n"
               "  retain timeline C0000042              one customer's history\n"
               "  retain loyalty show C0000042          their cards, points and coupons\n"
               "  retain analytics rfm --input sales.csv --customer-col id --date-col date --calibration-end 2026-06-30\n"
               "  retain serve --port 8080              the web app and the API\n"
               "  retain backup nightly.retain          a consistent copy, taken while serving\n"
               "\nExit codes: 0 ok; 1 internal error; 2 bad arguments; 3 import finished with\n"
               "rejected rows; 4 not found; 5 conflict; 6 not signed in or not allowed;\n"
               "7 database schema not current; 8 database unavailable; 9 check found\n"
               "broken rules.\n";
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::span<const Command> Commands() { return kCommands; }

int Main(int argc, char** argv, const Services& services) {
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      if (args.size() >= 2 && args[0] == "help") {
        args = {args[1], "--help"};
      } else {
        PrintHelp();
        return args.empty() ? 2 : 0;
      }
    }
    if (args[0] == "--version" || args[0] == "version") {
      std::cout << "retain " RETAIN_VERSION "\n";
      return 0;
    }
    const Command* command = nullptr;
    for (const auto& c : kCommands) {
      if (c.name == args[0]) command = &c;
    }
    if (command == nullptr) {
      std::string suggestion;
      size_t best = 3;
      for (const auto& c : kCommands) {
        size_t d = EditDistance(args[0], c.name);
        if (d < best) {
          best = d;
          suggestion = c.name;
        }
      }
      std::cerr << "retain: error: unknown command '" << args[0] << "'";
      if (!suggestion.empty()) std::cerr << "; did you mean '" << suggestion << "'?";
      std::cerr << "\nRun 'retain --help' for the list of commands.\n";
      return 2;
    }
    Context ctx{{args.begin() + 1, args.end()}, app::ConfigFromEnvironment(), &services};
    auto result = command->handler(ctx);
    if (!result) {
      std::cerr << "retain: error: " << result.error().ToString() << "\n";
      return ExitCode(result.error().code);
    }
    return *result;
  } catch (const std::exception& e) {
    std::cerr << "retain: error: internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace retain::cli
