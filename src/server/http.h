// The server's protocol-level types, independent of the HTTP library underneath.
#ifndef RETAIN_SERVER_HTTP_H_
#define RETAIN_SERVER_HTTP_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace retain::server {

// Who is making a request, once authenticated (see auth.h).
struct Principal {
  bool authenticated = false;
  std::string actor;         // for the audit trail: "user:ana" or "key:3f9a0c1d (pos)"
  std::string username;      // empty for an API key
  int64_t user_id = 0;
  std::string role;          // empty for an API key
  std::vector<std::string> permissions;
  bool via_cookie = false;   // a browser session (so unsafe methods need the CSRF token)
  std::string csrf_token;
  std::string session_hash;  // the session's token hash, to sign out

  bool Has(std::string_view permission) const;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query
  std::map<std::string, std::string, std::less<>> query;    // decoded query parameters
  std::map<std::string, std::string, std::less<>> headers;  // lower-case names
  std::map<std::string, std::string, std::less<>> params;   // from the route pattern: {id}
  std::string body;
  // Who is calling; never null (an unauthenticated Principal when no credentials came). Shared
  // with the authentication cache, so a request does not copy it.
  std::shared_ptr<const Principal> principal = std::make_shared<const Principal>();

  // The header's value, or empty.
  std::string_view Header(std::string_view name) const;
  // The query parameter's value, or `fallback`.
  std::string Query(std::string_view name, std::string_view fallback = {}) const;
  // The page size in ?limit= (default 50). InvalidArgument naming "limit" when it is not a whole
  // number; the store checks the range.
  Result<int> Limit() const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Completes a request. Call exactly once, from any thread.
using Reply = std::function<void(Response)>;

// A JSON response.
Response Json(int status, const nlohmann::json& body);

// The one error body: {"error":{"code":"invalid_argument","message":"...","field":"..."}} with
// the status HttpStatus(error.code) gives.
Response ErrorResponse(const Error& error);

// The HTTP status for an error code: the one place the mapping lives.
int HttpStatus(ErrorCode code);

// Splits "/a/b?x=1&y=%C3%A6" into a decoded path and decoded query parameters. Fails with
// InvalidArgument on malformed percent-encoding.
Status ParseTarget(std::string_view target, Request* request);

}  // namespace retain::server

#endif  // RETAIN_SERVER_HTTP_H_
