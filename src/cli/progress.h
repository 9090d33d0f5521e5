// A progress bar on stderr when stderr is a terminal; silent otherwise.
#ifndef RETAIN_CLI_PROGRESS_H_
#define RETAIN_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace retain::cli {

class ProgressBar {
 public:
  // `label` prefixes the bar ("importing purchases.csv"). `enabled` false makes it silent.
  ProgressBar(std::string label, bool enabled);
  // Shows `done` of `total` units (bytes or rows), redrawing at most ten times a second.
  void Update(uint64_t done, uint64_t total, int64_t rows);
  // Clears the bar's line.
  void Clear();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

// True when stderr is a terminal.
bool StderrIsTerminal();

}  // namespace retain::cli

#endif  // RETAIN_CLI_PROGRESS_H_
