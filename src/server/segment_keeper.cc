// Saved segments kept up to date as things happen: the outbox says which customers changed, their
// facts are read again and every saved segment is checked for them, so a customer whose churn
// risk crosses a segment's threshold, or who stops buying, comes into it within a round of the
// sender. Facts that move with the clock alone (days since the last purchase) are caught by a
// recount of everyone once a day, and after each analytics refresh (new churn risks and values).
#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "outreach/facts_store.h"
#include "outreach/journey.h"
#include "outreach/segment.h"
#include "server/outreach_sender.h"

namespace retain::server {
namespace {

using nlohmann::json;

constexpr std::string_view kSegmentsCursor = "segments_cursor";  // the last outbox event segments have seen
constexpr auto kRecountEvery = std::chrono::hours(24);

}  // namespace

Status OutreachSender::KeepSegments(Timestamp now) {
  auto& out = store_->outreach();
  auto& records = store_->records();
  RETAIN_ASSIGN_OR_RETURN(auto saved, out.ListSavedSegments());
  RETAIN_ASSIGN_OR_RETURN(auto cursor_text, records.GetSetting(kSegmentsCursor));
  RETAIN_ASSIGN_OR_RETURN(int64_t latest, out.LatestOutboxId());
  if (saved.empty() || !cursor_text) {
    // Nothing to keep: segments saved later start from here, not from the history.
    if (cursor_text == std::to_string(latest)) return Ok();
    return records.SetSetting(kSegmentsCursor, std::to_string(latest));
  }
  int64_t cursor = std::stoll(*cursor_text);
  RETAIN_ASSIGN_OR_RETURN(auto events, store_->webhooks().OutboxAfter(cursor, 1000));

  bool everyone = false;
  for (const auto& g : saved) everyone = everyone || !g.refreshed_at || *g.refreshed_at + kRecountEvery <= now;
  std::vector<std::string> customers;
  for (const auto& e : events) {
    if (e.type == "analytics.refreshed") everyone = true;
    if (everyone) continue;
    if (auto c = outreach::CustomerTouched(e.type, e.record_id, json::parse(e.payload_json, nullptr, false))) customers.push_back(*c);
  }
  if (!everyone && customers.empty()) {
    if (events.empty()) return Ok();
    return records.SetSetting(kSegmentsCursor, std::to_string(events.back().id));
  }
  std::sort(customers.begin(), customers.end());
  customers.erase(std::unique(customers.begin(), customers.end()), customers.end());

  std::vector<outreach::CustomerFacts> facts;
  // Everyone's facts come from the server's table when there is one (brought up to date just
  // before, this round), else from the database.
  bool from_table = everyone && facts_ && facts_->ready();
  if (everyone && !from_table) {
    RETAIN_ASSIGN_OR_RETURN(facts, store_->facts().AllFacts(now));
  } else if (!everyone) {
    for (const auto& id : customers) {
      RETAIN_ASSIGN_OR_RETURN(auto one, store_->facts().FactsOf(id, now));
      if (one) facts.push_back(std::move(*one));
    }
  }
  int64_t next = events.empty() ? cursor : events.back().id;
  auto keep = [&]() -> Status {
    for (const auto& g : saved) {
      auto segment = outreach::ParseSegment(g.expression);
      if (!segment) continue;  // checked when saved
      RETAIN_ASSIGN_OR_RETURN(auto members, out.SegmentMembers(g.key));
      std::sort(members.begin(), members.end());  // the database's collation may differ from byte order
      outreach::SegmentChanges changes;
      if (from_table) {
        auto matching = facts_->Matching(*segment);
        std::set_difference(matching.begin(), matching.end(), members.begin(), members.end(), std::back_inserter(changes.entered));
        std::set_difference(members.begin(), members.end(), matching.begin(), matching.end(), std::back_inserter(changes.left));
      } else {
        changes = outreach::DiffMembers(*segment, facts, members);
      }
      // The first count of a new or changed segment fills it: nobody "entered" it then.
      bool first_count = !g.refreshed_at;
      auto publish = [&](const std::string& customer, bool entered) -> Status {
        RETAIN_RETURN_IF_ERROR(out.SetMember(g.key, customer, entered, now).map([](bool) {}));
        if (first_count) return Ok();
        std::string type = entered ? "segment.entered" : "segment.left";
        json payload = {{"type", type},
                        {"created_at", FormatTimestamp(now)},
                        {"data", {{"customer", customer}, {"segment", g.key}, {"name", g.name}}}};
        return store_->webhooks().AppendOutbox({0, type, customer, payload.dump(), now});
      };
      for (const auto& c : changes.entered) RETAIN_RETURN_IF_ERROR(publish(c, true));
      for (const auto& c : changes.left) RETAIN_RETURN_IF_ERROR(publish(c, false));
      if (everyone || !changes.entered.empty() || !changes.left.empty()) {
        RETAIN_RETURN_IF_ERROR(out.CountMembers(g.key, everyone ? std::optional<Timestamp>(now) : std::nullopt));
      }
    }
    return records.SetSetting(kSegmentsCursor, std::to_string(next));
  };
  return InTransaction(records, keep);
}

}  // namespace retain::server
