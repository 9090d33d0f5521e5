#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/options.h"

namespace retain::cli {

Result<int> RunServe(Context& ctx) {
  ServeOptions options;
  auto app = NewParser("serve",
                       "Serve the HTTP API (JSON under /v1, /openapi.json, /healthz, /metrics) until "
                       "SIGTERM or Ctrl-C, then finish the requests already accepted.",
                       ctx);
  app->add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app->add_option("--port", options.port, "Port to listen on (0 picks a free one)")->capture_default_str();
  app->add_option("--threads", options.threads, "I/O threads (default: one per core)");
  app->add_option("--web-root", options.web_root, "The built web app to serve (default: web/dist of this build, or $RETAIN_WEB_ROOT)");
  app->add_option("--webhook-retry-base", options.webhook_retry_base_seconds,
                  "Seconds before a failed webhook delivery is first retried (doubling after)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app->add_option("--read-timeout", options.read_timeout_seconds,
                  "Seconds a client may take to send a request before it is disconnected")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app->add_option("--smtp-url", options.smtp_url,
                  "The SMTP relay for e-mail: smtp://host:587 (STARTTLS when offered) or smtps://host:465; without "
                  "it e-mail deliveries wait")
      ->envname("RETAIN_SMTP_URL");
  app->add_option("--smtp-user", options.smtp_user, "Login for the SMTP relay (the password comes from $RETAIN_SMTP_PASSWORD)")
      ->envname("RETAIN_SMTP_USER");
  app->add_flag("--smtp-require-tls", options.smtp_require_tls, "Send no e-mail unless the relay's STARTTLS succeeds");
  app->add_option("--smtp-ca-file", options.smtp_ca_file, "Trust this CA bundle for the relay (a private relay's certificate)");
  app->add_option("--smtp-rate", options.smtp_rate, "E-mails per second at most (0: no limit)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_option("--public-url", options.public_url,
                  "The address customers reach Retain at, for links in messages (default: http://HOST:PORT)")
      ->envname("RETAIN_PUBLIC_URL");
  app->add_option("--outreach-poll-ms", options.outreach_poll_ms, "How often the outreach sender looks for due work")
      ->capture_default_str()->check(CLI::PositiveNumber);
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;
  if (const char* password = std::getenv("RETAIN_SMTP_PASSWORD")) options.smtp_password = password;
  options.db = ctx.config.db;
  return ctx.services->serve(options);
}

}  // namespace retain::cli
