#include "server/http.h"

#include <charconv>

namespace retain::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> Decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (i + 2 >= s.size() || hi < 0 || lo < 0) {
        return InvalidArgument("malformed percent-encoding in the URL");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

bool Principal::Has(std::string_view permission) const {
  for (const auto& p : permissions) {
    if (p == permission) return true;
  }
  return false;
}

std::string_view Request::Header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

std::string Request::Query(std::string_view name, std::string_view fallback) const {
  auto it = query.find(name);
  return it == query.end() ? std::string(fallback) : it->second;
}

Result<int> Request::Limit() const {
  auto text = Query("limit");
  if (text.empty()) return 50;
  int limit = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (ec != std::errc() || p != text.data() + text.size()) {
    return InvalidArgument("must be a whole number between 1 and 1000", "limit");
  }
  return limit;
}

Response Json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kFailedPrecondition: return 422;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

Response ErrorResponse(const Error& error) {
  nlohmann::json e = {{"code", ErrorCodeName(error.code)}, {"message", error.message}};
  if (!error.field.empty()) e["field"] = error.field;
  Response r = Json(HttpStatus(error.code), {{"error", e}});
  // The database (or another dependency) is away: a client may try again in a moment.
  if (error.code == ErrorCode::kUnavailable) r.headers.emplace_back("Retry-After", "2");
  return r;
}

Status ParseTarget(std::string_view target, Request* request) {
  auto q = target.find('?');
  RETAIN_ASSIGN_OR_RETURN(request->path, Decode(target.substr(0, q), false));
  if (q == std::string_view::npos) return Ok();
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    RETAIN_ASSIGN_OR_RETURN(auto key, Decode(pair.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      RETAIN_ASSIGN_OR_RETURN(value, Decode(pair.substr(eq + 1), true));
    }
    request->query[key] = value;
  }
  return Ok();
}

}  // namespace retain::server
