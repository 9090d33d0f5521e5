#include "cli/analytics_input.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <date/date.h>
#include <fmt/format.h>

namespace retain::cli {
namespace {

std::vector<std::string> SplitHeader(std::string_view header) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < header.size(); ++i) {
    char c = header[i];
    if (quoted) {
      if (c == '"' && i + 1 < header.size() && header[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  out.push_back(cell);
  if (!out.empty() && out[0].starts_with("\xEF\xBB\xBF")) out[0] = out[0].substr(3);
  return out;
}

std::optional<int32_t> DayOf(int y, unsigned m, unsigned d) {
  date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<int32_t>(date::sys_days{ymd}.time_since_epoch().count());
}

bool Digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int32_t> DayFromText(std::string_view t) {
  auto num = [](std::string_view s) {
    int v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
  };
  if (t.size() == 8 && Digits(t))
    return DayOf(num(t.substr(0, 4)), static_cast<unsigned>(num(t.substr(4, 2))), static_cast<unsigned>(num(t.substr(6, 2))));
  if (t.size() >= 10 && t[4] == '-' && t[7] == '-' && Digits(t.substr(0, 4)) && Digits(t.substr(5, 2)) &&
      Digits(t.substr(8, 2)) && (t.size() == 10 || t[10] == 'T' || t[10] == ' '))
    return DayOf(num(t.substr(0, 4)), static_cast<unsigned>(num(t.substr(5, 2))), static_cast<unsigned>(num(t.substr(8, 2))));
  return std::nullopt;
}

}  // namespace

Result<int32_t> ParseDay(std::string_view text, std::string_view field) {
  if (text.size() == 10) {
    if (auto d = DayFromText(text)) return *d;
  }
  return InvalidArgument(fmt::format("\"{}\" is not a date: use YYYY-MM-DD", text), std::string(field));
}

Result<std::unique_ptr<CsvTable>> CsvTable::Open(const std::string& path, const std::vector<std::string>& required) {
  auto reader = RecordReader::Open(path, FileFormat::kCsv, {});
  if (!reader) {
    auto e = reader.error();
    if (!e.message.starts_with(path)) e.message = fmt::format("{}: {}", path, e.message);
    return tl::unexpected(e);
  }
  auto table = std::unique_ptr<CsvTable>(new CsvTable());
  table->path_ = path;
  table->reader_ = std::move(*reader);
  table->columns_ = SplitHeader(table->reader_->header());
  for (const auto& column : required) {
    if (std::find(table->columns_.begin(), table->columns_.end(), column) == table->columns_.end()) {
      std::string have;
      for (const auto& c : table->columns_) have += (have.empty() ? "" : ", ") + c;
      return InvalidArgument(fmt::format("{}: no column \"{}\" in the header (it has: {})", path, column, have));
    }
  }
  return table;
}

Result<bool> CsvTable::Next() {
  auto more = reader_->Next(&record_);
  if (!more) return InvalidArgument(fmt::format("{} line {}", path_, more.error().message));
  return *more;
}

tl::unexpected<Error> CsvTable::Bad(std::string_view column, std::string_view what) const {
  return InvalidArgument(fmt::format("{} line {}, column \"{}\": {}", path_, record_.line(), column, what));
}

Result<std::string_view> CsvTable::Text(std::string_view column) const {
  auto v = record_.Get(column);
  if (!v) return Bad(column, "empty");
  return *v;
}

Result<std::optional<double>> CsvTable::OptionalNumber(std::string_view column) const {
  auto v = record_.Get(column);
  if (!v) return std::optional<double>();
  std::string_view t = *v;
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (t.empty()) return std::optional<double>();
  double d = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(d))
    return Bad(column, fmt::format("\"{}\" is not a number", *v));
  return std::optional<double>(d);
}

Result<double> CsvTable::Number(std::string_view column) const {
  RETAIN_ASSIGN_OR_RETURN(auto v, OptionalNumber(column));
  if (!v) return Bad(column, "empty (a number is needed)");
  return *v;
}

Result<int32_t> CsvTable::Day(std::string_view column) const {
  RETAIN_ASSIGN_OR_RETURN(auto text, Text(column));
  auto day = DayFromText(text);
  if (!day) return Bad(column, fmt::format("\"{}\" is not a date (YYYY-MM-DD, YYYYMMDD or an ISO timestamp)", text));
  return *day;
}

Result<bool> CsvTable::Flag(std::string_view column, const std::optional<std::string>& value) const {
  auto v = record_.Get(column);
  std::string_view t = v ? *v : std::string_view();
  if (value) return t == *value;
  if (t == "1" || t == "true" || t == "True" || t == "TRUE" || t == "yes") return true;
  if (t == "0" || t == "false" || t == "False" || t == "FALSE" || t == "no") return false;
  return Bad(column, fmt::format("\"{}\" is not 1/0, true/false or yes/no (or pass --event-value)", t));
}

uint32_t IdIndex::Of(std::string_view id) {
  auto [it, added] = index_.try_emplace(std::string(id), static_cast<uint32_t>(names_.size()));
  if (added) names_.emplace_back(id);
  return it->second;
}

}  // namespace retain::cli
