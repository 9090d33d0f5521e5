// The HTTP/1.1 server: Boost.Beast on Asio, keep-alive, limits, graceful shutdown.
#ifndef RETAIN_SERVER_HTTP_SERVER_H_
#define RETAIN_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "common/status.h"
#include "server/outreach_sender.h"
#include "server/store_workers.h"

namespace retain::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;          // 0 picks a free port
  int threads = 0;          // I/O threads; 0: one per core
  int readers = 4;          // database reader threads (each with its own connection)
  size_t max_body_bytes = 16 * 1024 * 1024;   // a larger body gets 413
  size_t max_header_bytes = 16 * 1024;        // larger headers get 431
  std::chrono::seconds read_timeout{30};      // a client slower than this is disconnected
  std::chrono::seconds idle_timeout{60};      // an idle keep-alive connection is closed
  std::chrono::seconds webhook_retry_base{10};
  // Sending outreach (SMTP relay, links' address: empty public_url means http://HOST:PORT).
  OutreachOptions outreach;
  // The built web app (web/dist); empty serves none.
  std::string web_root;
  // Called once the server listens, with the port it listens on (for tests and the demo).
  std::function<void(int port)> on_listening;
};

// Serves until SIGTERM or SIGINT, then stops accepting, finishes the requests it has accepted
// (every queued write is committed and answered) and returns 0. Fails when the port cannot be
// bound or the database cannot be opened.
Result<int> Serve(const ServerOptions& options, const StoreFactory& factory);

}  // namespace retain::server

#endif  // RETAIN_SERVER_HTTP_SERVER_H_
