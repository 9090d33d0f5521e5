#include "server/auth.h"

#include <fmt/format.h>

#include "common/crypto.h"
#include "staff/roles.h"

namespace retain::server {

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return {};
}

std::shared_ptr<const Principal> Authenticator::Lookup(const std::string& key) {
  std::shared_lock lock(mu_);
  auto it = cache_.find(key);
  if (it == cache_.end() || it->second.until < std::chrono::steady_clock::now()) return nullptr;
  return it->second.principal;
}

std::shared_ptr<const Principal> Authenticator::Remember(const std::string& key, Principal p) {
  auto shared = std::make_shared<const Principal>(std::move(p));
  std::unique_lock lock(mu_);
  if (cache_.size() > 100000) cache_.clear();  // bounded: a flood of keys cannot grow it forever
  cache_[key] = {shared, std::chrono::steady_clock::now() + kCacheFor};
  return shared;
}

void Authenticator::ForgetAll() {
  std::unique_lock lock(mu_);
  cache_.clear();
}

Result<std::shared_ptr<const Principal>> Authenticator::Authenticate(const Request& request) {
  auto authorization = request.Header("authorization");
  if (!authorization.empty()) {
    if (!authorization.starts_with("Bearer ")) {
      return Unauthenticated("the Authorization header must be 'Bearer rk_...' (an API key)");
    }
    return FromKey(authorization.substr(7));
  }
  auto token = CookieValue(request.Header("cookie"), kSessionCookie);
  if (!token.empty()) return FromSession(token);
  static const auto kAnonymous = std::make_shared<const Principal>();
  return kAnonymous;
}

Result<std::shared_ptr<const Principal>> Authenticator::FromKey(std::string_view token) {
  std::string cache_key = "key:" + std::string(token);
  if (auto p = Lookup(cache_key)) return p;
  // rk_<prefix>_<secret>
  if (!token.starts_with("rk_") || token.size() < 8) return Unauthenticated("malformed API key");
  auto underscore = token.find('_', 3);
  if (underscore == std::string_view::npos) return Unauthenticated("malformed API key");
  std::string prefix(token.substr(3, underscore - 3));
  std::string secret_hash = Sha256Hex(token.substr(underscore + 1));
  std::optional<staff::ApiKey> key;
  Error failure;
  bool failed = false;
  workers_->WithReader([&](Stores& s) {
    auto k = s.staff().FindApiKey(prefix);
    if (!k) {
      failure = k.error();
      failed = true;
    } else {
      key = *k;
    }
  });
  if (failed) return tl::unexpected(failure);
  if (!key || !ConstantTimeEquals(key->secret_hash, secret_hash)) return Unauthenticated("unknown API key");
  if (key->revoked_at) return Unauthenticated("this API key was revoked");
  Principal p;
  p.authenticated = true;
  p.actor = fmt::format("key:{} ({})", key->prefix, key->name);
  p.permissions = key->scopes;
  return Remember(cache_key, std::move(p));
}

Result<std::shared_ptr<const Principal>> Authenticator::FromSession(std::string_view token) {
  std::string cache_key = "session:" + std::string(token);
  if (auto p = Lookup(cache_key)) return p;
  std::string hash = Sha256Hex(token);
  std::optional<staff::Session> session;
  std::optional<staff::User> user;
  Error failure;
  bool failed = false;
  workers_->WithReader([&](Stores& s) {
    auto found = s.staff().FindSession(hash);
    if (!found) {
      failure = found.error();
      failed = true;
      return;
    }
    session = *found;
    if (!session) return;
    auto u = s.staff().GetUser(session->user_id);
    if (!u) {
      failure = u.error();
      failed = true;
      return;
    }
    user = *u;
  });
  if (failed) return tl::unexpected(failure);
  if (!session || !user) return Unauthenticated("not signed in (the session ended); sign in again");
  if (session->expires_at < Now()) {
    return Unauthenticated("the session expired; sign in again");
  }
  if (!user->active) return Unauthenticated("this account is disabled");
  Principal p;
  p.authenticated = true;
  p.actor = "user:" + user->username;
  p.username = user->username;
  p.user_id = user->id;
  p.role = std::string(staff::RoleName(user->role));
  for (auto perm : staff::RolePermissions(user->role)) p.permissions.emplace_back(perm);
  p.via_cookie = true;
  p.csrf_token = session->csrf_token;
  p.session_hash = hash;
  return Remember(cache_key, std::move(p));
}

}  // namespace retain::server
