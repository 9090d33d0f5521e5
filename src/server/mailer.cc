#include "server/mailer.h"

#include <cstring>
#include <thread>

#include <curl/curl.h>
#include <fmt/format.h>

namespace retain::server {
namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t n = std::min(size * count, up->data->size() - up->offset);
  std::memcpy(buffer, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

}  // namespace

SmtpMailer::SmtpMailer(SmtpOptions options) : options_(std::move(options)) {}

SmtpMailer::~SmtpMailer() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

SmtpAnswer SmtpMailer::Send(std::string_view envelope_from, std::string_view to, const std::string& message) {
  if (!configured()) return {SmtpAnswer::Kind::kFailed, 0, "no SMTP server is configured (retain serve --smtp-url)"};
  if (options_.rate_per_second > 0) {
    auto now = std::chrono::steady_clock::now();
    if (next_slot_ > now) std::this_thread::sleep_for(next_slot_ - now);
    auto gap = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / options_.rate_per_second));
    next_slot_ = std::max(now, next_slot_) + gap;
  }
  if (!curl_) curl_ = curl_easy_init();
  CURL* curl = static_cast<CURL*>(curl_);
  if (!curl) return {SmtpAnswer::Kind::kFailed, 0, "libcurl could not start"};
  std::string from(envelope_from);
  std::string rcpt(to);
  curl_slist* recipients = curl_slist_append(nullptr, rcpt.c_str());
  Upload upload{&message};
  char error[CURL_ERROR_SIZE] = {0};
  // The handle keeps its connection between messages; only the per-message options change.
  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(options_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(recipients);
  if (rc == CURLE_OK) return {SmtpAnswer::Kind::kSent, static_cast<int>(code), ""};
  std::string what = error[0] ? std::string(error) : std::string(curl_easy_strerror(rc));
  // A permanent refusal of the address or message is a bounce; anything else may pass later.
  if (code >= 500 && code < 600) return {SmtpAnswer::Kind::kBounced, static_cast<int>(code), what};
  // A failed session is not reused.
  curl_easy_cleanup(curl);
  curl_ = nullptr;
  return {SmtpAnswer::Kind::kFailed, static_cast<int>(code), what};
}

}  // namespace retain::server
