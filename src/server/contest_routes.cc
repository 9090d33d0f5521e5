// Contests over HTTP: define one (its seed made and its commitment published at once), enter
// customers (once each, while it is open, when its eligibility segment holds them), draw the
// winners after the close (the server also draws by itself) and tell them through a channel, and
// the public audit document anyone can check the draw with.
#include <fmt/format.h>

#include "common/crypto.h"
#include "outreach/contest.h"
#include "outreach/segment.h"
#include "server/api.h"
#include "server/outreach_sender.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;


Result<outreach::Contest> FindContest(Stores& s, const std::string& key) {
  RETAIN_ASSIGN_OR_RETURN(auto c, s.outreach().GetContest(key));
  if (!c) return MakeError(ErrorCode::kNotFound, fmt::format("no contest '{}'", key), "key");
  return std::move(*c);
}

json EntryJson(const outreach::ContestEntry& e) {
  json out = {{"customer", e.customer_id}, {"entry_code", e.entry_code}, {"entered_at", FormatTimestamp(e.entered_at)},
              {"via", e.via}};
  out["winner_rank"] = e.winner_rank ? json(*e.winner_rank) : json(nullptr);
  return out;
}

// The contest with its phase now, its entries counted and, once drawn, its winners.
Result<json> ContestJson(Stores& s, const outreach::Contest& c) {
  json out = outreach::ContestDocument(c);
  out["phase"] = outreach::Phase(c, Now());
  RETAIN_ASSIGN_OR_RETURN(out["entries"], s.outreach().CountEntries(c.id));
  json winners = json::array();
  if (c.status == "drawn") {
    RETAIN_ASSIGN_OR_RETURN(auto entries, s.outreach().Entries(c.id));
    std::vector<outreach::ContestEntry> won;
    for (auto& e : entries) {
      if (e.winner_rank) won.push_back(std::move(e));
    }
    std::sort(won.begin(), won.end(), [](const auto& a, const auto& b) { return *a.winner_rank < *b.winner_rank; });
    for (const auto& e : won) winners.push_back(EntryJson(e));
  }
  out["winners_drawn"] = winners;
  RETAIN_ASSIGN_OR_RETURN(auto counts, s.outreach().CountByStatus("contest:" + c.key));
  json by_status = json::object();
  for (const auto& [status, n] : counts) by_status[status] = n;
  out["deliveries"] = by_status;
  return out;
}

// The template exists when one is named.
Status CheckTemplate(Stores& s, const outreach::Contest& c) {
  if (c.template_key.empty()) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto t, s.outreach().GetTemplate(c.template_key));
  if (!t) return MakeError(ErrorCode::kInvalidArgument, fmt::format("there is no template '{}'", c.template_key), "template");
  return Ok();
}

}  // namespace

void AddContestRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  OutreachSender* sender = ctx.outreach;
  BusinessZone zone = ctx.zone;
  const std::string read(staff::kRecordsRead), write(staff::kRecordsWrite), manage(staff::kOutreachManage), pub(kPublic);

  router.Add({"GET", "/v1/contests", {"Every contest, newest first, with its phase, entries and winners", "outreach", {}, "",
                                      "Contests", false, read},
              [workers](Request, Reply reply) {
                workers->Read(Answer([](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto rows, s.outreach().ListContests());
                  json data = json::array();
                  for (const auto& c : rows) {
                    RETAIN_ASSIGN_OR_RETURN(auto j, ContestJson(s, c));
                    data.push_back(std::move(j));
                  }
                  return Json(200, {{"data", data}});
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/contests/{key}", {"A contest with its phase, entries and winners", "outreach", {}, "", "Contest",
                                            false, read},
              [workers](Request req, Reply reply) {
                workers->Read(Answer([key = req.params["key"]](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, FindContest(s, key));
                  RETAIN_ASSIGN_OR_RETURN(auto j, ContestJson(s, c));
                  return Json(200, j);
                }), std::move(reply));
              }});

  router.Add({"PUT", "/v1/contests/{key}",
              {"Create or change a contest: {\"name\", \"rules\", \"prize\", \"eligibility\": a segment, \"opens_at\", "
               "\"closes_at\", \"winners\" (default 1), \"channel\", \"template\": the winners' message}. A random seed is "
               "made on creation and its SHA-256 published as the commitment; once someone has entered, only the name, "
               "rules and prize may change (409 otherwise)",
               "outreach", {}, "ContestDocument", "Contest", false, manage},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto parsed = outreach::ParseContest(req.params["key"], *body, zone);
                if (!parsed) return reply(ErrorResponse(parsed.error()));
                workers->Write(Atomic([parsed_contest = *parsed, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  outreach::Contest c = parsed_contest;
                  RETAIN_ASSIGN_OR_RETURN(auto existing, s.outreach().GetContest(c.key));
                  auto now = Now();
                  if (existing) {
                    if (existing->status != "open") {
                      return MakeError(ErrorCode::kConflict, fmt::format("contest '{}' is {}; it can no longer change", c.key,
                                                                         existing->status), "status");
                    }
                    RETAIN_ASSIGN_OR_RETURN(int64_t entries, s.outreach().CountEntries(existing->id));
                    bool same_rules = c.eligibility == existing->eligibility && c.opens_at == existing->opens_at &&
                                      c.closes_at == existing->closes_at && c.winners == existing->winners &&
                                      c.channel == existing->channel && c.template_key == existing->template_key;
                    if (entries > 0 && !same_rules) {
                      return MakeError(ErrorCode::kConflict,
                                       fmt::format("contest '{}' has {} entries; its eligibility, dates, winners and message "
                                                   "can no longer change (the name, rules and prize can)", c.key, entries),
                                       "status");
                    }
                    c.id = existing->id;
                    c.seed = existing->seed;
                    c.commitment = existing->commitment;
                    c.created_by = existing->created_by;
                    c.created_at = existing->created_at;
                  } else {
                    RETAIN_ASSIGN_OR_RETURN(c.seed, RandomHex(32));
                    c.commitment = outreach::Commitment(c.seed);
                    c.created_by = actor;
                    c.created_at = now;
                  }
                  c.status = "open";
                  c.updated_at = now;
                  RETAIN_RETURN_IF_ERROR(CheckTemplate(s, c));
                  RETAIN_ASSIGN_OR_RETURN(c.id, s.outreach().PutContest(c));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit(
                      {now, actor, "contest.saved", "contests", c.key, "null", outreach::ContestDocument(c).dump()}));
                  RETAIN_ASSIGN_OR_RETURN(auto j, ContestJson(s, c));
                  return Json(existing ? 200 : 201, j);
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/contests/{key}/entries",
              {"Enter a customer: {\"customer\": id}. 201 with the entry code to give them; 200 with the same code when "
               "they had entered already (one entry per person); 422 when the contest is not open or the customer is "
               "not eligible", "outreach", {}, "ContestEntryInput", "ContestEntry", false, write},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto who = body->find("customer");
                if (who == body->end() || !who->is_string() || who->get<std::string>().empty()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required: the customer's id, as text", "customer"}));
                }
                std::string customer = who->get<std::string>();
                workers->Write(Atomic([key = req.params["key"], customer, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, FindContest(s, key));
                  auto now = Now();
                  auto phase = outreach::Phase(c, now);
                  if (phase != "open") {
                    return MakeError(ErrorCode::kFailedPrecondition,
                                     fmt::format("contest '{}' is {}; entries are taken from {} to {}", key, phase,
                                                 FormatTimestamp(c.opens_at), FormatTimestamp(c.closes_at)),
                                     "key");
                  }
                  RETAIN_ASSIGN_OR_RETURN(auto facts, s.facts().FactsOf(customer, now));
                  if (!facts) return MakeError(ErrorCode::kNotFound, fmt::format("no customer '{}'", customer), "customer");
                  if (!c.eligibility.empty()) {
                    RETAIN_ASSIGN_OR_RETURN(auto segment, outreach::ParseSegment(c.eligibility));
                    if (!outreach::Matches(*segment.root, facts->facts)) {
                      return MakeError(ErrorCode::kFailedPrecondition,
                                       fmt::format("customer '{}' may not enter: the contest is for {}", customer, c.eligibility),
                                       "customer");
                    }
                  }
                  outreach::ContestEntry e;
                  e.customer_id = customer;
                  RETAIN_ASSIGN_OR_RETURN(e.entry_code, RandomHex(6));
                  e.entered_at = now;
                  e.via = actor;
                  RETAIN_ASSIGN_OR_RETURN(auto added, s.outreach().AddEntry(c.id, e));
                  if (added.second) {
                    RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({now, actor, "contest.entered", "contests", key, "null",
                                                                    json{{"customer", customer}, {"entry_code", e.entry_code}}.dump()}));
                  }
                  json out = EntryJson(added.first);
                  out["already_entered"] = !added.second;
                  return Json(added.second ? 201 : 200, out);
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/contests/{key}/entries", {"Every entry of a contest, by entry code, with the customer", "outreach",
                                                    {}, "", "ContestEntries", false, read},
              [workers](Request req, Reply reply) {
                workers->Read(Answer([key = req.params["key"]](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, FindContest(s, key));
                  RETAIN_ASSIGN_OR_RETURN(auto entries, s.outreach().Entries(c.id));
                  json data = json::array();
                  for (const auto& e : entries) data.push_back(EntryJson(e));
                  return Json(200, {{"data", data}});
                }), std::move(reply));
              }});

  router.Add({"POST", "/v1/contests/{key}/draw",
              {"Draw the winners of a closed contest now (the server draws by itself soon after the close): the seed "
               "is revealed, the lowest tickets win and the winners' message is queued", "outreach", {}, "", "Contest",
               false, manage},
              [workers, sender](Request req, Reply reply) {
                workers->Write(Atomic([key = req.params["key"], actor = req.principal->actor](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, FindContest(s, key));
                  auto now = Now();
                  auto phase = outreach::Phase(c, now);
                  if (phase == "drawn" || phase == "cancelled") {
                    return MakeError(ErrorCode::kConflict, fmt::format("contest '{}' is already {}", key, phase), "status");
                  }
                  if (phase != "closed") {
                    return MakeError(ErrorCode::kFailedPrecondition,
                                     fmt::format("contest '{}' closes at {}; it is drawn after that, so nobody can enter "
                                                 "once the seed is known", key, FormatTimestamp(c.closes_at)),
                                     "status");
                  }
                  RETAIN_RETURN_IF_ERROR(DrawContest(s, c, now, actor).map([](int64_t) {}));
                  RETAIN_ASSIGN_OR_RETURN(auto j, ContestJson(s, c));
                  return Json(200, j);
                }), WakingOnSuccess(sender, std::move(reply)));
              }});

  router.Add({"POST", "/v1/contests/{key}/cancel",
              {"Call a contest off before its draw; its seed is published so nobody can say a draw was hidden", "outreach",
               {}, "", "Contest", false, manage},
              [workers](Request req, Reply reply) {
                workers->Write(Atomic([key = req.params["key"], actor = req.principal->actor](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, FindContest(s, key));
                  if (c.status != "open") {
                    return MakeError(ErrorCode::kConflict, fmt::format("contest '{}' is already {}", key, c.status), "status");
                  }
                  c.status = "cancelled";
                  c.updated_at = Now();
                  RETAIN_RETURN_IF_ERROR(s.outreach().PutContest(c).map([](int64_t) {}));
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({c.updated_at, actor, "contest.cancelled", "contests", key, "null", "null"}));
                  RETAIN_ASSIGN_OR_RETURN(auto j, ContestJson(s, c));
                  return Json(200, j);
                }), std::move(reply));
              }});

  router.Add({"GET", "/v1/contests/{key}/audit",
              {"The public record of a contest's draw (no sign-in): the commitment from the start; after the close every "
               "entry code; after the draw the seed, every entry's ticket and the winners, with the recipe to check "
               "them", "self-serve", {}, "", "ContestAudit", false, pub},
              [workers](Request req, Reply reply) {
                workers->Read(Answer([key = req.params["key"]](Stores& s) -> Result<Response> {
                  RETAIN_ASSIGN_OR_RETURN(auto c, FindContest(s, key));
                  auto phase = outreach::Phase(c, Now());
                  json out = {{"key", c.key}, {"name", c.name}, {"rules", c.rules}, {"prize", c.prize},
                              {"opens_at", FormatTimestamp(c.opens_at)}, {"closes_at", FormatTimestamp(c.closes_at)},
                              {"winners", c.winners}, {"phase", phase}, {"commitment", c.commitment},
                              {"committed_at", FormatTimestamp(c.created_at)},
                              {"recipe",
                               "commitment = sha256(seed); ticket = sha256(seed + \":\" + entry_code), in lowercase hex; "
                               "the winners are the entries with the lowest tickets, in order. Check with: printf '%s' "
                               "\"$seed\" | sha256sum, and printf '%s:%s' \"$seed\" \"$code\" | sha256sum"}};
                  RETAIN_ASSIGN_OR_RETURN(out["entries"], s.outreach().CountEntries(c.id));
                  out["seed"] = nullptr;
                  out["entry_codes"] = nullptr;
                  out["drawn"] = nullptr;
                  std::vector<outreach::ContestEntry> entries;
                  if (phase == "closed" || phase == "drawn") {
                    RETAIN_ASSIGN_OR_RETURN(entries, s.outreach().Entries(c.id));
                    json codes = json::array();
                    for (const auto& e : entries) codes.push_back(e.entry_code);
                    out["entry_codes"] = codes;
                  }
                  if (phase == "drawn" || phase == "cancelled") out["seed"] = c.seed;
                  if (phase == "drawn") {
                    json drawn = json::array();
                    for (const auto& e : entries) {
                      if (e.winner_rank) {
                        drawn.push_back({{"rank", *e.winner_rank}, {"entry_code", e.entry_code},
                                         {"ticket", outreach::Ticket(c.seed, e.entry_code)}});
                      }
                    }
                    std::sort(drawn.begin(), drawn.end(), [](const json& a, const json& b) { return a["rank"] < b["rank"]; });
                    out["drawn"] = drawn;
                    out["drawn_at"] = c.drawn_at ? json(FormatTimestamp(*c.drawn_at)) : json(nullptr);
                  }
                  return Json(200, out);
                }), std::move(reply));
              }});
}

}  // namespace retain::server
