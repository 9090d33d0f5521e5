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

}  // namespace retain::storage
