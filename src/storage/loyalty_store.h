// The SQL implementation of loyalty::LoyaltyStore, one text for SQLite and PostgreSQL.
#ifndef RETAIN_STORAGE_LOYALTY_STORE_H_
#define RETAIN_STORAGE_LOYALTY_STORE_H_

#include <memory>

#include "loyalty/loyalty_store.h"
#include "storage/database.h"

namespace retain::storage {

class SqlLoyaltyStore : public loyalty::LoyaltyStore {
 public:
  // Drops what was read inside a transaction that was rolled back (the parsed programs).
  virtual void RolledBack() = 0;
  // A transaction began or ended: what was checked in one is checked again in the next.
  virtual void TransactionBegan() = 0;
  virtual void TransactionEnded() = 0;
  // Writes back the accounts changed in this transaction; called before it commits.
  virtual Status Flush() = 0;
};

// A loyalty store on `db`, which must outlive it; it shares the connection (and so the
// transactions) of the record store opened on the same connection.
std::unique_ptr<SqlLoyaltyStore> MakeSqlLoyaltyStore(Connection& db);

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_LOYALTY_STORE_H_
