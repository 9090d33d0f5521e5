// A customer's personal data on request: everything held about them (the export a data subject
// may ask for, GDPR article 15) and its erasure (article 17). Erasure clears who the customer is
// and what people wrote about them, and keeps the business's records (purchases, payments,
// subscriptions, points and coupons) under the customer's id, so every sum the ledger and the
// reports add up stays what it was.
#ifndef RETAIN_CORE_PRIVACY_H_
#define RETAIN_CORE_PRIVACY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"

namespace retain::core {

// One value of a stored row.
struct DataCell {
  enum class Kind { kNull, kInteger, kText } kind = Kind::kNull;
  int64_t integer = 0;
  std::string text;
};

// The rows of one table that concern the customer, with every column.
struct PersonalDataTable {
  std::string table;
  std::string holds;  // what the table is, in words
  std::vector<std::string> columns;
  std::vector<std::vector<DataCell>> rows;
};

// What an erasure did: the rows changed per table (tables with none left out).
struct Erasure {
  bool already_erased = false;  // erased before; nothing was done again
  Timestamp erased_at;
  std::vector<std::pair<std::string, int64_t>> cleared;
};

}  // namespace retain::core

#endif  // RETAIN_CORE_PRIVACY_H_
