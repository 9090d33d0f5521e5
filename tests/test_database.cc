#include "test_database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "storage/database.h"

namespace retain::testing {
namespace {

std::atomic<int> counter{0};

std::string ReadPgUrl() {
  const char* file = std::getenv("RETAIN_TEST_PG_URL_FILE");
  if (file == nullptr) return {};
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  return url;
}

}  // namespace

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "sqlite" : "postgres";
}

void PrintTo(Backend backend, std::ostream* os) { *os << BackendName(backend); }

TestDatabase::TestDatabase(Backend backend) : backend_(backend) {
  name_ = fmt::format("retain_test_{}_{}", ::getpid(), counter++);
  if (backend == Backend::kSqlite) {
    url_ = "sqlite:" + (std::filesystem::temp_directory_path() / (name_ + ".db")).string();
    return;
  }
  admin_url_ = ReadPgUrl();
  if (admin_url_.empty()) {
    ADD_FAILURE() << "no PostgreSQL test server: RETAIN_TEST_PG_URL_FILE is unset or empty "
                     "(run the tests with ctest, which starts one)";
    return;
  }
  auto admin = storage::Connection::Open(admin_url_);
  if (!admin) {
    ADD_FAILURE() << admin.error().message;
    return;
  }
  auto ok = (*admin)->ExecuteScript("CREATE DATABASE " + name_);
  if (!ok) {
    ADD_FAILURE() << ok.error().message;
    return;
  }
  auto slash = admin_url_.rfind('/');
  url_ = admin_url_.substr(0, slash + 1) + name_;
}

TestDatabase::~TestDatabase() {
  if (backend_ == Backend::kSqlite) {
    auto path = url_.substr(7);
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    return;
  }
  if (url_.empty()) return;
  if (auto admin = storage::Connection::Open(admin_url_)) {
    (void)(*admin)->ExecuteScript("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
}

TempDir::TempDir() {
  path_ = (std::filesystem::temp_directory_path() /
           fmt::format("retain_tmp_{}_{}", ::getpid(), counter++)).string();
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() { std::filesystem::remove_all(path_); }

std::string TempDir::Write(const std::string& name, const std::string& text) const {
  auto p = path_ + "/" + name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

}  // namespace retain::testing
