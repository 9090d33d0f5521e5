// Where outreach keeps its templates, campaigns, the delivery of every message (one row per
// customer and source, so drawing an audience twice sends nothing twice) and the suppression
// list. storage/ implements it on the record store's connection, so a delivery and the records
// it reads share a transaction. One store per connection; not thread-safe.
#ifndef RETAIN_OUTREACH_OUTREACH_STORE_H_
#define RETAIN_OUTREACH_OUTREACH_STORE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "outreach/campaign.h"
#include "outreach/contest.h"
#include "outreach/journey.h"
#include "outreach/template.h"

namespace retain::outreach {


struct StoredTemplate {
  MessageTemplate message;
  std::string updated_by;
  Timestamp updated_at{};
};

struct Delivery {
  int64_t id = 0;
  std::string source;          // "campaign:<key>" or "journey:<key>"
  std::string customer_id;     // external id
  std::string occurrence;      // a journey's event ("e<outbox id>"); "" for a campaign
  int step = 0;                // a journey's step
  Timestamp created_at{};      // when the audience was drawn or the event happened
  std::string channel;
  std::string template_key;
  std::string variant;         // a variant's name or kHeldOut
  std::string purpose = "marketing";
  // queued: waiting to go (due_at); sending: handed to the channel, outcome not yet written;
  // sent; held_out: drawn into the held-out group; skipped: a rule said no (reason); failed: the
  // channel refused or the server stopped mid-send (reason); bounced: the address was rejected.
  std::string status = "queued";
  std::string reason;
  Timestamp due_at{};
  std::optional<Timestamp> sent_at;
  int attempts = 0;
  std::string address;         // where it went: an e-mail address, a postal address, a webhook
  std::string subject;         // as written, for the customer's timeline
  std::string content;         // a letter's body as written (print only)
};

struct CampaignOutcomeRow {
  std::string variant;
  std::string status;
  int64_t purchases = 0;
  int64_t revenue_minor = 0;
  bool cancelled = false;
};

struct ContestEntry {
  std::string customer_id;  // external id
  std::string entry_code;   // random, told to the entrant, published at the draw
  Timestamp entered_at{};
  std::string via;          // who or what entered it: a staff member, an API key, the customer
  std::optional<int> winner_rank;
};

// A segment kept up to date: its members are recomputed for a customer when an event about them
// arrives, and for everyone when the analytics are refreshed, the segment changes, or a day passes.
struct SavedSegment {
  std::string key;
  std::string name;
  std::string expression;  // segment language
  int64_t members = 0;
  std::optional<Timestamp> refreshed_at;  // the last full recount
  std::string created_by;
  Timestamp updated_at{};
};

class OutreachStore {
 public:
  virtual ~OutreachStore() = default;

  virtual Status PutTemplate(const StoredTemplate& t) = 0;
  virtual Result<std::optional<StoredTemplate>> GetTemplate(std::string_view key) = 0;
  virtual Result<std::vector<StoredTemplate>> ListTemplates() = 0;

  // Inserts or replaces the campaign with c.key; returns its id.
  virtual Result<int64_t> PutCampaign(const Campaign& c) = 0;
  virtual Result<std::optional<Campaign>> GetCampaign(std::string_view key) = 0;
  // Newest first.
  virtual Result<std::vector<Campaign>> ListCampaigns() = 0;
  // Scheduled campaigns whose send_at has come.
  virtual Result<std::vector<Campaign>> DueCampaigns(Timestamp now) = 0;

  // Inserts or replaces the journey with j.key.
  virtual Status PutJourney(const Journey& j) = 0;
  virtual Result<std::optional<Journey>> GetJourney(std::string_view key) = 0;
  virtual Result<std::vector<Journey>> ListJourneys() = 0;
  // The newest outbox event's id (0 for none).
  virtual Result<int64_t> LatestOutboxId() = 0;

