#include "storage/database.h"

#include <fmt/format.h>

#include "storage/drivers.h"

namespace retain::storage {

Result<std::unique_ptr<Connection>> Connection::Open(std::string_view url) {
  if (url.starts_with("sqlite:")) return OpenSqlite(url.substr(7));
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) return OpenPostgres(url);
  return InvalidArgument(fmt::format("database '{}' is not sqlite:PATH or postgresql://...", url),
                         "db");
}

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  auto scheme = out.find("://");
  auto at = out.find('@');
  auto query = out.find('?');
  if (scheme != std::string::npos && at != std::string::npos && (query == std::string::npos || at < query)) {
    auto colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) out = out.substr(0, colon + 1) + "***" + out.substr(at);
  }
  // libpq also reads password=... among the URL's parameters.
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    if (p > 0 && out[p - 1] != '?' && out[p - 1] != '&') continue;
    size_t start = p + 9;
    size_t end = out.find('&', start);
    out.replace(start, (end == std::string::npos ? out.size() : end) - start, "***");
  }
  return out;
}

}  // namespace retain::storage
