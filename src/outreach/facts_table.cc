#include "outreach/facts_table.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

namespace retain::outreach {
namespace {

constexpr size_t kIdField = 0;

// Texts with few distinct values are kept once each.
bool Interned(std::string_view field) {
  return field == "locale" || field == "country" || field == "city" || field == "tier" || field == "rfm_segment" ||
         field == "plan";
}

}  // namespace

FactsTable::FactsTable(Timestamp as_of) : as_of_(as_of) { Init(); }

FactsTable::FactsTable(const std::vector<CustomerFacts>& rows, Timestamp as_of) : as_of_(as_of) {
  Init();
  row_of_.reserve(rows.size());
  for (const auto& r : rows) Put(r);
  Shrink();
}

void FactsTable::Shrink() {
  for (auto& c : columns_) {
    c.numbers.shrink_to_fit();
    c.truths.shrink_to_fit();
    c.codes.shrink_to_fit();
    c.plain.shrink_to_fit();
    c.has.shrink_to_fit();
  }
}

void FactsTable::Init() {
  columns_.resize(kFields.size());
  for (size_t f = 0; f < kFields.size(); ++f) {
    columns_[f].type = kFields[f].type;
    columns_[f].interned = kFields[f].type == FieldType::kText && Interned(kFields[f].name);
  }
}

size_t FactsTable::AddRow(std::string id) {
  if (columns_.empty()) Init();
  size_t at = ids_.size();
  ids_.push_back(std::move(id));
  row_of_.emplace(ids_.back(), static_cast<uint32_t>(at));
  for (size_t f = 0; f < columns_.size(); ++f) {
    if (f == kIdField) continue;
    auto& c = columns_[f];
    switch (c.type) {
      case FieldType::kNumber: c.numbers.push_back(std::numeric_limits<double>::quiet_NaN()); break;
      case FieldType::kBool: c.truths.push_back(-1); break;
      case FieldType::kText:
        if (c.interned) {
          c.codes.push_back(0);
        } else {
          c.plain.emplace_back();
          c.has.push_back(0);
        }
        break;
    }
  }
  return at;
}

void FactsTable::SetFact(size_t row, size_t field, const Value& v) {
  if (field != kIdField) Set(row, field, v);
}

void FactsTable::Put(const CustomerFacts& row) {
  auto it = row_of_.find(row.id);
  size_t at = it != row_of_.end() ? it->second : AddRow(row.id);
  for (size_t f = 0; f < columns_.size(); ++f) {
    if (f != kIdField) Set(at, f, row.facts.values[f]);
  }
}

void FactsTable::Set(size_t row, size_t field, const Value& v) {
  auto& c = columns_[field];
  switch (c.type) {
    case FieldType::kNumber: {
      const double* d = std::get_if<double>(&v);
      c.numbers[row] = d ? *d : std::numeric_limits<double>::quiet_NaN();
      return;
    }
    case FieldType::kBool: {
      const bool* b = std::get_if<bool>(&v);
      c.truths[row] = b ? static_cast<int8_t>(*b) : int8_t{-1};
      return;
    }
    case FieldType::kText: {
      const std::string* s = std::get_if<std::string>(&v);
      if (!c.interned) {
        c.plain[row] = s ? *s : std::string();
        c.has[row] = s != nullptr;
        return;
      }
      if (!s) {
        c.codes[row] = 0;
        return;
      }
      auto known = c.index.find(*s);
      if (known == c.index.end()) {
        c.texts.push_back(*s);
        known = c.index.emplace(c.texts.back(), static_cast<uint32_t>(c.texts.size())).first;
      }
      c.codes[row] = known->second;
      return;
    }
  }
}

void FactsTable::Load(size_t row, size_t field, Value& out) const {
  if (field == kIdField) {
    out = ids_[row];
    return;
  }
  const auto& c = columns_[field];
  switch (c.type) {
    case FieldType::kNumber:
      if (std::isnan(c.numbers[row])) out = std::monostate();
      else out = c.numbers[row];
      return;
    case FieldType::kBool:
      if (c.truths[row] < 0) out = std::monostate();
      else out = c.truths[row] != 0;
      return;
    case FieldType::kText:
      if (c.interned) {
        if (c.codes[row] == 0) out = std::monostate();
        else out = c.texts[c.codes[row] - 1];
      } else {
        if (!c.has[row]) out = std::monostate();
        else out = c.plain[row];
      }
      return;
  }
}

template <typename F>
void FactsTable::Scan(const Segment& segment, F on_match) const {
  Facts scratch;
  for (size_t row = 0; row < ids_.size(); ++row) {
    for (size_t f : segment.fields) Load(row, f, scratch.values[f]);
    if (Matches(*segment.root, scratch)) on_match(row);
  }
}

SegmentCount FactsTable::Count(const Segment& segment, size_t sample) const {
  SegmentCount out;
  out.customers = static_cast<int64_t>(ids_.size());
  // The `sample` smallest ids, kept in a max-heap.
  std::priority_queue<std::string_view> smallest;
  Scan(segment, [&](size_t row) {
    ++out.matched;
    if (sample == 0) return;
    std::string_view id = ids_[row];
    if (smallest.size() < sample) {
      smallest.push(id);
    } else if (id < smallest.top()) {
      smallest.pop();
      smallest.push(id);
    }
  });
  while (!smallest.empty()) {
    out.sample.emplace_back(smallest.top());
    smallest.pop();
  }
  std::reverse(out.sample.begin(), out.sample.end());
  return out;
}

std::vector<std::string> FactsTable::Matching(const Segment& segment) const {
  std::vector<std::string> out;
  Scan(segment, [&](size_t row) { out.push_back(ids_[row]); });
  std::sort(out.begin(), out.end());
  return out;
}

bool FactsTable::Get(std::string_view id, Facts* facts) const {
  auto it = row_of_.find(id);
  if (it == row_of_.end()) return false;
  for (size_t f = 0; f < kFields.size(); ++f) Load(it->second, f, facts->values[f]);
  return true;
}

size_t FactsTable::MemoryBytes() const {
  auto text = [](const std::string& s) { return sizeof(std::string) + (s.capacity() > 15 ? s.capacity() + 1 : 0); };
  size_t bytes = 0;
  for (const auto& id : ids_) bytes += text(id);
  bytes += row_of_.size() * (sizeof(std::string_view) + sizeof(uint32_t) + 2 * sizeof(void*));
  for (const auto& c : columns_) {
    bytes += c.numbers.capacity() * sizeof(double) + c.truths.capacity() + c.codes.capacity() * sizeof(uint32_t) +
             c.has.capacity();
    for (const auto& s : c.plain) bytes += text(s);
    for (const auto& s : c.texts) bytes += text(s);
    bytes += c.index.size() * (sizeof(std::string_view) + sizeof(uint32_t) + 2 * sizeof(void*));
  }
  return bytes;
}

}  // namespace retain::outreach