  // Adds deliveries; one that exists for (source, customer, occurrence, step) is left as it is.
  // Returns how many were new.
  virtual Result<int64_t> AddDeliveries(const std::vector<Delivery>& deliveries) = 0;
  // Queued deliveries due at `now`, oldest first.
  virtual Result<std::vector<Delivery>> DueDeliveries(Timestamp now, int limit) = 0;
  // Writes status, reason, due_at, sent_at, attempts, address, subject and content.
  virtual Status UpdateDelivery(const Delivery& d) = 0;
  virtual Result<std::optional<Delivery>> GetDelivery(int64_t id) = 0;
  // A source's deliveries with `status` (every status when empty), by id.
  virtual Result<std::vector<Delivery>> SourceDeliveries(std::string_view source, std::string_view status) = 0;
  // How many deliveries of a source are in each status.
  virtual Result<std::vector<std::pair<std::string, int64_t>>> CountByStatus(std::string_view source) = 0;
  // A customer's deliveries, newest first.
  virtual Result<std::vector<Delivery>> CustomerDeliveries(std::string_view customer_id, int limit) = 0;
  // Marketing messages sent to the customer on `channel` since `since`.
  virtual Result<int> SentSince(std::string_view customer_id, std::string_view channel, Timestamp since) = 0;
  // Deliveries left in "sending" (the server stopped mid-send) become failed, never resent.
  virtual Result<int64_t> AbandonSending(std::string_view reason) = 0;

  virtual Status Suppress(std::string_view channel, std::string_view address, std::string_view reason, Timestamp at) = 0;
  virtual Result<bool> IsSuppressed(std::string_view channel, std::string_view address) = 0;

  // Each audience member of a source (a journey's first step of each occurrence) with what they
  // did in the `days` after the delivery was created, or until `now` when sooner: purchases
  // (sales) and their total, and whether a subscription of theirs was cancelled.
  virtual Result<std::vector<CampaignOutcomeRow>> Outcomes(std::string_view source, int days, Timestamp now) = 0;

  // Inserts or replaces the contest with c.key (its seed and commitment never change); returns
  // its id.
  virtual Result<int64_t> PutContest(const Contest& c) = 0;
  virtual Result<std::optional<Contest>> GetContest(std::string_view key) = 0;
  // Newest first.
  virtual Result<std::vector<Contest>> ListContests() = 0;
  // Open contests whose closing has come: due for their draw.
  virtual Result<std::vector<Contest>> ContestsToDraw(Timestamp now) = 0;
  // The customer's entry: the one they had, or `e` added now (second is true then).
  virtual Result<std::pair<ContestEntry, bool>> AddEntry(int64_t contest_id, const ContestEntry& e) = 0;
  // Every entry, by entry code.
  virtual Result<std::vector<ContestEntry>> Entries(int64_t contest_id) = 0;
  virtual Result<int64_t> CountEntries(int64_t contest_id) = 0;
  virtual Status SetWinner(int64_t contest_id, std::string_view entry_code, int rank) = 0;

  // Inserts or replaces the saved segment (members and the last recount are the store's).
  virtual Status PutSavedSegment(const SavedSegment& s) = 0;
  virtual Result<std::optional<SavedSegment>> GetSavedSegment(std::string_view key) = 0;
  virtual Result<std::vector<SavedSegment>> ListSavedSegments() = 0;
  // Removes the segment and its members; false when there was none.
  virtual Result<bool> DeleteSavedSegment(std::string_view key) = 0;
  // The members' customer ids, sorted.
  virtual Result<std::vector<std::string>> SegmentMembers(std::string_view key) = 0;
  // Makes the customer a member (since `at`) or not; true when that changed anything.
  virtual Result<bool> SetMember(std::string_view key, std::string_view customer_id, bool member, Timestamp at) = 0;
  // Recounts the members; `refreshed` marks a full recount.
  virtual Status CountMembers(std::string_view key, std::optional<Timestamp> refreshed) = 0;
};

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_OUTREACH_STORE_H_
