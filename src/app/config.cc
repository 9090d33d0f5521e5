#include "app/config.h"

#include <cstdlib>

namespace retain::app {

Config ConfigFromEnvironment() {
  Config config;
  if (const char* db = std::getenv("RETAIN_DB"); db != nullptr && *db != '\0') config.db = db;
  return config;
}

}  // namespace retain::app
