// The commands that look after the database itself: check, backup, restore.
#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/options.h"

namespace retain::cli {
namespace {

// `check` exits with this when a rule is broken (as `retain --help` lists).
constexpr int kBrokenRules = 9;

std::string Size(const std::string& file) {
  std::error_code ec;
  auto bytes = std::filesystem::file_size(file, ec);
  if (ec) return "?";
  if (bytes >= (1u << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<int> RunCheck(Context& ctx) {
  std::string format = "text";
  auto app = NewParser("check",
                       "Check the rules a Retain database always keeps: each member's balance is the sum of their "
                       "ledger and of their earn lots less debt, every redemption has its coupon and every coupon "
                       "its entry, and (SQLite) the file's pages and indexes are sound. Run it after a crash, a "
                       "restore or a repair by hand; it only reads, so a server may go on serving. Exits 9 when a "
                       "rule is broken.",
                       ctx);
  app->add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;
  RETAIN_ASSIGN_OR_RETURN(auto checks, ctx.services->check(ctx.config.db));
  int64_t broken = 0;
  for (const auto& c : checks) broken += c.violations > 0 ? 1 : 0;
  if (format == "json") {
    nlohmann::json out = {{"ok", broken == 0}, {"checks", nlohmann::json::array()}};
    for (const auto& c : checks) {
      out["checks"].push_back({{"name", c.name}, {"description", c.description}, {"violations", c.violations},
                               {"examples", c.examples}});
    }
    std::cout << out.dump() << "\n";
  } else {
    for (const auto& c : checks) {
      std::cout << fmt::format("{:<24} {:<6} {}\n", c.name, c.violations == 0 ? "ok" : "BROKEN", c.description);
      if (c.violations > 0) {
        std::cout << fmt::format("  {} {} it, e.g.\n", c.violations, c.violations == 1 ? "row breaks" : "rows break");
        for (const auto& e : c.examples) std::cout << "    " << e << "\n";
      }
    }
    std::cout << (broken == 0 ? "every rule holds\n"
                              : fmt::format("{} rule{} broken: restore the last good backup, or report it with this "
                                            "output\n", broken, broken == 1 ? " is" : "s are"));
  }
  return broken == 0 ? 0 : kBrokenRules;
}

Result<int> RunBackup(Context& ctx) {
  std::string file;
  auto app = NewParser("backup",
                       "Write the database to FILE, a consistent snapshot taken while the server goes on serving. "
                       "SQLite: a copy of the database made with SQLite's backup API (itself a SQLite file). "
                       "PostgreSQL: a pg_dump archive in its custom format. FILE must not exist yet; it appears "
                       "only when complete. Restore with `retain restore FILE`.",
                       ctx);
  app->add_option("FILE", file, "the backup file to write")->required();
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;
  auto start = std::chrono::steady_clock::now();
  RETAIN_RETURN_IF_ERROR(ctx.services->backup(ctx.config.db, file));
  std::cout << fmt::format("backed up to {} ({}, {:.1f} s); restore with: retain restore {} --db URL\n", file,
                           Size(file), SecondsSince(start), file);
  return 0;
}

Result<int> RunRestore(Context& ctx) {
  std::string file;
  bool replace = false;
  auto app = NewParser("restore",
                       "Restore FILE, made by `retain backup`, into the database --db names. The backup is checked "
                       "first (a SQLite backup must keep every rule `retain check` checks); the database must hold "
                       "no Retain data unless --replace. Stop `retain serve` on that database first. A SQLite "
                       "backup restores into sqlite:PATH, a PostgreSQL one into postgresql://...; a failed "
                       "PostgreSQL restore changes nothing.",
                       ctx);
  app->add_option("FILE", file, "the backup file")->required();
  app->add_flag("--replace", replace, "overwrite a database that already holds Retain data");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;
  auto start = std::chrono::steady_clock::now();
  RETAIN_RETURN_IF_ERROR(ctx.services->restore(file, ctx.config.db, replace));
  std::cout << fmt::format("restored {} ({:.1f} s)\n", file, SecondsSince(start));
  // What was restored is checked as `retain check` would; a broken rule was in the backup.
  RETAIN_ASSIGN_OR_RETURN(auto checks, ctx.services->check(ctx.config.db));
  int broken = 0;
  for (const auto& c : checks) {
    if (c.violations == 0) continue;
    ++broken;
    std::cout << fmt::format("the backup breaks a rule: {} ({} rows, e.g. {}); see retain check\n", c.description,
                             c.violations, c.examples.empty() ? "" : c.examples.front());
  }
  if (broken == 0) std::cout << fmt::format("every rule holds ({} checked)\n", checks.size());
  return broken == 0 ? 0 : kBrokenRules;
}

}  // namespace retain::cli
