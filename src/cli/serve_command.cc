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
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;
  options.db = ctx.config.db;
  return ctx.services->serve(options);
}

}  // namespace retain::cli
