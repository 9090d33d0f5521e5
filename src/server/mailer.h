// Sending e-mail over SMTP with libcurl: STARTTLS when the server offers it (or required), an
// optional login, one connection kept open across messages, and a steady rate. Each answer is
// classified so the caller can tell a bounce (the server refused the address for good, 5xx) from
// a failure worth retrying (4xx, the connection).
#ifndef RETAIN_SERVER_MAILER_H_
#define RETAIN_SERVER_MAILER_H_

#include <chrono>
#include <string>
#include <string_view>

namespace retain::server {

struct SmtpOptions {
  std::string url;             // smtp://host:port (STARTTLS when offered) or smtps://host:port; empty: no e-mail
  std::string username;        // empty: no login
  std::string password;
  bool require_tls = false;    // refuse to send unless STARTTLS succeeds
  std::string ca_file;         // a CA bundle to trust instead of the system's (a private relay)
  double rate_per_second = 20; // messages; 0 for no limit
  std::chrono::seconds timeout{30};
};

struct SmtpAnswer {
  enum class Kind { kSent, kBounced, kFailed };
  Kind kind = Kind::kFailed;
  int code = 0;          // the SMTP reply code when there was one
  std::string message;   // what went wrong, for the delivery log
};

// One SMTP session, reused across messages. Not thread-safe; one per sending thread.
class SmtpMailer {
 public:
  explicit SmtpMailer(SmtpOptions options);
  ~SmtpMailer();
  SmtpMailer(const SmtpMailer&) = delete;
  SmtpMailer& operator=(const SmtpMailer&) = delete;

  bool configured() const { return !options_.url.empty(); }
  // Sends `message` (a complete RFC 5322 message, CRLF line ends) from `envelope_from` to `to`,
  // waiting first when the rate limit asks for it.
  SmtpAnswer Send(std::string_view envelope_from, std::string_view to, const std::string& message);

 private:
  SmtpOptions options_;
  void* curl_ = nullptr;  // CURL*
  std::chrono::steady_clock::time_point next_slot_{};
};

}  // namespace retain::server

#endif  // RETAIN_SERVER_MAILER_H_
