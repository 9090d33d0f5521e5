// Time: instants are UTC seconds; the business time zone decides day and month boundaries.
#ifndef RETAIN_COMMON_TIME_H_
#define RETAIN_COMMON_TIME_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <date/date.h>

#include "common/status.h"

namespace date {
class time_zone;
}

namespace retain {

using Timestamp = std::chrono::sys_seconds;

inline int64_t ToUnixSeconds(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromUnixSeconds(int64_t s) { return Timestamp(std::chrono::seconds(s)); }
// The present, to the second (the resolution every stored instant has).
inline Timestamp Now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

// The time zone a business keeps its days, months and years in (IANA name, e.g.
// "Europe/Copenhagen"). Copyable; thread-safe (the tz database is immutable once loaded).
class BusinessZone {
 public:
  // UTC.
  BusinessZone();

  // Looks `name` up in the system's tz database. Fails with InvalidArgument naming the zone.
  static Result<BusinessZone> Load(std::string_view name);

  const std::string& name() const { return name_; }

  // The wall-clock time of `t` in this zone.
  date::local_seconds ToLocal(Timestamp t) const;
  // The calendar date of `t` in this zone.
  date::year_month_day LocalDate(Timestamp t) const;
  // The instant local midnight starts `day` in this zone (the first instant of the day when a
  // daylight-saving change skips midnight).
  Timestamp StartOfDay(date::year_month_day day) const;
  // The instant of local wall-clock time `local`. An ambiguous time (clocks set back) takes the
  // earlier instant; a skipped time (clocks set forward) takes the instant the gap ends.
  Timestamp FromLocal(date::local_seconds local) const;

 private:
  std::string name_ = "UTC";
  const date::time_zone* zone_ = nullptr;  // nullptr means UTC; not owned (tz database)
};

// Parses an instant written as ISO 8601: "2024-03-01" (local midnight in `zone`),
// "2024-03-01T12:30[:45[.123]]" (local time in `zone`; a space may replace the T), or either
// followed by "Z" or an offset such as "+01:00" (then `zone` is not used). Fractions of a second
// are dropped. Fails with InvalidArgument saying what was expected.
Result<Timestamp> ParseTimestamp(std::string_view text, const BusinessZone& zone);

// `t` moved by `months` calendar months in `zone`, at the same local time (the month's last day
// when the day does not exist there).
Timestamp AddMonths(Timestamp t, int months, const BusinessZone& zone);
// `t` moved by `days` calendar days in `zone`, at the same local time.
Timestamp AddDays(Timestamp t, int days, const BusinessZone& zone);

// Formats `t` as "2024-03-01T12:30:45Z". Never fails.
std::string FormatTimestamp(Timestamp t);

// Formats `t` in `zone` as "2024-03-01 13:30". Never fails.
std::string FormatLocal(Timestamp t, const BusinessZone& zone);

// Formats a date as "2024-03-01". Never fails.
std::string FormatDate(date::year_month_day day);

}  // namespace retain

#endif  // RETAIN_COMMON_TIME_H_
