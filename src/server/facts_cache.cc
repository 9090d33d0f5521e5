#include "server/facts_cache.h"

#include <algorithm>
#include <iterator>

#include <nlohmann/json.hpp>

#include "outreach/journey.h"

namespace retain::server {
namespace {

constexpr int kBatch = 1000;
constexpr int kMaxBatches = 20;  // beyond 20,000 events at once, everyone is read again

}  // namespace

Status FactsCache::Update(Stores& s, Timestamp now, bool wait) {
  std::unique_lock<std::mutex> updating(update_mu_, std::defer_lock);
  if (wait || !ready()) {
    updating.lock();
  } else if (!updating.try_lock()) {
    return Ok();
  }
  int64_t cursor, ledger;
  bool stale;
  {
    std::shared_lock lock(mu_);
    stale = !table_ || table_->as_of() + max_age_ <= now;
    cursor = cursor_;
    ledger = ledger_cursor_;
  }
  if (stale) return Reload(s, now);
  std::vector<std::string> customers;
  for (int batch = 0;; ++batch) {
    if (batch == kMaxBatches) return Reload(s, now);
    RETAIN_ASSIGN_OR_RETURN(auto events, s.webhooks().OutboxAfter(cursor, kBatch));
    for (const auto& e : events) {
      if (e.type == "analytics.refreshed") return Reload(s, now);
      if (auto c = outreach::CustomerTouched(e.type, e.record_id, nlohmann::json::parse(e.payload_json, nullptr, false))) {
        customers.push_back(*c);
      }
    }
    if (!events.empty()) cursor = events.back().id;
    if (events.size() < static_cast<size_t>(kBatch)) break;
  }
  for (int batch = 0;; ++batch) {
    if (batch == kMaxBatches) return Reload(s, now);
    RETAIN_ASSIGN_OR_RETURN(auto changed, s.facts().LedgerChangesAfter(ledger, kBatch));
    size_t n = changed.first.size();
    customers.insert(customers.end(), std::make_move_iterator(changed.first.begin()), std::make_move_iterator(changed.first.end()));
    ledger = changed.second;
    if (n < static_cast<size_t>(kBatch)) break;
  }
  std::sort(customers.begin(), customers.end());
  customers.erase(std::unique(customers.begin(), customers.end()), customers.end());
  std::vector<outreach::CustomerFacts> fresh;
  for (const auto& id : customers) {
    RETAIN_ASSIGN_OR_RETURN(auto one, s.facts().FactsOf(id, now));
    if (one) fresh.push_back(std::move(*one));
  }
  std::unique_lock lock(mu_);
  for (const auto& f : fresh) table_->Put(f);
  cursor_ = cursor;
  ledger_cursor_ = ledger;
  return Ok();
}

// Everyone's facts, read outside the lock so counts go on; the cursor is taken first, so an event
// that lands while reading is applied again on the next update (harmless: its customer is read
// afresh).
Status FactsCache::Reload(Stores& s, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(int64_t cursor, s.outreach().LatestOutboxId());
  RETAIN_ASSIGN_OR_RETURN(int64_t ledger, s.facts().LatestLedgerId());
  RETAIN_ASSIGN_OR_RETURN(auto read, s.facts().TableOfFacts(now));
  auto table = std::make_unique<outreach::FactsTable>(std::move(read));
  std::unique_lock lock(mu_);
  table_ = std::move(table);
  cursor_ = cursor;
  ledger_cursor_ = ledger;
  return Ok();
}

bool FactsCache::ready() const {
  std::shared_lock lock(mu_);
  return table_ != nullptr;
}

outreach::SegmentCount FactsCache::Count(const outreach::Segment& segment, size_t sample) const {
  std::shared_lock lock(mu_);
  return table_ ? table_->Count(segment, sample) : outreach::SegmentCount{};
}

std::vector<std::string> FactsCache::Matching(const outreach::Segment& segment) const {
  std::shared_lock lock(mu_);
  return table_ ? table_->Matching(segment) : std::vector<std::string>{};
}

bool FactsCache::Get(std::string_view id, outreach::Facts* facts) const {
  std::shared_lock lock(mu_);
  return table_ && table_->Get(id, facts);
}

Timestamp FactsCache::as_of() const {
  std::shared_lock lock(mu_);
  return table_ ? table_->as_of() : Timestamp{};
}

size_t FactsCache::MemoryBytes() const {
  std::shared_lock lock(mu_);
  return table_ ? table_->MemoryBytes() : 0;
}

}  // namespace retain::server
