#include "server/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace retain::server {
namespace {

std::string_view ContentType(std::string_view ext) {
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  return "application/octet-stream";
}

}  // namespace

Response ServeStatic(const std::string& root, std::string_view path) {
  namespace fs = std::filesystem;
  if (root.empty()) {
    return ErrorResponse({ErrorCode::kNotFound, "this server has no web app (see retain serve --web-root)", ""});
  }
  for (std::string_view part : {std::string_view(".."), std::string_view("\\"), std::string_view("\0", 1)}) {
    if (path.find(part) != std::string_view::npos) {
      return ErrorResponse({ErrorCode::kInvalidArgument, "a path may not contain '..'", ""});
    }
  }
  std::string relative(path);
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  fs::path file = fs::path(root) / relative;
  std::error_code ec;
  if (relative.empty() || (!fs::path(relative).has_extension() && !fs::is_regular_file(file, ec))) {
    file = fs::path(root) / "index.html";
  }
  // Resolve links and check the file is still inside the root.
  auto canonical_root = fs::weakly_canonical(root, ec);
  auto canonical = fs::weakly_canonical(file, ec);
  auto [r, f] = std::mismatch(canonical_root.begin(), canonical_root.end(), canonical.begin(), canonical.end());
  if (ec || r != canonical_root.end() || !fs::is_regular_file(canonical, ec)) {
    return ErrorResponse({ErrorCode::kNotFound, "no such file: " + std::string(path), ""});
  }
  std::ifstream in(canonical, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  Response res;
  res.content_type = std::string(ContentType(canonical.extension().string()));
  res.body = body.str();
  res.headers.emplace_back("Cache-Control", path.starts_with("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (res.content_type.starts_with("text/html")) {
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'");
  }
  return res;
}

}  // namespace retain::server
