#include "care/sla.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace retain::care {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr int kMaxDays = 3660;  // how far a search for business time goes: ten years

// Monday = 0.
size_t WeekdayIndex(date::sys_days day) {
  return (date::weekday(day).c_encoding() + 6) % 7;
}

// The business windows of local `day` as instants, in order.
std::vector<std::pair<Timestamp, Timestamp>> Windows(const Calendar& c, const BusinessZone& zone, date::sys_days day) {
  std::vector<std::pair<Timestamp, Timestamp>> out;
  if (c.holidays.contains(day)) return out;
  date::local_days local{day.time_since_epoch()};
  for (auto [open, close] : c.hours[WeekdayIndex(day)]) {
    Timestamp a = zone.FromLocal(local + std::chrono::minutes(open));
    Timestamp b = zone.FromLocal(local + std::chrono::minutes(close));
    if (b > a) out.emplace_back(a, b);
  }
  return out;
}

date::sys_days LocalDay(const BusinessZone& zone, Timestamp t) { return date::sys_days(zone.LocalDate(t)); }

// "09:00" -> 540; nullopt when malformed. "24:00" is allowed as the end of the day.
std::optional<int> Minute(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  int h = 0, m = 0;
  auto r1 = std::from_chars(text.data(), text.data() + 2, h);
  auto r2 = std::from_chars(text.data() + 3, text.data() + 5, m);
  if (r1.ec != std::errc() || r2.ec != std::errc() || r1.ptr != text.data() + 2 || r2.ptr != text.data() + 5) {
    return std::nullopt;
  }
  if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

}  // namespace

Calendar Calendar::Always() {
  Calendar c;
  for (auto& d : c.hours) d = {{0, 1440}};
  return c;
}

Calendar Calendar::Weekdays(int open, int close) {
  Calendar c;
  for (size_t i = 0; i < 5; ++i) c.hours[i] = {{open, close}};
  return c;
}

bool Calendar::Empty() const {
  return std::all_of(hours.begin(), hours.end(), [](const auto& d) { return d.empty(); });
}

Result<Calendar> ParseCalendar(const json& j) {
  if (!j.is_object()) return InvalidArgument("must be an object with \"hours\" and \"holidays\"", "calendar");
  for (const auto& [k, v] : j.items()) {
    if (k != "hours" && k != "holidays") return InvalidArgument("is not a calendar field; use hours, holidays", k);
  }
  Calendar c;
  if (j.contains("hours")) {
    const json& hours = j["hours"];
    if (!hours.is_object()) return InvalidArgument("must be an object of days", "hours");
    for (const auto& [day, list] : hours.items()) {
      auto it = std::find(kDays.begin(), kDays.end(), day);
      std::string field = "hours." + day;
      if (it == kDays.end()) return InvalidArgument(fmt::format("'{}' is not a day; use mon, tue, wed, thu, fri, sat, sun", day), field);
      if (!list.is_array()) return InvalidArgument("must be a list like [\"09:00-17:00\"]", field);
      auto& windows = c.hours[static_cast<size_t>(it - kDays.begin())];
      for (size_t i = 0; i < list.size(); ++i) {
        std::string f = fmt::format("{}[{}]", field, i);
        std::string text = list[i].is_string() ? list[i].get<std::string>() : "";
        auto dash = text.find('-');
        auto open = dash == std::string::npos ? std::nullopt : Minute(std::string_view(text).substr(0, dash));
        auto close = dash == std::string::npos ? std::nullopt : Minute(std::string_view(text).substr(dash + 1));
        if (!open || !close || *close <= *open || *open >= 1440) {
          return InvalidArgument(fmt::format("'{}' is not an interval like \"09:00-17:00\"", text), f);
        }
        if (!windows.empty() && *open < windows.back().second) {
          return InvalidArgument("must start after the interval before it ends", f);
        }
        windows.emplace_back(*open, *close);
      }
    }
  }
  if (c.Empty()) return InvalidArgument("needs opening hours on at least one day", "hours");
  if (j.contains("holidays")) {
    const json& h = j["holidays"];
    if (!h.is_array()) return InvalidArgument("must be a list of dates (YYYY-MM-DD)", "holidays");
    for (size_t i = 0; i < h.size(); ++i) {
      std::string f = fmt::format("holidays[{}]", i);
      std::string text = h[i].is_string() ? h[i].get<std::string>() : "";
      int y = 0;
      unsigned m = 0, d = 0;
      if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) {
        return InvalidArgument(fmt::format("'{}' is not a date (YYYY-MM-DD)", text), f);
      }
      date::year_month_day ymd{date::year(y), date::month(m), date::day(d)};
      if (!ymd.ok()) return InvalidArgument(fmt::format("'{}' is not a date (YYYY-MM-DD)", text), f);
      c.holidays.insert(date::sys_days(ymd));
    }
  }
  return c;
}

