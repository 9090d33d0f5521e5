#include "common/time.h"

#include <fmt/format.h>
#include <date/tz.h>

namespace retain {
namespace {

// Reads exactly `n` digits at `pos`; returns -1 when they are not all digits.
int Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

BusinessZone::BusinessZone() = default;

Result<BusinessZone> BusinessZone::Load(std::string_view name) {
  BusinessZone z;
  z.name_ = std::string(name);
  if (name == "UTC" || name == "Etc/UTC") return z;
  try {
    z.zone_ = date::locate_zone(name);
  } catch (const std::exception&) {
    return InvalidArgument("unknown time zone '" + std::string(name) +
                           "'; use an IANA name such as Europe/Copenhagen or America/Sao_Paulo");
  }
  return z;
}

date::local_seconds BusinessZone::ToLocal(Timestamp t) const {
  if (zone_ == nullptr) return date::local_seconds(t.time_since_epoch());
  return zone_->to_local(t);
}

date::year_month_day BusinessZone::LocalDate(Timestamp t) const {
  return date::year_month_day(date::floor<date::days>(ToLocal(t)));
}

Timestamp BusinessZone::FromLocal(date::local_seconds local) const {
  if (zone_ == nullptr) return Timestamp(local.time_since_epoch());
  auto info = zone_->get_info(local);
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:
      return Timestamp(local.time_since_epoch() - info.first.offset);
    case date::local_info::nonexistent:
      return info.first.end;
  }
  return Timestamp(local.time_since_epoch() - info.first.offset);
}

Timestamp BusinessZone::StartOfDay(date::year_month_day day) const {
  return FromLocal(date::local_seconds(date::local_days(day)));
}

Timestamp AddMonths(Timestamp t, int months, const BusinessZone& zone) {
  auto local = zone.ToLocal(t);
  auto day = date::floor<date::days>(local);
  date::year_month_day moved = date::year_month_day{day} + date::months(months);
  if (!moved.ok()) moved = date::year_month_day_last(moved.year(), date::month_day_last(moved.month()));
  return zone.FromLocal(date::local_days(moved) + (local - day));
}

Timestamp AddDays(Timestamp t, int days, const BusinessZone& zone) {
  return zone.FromLocal(zone.ToLocal(t) + date::days(days));
}

Result<Timestamp> ParseTimestamp(std::string_view text, const BusinessZone& zone) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument(fmt::format("'{}' is not a time: {} (expected e.g. 2024-03-01, "
                                       "2024-03-01T12:30:00Z or 2024-03-01 12:30+01:00)",
                                       text, why));
  };
  std::string_view s = text;
  int y = Digits(s, 0, 4), mo = Digits(s, 5, 2), d = Digits(s, 8, 2);
  if (y < 0 || mo < 0 || d < 0 || s[4] != '-' || s[7] != '-') return bad("no date YYYY-MM-DD");
  date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(mo)),
                           date::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return bad("no such date");
  if (s.size() == 10) return zone.StartOfDay(ymd);
  if (s[10] != 'T' && s[10] != ' ' && s[10] != 't') return bad("expected T or a space after the date");
  int h = Digits(s, 11, 2), mi = Digits(s, 14, 2);
  if (h < 0 || mi < 0 || s.size() < 16 || s[13] != ':') return bad("no time HH:MM");
  if (h > 23 || mi > 59) return bad("hour or minute out of range");
  size_t pos = 16;
  int sec = 0;
  if (pos < s.size() && s[pos] == ':') {
    sec = Digits(s, pos + 1, 2);
    if (sec < 0 || sec > 60) return bad("bad seconds");
    if (sec == 60) sec = 59;  // a leap second is kept inside its minute
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      if (pos == start) return bad("empty fraction of a second");
    }
  }
  date::local_seconds local = date::local_days(ymd) + std::chrono::hours(h) +
                              std::chrono::minutes(mi) + std::chrono::seconds(sec);
  if (pos == s.size()) return zone.FromLocal(local);
  if (s[pos] == 'Z' || s[pos] == 'z') {
    if (pos + 1 != s.size()) return bad("text after Z");
    return Timestamp(local.time_since_epoch());
  }
  if (s[pos] != '+' && s[pos] != '-') return bad("expected Z or an offset such as +01:00");
  int sign = s[pos] == '-' ? -1 : 1;
  int oh = Digits(s, pos + 1, 2);
  size_t mpos = pos + 3;
  if (mpos < s.size() && s[mpos] == ':') ++mpos;
  int om = mpos == s.size() ? 0 : Digits(s, mpos, 2);
  if (oh < 0 || om < 0 || oh > 18 || om > 59) return bad("bad offset");
  if (mpos != s.size() && mpos + 2 != s.size()) return bad("text after the offset");
  auto offset = std::chrono::minutes(sign * (oh * 60 + om));
  return Timestamp(local.time_since_epoch() - offset);
}

std::string FormatTimestamp(Timestamp t) { return date::format("%Y-%m-%dT%H:%M:%SZ", t); }

std::string FormatLocal(Timestamp t, const BusinessZone& zone) {
  return date::format("%Y-%m-%d %H:%M", zone.ToLocal(t));
}

std::string FormatDate(date::year_month_day day) { return date::format("%F", day); }

}  // namespace retain
