#include <chrono>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/store_opener.h"
#include "loyalty/engine.h"
#include "retention/recovery.h"
#include "retention/requests.h"
#include "retention/winback.h"
#include "core/importer.h"
#include "core/parse.h"

namespace retain::cli {
namespace {

constexpr int kMaxShownRejects = 20;

class CliObserver : public core::ImportObserver {
 public:
  CliObserver(std::string label, bool progress) : bar_(std::move(label), progress) {}
  void OnReject(const std::string& message) override {
    if (++rejects_ > kMaxShownRejects) return;
    bar_.Clear();
    std::cerr << message << "\n";
  }
  void OnProgress(uint64_t done, uint64_t total, int64_t rows) override {
    bar_.Update(done, total, rows);
  }
  void Done() { bar_.Clear(); }
  int rejects() const { return rejects_; }

 private:
  ProgressBar bar_;
  int rejects_ = 0;
};

std::string FieldList(core::RecordKind kind) {
  std::string out;
  for (auto f : core::KnownFields(kind)) out += (out.empty() ? "" : ", ") + std::string(f);
  return out;
}

}  // namespace

Result<int> RunImport(Context& ctx) {
  std::string kind_name, path, format_name;
  std::vector<std::string> maps;
  bool strict = false, quiet = false;
  size_t batch = core::ImportOptions{}.batch_size;
  std::string description =
      "Import records from a CSV or NDJSON file. Every row needs an id (the record's id in your\n"
      "own system); importing the same file again changes nothing, and a changed row updates its\n"
      "record. Bad rows are reported as FILE:LINE: field: reason and written to FILE.rejects.EXT\n"
      "(with the reasons in FILE.rejects.log); the good rows are imported all the same.\n\n"
      "Fields per kind (amounts are decimals such as 12.50; times ISO 8601, local to the\n"
      "business time zone unless they end in Z or an offset):\n";
  for (auto k : {core::RecordKind::kCustomer, core::RecordKind::kProduct,
                 core::RecordKind::kSubscription, core::RecordKind::kPayment,
                 core::RecordKind::kPurchase, core::RecordKind::kEvent}) {
    description += fmt::format("  {:<14} {}\n", core::RecordKindName(k), FieldList(k));
  }
  description += "Customer columns Retain does not know become the customer's free attributes.";
  auto app = NewParser("import", description, ctx);
  app->add_option("kind", kind_name, "customers, plans, subscriptions, payments, purchases or events")
      ->required();
  app->add_option("file", path, "The CSV or NDJSON file")->required();
  app->add_option("--format", format_name, "csv or ndjson (default: from the file's extension)");
  app->add_option("--map", maps, "COLUMN=FIELD: read the file's COLUMN as Retain's FIELD (repeatable)");
  app->add_flag("--strict", strict, "All or nothing: import no row if any row is rejected");
  app->add_option("--batch", batch, "Rows per transaction")->capture_default_str()->check(CLI::PositiveNumber);
  app->add_flag("-q,--quiet", quiet, "No progress bar");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;

  core::ImportOptions options;
  RETAIN_ASSIGN_OR_RETURN(options.kind, core::ParseRecordKind(kind_name));
  options.path = path;
  if (!format_name.empty()) {
    RETAIN_ASSIGN_OR_RETURN(options.format, ParseFileFormat(format_name));
  } else {
    RETAIN_ASSIGN_OR_RETURN(options.format, FormatFromPath(path));
  }
  for (const auto& m : maps) RETAIN_RETURN_IF_ERROR(AddFieldMapping(m, &options.map));
  options.strict = strict;
  options.batch_size = batch;

  RETAIN_ASSIGN_OR_RETURN(auto session, OpenSession(ctx));
  core::RecordStore* store = &session->records();
  RETAIN_ASSIGN_OR_RETURN(options.zone, LoadZone(*store));
  // Purchases earn loyalty points and punches as they are imported, in the same transaction.
  loyalty::Engine engine(options.zone);
  engine.set_outbox(&session->outbox());
  options.after_purchase = [&](const core::Purchase& p, core::WriteOutcome outcome) {
    return engine.OnPurchase(session->loyalty(), *store, p, outcome, "import");
  };
  // Failed payments open recoveries and paid ones close them; payment methods' expiry is kept
  // for reminders; a returning subscriber closes their win-back entry.
  RETAIN_ASSIGN_OR_RETURN(auto desk, retention::LoadDesk(session->retention()));
  Timestamp now = Now();
  options.after_event = [&](const core::Event& e, core::WriteOutcome outcome) -> Status {
    RETAIN_RETURN_IF_ERROR(engine.OnEvent(session->loyalty(), e, outcome, "import"));
    return retention::OnPaymentMethodEvent(session->retention(), e, outcome, options.zone);
  };
  options.after_payment = [&](const core::Payment& p, core::WriteOutcome outcome) {
    return retention::OnPayment(*store, session->retention(), session->outbox(), p, outcome, desk.config.recovery,
                                options.zone, "import");
  };
  options.after_subscription = [&](const core::Subscription& s, core::WriteOutcome outcome) {
    return retention::OnSubscription(session->retention(), session->outbox(), s, outcome, now);
  };
  CliObserver observer("importing " + path, !quiet && StderrIsTerminal());
  auto report = core::ImportFile(*store, options, &observer);
  observer.Done();
  if (!report) return tl::unexpected(report.error());

  // One audit entry per import: who loaded which file, and what it did.
  {
    nlohmann::json after = {{"file", path}, {"read", report->read}, {"inserted", report->inserted},
                            {"updated", report->updated}, {"unchanged", report->unchanged},
                            {"rejected", report->rejected}, {"rolled_back", report->rolled_back}};
    const char* user = std::getenv("USER");
    core::AuditEntry entry{Now(),
                           std::string("cli:") + (user != nullptr ? user : "unknown"), "import.completed",
                           std::string(core::RecordKindName(options.kind)), path, "null", after.dump()};
    RETAIN_RETURN_IF_ERROR(store->AppendAudit(entry));
  }
  if (observer.rejects() > kMaxShownRejects) {
    std::cerr << fmt::format("... and {} more rejected rows\n", observer.rejects() - kMaxShownRejects);
  }
  if (!report->ignored_fields.empty()) {
    std::string names;
    for (const auto& f : report->ignored_fields) names += (names.empty() ? "" : ", ") + f;
    std::cerr << fmt::format("{}: ignored columns {} ({} uses: {}); --map COLUMN=FIELD reads one as a field\n",
                             path, names, core::RecordKindName(options.kind), FieldList(options.kind));
  }
  double rate = report->seconds > 0 ? static_cast<double>(report->read) / report->seconds : 0;
  std::cout << fmt::format(
      "{} {}: read {}, inserted {}, updated {}, unchanged {}, rejected {} in {:.2f}s ({:.0f} rows/s)\n",
      core::RecordKindName(options.kind), path, report->read, report->inserted, report->updated,
      report->unchanged, report->rejected, report->seconds, rate);
  if (report->rolled_back) {
    std::cout << "strict: nothing was imported because rows were rejected; fix them and run again\n";
  } else if (report->inserted == 0 && report->updated == 0 && report->rejected == 0 && report->read > 0) {
    std::cout << "nothing changed: every row was already in the database as it is in the file\n";
  }
  if (report->rejected > 0) {
    std::cout << fmt::format("rejected rows: {} (reasons in {})\n", report->rejects_path, report->log_path);
    return 3;
  }
  return 0;
}

}  // namespace retain::cli
