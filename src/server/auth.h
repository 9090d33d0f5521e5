// Who is calling: an API key in "Authorization: Bearer rk_<prefix>_<secret>", or a browser
// session in the "retain_session" cookie (whose unsafe requests must carry X-CSRF-Token).
#ifndef RETAIN_SERVER_AUTH_H_
#define RETAIN_SERVER_AUTH_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "server/http.h"
#include "server/store_workers.h"

namespace retain::server {

inline constexpr const char* kSessionCookie = "retain_session";
inline constexpr std::chrono::hours kSessionLifetime{12};

// The value of cookie `name` in a Cookie header, or empty.
std::string CookieValue(std::string_view header, std::string_view name);

// Resolves credentials to a Principal, caching what it looked up for a short while. Thread-safe.
class Authenticator {
 public:
  explicit Authenticator(StoreWorkers* workers) : workers_(workers) {}

  // The caller of `request`: unauthenticated when it carries no credentials; Unauthenticated
  // when the credentials are wrong, expired or revoked.
  Result<std::shared_ptr<const Principal>> Authenticate(const Request& request);

  // Drops every cached lookup at once (after a sign-out or a revocation, which are rare).
  void ForgetAll();

 private:
  // Keyed by the credential as sent (kept in memory only), so a hit costs no hashing.
  struct Cached {
    std::shared_ptr<const Principal> principal;
    std::chrono::steady_clock::time_point until;
  };
  static constexpr std::chrono::seconds kCacheFor{10};

  Result<std::shared_ptr<const Principal>> FromKey(std::string_view token);
  Result<std::shared_ptr<const Principal>> FromSession(std::string_view token);
  std::shared_ptr<const Principal> Lookup(const std::string& key);
  std::shared_ptr<const Principal> Remember(const std::string& key, Principal p);

  StoreWorkers* workers_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Cached> cache_;
};

}  // namespace retain::server

#endif  // RETAIN_SERVER_AUTH_H_
