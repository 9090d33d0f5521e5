// Routes: method + path pattern ("/v1/customers/{id}") -> handler, with the documentation the
// OpenAPI description is generated from, so the two cannot drift.
#ifndef RETAIN_SERVER_ROUTER_H_
#define RETAIN_SERVER_ROUTER_H_

#include <functional>
#include <string>
#include <vector>

#include "server/http.h"

namespace retain::server {

struct QueryParam {
  std::string name;
  std::string description;
};

// Route permissions besides the staff::k* permission names.
inline constexpr const char* kPublic = "";               // anyone
inline constexpr const char* kSignedIn = "signed-in";    // any authenticated caller

struct RouteDoc {
  std::string summary;
  std::string tag;
  std::vector<QueryParam> query;
  std::string request_schema;   // component schema name of the JSON body; empty for none
  std::string response_schema;  // component schema name of a 2xx JSON body
  bool accepts_ndjson = false;  // also takes application/x-ndjson batches
  std::string permission = kPublic;  // what the caller must hold (a staff permission, or above)
};

// Handles a request; calls `reply` exactly once, possibly later and from another thread.
using Handler = std::function<void(Request request, Reply reply)>;

struct Route {
  std::string method;
  std::string pattern;
  RouteDoc doc;
  Handler handler;
};

// Not thread-safe while routes are added; read-only and thread-safe afterwards.
class Router {
 public:
  void Add(Route route);

  // The route for the request's method and path, with `request->params` filled; nullptr when
  // none. `*path_known` says whether some route has the path (so the answer is 405, not 404).
  const Route* Find(Request* request, bool* path_known) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace retain::server

#endif  // RETAIN_SERVER_ROUTER_H_
