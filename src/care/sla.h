// Service levels for complaint cases, as pure functions: a business calendar (opening hours per
// weekday and holidays, in the business's time zone), the business time between two instants,
// an SLA clock that stops while a case waits on the customer, the policies that set a case's
// targets, and the escalation level a clock has reached. Nothing here touches a database;
// sla_test.cc tests it alone. Thread-safe.
#ifndef RETAIN_CARE_SLA_H_
#define RETAIN_CARE_SLA_H_

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"

namespace retain::care {

// When the business counts time: local opening hours per weekday and holidays closed all day.
struct Calendar {
  // [0] is Monday. Each day's [open, close) minutes since local midnight, ascending, not
  // overlapping; close may be 1440 (midnight at the end of the day).
  std::array<std::vector<std::pair<int, int>>, 7> hours;
  std::set<date::sys_days> holidays;  // local dates

  // Open all day, every day.
  static Calendar Always();
  // Monday to Friday, from `open` to `close` (minutes since midnight).
  static Calendar Weekdays(int open, int close);
  bool Empty() const;
};

// Parses {"hours": {"mon": ["09:00-17:00"], "sat": ["10:00-13:00"]}, "holidays": ["2026-12-25"]};
// days left out are closed. InvalidArgument naming the field ("hours.tue[1]") for a malformed
// or overlapping interval, an unknown day or date, or a calendar with no hours at all.
Result<Calendar> ParseCalendar(const nlohmann::json& j);

// Business seconds in [from, to); 0 when `to` is not after `from`. Days are the business zone's,
// so a daylight-saving change shortens or lengthens only the hours it falls in.
int64_t BusinessSeconds(const Calendar& calendar, const BusinessZone& zone, Timestamp from, Timestamp to);

// The instant at which `seconds` business seconds have passed since `from`; outside opening hours
// the count starts at the next opening. `from` itself for 0. A calendar with no hours never gets
// there: the result is ten years on.
Timestamp AddBusinessSeconds(const Calendar& calendar, const BusinessZone& zone, Timestamp from, int64_t seconds);

// A stretch of time the clock stood still (the case waiting on the customer); open-ended while
// it still waits.
struct Pause {
  Timestamp from;
  std::optional<Timestamp> to;
};

// An SLA clock: business time since `started`, less the pauses (ascending, not overlapping).
struct Clock {
  Timestamp started;
  std::vector<Pause> pauses;
};

// Business seconds the clock has run by `now`.
int64_t Elapsed(const Calendar& calendar, const BusinessZone& zone, const Clock& clock, Timestamp now);

// When the clock reaches `target` business seconds; nullopt while it is paused (open-ended)
// before getting there.
std::optional<Timestamp> DueAt(const Calendar& calendar, const BusinessZone& zone, const Clock& clock, int64_t target);

// Which cases a policy covers (empty: any) and its targets in business minutes.
struct SlaPolicy {
  std::string id;
  std::vector<std::string> categories;
  std::vector<std::string> severities;
  std::vector<std::string> value_bands;
  std::vector<std::string> channels;  // e.g. "survey" for the follow-up of a poor survey answer
  int64_t first_response_minutes = 0;
  int64_t resolution_minutes = 0;
  double warn_at = 0.75;        // warn the assignee at this share of the target
  int64_t escalate_after_minutes = 0;  // after the breach, reassign or raise priority (0: at once)
};

struct Case {
  std::string category;
  std::string severity;
  std::string value_band;
  std::string channel;
};

// The first policy (in order) that covers the case; nullptr when none does.
const SlaPolicy* MatchPolicy(const std::vector<SlaPolicy>& policies, const Case& c);

// How far a clock is against its target: 0 on time, 1 warned (the assignee), 2 breached (the
// supervisor notified), 3 escalated (reassigned or raised in priority).
enum class Escalation { kOnTime = 0, kWarned = 1, kBreached = 2, kEscalated = 3 };
std::string_view EscalationName(Escalation e);  // "on_time", "warned", "breached", "escalated"
Escalation EscalationOf(const SlaPolicy& policy, int64_t target_minutes, int64_t elapsed_seconds);

}  // namespace retain::care

#endif  // RETAIN_CARE_SLA_H_
