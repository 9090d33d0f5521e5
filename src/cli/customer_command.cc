// `retain customer`: a customer's personal data on request (core/privacy.h), for whoever answers
// data protection requests at the console: export it, or erase it.
#include <chrono>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/store_opener.h"
#include "core/privacy_requests.h"

namespace retain::cli {

Result<int> RunCustomer(Context& ctx) {
  std::string id, output, reason;
  bool yes = false;
  auto app = NewParser("customer",
                       "A customer's personal data on request. `export` writes everything held about them, table by "
                       "table, as JSON. `erase` clears who they are and what people wrote about them, everywhere it "
                       "was copied, and keeps their purchases, payments, points and coupons under the id, so every "
                       "balance and report stays what it was; it is audited and webhook subscribers hear "
                       "customer.erased. A customer record sent again for an erased id is refused.",
                       ctx);
  app->require_subcommand(1);
  auto* exp = app->add_subcommand("export", "Write everything held about customer ID as JSON");
  exp->add_option("ID", id, "the customer's id")->required();
  exp->add_option("-o,--output", output, "write to this file instead of standard output");
  auto* erase = app->add_subcommand("erase", "Erase customer ID's personal data (needs --yes)");
  erase->add_option("ID", id, "the customer's id")->required();
  erase->add_option("--reason", reason, "why, for the audit trail (e.g. 'asked by e-mail on 2026-12-01')")->required();
  erase->add_flag("--yes", yes, "confirm: erasure cannot be undone");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;
  auto now = Now();
  RETAIN_ASSIGN_OR_RETURN(auto session, OpenSession(ctx));

  if (exp->parsed()) {
    RETAIN_ASSIGN_OR_RETURN(auto doc, core::ExportCustomerJson(session->records(), id, now));
    if (output.empty()) {
      std::cout << doc.dump(2) << "\n";
      return 0;
    }
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out << doc.dump(2) << "\n";
    out.close();
    if (!out) return InvalidArgument(fmt::format("cannot write '{}'", output), "output");
    std::cerr << fmt::format("wrote {} rows about {} from {} tables to {}\n", doc["rows"].get<int64_t>(), id,
                             doc["tables"].size(), output);
    return 0;
  }

  if (!yes) {
    return InvalidArgument(fmt::format("erasing {}'s personal data cannot be undone; export it first if it is asked "
                                       "for, then run again with --yes",
                                       id),
                           "yes");
  }
  RETAIN_RETURN_IF_ERROR(session->records().Begin());
  auto done = core::EraseOnRequest(session->records(), session->outbox(), id, reason, "cli", now);
  if (!done) {
    session->records().Rollback();
    return tl::unexpected(done.error());
  }
  RETAIN_RETURN_IF_ERROR(session->records().Commit());
  if (done->already_erased) {
    std::cout << fmt::format("{} was already erased on {}; nothing changed\n", id, FormatTimestamp(done->erased_at));
    return 0;
  }
  std::cout << fmt::format("erased {}'s personal data:", id);
  for (const auto& [table, n] : done->cleared) std::cout << fmt::format(" {} {},", table, n);
  std::cout << " rows changed; their purchases, payments, points and coupons stay\n";
  return 0;
}

}  // namespace retain::cli
