// Importing a CSV or NDJSON file of one record kind into a RecordStore: idempotent (a row whose
// external id exists updates the record or, when nothing differs, leaves it alone), and a bad row
// never stops the good ones and never vanishes: it is reported with its line and written to a
// rejects file beside the input.
#ifndef RETAIN_CORE_IMPORTER_H_
#define RETAIN_CORE_IMPORTER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/record_reader.h"
#include "common/status.h"
#include "common/time.h"
#include "core/records.h"
#include "core/store.h"

namespace retain::core {

struct ImportOptions {
  RecordKind kind = RecordKind::kCustomer;
  std::string path;
  FileFormat format = FileFormat::kCsv;
  FieldMap map;            // source column -> Retain field
  bool strict = false;     // all or nothing: one transaction, rolled back if any row is rejected
  size_t batch_size = 50000;  // rows per transaction when not strict (docs/PERFORMANCE.md)
  BusinessZone zone;       // for times written without a zone
  // Run after each purchase is stored, inside the same transaction (loyalty books what the
  // purchase earns there). A failure rolls the batch back like a database error, so the
  // purchase is stored exactly when everything the hook wrote is.
  std::function<Status(const Purchase&, WriteOutcome)> after_purchase;
  // The same after each event (loyalty's bonus points for events; payment methods).
  std::function<Status(const Event&, WriteOutcome)> after_event;
  // The same after each payment (failed-payment recovery) and subscription (win-back).
  std::function<Status(const Payment&, WriteOutcome)> after_payment;
  std::function<Status(const Subscription&, WriteOutcome)> after_subscription;
};

struct ImportReport {
  int64_t read = 0;
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t rejected = 0;
  bool rolled_back = false;  // strict mode with rejects: nothing was written
  double seconds = 0;
  std::string rejects_path;  // the rejected rows, as in the input (empty when none)
  std::string log_path;      // one "FILE:LINE: field: reason" per rejected row (empty when none)
  std::vector<std::string> ignored_fields;  // columns the record kind does not use
};

// Told about an import as it runs. Called on the importing thread.
class ImportObserver {
 public:
  virtual ~ImportObserver() = default;
  // A rejected row: "FILE:LINE: field: reason".
  virtual void OnReject(const std::string& message) = 0;
  // Bytes of the file consumed so far, of `total`, and rows read so far.
  virtual void OnProgress(uint64_t done, uint64_t total, int64_t rows) = 0;
};

// Imports `options.path` into `store`. Rows are committed in batches, so an interrupted import
// keeps the batches before the interruption and a re-run completes it. Returns the report; fails
// only when the file cannot be read or the store fails for reasons no row caused (the database is
// unavailable), with the batches committed before that kept.
Result<ImportReport> ImportFile(RecordStore& store, const ImportOptions& options,
                                ImportObserver* observer);

}  // namespace retain::core

#endif  // RETAIN_CORE_IMPORTER_H_
