#include "server/webhooks.h"

#include <curl/curl.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/crypto.h"

namespace retain::server {
namespace {

constexpr const char* kCursorSetting = "webhooks.outbox_cursor";


size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

struct PostResult {
  int status = 0;
  std::string error;
};

PostResult Post(const std::string& url, const std::string& body, const std::vector<std::string>& headers,
                std::chrono::seconds timeout) {
  PostResult out;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return {0, "curl_easy_init failed"};
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    out.status = static_cast<int>(code);
  } else {
    out.error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return out;
}

bool Subscribed(const core::Webhook& w, const std::string& type) {
  return std::any_of(w.event_types.begin(), w.event_types.end(),
                     [&](const std::string& t) { return t == "*" || t == type; });
}

}  // namespace

std::string SignatureHeader(const std::string& secret, int64_t unix_seconds, const std::string& body) {
  return fmt::format("t={},v1={}", unix_seconds, HmacSha256Hex(secret, fmt::format("{}.{}", unix_seconds, body)));
}

Result<std::unique_ptr<WebhookDispatcher>> WebhookDispatcher::Start(const StoreFactory& factory,
                                                                    WebhookOptions options) {
  RETAIN_ASSIGN_OR_RETURN(auto store, factory());
  std::unique_ptr<WebhookDispatcher> d(new WebhookDispatcher(std::move(store), options));
  d->thread_ = std::thread([p = d.get()] { p->Loop(); });
  return d;
}

WebhookDispatcher::WebhookDispatcher(std::unique_ptr<Stores> store, WebhookOptions options)
    : store_(std::move(store)), options_(options) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::Loop() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.poll, [&] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
    }
    // Failures here are the database's; the next round tries again.
    (void)FanOut();
    (void)DeliverDue();
  }
}

// Turns new outbox events into one queued delivery per subscribed webhook, and moves the cursor,
// in one transaction.
Status WebhookDispatcher::FanOut() {
  auto& records = store_->records();
  auto& hooks = store_->webhooks();
  RETAIN_ASSIGN_OR_RETURN(auto cursor_text, records.GetSetting(kCursorSetting));
  int64_t cursor = cursor_text ? std::stoll(*cursor_text) : 0;
  RETAIN_ASSIGN_OR_RETURN(auto events, hooks.OutboxAfter(cursor, 1000));
  if (events.empty()) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto webhooks, hooks.ListWebhooks());
  RETAIN_RETURN_IF_ERROR(records.Begin());
  auto body = [&]() -> Status {
    for (const auto& e : events) {
      for (const auto& w : webhooks) {
        if (w.active && Subscribed(w, e.type)) RETAIN_RETURN_IF_ERROR(hooks.EnqueueDelivery(w.id, e.id, Now()));
      }
    }
    return records.SetSetting(kCursorSetting, std::to_string(events.back().id));
  }();
  if (!body) {
    records.Rollback();
    return body;
  }
  return records.Commit();
}

Status WebhookDispatcher::DeliverDue() {
  auto& hooks = store_->webhooks();
  RETAIN_ASSIGN_OR_RETURN(auto due, hooks.DueDeliveries(Now(), 50));
  for (auto& d : due) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Ok();
    }
    RETAIN_ASSIGN_OR_RETURN(auto webhook, hooks.GetWebhook(d.webhook_id));
    RETAIN_ASSIGN_OR_RETURN(auto event, hooks.GetOutbox(d.outbox_id));
    if (!webhook || !event || !webhook->active) {
      d.status = core::DeliveryStatus::kGaveUp;
      d.last_error = "the webhook was deleted";
      RETAIN_RETURN_IF_ERROR(hooks.UpdateDelivery(d));
      continue;
    }
    int64_t t = ToUnixSeconds(Now());
    auto start = std::chrono::steady_clock::now();
    auto result = Post(webhook->url, event->payload_json,
                       {"Content-Type: application/json", "User-Agent: retain-webhooks",
                        "Retain-Event: " + event->type, fmt::format("Retain-Delivery: {}", d.id),
                        "Retain-Signature: " + SignatureHeader(webhook->secret, t, event->payload_json)},
                       options_.timeout);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    ++d.attempts;
    d.last_response = result.status;
    d.last_error = result.error.empty() && (result.status < 200 || result.status >= 300)
                       ? fmt::format("HTTP {}", result.status) : result.error;
    RETAIN_RETURN_IF_ERROR(hooks.LogAttempt({d.id, d.attempts, FromUnixSeconds(t), result.status, d.last_error, ms}));
    if (result.status >= 200 && result.status < 300) {
      d.status = core::DeliveryStatus::kDelivered;
      d.last_error.clear();
    } else if (d.attempts >= options_.max_attempts) {
      d.status = core::DeliveryStatus::kGaveUp;
    } else {
      auto delay = std::min<std::chrono::seconds>(options_.retry_base * (int64_t{1} << std::min(d.attempts - 1, 20)),
                                                  options_.retry_cap);
      d.next_attempt_at = Now() + delay;
    }
    RETAIN_RETURN_IF_ERROR(hooks.UpdateDelivery(d));
  }
  return Ok();
}

}  // namespace retain::server
