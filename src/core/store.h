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
#include "core/privacy.h"
#include "core/records.h"

namespace retain::core {

// A page of a listing, oldest record first. `next_cursor` is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;
};

// Which page of which records to list. Filters left empty do not filter.
struct ListQuery {
  std::string cursor;    // from the previous page's next_cursor; empty for the first page
  int limit = 50;        // 1..1000
  std::string customer;  // records of this customer (external id)
  std::string type;      // events of this type
  std::string search;    // customers whose id or e-mail equals it or whose name starts with it
};

// A stored reply to a request made with an Idempotency-Key.
struct IdempotentReply {
  std::string request_hash;  // what the first request carried, to tell a reuse of the key
  int status = 0;
  std::string body;
};

// One line of the audit trail: who changed what, when, with the record before and after.
struct AuditEntry {
  Timestamp at;
  std::string actor;        // "user:ana", "key:3f9a0c1d (pos)", "cli"
  std::string action;       // "customer.inserted", "purchase.updated", "role.authority_changed"
  std::string record_type;  // "customers", "purchases", "roles", ...
  std::string record_id;    // the record's external id
  std::string before_json;  // the record before the change; "null" for a new record
  std::string after_json;   // the record after the change
};

struct AuditQuery {
  std::string cursor;
  int limit = 50;
  std::string record_type;
  std::string record_id;
  std::string actor;
};

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
  // Starts a read-only transaction (a snapshot); end it with Commit(). Only where
  // CheapReadSnapshots() says a snapshot is worth keeping across reads.
  virtual Status BeginRead() = 0;
  // Whether holding a read snapshot across several reads saves work (SQLite: it skips the file
  // locking each new read transaction costs). False where a snapshot costs round trips.
  virtual bool CheapReadSnapshots() const = 0;
  virtual Status Commit() = 0;
  // Undoes everything since Begin(). Never fails in a way the caller can act on.
  virtual void Rollback() = 0;

  virtual Result<WriteOutcome> PutCustomer(const Customer& c) = 0;
  virtual Result<WriteOutcome> PutProduct(const Product& p) = 0;
  virtual Result<WriteOutcome> PutSubscription(const Subscription& s) = 0;
  virtual Result<WriteOutcome> PutPayment(const Payment& p) = 0;
  virtual Result<WriteOutcome> PutPurchase(const Purchase& p) = 0;
  virtual Result<WriteOutcome> PutEvent(const Event& e) = 0;

  // The record with `external_id`, or nullopt when there is none.
  virtual Result<std::optional<Customer>> GetCustomer(std::string_view external_id) = 0;
  virtual Result<std::optional<Product>> GetProduct(std::string_view external_id) = 0;
  virtual Result<std::optional<Subscription>> GetSubscription(std::string_view external_id) = 0;
  virtual Result<std::optional<Payment>> GetPayment(std::string_view external_id) = 0;
  virtual Result<std::optional<Purchase>> GetPurchase(std::string_view external_id) = 0;
  virtual Result<std::optional<Event>> GetEvent(std::string_view external_id) = 0;

  // Listings in the order records were first stored. InvalidArgument for a malformed cursor.
  virtual Result<Page<Customer>> ListCustomers(const ListQuery& q) = 0;
  virtual Result<Page<Product>> ListProducts(const ListQuery& q) = 0;
  virtual Result<Page<Subscription>> ListSubscriptions(const ListQuery& q) = 0;
  virtual Result<Page<Payment>> ListPayments(const ListQuery& q) = 0;
  virtual Result<Page<Purchase>> ListPurchases(const ListQuery& q) = 0;
  virtual Result<Page<Event>> ListEvents(const ListQuery& q) = 0;

  // Appends to the audit trail inside the current transaction (append-only: there is no update
  // or delete), so the entry is durable exactly when the change it records is.
  virtual Status AppendAudit(const AuditEntry& entry) = 0;
  // The trail, newest first, filtered by the query's non-empty fields.
  virtual Result<Page<AuditEntry>> ListAudit(const AuditQuery& q) = 0;

  // The reply stored under an idempotency `key` (scoped by the caller, e.g. "POST /v1/x key"),
  // or nullopt. PutIdempotentReply stores one inside the current transaction, so the reply is
  // durable exactly when the writes it reports are.
  virtual Result<std::optional<IdempotentReply>> GetIdempotentReply(std::string_view key) = 0;
  virtual Status PutIdempotentReply(std::string_view key, const IdempotentReply& reply) = 0;

  // Everything recorded about a customer (subscriptions started, paused and cancelled, payments,
  // purchases and returns, events), oldest first. NotFound when the customer does not exist.
  virtual Result<std::vector<TimelineEntry>> Timeline(std::string_view customer_external_id) = 0;

  virtual Result<RecordCounts> Counts() = 0;

  // Lets the database reclaim what its writes left behind, between transactions, waiting at most
  // a moment for readers (SQLite: restarts the write-ahead log, which under reads that never stop
  // its own checkpoints cannot do, so the log would grow without end). Busy is not an error: the
  // next call tries again. A no-op where there is nothing to do.
  virtual Status Tidy() { return Ok(); }

  // Every row held about the customer, table by table (core/privacy.h), or nullopt when there is
  // no such customer. One read of the current transaction.
  virtual Result<std::optional<std::vector<PersonalDataTable>>> ExportCustomer(std::string_view external_id) = 0;
  // Erases the customer's personal data inside the current transaction, or nullopt when there is
  // no such customer. Once erased, a customer record with that id is refused (FailedPrecondition
  // naming "id"); the business's records of them are still taken.
  virtual Result<std::optional<Erasure>> EraseCustomer(std::string_view external_id, Timestamp at) = 0;

  // The business's settings (e.g. "timezone"), or nullopt when unset.
  virtual Result<std::optional<std::string>> GetSetting(std::string_view key) = 0;
  virtual Status SetSetting(std::string_view key, std::string_view value) = 0;
};

}  // namespace retain::core

#endif  // RETAIN_CORE_STORE_H_
