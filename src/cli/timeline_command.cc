#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/store_opener.h"

namespace retain::cli {

Result<int> RunTimeline(Context& ctx) {
  std::string customer;
  std::string format = "text";
  auto app = NewParser("timeline", "Show a customer and everything recorded about them, oldest first.", ctx);
  app->add_option("customer", customer, "The customer's id")->required();
  app->add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;
  RETAIN_ASSIGN_OR_RETURN(auto store, OpenStore(ctx));
  RETAIN_ASSIGN_OR_RETURN(auto zone, LoadZone(*store));
  RETAIN_ASSIGN_OR_RETURN(auto c, store->GetCustomer(customer));
  if (!c) return NotFound(fmt::format("no customer '{}'", customer), "customer");
  RETAIN_ASSIGN_OR_RETURN(auto entries, store->Timeline(customer));
  if (format == "json") {
    nlohmann::json out = {{"customer", c->external_id}, {"name", c->name}, {"entries", nlohmann::json::array()}};
    for (const auto& e : entries) {
      out["entries"].push_back({{"at", FormatTimestamp(e.at)},
                                {"kind", core::RecordKindName(e.kind)},
                                {"id", e.external_id},
                                {"summary", core::Summarize(e)}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{} {} <{}> locale {}\n", c->external_id, c->name, c->email, c->locale);
  if (!c->city.empty()) std::cout << fmt::format("  {}, {} {} {}\n", c->address_line1, c->postal_code, c->city, c->country);
  std::cout << fmt::format("  times in {}; {} entries\n", zone.name(), entries.size());
  for (const auto& e : entries) {
    std::cout << fmt::format("{}  {:<14} {:<16} {}\n", FormatLocal(e.at, zone),
                             core::RecordKindName(e.kind), e.external_id, core::Summarize(e));
  }
  return 0;
}

}  // namespace retain::cli
