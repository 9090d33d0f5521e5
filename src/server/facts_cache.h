// The facts segments are counted over, kept in memory by the server (outreach::FactsTable), so a
// count over a million customers answers in tens of milliseconds instead of reading every
// customer's facts from the database each time. Kept up to date from the outbox and the loyalty
// ledger: the customers new events and ledger entries are about are read again; everyone is read again when the table is older than an
// hour (facts that move with the clock alone, like days since the last purchase) or after an
// analytics refresh. Thread-safe: one update at a time, counts meanwhile against the table as it
// was.
#ifndef RETAIN_SERVER_FACTS_CACHE_H_
#define RETAIN_SERVER_FACTS_CACHE_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "outreach/facts_table.h"
#include "server/store_workers.h"

namespace retain::server {

class FactsCache {
 public:
  explicit FactsCache(std::chrono::seconds max_age = std::chrono::hours(1)) : max_age_(max_age) {}

  // Brings the table up to date with `s` at `now` (see above). With `wait` false, returns at once
  // when another update is running (the table as it is will do), unless there is no table yet.
  Status Update(Stores& s, Timestamp now, bool wait = true);

  // False until the first update. The rest need a table.
  bool ready() const;
  outreach::SegmentCount Count(const outreach::Segment& segment, size_t sample) const;
  std::vector<std::string> Matching(const outreach::Segment& segment) const;
  // One customer's facts; false when the table does not hold them.
  bool Get(std::string_view id, outreach::Facts* facts) const;
  // When everyone's facts were last read, and the newest event applied since.
  Timestamp as_of() const;
  size_t MemoryBytes() const;

 private:
  Status Reload(Stores& s, Timestamp now);

  const std::chrono::seconds max_age_;
  std::mutex update_mu_;            // one updater at a time
  mutable std::shared_mutex mu_;    // guards table_ and cursor_
  std::unique_ptr<outreach::FactsTable> table_;
  int64_t cursor_ = 0;              // the newest outbox event the table reflects
  int64_t ledger_cursor_ = 0;       // the newest loyalty ledger entry it reflects
};

}  // namespace retain::server

#endif  // RETAIN_SERVER_FACTS_CACHE_H_
