// Fresh, empty databases for tests that run against both SQLite and a real PostgreSQL server.
// The PostgreSQL server is the throwaway cluster tests/pg_cluster.sh starts; its URL is read from
// the file named by RETAIN_TEST_PG_URL_FILE (set by ctest). A missing server fails the test.
#ifndef RETAIN_TESTS_TEST_DATABASE_H_
#define RETAIN_TESTS_TEST_DATABASE_H_

#include <ostream>
#include <string>

namespace retain::testing {

enum class Backend { kSqlite, kPostgres };

// "sqlite" or "postgres", for test names.
std::string BackendName(Backend backend);
// Prints the backend's name in test output (GoogleTest's hook).
void PrintTo(Backend backend, std::ostream* os);

// One empty database, dropped when the object goes away.
class TestDatabase {
 public:
  explicit TestDatabase(Backend backend);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // The URL to open it with; empty (and the test failed) when it could not be made.
  const std::string& url() const { return url_; }

 private:
  Backend backend_;
  std::string url_;
  std::string admin_url_;
  std::string name_;
};

// A scratch directory removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  // Writes `text` to path()/name and returns the full path.
  std::string Write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

}  // namespace retain::testing

#endif  // RETAIN_TESTS_TEST_DATABASE_H_
