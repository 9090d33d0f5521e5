// The transactional outbox and webhook subscriptions: what happened is appended to the outbox in
// the same transaction as the change, and a dispatcher delivers it to subscribers later, so no
// event is lost and none is sent for a change that rolled back.
#ifndef RETAIN_CORE_WEBHOOK_STORE_H_
#define RETAIN_CORE_WEBHOOK_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace retain::core {

// One thing that happened, for subscribers: "customer.created", "purchase.recorded", ...
struct OutboxEvent {
  int64_t id = 0;
  std::string type;
  std::string record_id;
  std::string payload_json;  // {"type":..., "data": {...}}
  Timestamp created_at;
};

struct Webhook {
  int64_t id = 0;
  std::string url;
  std::vector<std::string> event_types;  // "*" for all
  std::string secret;                    // signs every delivery (HMAC-SHA256)
  bool active = true;
  std::string created_by;
  Timestamp created_at;
};

enum class DeliveryStatus { kPending, kDelivered, kGaveUp };
std::string_view DeliveryStatusName(DeliveryStatus s);

// One event for one webhook, with its retry state.
struct Delivery {
  int64_t id = 0;
  int64_t webhook_id = 0;
  int64_t outbox_id = 0;
  int attempts = 0;
  DeliveryStatus status = DeliveryStatus::kPending;
  Timestamp next_attempt_at;
  int last_response = 0;  // HTTP status of the last attempt; 0 when none came
  std::string last_error;
};

// One attempt to deliver, kept for the record.
struct DeliveryAttempt {
  int64_t delivery_id = 0;
  int attempt = 0;
  Timestamp at;
  int response = 0;
  std::string error;
  int64_t duration_ms = 0;
};

// Not thread-safe; one per thread. Writes take part in the current transaction, if any.
class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  virtual Status AppendOutbox(const OutboxEvent& event) = 0;
  // Outbox events with id > `after`, oldest first, at most `limit`.
  virtual Result<std::vector<OutboxEvent>> OutboxAfter(int64_t after, int limit) = 0;
  virtual Result<std::optional<OutboxEvent>> GetOutbox(int64_t id) = 0;

  // Returns the new webhook's id.
  virtual Result<int64_t> CreateWebhook(const Webhook& w) = 0;
  virtual Result<std::vector<Webhook>> ListWebhooks() = 0;
  virtual Result<std::optional<Webhook>> GetWebhook(int64_t id) = 0;
  // NotFound when there is no such webhook.
  virtual Status DeactivateWebhook(int64_t id) = 0;

  // Queues `outbox_id` for `webhook_id` (nothing when already queued).
  virtual Status EnqueueDelivery(int64_t webhook_id, int64_t outbox_id, Timestamp at) = 0;
  // Pending deliveries due at `now`, soonest first.
  virtual Result<std::vector<Delivery>> DueDeliveries(Timestamp now, int limit) = 0;
  virtual Status UpdateDelivery(const Delivery& d) = 0;
  virtual Status LogAttempt(const DeliveryAttempt& a) = 0;
  // A webhook's deliveries, newest first.
  virtual Result<std::vector<Delivery>> ListDeliveries(int64_t webhook_id, int limit) = 0;
};

}  // namespace retain::core

#endif  // RETAIN_CORE_WEBHOOK_STORE_H_
