// What the benchmarks share: timing, dying with a message, unwrapping results, removing a SQLite
// database with its WAL files.
#ifndef RETAIN_BENCH_BENCH_UTIL_H_
#define RETAIN_BENCH_BENCH_UTIL_H_

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/status.h"

namespace retain::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// The benchmark's name, for its messages; main() sets it.
inline std::string program_name = "bench";

[[noreturn]] inline void Die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_name.c_str(), what.c_str());
  std::exit(1);
}

template <typename T>
T Check(Result<T> r, const char* what) {
  if (!r) Die(std::string(what) + ": " + r.error().ToString());
  return std::move(*r);
}

inline void Check(Status s, const char* what) {
  if (!s) Die(std::string(what) + ": " + s.error().ToString());
}

inline void RemoveDb(const std::string& path) {
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

}  // namespace retain::bench

#endif  // RETAIN_BENCH_BENCH_UTIL_H_
