#include "app/services.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "server/http_server.h"
#include "storage/backup.h"
#include "storage/database.h"
#include "storage/integrity.h"
#include "storage/migrations.h"
#include "storage/record_store.h"

namespace retain::app {
namespace {

// The server's view of one SQL session: both interfaces over one connection.
class SqlSession : public cli::StoreSession {
 public:
  explicit SqlSession(std::unique_ptr<storage::SqlStore> store) : store_(std::move(store)) {}
  core::RecordStore& records() override { return *store_; }
  loyalty::LoyaltyStore& loyalty() override { return store_->loyalty(); }
  core::WebhookStore& outbox() override { return *store_; }
  analytics::AnalyticsStore& analytics() override { return store_->analytics(); }
  retention::RetentionStore& retention() override { return store_->retention(); }
  care::CareStore& care() override { return store_->care(); }
  feedback::FeedbackStore& feedback() override { return store_->feedback(); }
  outreach::OutreachStore& outreach() override { return store_->outreach(); }
  outreach::FactsStore& facts() override { return store_->facts(); }

 private:
  std::unique_ptr<storage::SqlStore> store_;
};

class SqlStores : public server::Stores {
 public:
  explicit SqlStores(std::unique_ptr<storage::SqlStore> store) : store_(std::move(store)) {}
  core::RecordStore& records() override { return *store_; }
  staff::StaffStore& staff() override { return *store_; }
  core::WebhookStore& webhooks() override { return *store_; }
  loyalty::LoyaltyStore& loyalty() override { return store_->loyalty(); }
  analytics::AnalyticsStore& analytics() override { return store_->analytics(); }
  retention::RetentionStore& retention() override { return store_->retention(); }
  care::CareStore& care() override { return store_->care(); }
  feedback::FeedbackStore& feedback() override { return store_->feedback(); }
  outreach::FactsStore& facts() override { return store_->facts(); }
  outreach::OutreachStore& outreach() override { return store_->outreach(); }

 private:
  std::unique_ptr<storage::SqlStore> store_;
};

}  // namespace

cli::Services MakeServices() {
  cli::Services s;
  s.open_store = [](const std::string& url) { return storage::OpenRecordStore(url); };
  s.open_session = [](const std::string& url) -> Result<std::unique_ptr<cli::StoreSession>> {
    // Sessions are the bulk writers (import, demo, loyalty): a larger page cache keeps the
    // indexes they write all over in memory (docs/PERFORMANCE.md, loyalty).
    RETAIN_ASSIGN_OR_RETURN(auto store, storage::OpenSqlStore(url, {.sqlite_cache_mib = 512}));
    return std::unique_ptr<cli::StoreSession>(std::make_unique<SqlSession>(std::move(store)));
  };
  s.open_staff = [](const std::string& url) -> Result<std::unique_ptr<staff::StaffStore>> {
    RETAIN_ASSIGN_OR_RETURN(auto store, storage::OpenSqlStore(url));
    return std::unique_ptr<staff::StaffStore>(std::move(store));
  };
  s.migrate = [](const std::string& url) -> Result<cli::MigrateOutcome> {
    RETAIN_ASSIGN_OR_RETURN(auto db, storage::Connection::Open(url));
    cli::MigrateOutcome out;
    RETAIN_ASSIGN_OR_RETURN(out.from_version, storage::SchemaVersion(*db));
    RETAIN_ASSIGN_OR_RETURN(out.applied, storage::Migrate(*db));
    RETAIN_ASSIGN_OR_RETURN(out.to_version, storage::SchemaVersion(*db));
    return out;
  };
  s.check = [](const std::string& url) -> Result<std::vector<core::IntegrityCheck>> {
    RETAIN_ASSIGN_OR_RETURN(auto store, storage::OpenSqlStore(url));  // the schema must be current
    store.reset();
    RETAIN_ASSIGN_OR_RETURN(auto db, storage::Connection::Open(url));
    return storage::CheckIntegrity(*db);
  };
  s.backup = [](const std::string& url, const std::string& file) { return storage::BackupDatabase(url, file); };
  s.restore = [](const std::string& file, const std::string& url, bool replace) {
    return storage::RestoreDatabase(file, url, replace);
  };
  s.serve = [](const cli::ServeOptions& o) -> Result<int> {
    // Check the database once up front so a bad URL or schema fails before listening.
    RETAIN_RETURN_IF_ERROR(storage::OpenRecordStore(o.db));
    server::ServerOptions options;
    options.host = o.host;
    options.port = o.port;
    options.threads = o.threads;
    options.web_root = o.web_root;
    options.webhook_retry_base = std::chrono::seconds(o.webhook_retry_base_seconds);
    options.read_timeout = std::chrono::seconds(o.read_timeout_seconds);
    options.idle_timeout = std::max(options.idle_timeout, options.read_timeout);
    options.outreach.smtp.url = o.smtp_url;
    options.outreach.smtp.username = o.smtp_user;
    options.outreach.smtp.password = o.smtp_password;
    options.outreach.smtp.require_tls = o.smtp_require_tls;
    options.outreach.smtp.ca_file = o.smtp_ca_file;
    options.outreach.smtp.rate_per_second = o.smtp_rate;
    options.outreach.public_url = o.public_url;
    options.outreach.poll = std::chrono::milliseconds(o.outreach_poll_ms);
    if (options.web_root.empty()) {
      const char* env = std::getenv("RETAIN_WEB_ROOT");
      options.web_root = env != nullptr ? env : RETAIN_WEB_ROOT_DEFAULT;
    }
    options.on_listening = [db = o.db, host = o.host](int port) {
      std::cout << fmt::format("retain: serving {} on http://{}:{}/ (the web app; API under /v1, described "
                               "at /openapi.json); Ctrl-C or SIGTERM stops\n", storage::RedactUrl(db), host, port)
                << std::flush;
    };
    std::string url = o.db;
    return server::Serve(options, [url]() -> Result<std::unique_ptr<server::Stores>> {
      RETAIN_ASSIGN_OR_RETURN(auto store, storage::OpenSqlStore(url));
      return std::unique_ptr<server::Stores>(std::make_unique<SqlStores>(std::move(store)));
    });
  };
  return s;
}

}  // namespace retain::app
