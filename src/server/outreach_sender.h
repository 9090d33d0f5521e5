// Sending outreach: on its own thread and database connection, keeps saved segments' members up
// to date, starts the journeys new outbox events trigger, draws contests that have closed, draws the audience of each campaign whose moment has come (held-out members
// recorded, never sent), then works through the
// queued deliveries: each is checked at the moment it would go (consent, suppression, frequency
// cap, quiet hours), written in the customer's language and handed to its channel (e-mail over
// SMTP, a letter kept for the campaign's PDF, a signed webhook through the outbox). E-mails are
// marked "sending" before they are handed over, so a server stopped mid-send leaves them failed
// rather than sending any twice.
#ifndef RETAIN_SERVER_OUTREACH_SENDER_H_
#define RETAIN_SERVER_OUTREACH_SENDER_H_

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "common/time.h"
#include "outreach/contest.h"
#include "outreach/message.h"
#include "server/facts_cache.h"
#include "server/mailer.h"
#include "server/store_workers.h"

namespace retain::server {

struct OutreachOptions {
  SmtpOptions smtp;
  std::string public_url;  // where links in messages point (unsubscribe); e.g. https://retain.example
  std::chrono::milliseconds poll{1000};
  int batch = 200;         // deliveries per round
};

// The business's outreach settings (outreach::kSettingsKey), defaults when unset.
Result<outreach::OutreachSettings> LoadOutreachSettings(core::RecordStore& records);
// The secret that signs unsubscribe links, made on first use.
Result<std::string> OutreachSecret(core::RecordStore& records);

// Runs `body` in a transaction on `records`, rolling back when it fails.
template <typename F>
Status InTransaction(core::RecordStore& records, F body) {
  RETAIN_RETURN_IF_ERROR(records.Begin());
  Status done = body();
  if (!done) {
    records.Rollback();
    return done;
  }
  return records.Commit();
}

// Draws a closed contest `c` in the caller's transaction: the winners marked, their message queued
// (when the contest names one), the seed revealed in the audit trail, `c` stored as drawn.
// Returns how many won.
Result<int64_t> DrawContest(Stores& s, outreach::Contest& c, Timestamp now, const std::string& actor);

class OutreachSender {
 public:
  // Starts the thread with its own store from `factory`; marks deliveries a previous run left
  // mid-send as failed.
  // `facts`, when set, is kept up to date each round and used for recounting saved segments; it
  // must outlive the sender.
  static Result<std::unique_ptr<OutreachSender>> Start(const StoreFactory& factory, OutreachOptions options,
                                                       BusinessZone zone, FactsCache* facts = nullptr);
  ~OutreachSender();
  // Asks for a round now (a campaign was scheduled). Thread-safe.
  void Wake();
  // Stops after the message in progress. Idempotent.
  void Stop();

 private:
  OutreachSender(std::unique_ptr<Stores> store, OutreachOptions options, BusinessZone zone, FactsCache* facts);
  void Loop();
  Status EnrollFromEvents();
  // Saved segments' members, recomputed for the customers new events are about (everyone's after
  // an analytics refresh, a change of segment, or a day); each change becomes a segment.entered
  // or segment.left event. In segment_keeper.cc.
  Status KeepSegments(Timestamp now);
  Status DrawAudiences(Timestamp now);
  Status SendDue(Timestamp now);
  // A delivery decided and, when it goes, written: `to` and `message` for an e-mail, `event` for
  // the webhook channel; `suppress` when the relay bounced it.
  struct Prepared {
    outreach::Delivery d;
    std::string to;
    std::string message;
    std::optional<core::OutboxEvent> event;
    bool suppress = false;
  };
  Result<Prepared> Prepare(outreach::Delivery d, const outreach::OutreachSettings& settings, const std::string& secret,
                           Timestamp now, std::map<std::string, int, std::less<>>& sending);
  Status FinishCampaigns();
  Status DrawContests(Timestamp now);

  std::unique_ptr<Stores> store_;
  OutreachOptions options_;
  BusinessZone zone_;
  FactsCache* facts_;
  SmtpMailer mailer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

// `reply`, which first wakes `sender` (when there is one) if the response is a success: the write
// gave the sender something to do now (a campaign scheduled, a contest drawn, a segment saved).
inline Reply WakingOnSuccess(OutreachSender* sender, Reply reply) {
  return [sender, reply = std::move(reply)](Response r) {
    if (r.status < 300 && sender) sender->Wake();
    reply(std::move(r));
  };
}

}  // namespace retain::server

#endif  // RETAIN_SERVER_OUTREACH_SENDER_H_
