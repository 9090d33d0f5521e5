// A customer's personal data export and erasure (core/privacy.h) over the SQL schema. The map of
// what each table holds about a customer, and what erasure clears in it, lives in privacy.cc.
#ifndef RETAIN_STORAGE_PRIVACY_H_
#define RETAIN_STORAGE_PRIVACY_H_

#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/privacy.h"
#include "storage/database.h"

namespace retain::storage {

// Every row held about the customer with `external_id`, or nullopt when there is none.
Result<std::optional<std::vector<core::PersonalDataTable>>> ExportCustomer(Connection& db,
                                                                           std::string_view external_id);

// Clears the customer's personal data (inside the caller's transaction), or nullopt when there
// is no such customer. Erasing an erased customer changes nothing and says so.
Result<std::optional<core::Erasure>> EraseCustomer(Connection& db, std::string_view external_id, Timestamp at);

// The tables the export reads, for the test that keeps every table naming a customer among them.
std::vector<std::string_view> PersonalDataTables();

}  // namespace retain::storage

#endif  // RETAIN_STORAGE_PRIVACY_H_
