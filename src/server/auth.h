// Who is calling: an API key in "Authorization: Bearer rk_<prefix>_<secret>", or a browser
// session in the "retain_session" cookie (whose unsafe requests must carry X-CSRF-Token).
#ifndef RETAIN_SERVER_AUTH_H_
#define RETAIN_SERVER_AUTH_H_

#include <chrono>
#include <mutex>
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
  Result<Principal> Authenticate(const Request& request);

  // Drops a cached session or key at once (sign-out, revocation).
  void Forget(const std::string& cache_key);

 private:
  struct Cached {
    Principal principal;
    std::chrono::steady_clock::time_point until;
  };
  static constexpr std::chrono::seconds kCacheFor{10};

  Result<Principal> FromKey(std::string_view token);
  Result<Principal> FromSession(std::string_view token);
  std::optional<Principal> Lookup(const std::string& key);
  void Remember(const std::string& key, const Principal& p);

  StoreWorkers* workers_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;
};

}  // namespace retain::server

#endif  // RETAIN_SERVER_AUTH_H_
