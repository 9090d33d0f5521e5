#include "server/store_workers.h"

#include <algorithm>
#include <chrono>

namespace retain::server {
namespace {

constexpr size_t kMaxGroup = 2000;

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Result<std::unique_ptr<StoreWorkers>> StoreWorkers::Start(const StoreFactory& factory, int readers,
                                                          Metrics* metrics) {
  readers = std::max(readers, 1);
  std::unique_ptr<StoreWorkers> w(new StoreWorkers(metrics));
  for (int i = 0; i < readers + 3; ++i) {
    RETAIN_ASSIGN_OR_RETURN(auto store, factory());
    w->stores_.push_back(std::move(store));
  }
  for (int i = 0; i < readers; ++i) {
    Reader r;
    r.stores = w->stores_[static_cast<size_t>(i)].get();
    w->readers_.push_back(r);
  }
  w->leased_ = std::make_unique<std::atomic<bool>[]>(static_cast<size_t>(readers));
  w->threads_.emplace_back([self = w.get(), s = w->stores_[static_cast<size_t>(readers)].get()] { self->WriterLoop(s); });
  w->threads_.emplace_back([self = w.get(), s = w->stores_[static_cast<size_t>(readers) + 1].get()] {
    self->SlowLoop(s, &self->slow_, &self->slow_cv_);
  });
  w->threads_.emplace_back([self = w.get(), s = w->stores_.back().get()] {
    self->SlowLoop(s, &self->background_, &self->background_cv_);
  });
  return w;
}

StoreWorkers::~StoreWorkers() { Stop(); }

void StoreWorkers::Read(const ReadJob& job, const Reply& reply) {
  Response r;
  WithReader([&](Stores& stores) {
    // A job that throws answers for itself; the read connection goes back to the pool.
    try {
      r = job(stores);
    } catch (const std::exception& e) {
      r = ErrorResponse({ErrorCode::kInternal, std::string("the read failed: ") + e.what(), ""});
    }
  });
  reply(std::move(r));
}

void StoreWorkers::WithReader(const std::function<void(Stores&)>& fn) {
  size_t slot = readers_.size();
  while (slot == readers_.size()) {
    for (size_t i = 0; i < readers_.size(); ++i) {
      bool expected = false;
      if (!leased_[i].load(std::memory_order_relaxed) &&
          leased_[i].compare_exchange_strong(expected, true, std::memory_order_acquire)) {
        slot = i;
        break;
      }
    }
    if (slot == readers_.size()) {
      std::unique_lock lock(read_mu_);
      read_cv_.wait_for(lock, std::chrono::milliseconds(1));
    }
  }
  auto start = std::chrono::steady_clock::now();
  Reader& reader = readers_[slot];
  core::RecordStore& records = reader.stores->records();
  if (records.CheapReadSnapshots()) {
    // Read the generation before the snapshot starts: the snapshot then holds every write that
    // was answered before this read arrived.
    uint64_t generation = commit_generation_.load(std::memory_order_acquire);
    if (reader.in_snapshot && (reader.generation != generation || start - reader.began > kMaxSnapshotAge)) {
      EndSnapshot(reader);
    }
    if (!reader.in_snapshot && records.BeginRead()) {
      reader.in_snapshot = true;
      reader.generation = generation;
      reader.began = start;
    }
  }
  fn(*reader.stores);
  if (metrics_ != nullptr) metrics_->ObserveDatabase("read", Since(start));
  leased_[slot].store(false, std::memory_order_release);
  read_cv_.notify_one();
}

void StoreWorkers::EndSnapshot(Reader& r) {
  if (!r.in_snapshot) return;
  if (!r.stores->records().Commit()) r.stores->records().Rollback();
  r.in_snapshot = false;
}

// After a commit, idle readers let go of their snapshots, so the database can recycle its
// write-ahead log (a snapshot pins it) even when no read comes for a while.
void StoreWorkers::EndIdleSnapshots() {
  for (size_t i = 0; i < readers_.size(); ++i) {
    bool expected = false;
    if (!leased_[i].compare_exchange_strong(expected, true, std::memory_order_acquire)) continue;
    EndSnapshot(readers_[i]);  // only while leased: the reader's state is ours alone
    leased_[i].store(false, std::memory_order_release);
  }
  read_cv_.notify_all();
}

void StoreWorkers::Slow(SlowJob job, Reply reply) {
  {
    std::lock_guard lock(write_mu_);
    slow_.push_back({std::move(job), std::move(reply)});
  }
  slow_cv_.notify_one();
}

void StoreWorkers::Background(SlowJob job, Reply reply) {
  {
    std::lock_guard lock(write_mu_);
    background_.push_back({std::move(job), std::move(reply)});
  }
  background_cv_.notify_one();
}

void StoreWorkers::SlowLoop(Stores* store, std::deque<SlowItem>* queue, std::condition_variable* cv) {
  while (true) {
    SlowItem item;
    {
      std::unique_lock lock(write_mu_);
      cv->wait(lock, [&] { return stopping_ || !queue->empty(); });
      if (queue->empty()) return;
      item = std::move(queue->front());
      queue->pop_front();
    }
    Response r = item.job(*store);
    commit_generation_.fetch_add(1, std::memory_order_release);  // slow jobs may have written
    EndIdleSnapshots();
    item.reply(std::move(r));
  }
}

void StoreWorkers::Write(WriteJob job, Reply reply) {
  size_t depth;
  {
    std::lock_guard lock(write_mu_);
    writes_.push_back({std::move(job), std::move(reply)});
    depth = writes_.size();
  }
  if (metrics_ != nullptr) metrics_->SetWriteQueueDepth(depth);
  write_cv_.notify_one();
}

void StoreWorkers::Stop() {
  {
    std::lock_guard lock(write_mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  write_cv_.notify_all();
  slow_cv_.notify_all();
  background_cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  for (auto& r : readers_) EndSnapshot(r);
  readers_.clear();
  stores_.clear();
}

void StoreWorkers::WriterLoop(Stores* store) {
  auto last_tidy = std::chrono::steady_clock::now();
  while (true) {
    std::vector<WriteItem> group;
    {
      std::unique_lock lock(write_mu_);
      write_cv_.wait(lock, [&] { return stopping_ || !writes_.empty(); });
      if (writes_.empty()) return;
      while (!writes_.empty() && group.size() < kMaxGroup) {
        group.push_back(std::move(writes_.front()));
        writes_.pop_front();
      }
      if (metrics_ != nullptr) metrics_->SetWriteQueueDepth(writes_.size());
    }
    CommitGroup(*store, group);
    // The answers are out; now and then the log the writes grew is given back (RecordStore::Tidy).
    if (auto now = std::chrono::steady_clock::now(); now - last_tidy >= kTidyEvery) {
      (void)store->records().Tidy();
      last_tidy = now;
    }
  }
}

namespace {

// A write job's answer; one that throws fails as the database would, so its transaction is undone
// and the writer thread goes on.
Result<Response> RunJob(const WriteJob& job, Stores& stores) {
  try {
    return job(stores);
  } catch (const std::exception& e) {
    return tl::unexpected(Error{ErrorCode::kInternal, std::string("the write failed: ") + e.what(), ""});
  }
}

}  // namespace

void StoreWorkers::CommitGroup(Stores& stores, std::vector<WriteItem>& group) {
  core::RecordStore& store = stores.records();
  auto start = std::chrono::steady_clock::now();
  auto fail_all = [&](const Error& e) {
    for (auto& item : group) item.reply(ErrorResponse(e));
  };
  if (auto begin = store.Begin(); !begin) {
    fail_all(begin.error());
    return;
  }
  std::vector<Response> responses;
  responses.reserve(group.size());
  bool database_failed = false;
  for (auto& item : group) {
    auto r = RunJob(item.job, stores);
    if (!r) {
      database_failed = true;
      break;
    }
    responses.push_back(std::move(*r));
  }
  if (!database_failed) {
    if (auto commit = store.Commit(); commit) {
      commit_generation_.fetch_add(1, std::memory_order_release);
      EndIdleSnapshots();
      if (metrics_ != nullptr) metrics_->ObserveWriteGroup(group.size(), Since(start));
      for (size_t i = 0; i < group.size(); ++i) group[i].reply(std::move(responses[i]));
      return;
    }
  }
  // Something failed in the database: undo the group and give each write its own transaction,
  // so only the writes that fail on their own get an error.
  store.Rollback();
  for (auto& item : group) {
    if (auto begin = store.Begin(); !begin) {
      item.reply(ErrorResponse(begin.error()));
      continue;
    }
    auto r = RunJob(item.job, stores);
    if (!r) {
      store.Rollback();
      item.reply(ErrorResponse(r.error()));
      continue;
    }
    if (auto commit = store.Commit(); !commit) {
      store.Rollback();
      item.reply(ErrorResponse(commit.error()));
      continue;
    }
    commit_generation_.fetch_add(1, std::memory_order_release);
    item.reply(std::move(*r));
  }
  if (metrics_ != nullptr) metrics_->ObserveWriteGroup(group.size(), Since(start));
}

}  // namespace retain::server
