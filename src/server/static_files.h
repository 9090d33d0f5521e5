// Serving the built web app (web/dist) for every GET that is not an API route.
#ifndef RETAIN_SERVER_STATIC_FILES_H_
#define RETAIN_SERVER_STATIC_FILES_H_

#include <string>
#include <string_view>

#include "server/http.h"

namespace retain::server {

// The file under `root` named by the request `path`; index.html for "/" and for paths with no
// file extension (the app's own routes). 404 for a missing file, 400 for a path that tries to
// leave `root` ("..", encoded or not). Files under /assets/ are cached for a year (their names
// carry a content hash); others are revalidated.
Response ServeStatic(const std::string& root, std::string_view path);

}  // namespace retain::server

#endif  // RETAIN_SERVER_STATIC_FILES_H_
