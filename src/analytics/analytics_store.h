// What the analytics need from the database, declared here and implemented in storage/: the
// history to compute from, and a place to keep the results (the dashboard and each customer's
// scores) so screens read them without recomputing.
#ifndef RETAIN_ANALYTICS_ANALYTICS_STORE_H_
#define RETAIN_ANALYTICS_ANALYTICS_STORE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace retain::analytics {

// Everything a refresh reads. Customers are numbered by their position in `customers`; the
// other rows refer to them by that index. Times are Unix seconds; money is in minor units.
struct AnalyticsInput {
  struct Customer {
    int64_t id = 0;
    std::string external_id;
    std::string name;
    int64_t since = 0;  // first contact, else when it was recorded
  };
  struct Sale {
    uint32_t customer = 0;
    int64_t at = 0;
    int64_t amount_minor = 0;
  };
  struct Subscription {
    uint32_t customer = 0;
    std::string plan;             // the plan's name
    int64_t monthly_minor = 0;    // the plan's price per month (a yearly price / 12)
    int64_t started_at = 0;
    std::optional<int64_t> cancelled_at;
    std::string cause;            // "voluntary", "involuntary" or "" (not said)
  };
  struct Stamp {
    uint32_t customer = 0;
    int64_t at = 0;
  };
  std::vector<Customer> customers;
  std::vector<Sale> sales;
  std::vector<Subscription> subscriptions;
  std::vector<Stamp> payment_failures;
  std::vector<Stamp> complaints;       // events whose type starts with "complaint"
  std::vector<Stamp> loyalty_activity; // loyalty ledger entries
  std::string currency;                // the sales' most common currency ("" without sales)
};

// One customer's stored scores: columns to rank by, and the rest as a JSON document.
struct StoredScore {
  int64_t customer_id = 0;
  int64_t clv_minor = 0;
  int64_t risk_ppm = -1;  // churn risk in parts per million; -1 when the model did not score them
  std::string segment;    // RFM segment
  std::string detail;     // JSON (docs/ANALYTICS.md)
};

struct StoredRun {
  int64_t id = 0;
  int64_t computed_at = 0;
  std::string dashboard;  // JSON
  std::string churn_model;  // ChurnModel::Save's text; empty when no model was trained
};

// Not thread-safe; one per connection, like the other stores.
class AnalyticsStore {
 public:
  virtual ~AnalyticsStore() = default;
  // Reads the history. Errors: Unavailable or Internal from the database.
  virtual Result<AnalyticsInput> LoadInput() = 0;
  // Stores a run (its dashboard and churn model) and replaces every customer's scores with
  // `scores`, in one transaction the caller holds (RecordStore::Begin/Commit on the same
  // connection). Returns the run's id, which versions the model.
  virtual Result<int64_t> SaveRun(const StoredRun& run, std::span<const StoredScore> scores) = 0;
  // The newest run; nullopt before the first.
  virtual Result<std::optional<StoredRun>> LatestRun() = 0;
  // The stored detail (JSON) of the customer with external id `customer`; nullopt when they
  // have none (not scored, or no refresh yet).
  virtual Result<std::optional<std::string>> ScoreDetail(std::string_view customer) = 0;
};

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_ANALYTICS_STORE_H_
