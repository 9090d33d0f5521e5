// The driver constructors behind Connection::Open. Internal to storage/.
#ifndef RETAIN_STORAGE_DRIVERS_H_
#define RETAIN_STORAGE_DRIVERS_H_

#include <memory>
#include <string_view>

#include "storage/database.h"

namespace retain::storage {

Result<std::unique_ptr<Connection>> OpenSqlite(std::string_view path);
Result<std::unique_ptr<Connection>> OpenPostgres(std::string_view url);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_DRIVERS_H_
