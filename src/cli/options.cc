#include "cli/options.h"

#include <iostream>

namespace retain::cli {

std::unique_ptr<CLI::App> NewParser(std::string_view name, std::string_view description,
                                    Context& ctx) {
  auto app = std::make_unique<CLI::App>(std::string(description), "retain " + std::string(name));
  app->add_option("--db", ctx.config.db,
                  "Database: sqlite:PATH or postgresql://user@host:port/db "
                  "(default sqlite:retain.db, or $RETAIN_DB)")
      ->capture_default_str();
  app->get_formatter()->column_width(28);
  app->fallthrough();  // a subcommand's unknown options (such as --db) go to the command
  return app;
}

Result<std::optional<int>> Parse(CLI::App& app, Context& ctx) {
  std::vector<std::string> reversed(ctx.args.rbegin(), ctx.args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return std::optional<int>(0);
  } catch (const CLI::ParseError& e) {
    return InvalidArgument(std::string(e.what()) + " (see '" + app.get_name() + " --help')");
  }
  return std::optional<int>();
}

}  // namespace retain::cli
