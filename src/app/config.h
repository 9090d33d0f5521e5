// Retain's configuration: one typed struct, read once at start-up and passed explicitly.
#ifndef RETAIN_APP_CONFIG_H_
#define RETAIN_APP_CONFIG_H_

#include <string>

namespace retain::app {

struct Config {
  // The database URL: "sqlite:PATH" or "postgresql://...". Flag --db, else RETAIN_DB.
  std::string db = "sqlite:retain.db";
};

// The defaults overridden by RETAIN_* environment variables. Flags override the result later.
Config ConfigFromEnvironment();

}  // namespace retain::app

#endif  // RETAIN_APP_CONFIG_H_
