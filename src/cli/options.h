// Parsing a command's flags with CLI11, the same way for every command.
#ifndef RETAIN_CLI_OPTIONS_H_
#define RETAIN_CLI_OPTIONS_H_

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/cli.h"
#include "common/status.h"

namespace retain::cli {

// A CLI11 parser for `retain NAME` with the options every command takes (--db).
std::unique_ptr<CLI::App> NewParser(std::string_view name, std::string_view description,
                                    Context& ctx);

// Parses ctx.args with `app`. Returns an exit code when the command should stop now (0 after
// printing --help), nullopt to go on. Fails with InvalidArgument for bad flags, saying which.
Result<std::optional<int>> Parse(CLI::App& app, Context& ctx);

}  // namespace retain::cli

#endif  // RETAIN_CLI_OPTIONS_H_
