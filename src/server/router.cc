#include "server/router.h"

namespace retain::server {
namespace {

// Matches "/v1/customers/{id}" against "/v1/customers/C1", filling params.
bool Matches(std::string_view pattern, std::string_view path,
             std::map<std::string, std::string, std::less<>>* params) {
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty()) return false;
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto pe = pattern.find('/');
    auto se = path.find('/');
    std::string_view pseg = pattern.substr(0, pe);
    std::string_view sseg = path.substr(0, se);
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (sseg.empty()) return false;
      (*params)[std::string(pseg.substr(1, pseg.size() - 2))] = std::string(sseg);
    } else if (pseg != sseg) {
      return false;
    }
    pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view() : path.substr(se);
  }
  return true;
}

}  // namespace

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

const Route* Router::Find(Request* request, bool* path_known) const {
  *path_known = false;
  for (const auto& r : routes_) {
    std::map<std::string, std::string, std::less<>> params;
    if (!Matches(r.pattern, request->path, &params)) continue;
    *path_known = true;
    if (r.method == request->method) {
      request->params = std::move(params);
      return &r;
    }
  }
  return nullptr;
}

}  // namespace retain::server
