// Reading import files (CSV and NDJSON) record by record, with the line each record starts on.
#ifndef RETAIN_COMMON_RECORD_READER_H_
#define RETAIN_COMMON_RECORD_READER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace retain {

enum class FileFormat { kCsv, kNdjson };

// Parses "csv" or "ndjson" (also "jsonl"). Fails with InvalidArgument naming the choices.
Result<FileFormat> ParseFileFormat(std::string_view name);
// Guesses the format from a path's extension (.csv, .tsv, .ndjson, .jsonl). Fails when it can't.
Result<FileFormat> FormatFromPath(std::string_view path);

// Renames source columns (or NDJSON keys) to Retain's field names: {"cust_no" -> "customer"}.
using FieldMap = std::map<std::string, std::string, std::less<>>;

// Parses "column=field" into `map`. Fails with InvalidArgument when there is no '='.
Status AddFieldMapping(std::string_view spec, FieldMap* map);

// One record of an import file. Values are views valid until the reader's next Next().
class SourceRecord {
 public:
  // A record made from a JSON object (an API request body) rather than read from a file. `raw`
  // is the text to report it by; `line` numbers it within its request (1 for a single object).
  static SourceRecord FromJson(nlohmann::json object, int64_t line = 1);

  // 1-based line the record starts on.
  int64_t line() const { return line_; }
  // The record's text as it appears in the file, without the line ending.
  std::string_view raw() const { return raw_; }

  // The text of `field`; nullopt when the field is absent, empty, or JSON null. JSON numbers and
  // booleans come back as their JSON text ("12.5", "true"); arrays and objects as JSON text.
  std::optional<std::string_view> Get(std::string_view field) const;

  // The structured value of `field`: an NDJSON value as it is, or a CSV cell parsed as JSON.
  // nullopt when absent or empty. Fails with InvalidArgument (naming the field) when a CSV cell is
  // not valid JSON.
  Result<std::optional<nlohmann::json>> GetJson(std::string_view field) const;

  // The names of the fields that carry a value, in file order.
  std::vector<std::string> FieldNames() const;

 private:
  friend class CsvReader;
  friend class NdjsonReader;

  int64_t line_ = 0;
  std::string_view raw_;
  // CSV: one value per column; names shared with the reader.
  const std::vector<std::string>* names_ = nullptr;
  std::vector<std::string> values_;
  // NDJSON: the parsed object with keys already renamed.
  nlohmann::json object_;
  bool is_json_ = false;
  mutable std::deque<std::string> scratch_;
};

// Reads records from one file. Not thread-safe. The file is memory-mapped for the reader's life.
class RecordReader {
 public:
  virtual ~RecordReader() = default;

  // Opens `path` in `format`, renaming fields by `map`. Fails with NotFound when the file can't be
  // opened, InvalidArgument when a CSV file has no header row.
  static Result<std::unique_ptr<RecordReader>> Open(const std::string& path, FileFormat format,
                                                    FieldMap map);

  // Reads the next record into `out`; returns false at the end of the file. A malformed record
  // (unbalanced quotes, wrong field count, invalid JSON) fails with InvalidArgument saying what is
  // wrong; `out->line()` and `out->raw()` still describe it (the importer reports FILE:LINE from
  // them), and the next call continues after it.
  virtual Result<bool> Next(SourceRecord* out) = 0;

  // The CSV header line (to start a rejects file with); empty for NDJSON.
  virtual std::string_view header() const = 0;
  // Bytes consumed so far and in all, for progress reporting.
  virtual uint64_t position() const = 0;
  virtual uint64_t size() const = 0;
};

}  // namespace retain

#endif  // RETAIN_COMMON_RECORD_READER_H_
