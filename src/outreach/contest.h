// Contests and sweepstakes: customers enter (once each, when the eligibility segment holds them,
// between the opening and the closing), and after the close a draw picks the winners, who are told
// through a channel. The draw is one anyone can audit: a random seed is made when the contest is
// created and only its SHA-256 (the commitment) is published; at the draw the seed is revealed.
// Every entry has a random entry code given to the entrant, and the winners are the entries whose
// ticket, SHA-256("<seed>:<entry code>") in hex, sorts lowest. Anyone holding the published seed
// and entry codes can check the commitment and reproduce the winners with sha256sum. Pure
// functions, no storage.
#ifndef RETAIN_OUTREACH_CONTEST_H_
#define RETAIN_OUTREACH_CONTEST_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"

namespace retain::outreach {

struct Contest {
  int64_t id = 0;
  std::string key;
  std::string name;
  std::string rules;         // what to do to enter and what can be won, for people
  std::string prize;
  std::string eligibility;   // segment language; empty: every customer may enter
  Timestamp opens_at{};
  Timestamp closes_at{};
  int winners = 1;
  std::string channel = "email";  // how winners are told
  std::string template_key;       // the message winners get; empty: nobody is told by Retain
  // open: taking entries between opens_at and closes_at; drawn: winners picked, the seed public;
  // cancelled: no draw (the seed is public, so nobody can claim a draw was hidden).
  std::string status = "open";
  std::string seed;          // secret until the draw
  std::string commitment;    // SHA-256 of the seed, public from creation
  std::optional<Timestamp> drawn_at;
  std::string created_by;
  Timestamp created_at{};
  Timestamp updated_at{};
};

// Parses a contest document (name, rules, prize, eligibility, opens_at, closes_at, winners,
// channel, template) for `key`. InvalidArgument naming the field.
Result<Contest> ParseContest(std::string_view key, const nlohmann::json& document, const BusinessZone& zone);
// The document with status, commitment and times; the seed only once the contest is drawn or
// cancelled.
nlohmann::json ContestDocument(const Contest& c);

// "upcoming", "open", "closed" (waiting for its draw), "drawn" or "cancelled" at `now`.
std::string_view Phase(const Contest& c, Timestamp now);

// The commitment published for a seed: its SHA-256 in hex.
std::string Commitment(std::string_view seed);
// One entry's ticket in the draw: SHA-256("<seed>:<entry code>") in hex.
std::string Ticket(std::string_view seed, std::string_view entry_code);

struct DrawnEntry {
  std::string entry_code;
  std::string ticket;
  int rank = 0;  // 1 for the first winner
};
// The winners among `entry_codes`: the `winners` lowest tickets (fewer when fewer entered), in
// rank order. The order of `entry_codes` does not matter.
std::vector<DrawnEntry> DrawWinners(std::string_view seed, const std::vector<std::string>& entry_codes, int winners);

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_CONTEST_H_
