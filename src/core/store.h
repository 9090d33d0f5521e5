// The interface through which domain code keeps and reads records. storage/ implements it for
// SQLite and PostgreSQL; app/ wires an implementation in. Domain code never sees SQL.
#ifndef RETAIN_CORE_STORE_H_
#define RETAIN_CORE_STORE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "core/records.h"

namespace retain::core {

// What writing a record did. Writing a record whose external id exists updates it when a field
// differs and does nothing when none does, so every write is idempotent.
enum class WriteOutcome { kInserted, kUpdated, kUnchanged };

// A session on the record store. Not thread-safe: use one per thread. Writes outside an explicit
// transaction commit one by one; inside Begin()/Commit() they commit together.
//
// Errors: a reference to a record that does not exist (a payment for an unknown customer) is
// NotFound naming the field; a record whose external id already belongs to another customer is
// Conflict; a database that cannot be reached is Unavailable.
class RecordStore {
 public:
  virtual ~RecordStore() = default;

  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  // Undoes everything since Begin(). Never fails in a way the caller can act on.
  virtual void Rollback() = 0;

  virtual Result<WriteOutcome> PutCustomer(const Customer& c) = 0;
  virtual Result<WriteOutcome> PutProduct(const Product& p) = 0;
  virtual Result<WriteOutcome> PutSubscription(const Subscription& s) = 0;
  virtual Result<WriteOutcome> PutPayment(const Payment& p) = 0;
  virtual Result<WriteOutcome> PutPurchase(const Purchase& p) = 0;
  virtual Result<WriteOutcome> PutEvent(const Event& e) = 0;

  // The customer with `external_id`, or nullopt when there is none.
  virtual Result<std::optional<Customer>> GetCustomer(std::string_view external_id) = 0;

  // Everything recorded about a customer (subscriptions started, paused and cancelled, payments,
  // purchases and returns, events), oldest first. NotFound when the customer does not exist.
  virtual Result<std::vector<TimelineEntry>> Timeline(std::string_view customer_external_id) = 0;

  virtual Result<RecordCounts> Counts() = 0;

  // The business's settings (e.g. "timezone"), or nullopt when unset.
  virtual Result<std::optional<std::string>> GetSetting(std::string_view key) = 0;
  virtual Status SetSetting(std::string_view key, std::string_view value) = 0;
};

}  // namespace retain::core

#endif  // RETAIN_CORE_STORE_H_
