// Where requests touch the database: a pool of reader threads, each with its own connection, and
// one writer thread that commits concurrent writes together (group commit), so write throughput
// does not stop at one disk flush per request.
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

#include "common/status.h"
#include "core/store.h"
#include "server/http.h"
#include "server/metrics.h"

namespace retain::server {

// Opens a new store session (one connection). Called once per worker thread at start.
using StoreFactory = std::function<Result<std::unique_ptr<core::RecordStore>>()>;

// A read: runs on a reader thread with that thread's store. Must not write.
using ReadJob = std::function<Response(core::RecordStore&)>;

// A write: runs on the writer thread inside a transaction shared with other writes. It returns
// its response (4xx responses included) when the store did what it was asked or refused it for a
// reason the request caused, leaving the transaction usable; it returns an Error only when the
// database failed, and then the whole group is rolled back and each write retried alone. A write
// may run more than once, so it must depend on nothing but the store.
using WriteJob = std::function<Result<Response>(core::RecordStore&)>;

class StoreWorkers {
 public:
  // Starts `readers` reader threads and one writer thread, each opening its store with
  // `factory`. Fails when a store cannot be opened.
  static Result<std::unique_ptr<StoreWorkers>> Start(const StoreFactory& factory, int readers,
                                                     Metrics* metrics);
  ~StoreWorkers();
  StoreWorkers(const StoreWorkers&) = delete;
  StoreWorkers& operator=(const StoreWorkers&) = delete;

  // Queue a job; `reply` gets its response. A write's response is given only after the
  // transaction holding it has committed (so a 2xx means durable). Thread-safe.
  void Read(ReadJob job, Reply reply);
  void Write(WriteJob job, Reply reply);

  // Finishes every queued job, then stops the threads. Idempotent.
  void Stop();

 private:
  struct ReadItem {
    ReadJob job;
    Reply reply;
  };
  struct WriteItem {
    WriteJob job;
    Reply reply;
  };

  explicit StoreWorkers(Metrics* metrics) : metrics_(metrics) {}
  void ReaderLoop(core::RecordStore* store);
  void WriterLoop(core::RecordStore* store);
  void CommitGroup(core::RecordStore& store, std::vector<WriteItem>& group);

  Metrics* metrics_;
  std::vector<std::unique_ptr<core::RecordStore>> stores_;
  std::vector<std::thread> threads_;

  std::mutex read_mu_;
  std::condition_variable read_cv_;
  std::deque<ReadItem> reads_;

  std::mutex write_mu_;
  std::condition_variable write_cv_;
  std::deque<WriteItem> writes_;

  bool stopping_ = false;  // guarded by both mutexes
};

}  // namespace retain::server

#endif  // RETAIN_SERVER_STORE_WORKERS_H_
