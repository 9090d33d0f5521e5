#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/store_opener.h"

namespace retain::cli {

Result<int> RunStats(Context& ctx) {
  std::string format = "text";
  auto app = NewParser("stats", "Count the records in the database.", ctx);
  app->add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;
  RETAIN_ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
  RETAIN_ASSIGN_OR_RETURN(auto c, store->Counts());
  std::pair<const char*, int64_t> rows[] = {
      {"customers", c.customers}, {"plans", c.products}, {"subscriptions", c.subscriptions},
      {"payments", c.payments},   {"purchases", c.purchases}, {"purchase_lines", c.purchase_lines},
      {"events", c.events}};
  if (format == "json") {
    nlohmann::json out = nlohmann::json::object();
    for (auto& [name, n] : rows) out[name] = n;
    std::cout << out.dump() << "\n";
  } else {
    for (auto& [name, n] : rows) std::cout << fmt::format("{:<16}{:>12}\n", name, n);
  }
  return 0;
}

}  // namespace retain::cli
