// Delivering the outbox to webhook subscribers: signed (HMAC-SHA256 over "timestamp.body", the
// Stripe scheme, in the Retain-Signature header), retried with exponential backoff, every attempt
// logged. Runs on its own thread with its own database connection.
#ifndef RETAIN_SERVER_WEBHOOKS_H_
#define RETAIN_SERVER_WEBHOOKS_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "core/webhook_store.h"
#include "server/store_workers.h"

namespace retain::server {

struct WebhookOptions {
  std::chrono::seconds retry_base{10};   // the first retry's delay; doubles each time
  std::chrono::seconds retry_cap{6 * 3600};
  int max_attempts = 10;                 // then the delivery is given up
  std::chrono::seconds timeout{10};      // per attempt
  std::chrono::milliseconds poll{500};   // how often the outbox is read when nobody calls Wake()
};

// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under secret>".
std::string SignatureHeader(const std::string& secret, int64_t unix_seconds, const std::string& body);

class WebhookDispatcher {
 public:
  // Starts the thread with its own store from `factory`.
  static Result<std::unique_ptr<WebhookDispatcher>> Start(const StoreFactory& factory, WebhookOptions options);
  ~WebhookDispatcher();
  // Asks for a look at the outbox now (after a commit). Thread-safe.
  void Wake();
  // Stops after the attempt in progress. Idempotent.
  void Stop();

 private:
  WebhookDispatcher(std::unique_ptr<Stores> store, WebhookOptions options);
  void Loop();
  Status FanOut();
  Status DeliverDue();

  std::unique_ptr<Stores> store_;
  WebhookOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace retain::server

#endif  // RETAIN_SERVER_WEBHOOKS_H_