int64_t BusinessSeconds(const Calendar& c, const BusinessZone& zone, Timestamp from, Timestamp to) {
  if (to <= from) return 0;
  int64_t total = 0;
  date::sys_days last = LocalDay(zone, to);
  for (date::sys_days day = LocalDay(zone, from); day <= last; day += date::days(1)) {
    for (auto [a, b] : Windows(c, zone, day)) {
      Timestamp lo = std::max(a, from), hi = std::min(b, to);
      if (hi > lo) total += (hi - lo).count();
    }
  }
  return total;
}

Timestamp AddBusinessSeconds(const Calendar& c, const BusinessZone& zone, Timestamp from, int64_t seconds) {
  if (seconds <= 0) return from;
  int64_t remaining = seconds;
  date::sys_days day = LocalDay(zone, from);
  for (int i = 0; i < kMaxDays; ++i, day += date::days(1)) {
    for (auto [a, b] : Windows(c, zone, day)) {
      Timestamp lo = std::max(a, from);
      if (b <= lo) continue;
      int64_t here = (b - lo).count();
      if (here >= remaining) return lo + std::chrono::seconds(remaining);
      remaining -= here;
    }
  }
  return from + std::chrono::days(kMaxDays);
}

int64_t Elapsed(const Calendar& c, const BusinessZone& zone, const Clock& clock, Timestamp now) {
  int64_t run = BusinessSeconds(c, zone, clock.started, now);
  for (const auto& p : clock.pauses) {
    Timestamp end = std::min(p.to.value_or(now), now);
    run -= BusinessSeconds(c, zone, std::max(p.from, clock.started), end);
  }
  return std::max<int64_t>(run, 0);
}

std::optional<Timestamp> DueAt(const Calendar& c, const BusinessZone& zone, const Clock& clock, int64_t target) {
  Timestamp t = clock.started;
  int64_t remaining = target;
  for (const auto& p : clock.pauses) {
    if (p.from > t) {
      int64_t run = BusinessSeconds(c, zone, t, p.from);
      if (run >= remaining) return AddBusinessSeconds(c, zone, t, remaining);
      remaining -= run;
    }
    if (!p.to) return std::nullopt;  // waiting on the customer: no due time until it runs again
    t = std::max(t, *p.to);
  }
  return AddBusinessSeconds(c, zone, t, remaining);
}

const SlaPolicy* MatchPolicy(const std::vector<SlaPolicy>& policies, const Case& k) {
  auto covers = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  for (const auto& p : policies) {
    if (covers(p.categories, k.category) && covers(p.severities, k.severity) && covers(p.value_bands, k.value_band) &&
        covers(p.channels, k.channel)) {
      return &p;
    }
  }
  return nullptr;
}

std::string_view EscalationName(Escalation e) {
  switch (e) {
    case Escalation::kOnTime: return "on_time";
    case Escalation::kWarned: return "warned";
    case Escalation::kBreached: return "breached";
    case Escalation::kEscalated: return "escalated";
  }
  return "on_time";
}

Escalation EscalationOf(const SlaPolicy& policy, int64_t target_minutes, int64_t elapsed_seconds) {
  int64_t target = target_minutes * 60;
  if (elapsed_seconds > target) {
    if (policy.escalate_after_minutes > 0 && elapsed_seconds >= target + policy.escalate_after_minutes * 60) {
      return Escalation::kEscalated;
    }
    return Escalation::kBreached;
  }
  if (static_cast<double>(elapsed_seconds) >= policy.warn_at * static_cast<double>(target)) return Escalation::kWarned;
  return Escalation::kOnTime;
}

}  // namespace retain::care
