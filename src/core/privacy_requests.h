// A customer's data on request, as the API and the command line answer it: the export as JSON,
// and an erasure recorded in the audit trail and announced to webhook subscribers.
#ifndef RETAIN_CORE_PRIVACY_REQUESTS_H_
#define RETAIN_CORE_PRIVACY_REQUESTS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"
#include "core/privacy.h"
#include "core/store.h"
#include "core/webhook_store.h"

namespace retain::core {

// The export as the API and `retain customer export` give it: {customer, exported_at, rows,
// tables: [{table, holds, rows: [{column: value}]}]}, instants in ISO 8601 and JSON kept in text as
// JSON. NotFound naming "id" when there is no such customer.
Result<nlohmann::json> ExportCustomerJson(RecordStore& store, const std::string& id, Timestamp now);

// Erases the customer inside the caller's transaction and records it: an audit entry (who, when,
// why, rows per table) and a "customer.erased" event in the outbox, so webhook subscribers erase
// their copies. Erasing again changes nothing. NotFound naming "id" when there is no such customer.
Result<Erasure> EraseOnRequest(RecordStore& store, WebhookStore& outbox, const std::string& id,
                               const std::string& reason, const std::string& actor, Timestamp now);

// {customer, result: erased | already_erased, erased_at, cleared: {table: rows}}.
nlohmann::json ErasureJson(const std::string& id, const Erasure& e);

}  // namespace retain::core

#endif  // RETAIN_CORE_PRIVACY_REQUESTS_H_
