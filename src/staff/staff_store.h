// The interface through which staff accounts, sessions, API keys and role authority are kept.
// storage/ implements it; one store session is not thread-safe.
#ifndef RETAIN_STAFF_STAFF_STORE_H_
#define RETAIN_STAFF_STAFF_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "staff/roles.h"

namespace retain::staff {

struct User {
  int64_t id = 0;
  std::string username;
  std::string display_name;
  std::string password_hash;  // argon2id, PHC format
  Role role = Role::kAgent;
  std::string locale = "en";
  bool active = true;
};

// A browser sign-in. Only the SHA-256 of the token is stored.
struct Session {
  std::string token_hash;
  int64_t user_id = 0;
  std::string csrf_token;
  Timestamp expires_at;
};

// An integration's key "rk_<prefix>_<secret>". Only the SHA-256 of the secret is stored.
struct ApiKey {
  std::string prefix;
  std::string secret_hash;
  std::string name;
  std::vector<std::string> scopes;  // permission names
  std::string created_by;
  Timestamp created_at;
  std::optional<Timestamp> revoked_at;
};

class StaffStore {
 public:
  virtual ~StaffStore() = default;

  // Conflict when the username is taken.
  virtual Status CreateUser(const User& user) = 0;
  // Updates everything but the id and username. NotFound when there is no such user.
  virtual Status UpdateUser(const User& user) = 0;
  virtual Result<std::optional<User>> FindUser(std::string_view username) = 0;
  virtual Result<std::optional<User>> GetUser(int64_t id) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;

  virtual Status CreateSession(const Session& session) = 0;
  virtual Result<std::optional<Session>> FindSession(std::string_view token_hash) = 0;
  virtual Status DeleteSession(std::string_view token_hash) = 0;

  virtual Status CreateApiKey(const ApiKey& key) = 0;
  virtual Result<std::optional<ApiKey>> FindApiKey(std::string_view prefix) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys() = 0;
  // NotFound when there is no such key.
  virtual Status RevokeApiKey(std::string_view prefix, Timestamp at) = 0;

  // The role's authority (its default until set).
  virtual Result<Authority> GetAuthority(Role role) = 0;
  virtual Status SetAuthority(Role role, const Authority& authority) = 0;
};

}  // namespace retain::staff

#endif  // RETAIN_STAFF_STAFF_STORE_H_
