// The `retain` command line: a table of commands {name, summary, handler}.
#ifndef RETAIN_CLI_CLI_H_
#define RETAIN_CLI_CLI_H_

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"
#include "common/status.h"

namespace retain::cli {

// What a command handler gets: its arguments (after the command name) and the configuration
// read from the environment (its flags may override it).
struct Context {
  std::vector<std::string> args;
  app::Config config;
};

// A handler returns the process exit code, or an error the top level prints and maps.
using Handler = std::function<Result<int>(Context&)>;

struct Command {
  std::string_view name;
  std::string_view summary;
  Handler handler;
};

// Every command, in the order `retain --help` lists them.
std::span<const Command> Commands();

// Runs the command line `argv` and returns the process exit code. Prints errors as
// "retain: error: ..." on stderr. Never throws.
int Main(int argc, char** argv);

// The exit code for an error of `code` (see `retain --help`).
int ExitCode(ErrorCode code);

// The handlers, one file each.
Result<int> RunMigrate(Context& ctx);
Result<int> RunImport(Context& ctx);
Result<int> RunStats(Context& ctx);
Result<int> RunTimeline(Context& ctx);
Result<int> RunDemo(Context& ctx);

}  // namespace retain::cli

#endif  // RETAIN_CLI_CLI_H_
