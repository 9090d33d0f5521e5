// The `retain` command line: a table of commands {name, summary, handler}.
#ifndef RETAIN_CLI_CLI_H_
#define RETAIN_CLI_CLI_H_

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/analytics_store.h"
#include "app/config.h"
#include "care/care_store.h"
#include "common/status.h"
#include "core/integrity.h"
#include "core/store.h"
#include "core/webhook_store.h"
#include "feedback/feedback_store.h"
#include "loyalty/loyalty_store.h"
#include "outreach/facts_store.h"
#include "outreach/outreach_store.h"
#include "retention/retention_store.h"
#include "staff/staff_store.h"

namespace retain::cli {

// What the schema migration did.
struct MigrateOutcome {
  int from_version = 0;
  int to_version = 0;
  int applied = 0;
};

// Options of `retain serve` (and of `retain demo`, which ends by serving).
struct ServeOptions {
  std::string db;
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 0;  // 0: one per core
  std::string web_root;  // the built web app; empty: the build's default
  int webhook_retry_base_seconds = 10;  // first webhook retry delay; doubles each time
  int read_timeout_seconds = 30;        // a client slower than this to send a request is dropped
  // Outreach: the SMTP relay e-mail goes through (empty: e-mail waits), its login (the password
  // only from $RETAIN_SMTP_PASSWORD, never a flag), TLS, a rate, and the address links point to.
  std::string smtp_url;
  std::string smtp_user;
  std::string smtp_password;
  bool smtp_require_tls = false;
  std::string smtp_ca_file;
  double smtp_rate = 20;
  std::string public_url;  // empty: http://HOST:PORT
  int outreach_poll_ms = 1000;
};

// The record store with loyalty's, analytics', the retention desk's, complaints' and surveys'
// tables on one connection, so a purchase and what it earns (or a payment and its recovery)
// commit together.
class StoreSession {
 public:
  virtual ~StoreSession() = default;
  virtual core::RecordStore& records() = 0;
  virtual loyalty::LoyaltyStore& loyalty() = 0;
  virtual core::WebhookStore& outbox() = 0;
  virtual analytics::AnalyticsStore& analytics() = 0;
  virtual retention::RetentionStore& retention() = 0;
  virtual care::CareStore& care() = 0;
  virtual feedback::FeedbackStore& feedback() = 0;
  virtual outreach::OutreachStore& outreach() = 0;
  virtual outreach::FactsStore& facts() = 0;
};

// What the commands need from the layers beside the command line (storage, the server). The
// program's wiring (app/) fills it; tests may fill it differently.
struct Services {
  // Opens the record store at a database URL, migrating an empty database.
  std::function<Result<std::unique_ptr<core::RecordStore>>(const std::string& url)> open_store;
  // Opens the record store with loyalty beside it.
  std::function<Result<std::unique_ptr<StoreSession>>(const std::string& url)> open_session;
  // Opens the staff accounts and keys at a database URL.
  std::function<Result<std::unique_ptr<staff::StaffStore>>(const std::string& url)> open_staff;
  // Applies pending migrations to the database at a URL.
  std::function<Result<MigrateOutcome>(const std::string& url)> migrate;
  // Runs every integrity rule on the database at a URL (storage/integrity.h).
  std::function<Result<std::vector<core::IntegrityCheck>>(const std::string& url)> check;
  // Writes the database at a URL to a new backup file, and restores one (storage/backup.h).
  std::function<Status(const std::string& url, const std::string& file)> backup;
  std::function<Status(const std::string& file, const std::string& url, bool replace)> restore;
  // Serves the HTTP API and the web app until SIGTERM or SIGINT; returns the exit code.
  std::function<Result<int>(const ServeOptions& options)> serve;
};

// What a command handler gets: its arguments (after the command name) and the configuration
// read from the environment (its flags may override it).
struct Context {
  std::vector<std::string> args;
  app::Config config;
  const Services* services = nullptr;
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

// Runs the command line `argv` with `services` and returns the process exit code. Prints errors
// as "retain: error: ..." on stderr. Never throws.
int Main(int argc, char** argv, const Services& services);

// The exit code for an error of `code` (see `retain --help`).
int ExitCode(ErrorCode code);

// The handlers, one file each.
Result<int> RunMigrate(Context& ctx);
Result<int> RunImport(Context& ctx);
Result<int> RunStats(Context& ctx);
Result<int> RunTimeline(Context& ctx);
Result<int> RunDemo(Context& ctx);
Result<int> RunServe(Context& ctx);
Result<int> RunUser(Context& ctx);
Result<int> RunKey(Context& ctx);
Result<int> RunLoyalty(Context& ctx);
Result<int> RunAnalytics(Context& ctx);
Result<int> RunCheck(Context& ctx);
Result<int> RunBackup(Context& ctx);
Result<int> RunRestore(Context& ctx);
Result<int> RunCustomer(Context& ctx);

}  // namespace retain::cli

#endif  // RETAIN_CLI_CLI_H_
