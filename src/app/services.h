// The program's wiring: the command line's services backed by storage/ and server/.
#ifndef RETAIN_APP_SERVICES_H_
#define RETAIN_APP_SERVICES_H_

#include "cli/cli.h"

namespace retain::app {

// Services over the SQL stores and the HTTP server. Thread-safe to call.
cli::Services MakeServices();

}  // namespace retain::app

#endif  // RETAIN_APP_SERVICES_H_
