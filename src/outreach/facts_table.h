// Every customer's facts in memory, kept in columns so a million customers fit in a few hundred
// megabytes: a number as a double (NaN for null), a truth as one byte, a text of few distinct
// values (language, country, city, tier, RFM segment, plan) as an index into that field's list
// of texts, and the id, name and e-mail as they are. A segment is evaluated by filling only the
// fields it names into one Facts per row, so counting a million customers takes tens of
// milliseconds. Pure; not thread-safe (the server's FactsCache guards one).
#ifndef RETAIN_OUTREACH_FACTS_TABLE_H_
#define RETAIN_OUTREACH_FACTS_TABLE_H_

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/time.h"
#include "outreach/facts_store.h"
#include "outreach/segment.h"

namespace retain::outreach {

class FactsTable {
 public:
  FactsTable() = default;
  // An empty table of facts as of `as_of`.
  explicit FactsTable(Timestamp as_of);
  // The table of `rows`, the facts as of `as_of`.
  FactsTable(const std::vector<CustomerFacts>& rows, Timestamp as_of);
  FactsTable(FactsTable&&) = default;
  FactsTable& operator=(FactsTable&&) = default;

  // Replaces the customer's row, or adds it.
  void Put(const CustomerFacts& row);
  // Building a table fact by fact: a new row for `id` (every fact null; `id` must be new) and its
  // index, then each fact set by field index; Shrink when done.
  size_t AddRow(std::string id);
  void SetFact(size_t row, size_t field, const Value& v);
  void Shrink();

  // How many customers the segment holds, and the first `sample` of them by id.
  SegmentCount Count(const Segment& segment, size_t sample) const;
  // The ids of every customer the segment holds, sorted.
  std::vector<std::string> Matching(const Segment& segment) const;
  // One customer's facts; false when the table has no such customer.
  bool Get(std::string_view id, Facts* facts) const;

  size_t size() const { return ids_.size(); }
  Timestamp as_of() const { return as_of_; }
  // About how much memory the table holds.
  size_t MemoryBytes() const;

 private:
  struct Column {
    FieldType type = FieldType::kNumber;
    bool interned = false;              // text: codes into `texts`
    std::vector<double> numbers;        // numbers; NaN for null
    std::vector<int8_t> truths;         // truths: -1 null, 0, 1
    std::vector<uint32_t> codes;        // interned text: 0 for null, else 1 + index into texts
    std::vector<std::string> plain;     // other text; `has` says which are null
    std::vector<uint8_t> has;
    std::deque<std::string> texts;      // interned texts, stable for the index's views
    std::unordered_map<std::string_view, uint32_t> index;
  };
  void Init();
  void Set(size_t row, size_t field, const Value& v);
  void Load(size_t row, size_t field, Value& out) const;
  // Calls on_match(row) for every row the segment holds.
  template <typename F>
  void Scan(const Segment& segment, F on_match) const;

  std::deque<std::string> ids_;
  std::unordered_map<std::string_view, uint32_t> row_of_;
  std::vector<Column> columns_;  // by field; the id column is ids_
  Timestamp as_of_{};
};

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_FACTS_TABLE_H_
