// Reading the CSV files `retain analytics` takes: named columns, parsed as dates, numbers,
// flags or ids, every failure naming the file, line and column.
#ifndef RETAIN_CLI_ANALYTICS_INPUT_H_
#define RETAIN_CLI_ANALYTICS_INPUT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/record_reader.h"
#include "common/status.h"

namespace retain::cli {

// A CSV file read row by row, with typed access to its columns.
class CsvTable {
 public:
  // Opens `path` and checks that every column in `required` is in its header. Fails with
  // NotFound for a missing file, InvalidArgument naming a missing column and the ones there are.
  static Result<std::unique_ptr<CsvTable>> Open(const std::string& path, const std::vector<std::string>& required);

  // Reads the next row; false at the end. Fails with InvalidArgument ("F.csv line 12: ...") for a
  // malformed row.
  Result<bool> Next();

  // The current row's cell in `column`; nullopt when empty.
  std::optional<std::string_view> Cell(std::string_view column) const { return record_.Get(column); }
  // The current row's cell in `column`. Text fails when empty; the others parse it.
  Result<std::string_view> Text(std::string_view column) const;
  Result<double> Number(std::string_view column) const;
  // A number, or nullopt when the cell is empty (a missing value).
  Result<std::optional<double>> OptionalNumber(std::string_view column) const;
  // A date as days since 1970-01-01: YYYY-MM-DD, YYYYMMDD, or a timestamp whose date part is one.
  Result<int32_t> Day(std::string_view column) const;
  // A flag: the cell equals `value` when given; else 1/0, true/false, yes/no.
  Result<bool> Flag(std::string_view column, const std::optional<std::string>& value) const;

  // The header's column names, in file order.
  const std::vector<std::string>& columns() const { return columns_; }
  const std::string& path() const { return path_; }
  uint64_t position() const { return reader_->position(); }
  uint64_t size() const { return reader_->size(); }

 private:
  tl::unexpected<Error> Bad(std::string_view column, std::string_view what) const;

  std::string path_;
  std::vector<std::string> columns_;
  std::unique_ptr<RecordReader> reader_;
  SourceRecord record_;
};

// Parses a calendar date (YYYY-MM-DD) into days since 1970-01-01; fails naming `field`.
Result<int32_t> ParseDay(std::string_view text, std::string_view field);

// Dense indexes for customer ids in first-seen order.
class IdIndex {
 public:
  uint32_t Of(std::string_view id);
  const std::string& Name(uint32_t index) const { return names_[index]; }
  uint32_t size() const { return static_cast<uint32_t>(names_.size()); }

 private:
  std::unordered_map<std::string, uint32_t> index_;
  std::vector<std::string> names_;
};

}  // namespace retain::cli

#endif  // RETAIN_CLI_ANALYTICS_INPUT_H_
