#include "outreach/contest.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/crypto.h"
#include "outreach/campaign.h"
#include "outreach/segment.h"

namespace retain::outreach {

using nlohmann::json;

Result<Contest> ParseContest(std::string_view key, const json& d, const BusinessZone& zone) {
  if (!d.is_object()) return MakeError(ErrorCode::kInvalidArgument, "must be a JSON object", "contest");
  for (const char* field : {"name", "rules", "prize", "eligibility", "opens_at", "closes_at", "channel", "template"}) {
    if (d.contains(field) && !d[field].is_string() && !d[field].is_null()) {
      return MakeError(ErrorCode::kInvalidArgument, "must be text", field);
    }
  }
  auto text = [&](const char* field) -> std::string {
    auto it = d.find(field);
    return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Contest c;
  c.key = std::string(key);
  c.name = text("name");
  if (c.name.empty()) c.name = c.key;
  c.rules = text("rules");
  c.prize = text("prize");
  if (c.prize.empty()) return MakeError(ErrorCode::kInvalidArgument, "is required: what the winners get", "prize");
  c.eligibility = text("eligibility");
  if (!c.eligibility.empty()) {
    if (auto parsed = ParseSegment(c.eligibility); !parsed) {
      return MakeError(ErrorCode::kInvalidArgument, parsed.error().field + ": " + parsed.error().message, "eligibility");
    }
  }
  for (const char* field : {"opens_at", "closes_at"}) {
    std::string at = text(field);
    if (at.empty()) return MakeError(ErrorCode::kInvalidArgument, "is required: a date or a time", field);
    auto parsed = ParseTimestamp(at, zone);
    if (!parsed) return MakeError(ErrorCode::kInvalidArgument, parsed.error().message, field);
    (std::string_view(field) == "opens_at" ? c.opens_at : c.closes_at) = *parsed;
  }
  if (c.closes_at <= c.opens_at) return MakeError(ErrorCode::kInvalidArgument, "must come after opens_at", "closes_at");
  if (auto it = d.find("winners"); it != d.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 1000) {
      return MakeError(ErrorCode::kInvalidArgument, "must be a whole number from 1 to 1000", "winners");
    }
    c.winners = it->get<int>();
  }
  if (d.contains("channel")) c.channel = text("channel");
  if (std::find(kChannels.begin(), kChannels.end(), c.channel) == kChannels.end()) {
    return MakeError(ErrorCode::kInvalidArgument, "must be email, print or webhook", "channel");
  }
  c.template_key = text("template");
  return c;
}

json ContestDocument(const Contest& c) {
  bool revealed = c.status == "drawn" || c.status == "cancelled";
  json out = {{"key", c.key},
              {"name", c.name},
              {"rules", c.rules},
              {"prize", c.prize},
              {"eligibility", c.eligibility},
              {"opens_at", FormatTimestamp(c.opens_at)},
              {"closes_at", FormatTimestamp(c.closes_at)},
              {"winners", c.winners},
              {"channel", c.channel},
              {"template", c.template_key},
              {"status", c.status},
              {"commitment", c.commitment},
              {"created_by", c.created_by},
              {"created_at", FormatTimestamp(c.created_at)},
              {"updated_at", FormatTimestamp(c.updated_at)}};
  out["seed"] = revealed ? json(c.seed) : json(nullptr);
  out["drawn_at"] = c.drawn_at ? json(FormatTimestamp(*c.drawn_at)) : json(nullptr);
  return out;
}

std::string_view Phase(const Contest& c, Timestamp now) {
  if (c.status == "drawn" || c.status == "cancelled") return c.status;
  if (now < c.opens_at) return "upcoming";
  if (now < c.closes_at) return "open";
  return "closed";
}

std::string Commitment(std::string_view seed) { return Sha256Hex(seed); }

std::string Ticket(std::string_view seed, std::string_view entry_code) {
  return Sha256Hex(fmt::format("{}:{}", seed, entry_code));
}

std::vector<DrawnEntry> DrawWinners(std::string_view seed, const std::vector<std::string>& entry_codes, int winners) {
  std::vector<DrawnEntry> all;
  all.reserve(entry_codes.size());
  for (const auto& code : entry_codes) all.push_back({code, Ticket(seed, code), 0});
  // Ties are impossible in practice (SHA-256); the entry code breaks one anyway.
  auto lower = [](const DrawnEntry& a, const DrawnEntry& b) {
    return a.ticket != b.ticket ? a.ticket < b.ticket : a.entry_code < b.entry_code;
  };
  size_t n = std::min(all.size(), static_cast<size_t>(std::max(winners, 0)));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), lower);
  all.resize(n);
  for (size_t i = 0; i < n; ++i) all[i].rank = static_cast<int>(i) + 1;
  return all;
}

}  // namespace retain::outreach
