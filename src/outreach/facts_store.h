// Where a segment's facts come from: one row of facts per customer, computed from the records,
// loyalty, analytics and complaints as of a moment. storage/ implements it on the record store's
// connection. One store per connection; not thread-safe.
#ifndef RETAIN_OUTREACH_FACTS_STORE_H_
#define RETAIN_OUTREACH_FACTS_STORE_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "outreach/segment.h"

namespace retain::outreach {

struct CustomerFacts {
  std::string id;
  Facts facts;
};

class FactsTable;

class FactsStore {
 public:
  virtual ~FactsStore() = default;
  // Every customer's facts at `now`, by customer id.
  virtual Result<std::vector<CustomerFacts>> AllFacts(Timestamp now) = 0;
  // Every customer's facts at `now` as a table (FactsTable, facts_table.h), read without holding
  // a row of facts per customer on the way.
  virtual Result<FactsTable> TableOfFacts(Timestamp now) = 0;
  // One customer's facts at `now`; nullopt when there is no such customer.
  virtual Result<std::optional<CustomerFacts>> FactsOf(std::string_view customer_id, Timestamp now) = 0;
  // Loyalty points change on redemptions and adjustments without an outbox event; the ledger is
  // their feed. The customers with ledger entries after entry id `after` (at most `limit`
  // entries read), and the newest entry id read (`after` when none).
  virtual Result<std::pair<std::vector<std::string>, int64_t>> LedgerChangesAfter(int64_t after, int limit) = 0;
  // The newest ledger entry's id (0 for none).
  virtual Result<int64_t> LatestLedgerId() = 0;
};

// How many of `customers` the segment holds, and the first `sample` of them by id.
struct SegmentCount {
  int64_t matched = 0;
  int64_t customers = 0;
  std::vector<std::string> sample;
};
SegmentCount CountSegment(const Segment& segment, const std::vector<CustomerFacts>& customers, size_t sample);

// Who came into the segment and who left it: `customers` checked against the sorted ids of its
// `members` so far. A member missing from `customers` is left alone (only those checked change).
struct SegmentChanges {
  std::vector<std::string> entered;
  std::vector<std::string> left;
};
SegmentChanges DiffMembers(const Segment& segment, const std::vector<CustomerFacts>& customers,
                           const std::vector<std::string>& members);

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_FACTS_STORE_H_
