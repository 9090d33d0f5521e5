#include "storage/backup.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "storage/database.h"
#include "storage/drivers.h"
#include "storage/integrity.h"
#include "storage/migrations.h"

extern char** environ;

namespace retain::storage {
namespace {

namespace fs = std::filesystem;

enum class BackupKind { kSqlite, kPgDump };

// A PostgreSQL URL without its password, and the password (given to pg_dump and pg_restore in
// PGPASSWORD, so it never shows in the process list).
struct PgTarget {
  std::string url;
  std::string password;
};
PgTarget SplitPassword(std::string_view url) {
  auto scheme = url.find("://");
  auto at = url.find('@');
  if (scheme == std::string_view::npos || at == std::string_view::npos) return {std::string(url), ""};
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string_view::npos || colon > at) return {std::string(url), ""};
  return {std::string(url.substr(0, colon)) + std::string(url.substr(at)),
          std::string(url.substr(colon + 1, at - colon - 1))};
}

// Runs `args` (a PostgreSQL tool) and waits; its output is kept for the error message.
Status RunTool(const std::vector<std::string>& args, const std::string& password) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Internal(fmt::format("pipe: {}", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "PGPASSWORD=", 11) != 0) env_strings.emplace_back(*e);
  }
  if (!password.empty()) env_strings.push_back("PGPASSWORD=" + password);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    if (rc == ENOENT) {
      return Unavailable(fmt::format("{} is not installed; it comes with PostgreSQL's client (apt-get install "
                                     "postgresql-client)", args[0]));
    }
    return Internal(fmt::format("cannot run {}: {}", args[0], std::strerror(rc)));
  }
  std::string output;
  char buf[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    output.append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Ok();
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return Internal(fmt::format("{} failed: {}", args[0], output.empty() ? "no message" : output));
}

Result<BackupKind> KindOf(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return NotFound(fmt::format("no backup file '{}'", file));
  char head[16] = {};
  in.read(head, sizeof head);
  if (in.gcount() == 16 && std::memcmp(head, "SQLite format 3", 16) == 0) return BackupKind::kSqlite;
  if (in.gcount() >= 5 && std::memcmp(head, "PGDMP", 5) == 0) return BackupKind::kPgDump;
  return InvalidArgument(fmt::format("'{}' is not a Retain backup (neither a SQLite database nor a pg_dump "
                                     "archive)", file));
}

std::string SqlitePath(std::string_view url) { return std::string(url.substr(7)); }

// Refuses a target that already holds a Retain schema, unless it is to be replaced.
Status CheckTarget(Connection& target, bool replace) {
  RETAIN_ASSIGN_OR_RETURN(int version, SchemaVersion(target));
  if (version > 0 && !replace) {
    return FailedPrecondition(fmt::format("{} already holds Retain data (schema version {}); restore into an empty "
                                          "database, or pass --replace to overwrite it",
                                          target.description(), version));
  }
  return Ok();
}

// A SQLite backup whose pages or indexes are damaged is refused before anything is written. (A
// broken ledger rule is restored as it was backed up; `retain restore` reports it after.)
Status CheckFile(Connection& backup, const std::string& file) {
  RETAIN_ASSIGN_OR_RETURN(auto checks, CheckIntegrity(backup));
  for (const auto& c : checks) {
    if (c.name == "sqlite.file" && c.violations > 0) {
      return InvalidArgument(fmt::format("the backup '{}' is damaged ({}); nothing was restored", file,
                                         c.examples.empty() ? "" : c.examples.front()));
    }
  }
  return Ok();
}

}  // namespace

Status BackupDatabase(std::string_view url, const std::string& file) {
  std::error_code ec;
  if (fs::exists(file, ec)) {
    return Conflict(fmt::format("'{}' already exists; a backup never overwrites a file, so choose a new name", file));
  }
  RETAIN_ASSIGN_OR_RETURN(auto db, Connection::Open(url));
  if (db->dialect() == Dialect::kSqlite && (SqlitePath(url).empty() || SqlitePath(url) == ":memory:")) {
    return InvalidArgument("an in-memory database cannot be backed up", "db");
  }
  RETAIN_ASSIGN_OR_RETURN(int version, SchemaVersion(*db));
  if (version == 0) return FailedPrecondition(fmt::format("{} holds no Retain data to back up", db->description()));
  std::string partial = file + ".partial";
  fs::remove(partial, ec);
  Status made = Ok();
  if (db->dialect() == Dialect::kSqlite) {
    made = CopySqlite(SqlitePath(url), partial);
  } else {
    auto target = SplitPassword(url);
    made = RunTool({"pg_dump", "--format=custom", "--no-owner", "--file=" + partial, target.url}, target.password);
  }
  if (!made) {
    fs::remove(partial, ec);
    return made;
  }
  fs::rename(partial, file, ec);
  if (ec) return Internal(fmt::format("cannot name the backup '{}': {}", file, ec.message()));
  return Ok();
}

Status RestoreDatabase(const std::string& file, std::string_view url, bool replace) {
  RETAIN_ASSIGN_OR_RETURN(BackupKind kind, KindOf(file));
  RETAIN_ASSIGN_OR_RETURN(auto target, Connection::Open(url));
  bool sqlite = target->dialect() == Dialect::kSqlite;
  if (sqlite != (kind == BackupKind::kSqlite)) {
    return InvalidArgument(fmt::format("'{}' is a {} backup; it restores into a {} database (--db {})", file,
                                       kind == BackupKind::kSqlite ? "SQLite" : "PostgreSQL",
                                       kind == BackupKind::kSqlite ? "SQLite" : "PostgreSQL",
                                       kind == BackupKind::kSqlite ? "sqlite:PATH" : "postgresql://..."),
                           "db");
  }
  RETAIN_RETURN_IF_ERROR(CheckTarget(*target, replace));
  if (sqlite) {
    // Look at the backup before anything is written: its schema and its pages.
    auto looked = [&]() -> Status {
      RETAIN_ASSIGN_OR_RETURN(auto source, OpenSqliteReadOnly(file));
      RETAIN_ASSIGN_OR_RETURN(int version, SchemaVersion(*source));
      if (version == 0) return InvalidArgument(fmt::format("'{}' is a SQLite database but not a Retain backup", file));
      if (version > LatestSchemaVersion()) {
        return FailedPrecondition(fmt::format("'{}' was made by a newer Retain (schema version {}, this one knows "
                                              "{}); upgrade retain", file, version, LatestSchemaVersion()));
      }
      return CheckFile(*source, file);
    }();
    if (!looked && looked.error().code == ErrorCode::kInternal) {
      return InvalidArgument(fmt::format("the backup '{}' is damaged ({}); nothing was restored", file,
                                         looked.error().message));
    }
    RETAIN_RETURN_IF_ERROR(looked);
    target.reset();
    return CopySqlite(file, SqlitePath(url));
  }
  auto pg = SplitPassword(url);
  // --clean drops what the archive holds before creating it: the old data with --replace, and
  // otherwise the empty bookkeeping table an opened database has.
  std::vector<std::string> args = {"pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                                   "--single-transaction", "--clean", "--if-exists", "--dbname=" + pg.url, file};
  return RunTool(args, pg.password);
}

}  // namespace retain::storage
