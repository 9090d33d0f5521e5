// Where requests touch the database: reads run on the calling I/O thread with a connection leased
// from a pool (a thread hand-off costs more than a typical indexed read), and writes go to one
// writer thread that commits concurrent writes together (group commit), so write throughput does
// not stop at one disk flush per request.
#ifndef RETAIN_SERVER_STORE_WORKERS_H_
#define RETAIN_SERVER_STORE_WORKERS_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "analytics/analytics_store.h"
#include "common/status.h"
#include "core/store.h"
#include "core/webhook_store.h"
#include "loyalty/loyalty_store.h"
#include "care/care_store.h"
#include "feedback/feedback_store.h"
#include "outreach/facts_store.h"
#include "outreach/outreach_store.h"
#include "retention/retention_store.h"
#include "server/http.h"
#include "server/metrics.h"
#include "staff/staff_store.h"

namespace retain::server {

// One database session seen through both interfaces the server needs; both share one connection,
// so a write and its audit entry commit together. Not thread-safe.
class Stores {
 public:
  virtual ~Stores() = default;
  virtual core::RecordStore& records() = 0;
  virtual staff::StaffStore& staff() = 0;
  virtual core::WebhookStore& webhooks() = 0;
  virtual loyalty::LoyaltyStore& loyalty() = 0;
  virtual analytics::AnalyticsStore& analytics() = 0;
  virtual retention::RetentionStore& retention() = 0;
  virtual care::CareStore& care() = 0;
  virtual feedback::FeedbackStore& feedback() = 0;
  virtual outreach::FactsStore& facts() = 0;
  virtual outreach::OutreachStore& outreach() = 0;
};

// Opens a new store session (one connection). Called once per connection the workers keep.
using StoreFactory = std::function<Result<std::unique_ptr<Stores>>()>;

// A read: runs on the calling thread with a leased store. Must not write.
using ReadJob = std::function<Response(Stores&)>;

// A write: runs on the writer thread inside a transaction shared with other writes. It returns
// its response (4xx responses included) when the store did what it was asked or refused it for a
// reason the request caused, leaving the transaction usable; it returns an Error only when the
// database failed, and then the whole group is rolled back and each write retried alone. A write
// may run more than once, so it must depend on nothing but the store.
using WriteJob = std::function<Result<Response>(Stores&)>;
// Slow work (password hashing) on its own thread and connection, off the I/O threads. It may
// write; each statement commits on its own.
using SlowJob = std::function<Response(Stores&)>;

class StoreWorkers {
 public:
  // Opens `readers` read connections (at least one) for the pool and starts the writer thread
  // with its own, each with `factory`. Fails when a store cannot be opened.
  static Result<std::unique_ptr<StoreWorkers>> Start(const StoreFactory& factory, int readers,
                                                     Metrics* metrics);
  ~StoreWorkers();
  StoreWorkers(const StoreWorkers&) = delete;
  StoreWorkers& operator=(const StoreWorkers&) = delete;

  // Runs a read now on the calling thread (waiting for a free connection if all are leased) and
  // gives `reply` its response. Thread-safe.
  void Read(const ReadJob& job, const Reply& reply);
  // Runs `fn` now on the calling thread with a leased read connection. Thread-safe.
  void WithReader(const std::function<void(Stores&)>& fn);
  // Queues a write; `reply` gets its response only after the transaction holding it has
  // committed (so a 2xx means durable). Thread-safe.
  void Write(WriteJob job, Reply reply);
  // Queues slow work for the slow thread. Thread-safe.
  void Slow(SlowJob job, Reply reply);
  // Queues long work (an analytics refresh, seconds to minutes) for a thread and connection of
  // its own, so it delays neither writes nor sign-ins. Thread-safe.
  void Background(SlowJob job, Reply reply);

  // Finishes every queued job, then stops the threads. Idempotent.
  void Stop();

 private:
  struct WriteItem {
    WriteJob job;
    Reply reply;
  };
  struct SlowItem {
    SlowJob job;
    Reply reply;
  };

  explicit StoreWorkers(Metrics* metrics) : metrics_(metrics) {}
  void WriterLoop(Stores* store);
  void SlowLoop(Stores* store, std::deque<SlowItem>* queue, std::condition_variable* cv);
  void CommitGroup(Stores& store, std::vector<WriteItem>& group);

  Metrics* metrics_;
  std::vector<std::unique_ptr<Stores>> stores_;
  std::vector<std::thread> threads_;

  // Read connections and whether each is leased; leasing is a compare-and-swap, so reads on
  // different threads never wait on each other while a connection is free. Where snapshots are
  // cheap (SQLite), a reader keeps its read transaction across reads until a write commits here
  // (commit_generation_ moves) or kMaxSnapshotAge passes (writes by other processes).
  struct Reader {
    Stores* stores = nullptr;
    bool in_snapshot = false;
    uint64_t generation = 0;
    std::chrono::steady_clock::time_point began;
  };
  static constexpr std::chrono::milliseconds kMaxSnapshotAge{50};
  // How often the writer lets the database reclaim its log between groups.
  static constexpr std::chrono::seconds kTidyEvery{1};
  void EndSnapshot(Reader& r);
  void EndIdleSnapshots();
  std::vector<Reader> readers_;
  std::atomic<uint64_t> commit_generation_{0};
  std::unique_ptr<std::atomic<bool>[]> leased_;
  std::mutex read_mu_;               // only for waiting when every connection is leased
  std::condition_variable read_cv_;

  std::mutex write_mu_;
  std::condition_variable write_cv_;
  std::deque<WriteItem> writes_;
  std::deque<SlowItem> slow_;  // guarded by write_mu_, signalled by slow_cv_
  std::condition_variable slow_cv_;
  std::deque<SlowItem> background_;  // guarded by write_mu_, signalled by background_cv_
  std::condition_variable background_cv_;

  bool stopping_ = false;  // guarded by write_mu_
};

}  // namespace retain::server

#endif  // RETAIN_SERVER_STORE_WORKERS_H_
