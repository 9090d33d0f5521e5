// Sign-in, staff accounts, roles and authority, API keys and the audit trail.
#include <chrono>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "common/crypto.h"
#include "server/api.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;

constexpr int kMaxFailedSignIns = 5;
constexpr std::chrono::minutes kSignInWindow{1};


// Failed sign-ins per username: after kMaxFailedSignIns in a window, further tries get 429.
class SignInLimiter {
 public:
  bool Blocked(const std::string& user) {
    std::lock_guard lock(mu_);
    auto it = failures_.find(user);
    if (it == failures_.end()) return false;
    if (std::chrono::steady_clock::now() - it->second.since > kSignInWindow) {
      failures_.erase(it);
      return false;
    }
    return it->second.count >= kMaxFailedSignIns;
  }
  void Failed(const std::string& user) {
    std::lock_guard lock(mu_);
    auto& f = failures_[user];
    if (f.count == 0 || std::chrono::steady_clock::now() - f.since > kSignInWindow) {
      f = {0, std::chrono::steady_clock::now()};
    }
    ++f.count;
  }
  void Succeeded(const std::string& user) {
    std::lock_guard lock(mu_);
    failures_.erase(user);
  }

 private:
  struct Failures {
    int count = 0;
    std::chrono::steady_clock::time_point since;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Failures> failures_;
};

json UserJson(const staff::User& u) {
  return {{"id", u.id}, {"username", u.username}, {"display_name", u.display_name},
          {"role", staff::RoleName(u.role)}, {"locale", u.locale}, {"active", u.active}};
}

json AuthorityJson(const staff::Authority& a) {
  return {{"max_discount_percent", a.max_discount_bp / 100.0},
          {"max_free_months", a.max_free_months},
          {"max_offer_cost_minor", a.max_offer_cost_minor},
          {"max_compensation_minor", a.max_compensation_minor}};
}

json KeyJson(const staff::ApiKey& k) {
  return {{"id", k.prefix}, {"name", k.name}, {"scopes", k.scopes}, {"created_by", k.created_by},
          {"created_at", FormatTimestamp(k.created_at)},
          {"revoked_at", k.revoked_at ? json(FormatTimestamp(*k.revoked_at)) : json()}};
}

Result<json> Body(const Request& req) {
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return InvalidArgument("the body must be a JSON object");
  return body;
}

Result<std::string> StringField(const json& body, const char* name, bool required = true) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return InvalidArgument("is required", name);
    return std::string();
  }
  if (!it->is_string()) return InvalidArgument("must be a string", name);
  return it->get<std::string>();
}

Result<std::string> Locale(const json& body) {
  RETAIN_ASSIGN_OR_RETURN(auto locale, StringField(body, "locale", false));
  if (locale.empty()) return std::string("en");
  if (locale != "en" && locale != "pt" && locale != "da") return InvalidArgument("use en, pt or da", "locale");
  return locale;
}

// Whether the browser reached Retain over HTTPS through a proxy in front (which terminates TLS
// and says so in X-Forwarded-Proto); the session cookie is then marked Secure so the browser never
// sends it over plain HTTP.
bool ViaHttps(const Request& req) { return req.Header("x-forwarded-proto") == "https"; }

Response SessionCookie(Response r, const std::string& token, std::chrono::seconds max_age, bool secure) {
  r.headers.emplace_back("Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
                                                   kSessionCookie, token, max_age.count(), secure ? "; Secure" : ""));
  return r;
}

// Audits a change to staff, roles or keys in its own statement (these writes are not grouped).
Status AuditNow(Stores& s, const Principal& p, std::string action, std::string type, std::string id,
                const json& before, const json& after) {
  return s.records().AppendAudit({Now(), p.actor, std::move(action), std::move(type), std::move(id),
                                  before.dump(), after.dump()});
}

Response Fail(const Error& e) { return ErrorResponse(e); }

}  // namespace

void AddStaffRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  Authenticator* auth = ctx.auth;
  auto limiter = std::make_shared<SignInLimiter>();
  const std::string admin(staff::kStaffAdmin);
  const std::string zone = ctx.zone.name();

  router.Add({"POST", "/v1/session",
              {"Sign in with a username and password; sets the session cookie", "staff", {}, "SignIn", "Session"},
              [workers, limiter, zone](Request req, Reply reply) {
                auto body = Body(req);
                if (!body) return reply(Fail(body.error()));
                auto username = StringField(*body, "username");
                auto password = StringField(*body, "password");
                if (!username) return reply(Fail(username.error()));
                if (!password) return reply(Fail(password.error()));
                if (limiter->Blocked(*username)) {
                  Response r = Fail({ErrorCode::kUnauthenticated, "too many failed sign-ins; wait a minute", ""});
                  r.status = 429;
                  return reply(std::move(r));
                }
                // Password hashing is slow on purpose: it runs off the I/O threads.
                workers->Slow([username = *username, password = *password, limiter, zone, secure = ViaHttps(req)](Stores& s) -> Response {
                  auto user = s.staff().FindUser(username);
                  if (!user) return Fail(user.error());
                  if (!*user || !(*user)->active || !VerifyPassword(password, (*user)->password_hash)) {
                    limiter->Failed(username);
                    return Fail({ErrorCode::kUnauthenticated, "wrong username or password", ""});
                  }
                  limiter->Succeeded(username);
                  auto token = RandomHex(32);
                  auto csrf = RandomHex(16);
                  if (!token || !csrf) return Fail(token ? csrf.error() : token.error());
                  staff::Session session{Sha256Hex(*token), (*user)->id, *csrf, Now() + kSessionLifetime};
                  if (auto ok = s.staff().CreateSession(session); !ok) return Fail(ok.error());
                  std::vector<std::string> permissions;
                  for (auto perm : staff::RolePermissions((*user)->role)) permissions.emplace_back(perm);
                  return SessionCookie(Json(200, {{"user", UserJson(**user)}, {"csrf_token", *csrf},
                                                  {"permissions", permissions}, {"time_zone", zone}}),
                                       *token, kSessionLifetime, secure);
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/session",
              {"Who is signed in, with the CSRF token for unsafe requests", "staff", {}, "", "Session", false, kSignedIn},
              [workers, zone](Request req, Reply reply) {
                const Principal& p = *req.principal;
                if (!p.via_cookie) {
                  return reply(Json(200, {{"actor", p.actor}, {"permissions", p.permissions}}));
                }
                workers->Read([p, zone](Stores& s) {
                  auto user = s.staff().GetUser(p.user_id);
                  if (!user) return Fail(user.error());
                  if (!*user) return Fail({ErrorCode::kUnauthenticated, "the account no longer exists", ""});
                  return Json(200, {{"user", UserJson(**user)}, {"csrf_token", p.csrf_token},
                                    {"permissions", p.permissions}, {"time_zone", zone}});
                }, std::move(reply));
              }});

  router.Add({"DELETE", "/v1/session", {"Sign out", "staff", {}, "", "", false, kSignedIn},
              [workers, auth](Request req, Reply reply) {
                std::string hash = req.principal->session_hash;
                if (hash.empty()) return reply(Fail({ErrorCode::kInvalidArgument, "an API key has no session", ""}));
                workers->Slow([hash, auth, secure = ViaHttps(req)](Stores& s) -> Response {
                  if (auto ok = s.staff().DeleteSession(hash); !ok) return Fail(ok.error());
                  auth->ForgetAll();  // after the delete, so no lookup can cache the session again
                  return SessionCookie(Json(200, {{"signed_out", true}}), "", std::chrono::seconds(0), secure);
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/me", {"Change one's own language or display name", "staff", {}, "Me", "User", false, kSignedIn},
              [workers](Request req, Reply reply) {
                auto body = Body(req);
                if (!body) return reply(Fail(body.error()));
                if (!req.principal->via_cookie) return reply(Fail({ErrorCode::kInvalidArgument, "only a signed-in person has an account", ""}));
                workers->Slow([body = *body, p = *req.principal](Stores& s) -> Response {
                  auto user = s.staff().GetUser(p.user_id);
                  if (!user) return Fail(user.error());
                  if (!*user) return Fail({ErrorCode::kNotFound, "no such user", ""});
                  staff::User u = **user;
                  if (body.contains("locale")) {
                    auto locale = Locale(body);
                    if (!locale) return Fail(locale.error());
                    u.locale = *locale;
                  }
                  if (body.contains("display_name")) {
                    auto name = StringField(body, "display_name");
                    if (!name) return Fail(name.error());
                    u.display_name = *name;
                  }
                  if (auto ok = s.staff().UpdateUser(u); !ok) return Fail(ok.error());
                  return Json(200, UserJson(u));
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/users", {"List staff accounts", "staff", {}, "", "Users", false, admin},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto users = s.staff().ListUsers();
                  if (!users) return Fail(users.error());
                  json data = json::array();
                  for (const auto& u : *users) data.push_back(UserJson(u));
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/users", {"Create a staff account", "staff", {}, "NewUser", "User", false, admin},
              [workers](Request req, Reply reply) {
                auto body = Body(req);
                if (!body) return reply(Fail(body.error()));
                workers->Slow([body = *body, p = *req.principal](Stores& s) -> Response {
                  staff::User u;
                  auto username = StringField(body, "username");
                  auto password = StringField(body, "password");
                  auto role_name = StringField(body, "role");
                  auto locale = Locale(body);
                  for (const auto* r : {&username, &password, &role_name, &locale}) {
                    if (!*r) return Fail(r->error());
                  }
                  auto role = staff::ParseRole(*role_name);
                  if (!role) return Fail(role.error());
                  if (password->size() < 10) return Fail({ErrorCode::kInvalidArgument, "must be at least 10 characters", "password"});
                  auto hash = HashPassword(*password);
                  if (!hash) return Fail(hash.error());
                  u.username = *username;
                  u.display_name = StringField(body, "display_name", false).value_or("");
                  if (u.display_name.empty()) u.display_name = u.username;
                  u.password_hash = *hash;
                  u.role = *role;
                  u.locale = *locale;
                  if (auto ok = s.staff().CreateUser(u); !ok) return Fail(ok.error());
                  auto created = s.staff().FindUser(u.username);
                  if (!created || !*created) return Fail({ErrorCode::kInternal, "the new user vanished", ""});
                  (void)AuditNow(s, p, "user.created", "users", u.username, nullptr, UserJson(**created));
                  return Json(201, UserJson(**created));
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/roles", {"Roles, their permissions and their authority", "staff", {}, "", "Roles", false, kSignedIn},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  json data = json::array();
                  for (auto role : staff::kAllRoles) {
                    auto a = s.staff().GetAuthority(role);
                    if (!a) return Fail(a.error());
                    json perms = json::array();
                    for (auto p : staff::RolePermissions(role)) perms.push_back(p);
                    data.push_back({{"role", staff::RoleName(role)}, {"permissions", perms}, {"authority", AuthorityJson(*a)}});
                  }
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/roles/{id}", {"Change a role's authority limits", "staff", {}, "Authority", "Role", false, admin},
              [workers](Request req, Reply reply) {
                auto role = staff::ParseRole(req.params["id"]);
                if (!role) return reply(Fail(role.error()));
                auto body = Body(req);
                if (!body) return reply(Fail(body.error()));
                workers->Slow([role = *role, body = *body, p = *req.principal](Stores& s) -> Response {
                  auto current = s.staff().GetAuthority(role);
                  if (!current) return Fail(current.error());
                  staff::Authority a = *current;
                  auto number = [&](const char* name, auto* out, double scale) -> Status {
                    if (!body.contains(name)) return Ok();
                    if (!body[name].is_number() || body[name].get<double>() < 0) {
                      return InvalidArgument("must be a number, zero or more", name);
                    }
                    *out = static_cast<std::remove_pointer_t<decltype(out)>>(body[name].get<double>() * scale);
                    return Ok();
                  };
                  for (auto ok : {number("max_discount_percent", &a.max_discount_bp, 100),
                                  number("max_free_months", &a.max_free_months, 1)}) {
                    if (!ok) return Fail(ok.error());
                  }
                  for (auto ok : {number("max_offer_cost_minor", &a.max_offer_cost_minor, 1),
                                  number("max_compensation_minor", &a.max_compensation_minor, 1)}) {
                    if (!ok) return Fail(ok.error());
                  }
                  if (a.max_discount_bp > 10000) return Fail({ErrorCode::kInvalidArgument, "must be at most 100", "max_discount_percent"});
                  if (auto ok = s.staff().SetAuthority(role, a); !ok) return Fail(ok.error());
                  (void)AuditNow(s, p, "role.authority_changed", "roles", std::string(staff::RoleName(role)),
                                 AuthorityJson(*current), AuthorityJson(a));
                  return Json(200, {{"role", staff::RoleName(role)}, {"authority", AuthorityJson(a)}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/api-keys", {"List API keys (never their secrets)", "staff", {}, "", "ApiKeys", false, admin},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto keys = s.staff().ListApiKeys();
                  if (!keys) return Fail(keys.error());
                  json data = json::array();
                  for (const auto& k : *keys) data.push_back(KeyJson(k));
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/api-keys", {"Create an API key; its secret is shown only in this reply", "staff", {}, "NewApiKey", "ApiKey", false, admin},
              [workers](Request req, Reply reply) {
                auto body = Body(req);
                if (!body) return reply(Fail(body.error()));
                workers->Slow([body = *body, p = *req.principal](Stores& s) -> Response {
                  auto name = StringField(body, "name");
                  if (!name) return Fail(name.error());
                  staff::ApiKey k;
                  k.name = *name;
                  if (!body.contains("scopes") || !body["scopes"].is_array() || body["scopes"].empty()) {
                    return Fail({ErrorCode::kInvalidArgument, "must list permissions, e.g. [\"records:write\"]", "scopes"});
                  }
                  for (const auto& sc : body["scopes"]) {
                    if (!sc.is_string()) return Fail({ErrorCode::kInvalidArgument, "must be strings", "scopes"});
                    if (auto ok = staff::CheckPermissionName(sc.get<std::string>()); !ok) return Fail(ok.error());
                    k.scopes.push_back(sc.get<std::string>());
                  }
                  auto prefix = RandomHex(4);
                  auto secret = RandomHex(24);
                  if (!prefix || !secret) return Fail({ErrorCode::kInternal, "no randomness", ""});
                  k.prefix = *prefix;
                  k.secret_hash = Sha256Hex(*secret);
                  k.created_by = p.actor;
                  k.created_at = Now();
                  if (auto ok = s.staff().CreateApiKey(k); !ok) return Fail(ok.error());
                  (void)AuditNow(s, p, "api_key.created", "api_keys", k.prefix, nullptr, KeyJson(k));
                  json out = KeyJson(k);
                  out["key"] = fmt::format("rk_{}_{}", k.prefix, *secret);
                  return Json(201, out);
                }, std::move(reply));
              }});

  router.Add({"DELETE", "/v1/api-keys/{id}", {"Revoke an API key", "staff", {}, "", "ApiKey", false, admin},
              [workers, auth](Request req, Reply reply) {
                workers->Slow([prefix = req.params["id"], p = *req.principal, auth](Stores& s) -> Response {
                  if (auto ok = s.staff().RevokeApiKey(prefix, Now()); !ok) return Fail(ok.error());
                  auto k = s.staff().FindApiKey(prefix);
                  if (!k || !*k) return Fail({ErrorCode::kInternal, "the key vanished", ""});
                  // Cached lookups of this key end now, not when the cache would expire them.
                  auth->ForgetAll();
                  (void)AuditNow(s, p, "api_key.revoked", "api_keys", prefix, nullptr, KeyJson(**k));
                  return Json(200, KeyJson(**k));
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/audit",
              {"The audit trail, newest first", "staff",
               {{"record_type", "customers, purchases, users, roles, api_keys, ..."}, {"record_id", "the record's id"},
                {"actor", "user:NAME or key:PREFIX (NAME)"}, {"limit", "1 to 1000"}, {"cursor", "next_cursor of the previous page"}},
               "", "AuditPage", false, std::string(staff::kAuditRead)},
              [workers](Request req, Reply reply) {
                core::AuditQuery q;
                q.cursor = req.Query("cursor");
                q.record_type = req.Query("record_type");
                q.record_id = req.Query("record_id");
                q.actor = req.Query("actor");
                auto limit = req.Limit();
                if (!limit) return reply(Fail(limit.error()));
                q.limit = *limit;
                workers->Read([q](Stores& s) {
                  auto page = s.records().ListAudit(q);
                  if (!page) return Fail(page.error());
                  json data = json::array();
                  for (const auto& e : page->items) {
                    data.push_back({{"at", FormatTimestamp(e.at)}, {"actor", e.actor}, {"action", e.action},
                                    {"record_type", e.record_type}, {"record_id", e.record_id},
                                    {"before", json::parse(e.before_json, nullptr, false)},
                                    {"after", json::parse(e.after_json, nullptr, false)}});
                  }
                  return Json(200, {{"data", data},
                                    {"next_cursor", page->next_cursor.empty() ? json() : json(page->next_cursor)}});
                }, std::move(reply));
              }});
}

}  // namespace retain::server
