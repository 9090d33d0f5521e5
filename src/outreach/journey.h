// Journeys: messages a moment in a customer's life sets off, instead of a date: a welcome series
// after the first contact, a gift on a birthday or membership anniversary, points about to
// expire, a tier reached, a payment that failed, a complaint resolved. A journey names the event
// that starts it, an optional condition (segment language, checked when the event happens), a
// channel, steps each sent a number of days after the event, and a held-out share that gets
// nothing, so its effect can be measured like a campaign's. Pure functions, no storage.
#ifndef RETAIN_OUTREACH_JOURNEY_H_
#define RETAIN_OUTREACH_JOURNEY_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"

namespace retain::outreach {

struct TriggerInfo {
  std::string_view event;
  std::string_view help;
};
// The events a journey may start from: each is about one customer.
inline constexpr std::array<TriggerInfo, 15> kJourneyTriggers = {{
    {"customer.created", "a new customer: a welcome series"},
    {"member.birthday", "a loyalty member's birthday"},
    {"member.anniversary", "a year more as a loyalty member"},
    {"points.expiring", "points about to expire"},
    {"tier.changed", "a loyalty tier reached (or lost)"},
    {"program.changed", "a loyalty program changed: every member hears of it (new rules, new rewards)"},
    {"referral.qualified", "a referral that qualified"},
    {"payment.failed", "a payment that failed"},
    {"subscription.cancelled", "a subscription cancelled"},
    {"winback.offered", "a win-back offer made"},
    {"case.resolved", "a complaint resolved"},
    {"case.closed", "a complaint closed"},
    {"survey.answered", "a survey answered"},
    {"segment.entered", "a customer came into a saved segment (the journey names it): churn risk crossed a threshold, "
                        "a lapse of 60 days, ..."},
    {"segment.left", "a customer left a saved segment (the journey names it)"},
}};

struct JourneyStep {
  int wait_days = 0;  // after the event
  std::string template_key;
};

struct Journey {
  std::string key;
  std::string name;
  std::string trigger;    // one of kJourneyTriggers
  std::string condition;  // segment language; empty for everyone
  std::string segment;    // the saved segment a segment.entered or segment.left journey follows
  std::string channel = "email";
  std::vector<JourneyStep> steps;
  int holdout_percent = 10;
  int outcome_days = 30;
  bool active = true;
  std::string seed;             // fixed when first saved
  int64_t since_event = 0;      // events up to this outbox id happened before the journey
  std::string created_by;
  Timestamp updated_at{};
};

// Parses a journey document (name, trigger, segment, condition, channel, steps, holdout_percent,
// outcome_days, active). InvalidArgument naming the field ("steps[1].wait_days").
Result<Journey> ParseJourney(std::string_view key, const nlohmann::json& document);
nlohmann::json JourneyDocument(const Journey& j);

// The customer an outbox event is about: its data's "customer", or for customer.* events the
// record itself; nullopt when the event names none (program.changed is about every member of the
// program, which the sender looks up).
std::optional<std::string> EventCustomer(std::string_view type, const std::string& record_id, const nlohmann::json& payload);

// The customer whose facts (segment fields) an outbox event may have changed: EventCustomer, but
// nullopt for the events that change none (segment.*, outreach.message, survey.invited and
// survey.reminder). Saved segments and the server's facts table both follow events by this.
std::optional<std::string> CustomerTouched(std::string_view type, const std::string& record_id, const nlohmann::json& payload);

// The values an event gives its messages, from its data: text, numbers and truths as they are;
// an amount with its "_minor" and "currency" as money ({"minor", "currency"}); an instant or a
// day as a day ({"date"}), so each is written for the reader. points.expiring also gives
// expiring_points and expires_on.
nlohmann::json EventValues(std::string_view type, const nlohmann::json& payload);

// Whether an event of the journey's trigger starts it: for a segment journey, the event must be
// about the journey's segment.
bool StartsJourney(const Journey& j, std::string_view type, const nlohmann::json& payload);

// Whether the customer is held out of the journey: the same answer for every event of theirs, so
// the held-out group stays one group of people.
bool HeldOutOfJourney(const Journey& j, std::string_view customer_id);

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_JOURNEY_H_
