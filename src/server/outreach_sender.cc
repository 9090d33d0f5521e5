#include "server/outreach_sender.h"

#include <map>

#include <fmt/format.h>

#include "common/crypto.h"
#include "outreach/campaign.h"
#include "outreach/contest.h"
#include "outreach/email.h"
#include "outreach/journey.h"
#include "outreach/segment.h"

namespace retain::server {
namespace {

using nlohmann::json;
using outreach::Delivery;

constexpr std::string_view kOutreachCursor = "outreach_cursor";  // the last outbox event journeys have seen
constexpr int kMaxAttempts = 5;


}  // namespace

Result<outreach::OutreachSettings> LoadOutreachSettings(core::RecordStore& records) {
  RETAIN_ASSIGN_OR_RETURN(auto text, records.GetSetting(outreach::kSettingsKey));
  if (!text) return outreach::OutreachSettings{};
  return outreach::ParseOutreachSettings(json::parse(*text, nullptr, false));
}

Result<std::string> OutreachSecret(core::RecordStore& records) {
  RETAIN_ASSIGN_OR_RETURN(auto secret, records.GetSetting(outreach::kSecretKey));
  if (secret) return *secret;
  RETAIN_ASSIGN_OR_RETURN(auto fresh, RandomHex(32));
  RETAIN_RETURN_IF_ERROR(records.SetSetting(outreach::kSecretKey, fresh));
  return fresh;
}

Result<int64_t> DrawContest(Stores& s, outreach::Contest& c, Timestamp now, const std::string& actor) {
  RETAIN_ASSIGN_OR_RETURN(auto entries, s.outreach().Entries(c.id));
  std::vector<std::string> codes;
  std::map<std::string, std::string, std::less<>> customer_of;
  for (const auto& e : entries) {
    codes.push_back(e.entry_code);
    customer_of[e.entry_code] = e.customer_id;
  }
  auto winners = outreach::DrawWinners(c.seed, codes, c.winners);
  std::string purpose = "transactional";
  if (!c.template_key.empty()) {
    RETAIN_ASSIGN_OR_RETURN(auto t, s.outreach().GetTemplate(c.template_key));
    if (t) purpose = t->message.purpose;
  }
  std::vector<outreach::Delivery> notices;
  json drawn = json::array();
  for (const auto& w : winners) {
    RETAIN_RETURN_IF_ERROR(s.outreach().SetWinner(c.id, w.entry_code, w.rank));
    drawn.push_back({{"rank", w.rank}, {"entry_code", w.entry_code}, {"ticket", w.ticket}});
    if (c.template_key.empty()) continue;
    outreach::Delivery d;
    d.source = "contest:" + c.key;
    d.customer_id = customer_of[w.entry_code];
    d.channel = c.channel;
    d.template_key = c.template_key;
    d.variant = "A";
    d.purpose = purpose;
    d.status = "queued";
    d.due_at = now;
    d.created_at = now;
    notices.push_back(std::move(d));
  }
  RETAIN_RETURN_IF_ERROR(s.outreach().AddDeliveries(notices).map([](int64_t) {}));
  c.status = "drawn";
  c.drawn_at = now;
  c.updated_at = now;
  RETAIN_RETURN_IF_ERROR(s.outreach().PutContest(c).map([](int64_t) {}));
  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({now, actor, "contest.drawn", "contests", c.key, "null",
                                                  json{{"seed", c.seed}, {"winners", drawn}}.dump()}));
  return static_cast<int64_t>(winners.size());
}

Result<std::unique_ptr<OutreachSender>> OutreachSender::Start(const StoreFactory& factory, OutreachOptions options,
                                                              BusinessZone zone, FactsCache* facts) {
  RETAIN_ASSIGN_OR_RETURN(auto store, factory());
  RETAIN_RETURN_IF_ERROR(store->outreach()
                             .AbandonSending("the server stopped while handing this message over; not sent again, so it "
                                             "cannot arrive twice")
                             .map([](int64_t) {}));
  std::unique_ptr<OutreachSender> s(new OutreachSender(std::move(store), std::move(options), std::move(zone), facts));
  s->thread_ = std::thread([p = s.get()] { p->Loop(); });
  return s;
}

OutreachSender::OutreachSender(std::unique_ptr<Stores> store, OutreachOptions options, BusinessZone zone, FactsCache* facts)
    : store_(std::move(store)), options_(std::move(options)), zone_(std::move(zone)), facts_(facts), mailer_(options_.smtp) {}

OutreachSender::~OutreachSender() { Stop(); }

void OutreachSender::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void OutreachSender::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void OutreachSender::Loop() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.poll, [&] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
    }
    // A failure here is the database's; the next round tries again.
    auto now = Now();
    if (facts_) {
      if (auto s = facts_->Update(*store_, now); !s) fmt::print(stderr, "retain serve: reading customers' facts failed: {}\n", s.error().message);
    }
    if (auto s = KeepSegments(now); !s) fmt::print(stderr, "retain serve: keeping saved segments failed: {}\n", s.error().message);
    if (auto s = EnrollFromEvents(); !s) fmt::print(stderr, "retain serve: starting journeys failed: {}\n", s.error().message);
    if (auto s = DrawContests(now); !s) fmt::print(stderr, "retain serve: drawing a contest failed: {}\n", s.error().message);
    if (auto s = DrawAudiences(now); !s) fmt::print(stderr, "retain serve: drawing a campaign's audience failed: {}\n", s.error().message);
    if (auto s = SendDue(now); !s) fmt::print(stderr, "retain serve: sending outreach failed: {}\n", s.error().message);
    if (auto s = FinishCampaigns(); !s) fmt::print(stderr, "retain serve: finishing campaigns failed: {}\n", s.error().message);
  }
}

// Each due campaign's audience, drawn once: the segment over every customer's facts now, each
// member in a variant or held out, in one transaction with the campaign's new status.
Status OutreachSender::DrawAudiences(Timestamp now) {
  auto& out = store_->outreach();
  RETAIN_ASSIGN_OR_RETURN(auto due, out.DueCampaigns(now));
  for (auto& c : due) {
    auto segment = outreach::ParseSegment(c.segment);
    std::map<std::string, std::string, std::less<>> purpose;
    for (const auto& v : c.variants) {
      RETAIN_ASSIGN_OR_RETURN(auto t, out.GetTemplate(v.template_key));
      purpose[v.template_key] = t ? t->message.purpose : "marketing";
    }
    auto draw = [&]() -> Status {
      if (!segment) {
        c.status = "cancelled";
        c.updated_at = now;
        return out.PutCampaign(c).map([](int64_t) {});
      }
      // The audience from the facts the server keeps (brought up to date at the start of this
      // round), else read from the database.
      std::vector<std::string> audience;
      if (facts_ && facts_->ready()) {
        audience = facts_->Matching(*segment);
      } else {
        RETAIN_ASSIGN_OR_RETURN(auto facts, store_->facts().AllFacts(now));
        for (const auto& f : facts) {
          if (outreach::Matches(*segment->root, f.facts)) audience.push_back(f.id);
        }
      }
      std::vector<Delivery> deliveries;
      for (const auto& id : audience) {
        Delivery d;
        d.source = "campaign:" + c.key;
        d.customer_id = id;
        d.channel = c.channel;
        d.variant = outreach::Assign(c, id);
        d.template_key = c.variants.front().template_key;
        for (const auto& v : c.variants) {
          if (v.name == d.variant) d.template_key = v.template_key;
        }
        d.purpose = purpose[d.template_key];
        d.status = d.variant == outreach::kHeldOut ? "held_out" : "queued";
        d.due_at = now;
        d.created_at = now;
        deliveries.push_back(std::move(d));
      }
      RETAIN_RETURN_IF_ERROR(out.AddDeliveries(deliveries).map([](int64_t) {}));
      c.status = "sending";
      c.audience_at = now;
      c.audience = static_cast<int64_t>(deliveries.size());
      c.updated_at = now;
      return out.PutCampaign(c).map([](int64_t) {});
    };
    RETAIN_RETURN_IF_ERROR(InTransaction(store_->records(), draw));
  }
  return Ok();
}

// New outbox events start the journeys whose trigger they are: each step becomes a delivery due
// its days after the event (held out ones recorded as such), all in one transaction with the
// cursor, so an event starts a journey once.
Status OutreachSender::EnrollFromEvents() {
  auto& out = store_->outreach();
  auto& records = store_->records();
  RETAIN_ASSIGN_OR_RETURN(auto cursor_text, records.GetSetting(kOutreachCursor));
  if (!cursor_text) {
    // The first start: journeys begin with what happens from now on, not with the history.
    RETAIN_ASSIGN_OR_RETURN(int64_t latest, out.LatestOutboxId());
    return records.SetSetting(kOutreachCursor, std::to_string(latest));
  }
  int64_t cursor = std::stoll(*cursor_text);
  RETAIN_ASSIGN_OR_RETURN(auto events, store_->webhooks().OutboxAfter(cursor, 500));
  if (events.empty()) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto journeys, out.ListJourneys());
  std::map<std::string, std::string, std::less<>> purpose;
  // Each journey's condition parsed once for the round (checked when it was saved).
  std::map<std::string, outreach::Segment, std::less<>> conditions;
  for (const auto& j : journeys) {
    if (!j.condition.empty()) {
      if (auto parsed = outreach::ParseSegment(j.condition)) conditions.emplace(j.key, std::move(*parsed));
    }
    for (const auto& step : j.steps) {
      if (purpose.contains(step.template_key)) continue;
      RETAIN_ASSIGN_OR_RETURN(auto t, out.GetTemplate(step.template_key));
      purpose[step.template_key] = t ? t->message.purpose : "marketing";
    }
  }
  // One customer into one journey for event `e`: the condition checked at the moment of the event
  // (facts from the server's table when it has them), then one delivery per step.
  auto start = [&](const outreach::Journey& j, const core::OutboxEvent& e, const std::string& customer) -> Status {
    if (!j.condition.empty()) {
      auto condition = conditions.find(j.key);
      if (condition == conditions.end()) return Ok();
      outreach::Facts facts;
      if (!facts_ || !facts_->Get(customer, &facts)) {
        RETAIN_ASSIGN_OR_RETURN(auto read, store_->facts().FactsOf(customer, e.created_at));
        if (!read) return Ok();
        facts = std::move(read->facts);
      }
      if (!outreach::Matches(*condition->second.root, facts)) return Ok();
    }
    bool held = outreach::HeldOutOfJourney(j, customer);
    std::vector<Delivery> steps;
    for (size_t i = 0; i < j.steps.size(); ++i) {
      Delivery d;
      d.source = "journey:" + j.key;
      d.customer_id = customer;
      d.occurrence = fmt::format("e{}", e.id);
      d.step = static_cast<int>(i);
      d.created_at = e.created_at;
      d.channel = j.channel;
      d.template_key = j.steps[i].template_key;
      d.variant = held ? std::string(outreach::kHeldOut) : "A";
      d.purpose = purpose[d.template_key];
      d.status = held ? "held_out" : "queued";
      d.due_at = e.created_at + date::days(j.steps[i].wait_days);
      steps.push_back(std::move(d));
    }
    return out.AddDeliveries(steps).map([](int64_t) {});
  };
  auto enroll = [&]() -> Status {
    for (const auto& e : events) {
      for (const auto& j : journeys) {
        if (!j.active || j.trigger != e.type || e.id <= j.since_event) continue;
        json payload = json::parse(e.payload_json, nullptr, false);
        if (!outreach::StartsJourney(j, e.type, payload)) continue;
        // Whom the event is about: its customer, or every member of a program that changed.
        std::vector<std::string> customers;
        if (e.type == "program.changed") {
          RETAIN_ASSIGN_OR_RETURN(auto members, store_->loyalty().MembersWithDates(e.record_id));
          for (auto& m : members) customers.push_back(std::move(m.customer));
        } else if (auto customer = outreach::EventCustomer(e.type, e.record_id, payload)) {
          customers.push_back(std::move(*customer));
        }
        for (const auto& who : customers) RETAIN_RETURN_IF_ERROR(start(j, e, who));
      }
    }
    return records.SetSetting(kOutreachCursor, std::to_string(events.back().id));
  };
  return InTransaction(records, enroll);
}


// Due deliveries in chunks: each is checked and written (reads only), then one transaction
// records the chunk's outcomes and marks its e-mails "sending", the e-mails go to the relay, and a
// second transaction records what the relay said. A server stopped between the two leaves at most
// a chunk of e-mails failed (never sent twice).
Status OutreachSender::SendDue(Timestamp now) {
  auto& out = store_->outreach();
  auto& records = store_->records();
  RETAIN_ASSIGN_OR_RETURN(auto due, out.DueDeliveries(now, options_.batch));
  if (due.empty()) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto settings, LoadOutreachSettings(records));
  RETAIN_ASSIGN_OR_RETURN(auto secret, OutreachSecret(records));
  constexpr size_t kChunk = 25;
  for (size_t first = 0; first < due.size(); first += kChunk) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Ok();
    }
    Timestamp at = Now();
    std::vector<Prepared> chunk;
    std::map<std::string, int, std::less<>> sending;  // marketing messages this chunk, by customer and channel
    for (size_t i = first; i < std::min(due.size(), first + kChunk); ++i) {
      auto prepared = Prepare(due[i], settings, secret, at, sending);
      if (!prepared) {
        // The database's trouble ends the round; a problem of this one delivery fails it alone.
        if (prepared.error().code == ErrorCode::kInternal || prepared.error().code == ErrorCode::kUnavailable) {
          return tl::unexpected(prepared.error());
        }
        Prepared failed;
        failed.d = due[i];
        failed.d.status = "failed";
        failed.d.reason = prepared.error().field.empty() ? prepared.error().message
                                                         : prepared.error().field + ": " + prepared.error().message;
        chunk.push_back(std::move(failed));
        continue;
      }
      chunk.push_back(std::move(*prepared));
    }
    auto record = [&]() -> Status {
      for (auto& p : chunk) {
        if (p.event) RETAIN_RETURN_IF_ERROR(store_->webhooks().AppendOutbox(*p.event));
        RETAIN_RETURN_IF_ERROR(out.UpdateDelivery(p.d));
      }
      return Ok();
    };
    RETAIN_RETURN_IF_ERROR(InTransaction(records, record));
    bool stopped = false;
    for (auto& p : chunk) {
      if (p.d.status != "sending") continue;
      {
        std::lock_guard lock(mu_);
        stopped = stopped || stopping_;
      }
      if (stopped) {  // not handed over: it waits for the next start
        p.d.status = "queued";
        --p.d.attempts;
        continue;
      }
      auto answer = mailer_.Send(settings.sender.from_email, p.to, p.message);
      Timestamp done = Now();
      switch (answer.kind) {
        case SmtpAnswer::Kind::kSent:
          p.d.status = "sent";
          p.d.reason.clear();
          p.d.sent_at = done;
          break;
        case SmtpAnswer::Kind::kBounced:
          p.d.status = "bounced";
          p.d.reason = fmt::format("refused by the mail server: {}", answer.message);
          p.suppress = true;
          break;
        case SmtpAnswer::Kind::kFailed:
          if (p.d.attempts < kMaxAttempts) {
            p.d.status = "queued";
            p.d.due_at = done + std::chrono::minutes(5 << (p.d.attempts - 1));
            p.d.reason = fmt::format("will retry: {}", answer.message);
          } else {
            p.d.status = "failed";
            p.d.reason = answer.message;
          }
          break;
      }
    }
    auto answers = [&]() -> Status {
      for (auto& p : chunk) {
        if (p.to.empty()) continue;  // not an e-mail
        if (p.suppress) RETAIN_RETURN_IF_ERROR(out.Suppress("email", p.to, p.d.reason, Now()));
        RETAIN_RETURN_IF_ERROR(out.UpdateDelivery(p.d));
      }
      return Ok();
    };
    RETAIN_RETURN_IF_ERROR(InTransaction(records, answers));
    if (stopped) return Ok();
  }
  return Ok();
}

// What to do with one delivery now, and the message when it goes; reads only. A skip, a wait, a
// letter and a webhook come back finished; an e-mail comes back "sending" with its bytes.
Result<OutreachSender::Prepared> OutreachSender::Prepare(Delivery d, const outreach::OutreachSettings& settings,
                                                         const std::string& secret, Timestamp now,
                                                         std::map<std::string, int, std::less<>>& sending) {
  auto& out = store_->outreach();
  Prepared p;
  auto finish = [&](std::string status, std::string reason) {
    d.status = std::move(status);
    d.reason = std::move(reason);
    if (d.status == "sent") d.sent_at = now;
    p.d = std::move(d);
    return p;
  };
  RETAIN_ASSIGN_OR_RETURN(auto customer, store_->records().GetCustomer(d.customer_id));
  if (!customer) return finish("failed", "the customer no longer exists");
  RETAIN_ASSIGN_OR_RETURN(auto stored, out.GetTemplate(d.template_key));
  if (!stored) return finish("failed", fmt::format("there is no template '{}'", d.template_key));
  d.address = outreach::AddressOf(*customer, d.channel);

  outreach::SendContext ctx;
  ctx.purpose = d.purpose;
  ctx.channel = d.channel;
  ctx.consent = outreach::HasConsent(*customer, d.channel);
  ctx.address_problem = outreach::AddressProblem(*customer, d.channel);
  RETAIN_ASSIGN_OR_RETURN(ctx.suppressed, out.IsSuppressed(d.channel, d.address));
  std::string cap_key = d.customer_id + "\n" + d.channel;
  if (auto cap = settings.policy.caps.find(d.channel); cap != settings.policy.caps.end()) {
    RETAIN_ASSIGN_OR_RETURN(ctx.sent_in_cap_window, out.SentSince(d.customer_id, d.channel, now - date::days(cap->second.days)));
    ctx.sent_in_cap_window += sending[cap_key];
  }
  ctx.time_zone = std::string(outreach::CountryTimeZone(customer->country));
  auto decision = outreach::DecideSend(ctx, settings.policy, now, zone_);
  if (decision.gate == outreach::Gate::kSkip) return finish("skipped", decision.reason);
  if (decision.gate == outreach::Gate::kWait) {
    d.due_at = decision.not_before;
    return finish("queued", decision.reason);
  }
  if (d.channel == "email" && !mailer_.configured()) {
    d.due_at = now + std::chrono::minutes(5);
    return finish("queued", "waiting: no SMTP server is configured (retain serve --smtp-url)");
  }

  std::string unsubscribe_url = fmt::format("{}/u/{}", options_.public_url, outreach::UnsubscribeToken(secret, d.id));
  // The customer's facts for the message (points, tier, ...): the server's table when it holds
  // them, else the database.
  std::optional<outreach::CustomerFacts> facts;
  if (outreach::Facts kept; facts_ && facts_->Get(d.customer_id, &kept)) {
    facts = outreach::CustomerFacts{d.customer_id, std::move(kept)};
  } else {
    RETAIN_ASSIGN_OR_RETURN(facts, store_->facts().FactsOf(d.customer_id, now));
  }
  // A journey's message also speaks of the event that started it.
  json event_values = json::object();
  if (d.occurrence.starts_with("e")) {
    RETAIN_ASSIGN_OR_RETURN(auto event, store_->webhooks().GetOutbox(std::stoll(d.occurrence.substr(1))));
    if (event) event_values = outreach::EventValues(event->type, json::parse(event->payload_json, nullptr, false));
  }
  json values = outreach::CustomerValues(*customer, facts ? &facts->facts : nullptr, settings.sender, now, zone_, unsubscribe_url,
                                         event_values);
  auto message = outreach::Render(stored->message, customer->locale, values);
  if (!message) return finish("failed", fmt::format("{}: {}", message.error().field, message.error().message));
  d.subject = message->subject;
  ++d.attempts;
  if (d.purpose == "marketing") ++sending[cap_key];

  if (d.channel == "print") {
    d.content = message->text;
    return finish("sent", "");
  }
  if (d.channel == "webhook") {
    core::OutboxEvent e;
    e.type = "outreach.message";
    e.record_id = d.customer_id;
    e.created_at = now;
    e.payload_json = json{{"type", e.type},
                          {"data",
                           {{"delivery_id", d.id},
                            {"source", d.source},
                            {"customer", d.customer_id},
                            {"phone", customer->phone},
                            {"locale", message->locale},
                            {"subject", message->subject},
                            {"text", message->text}}}}
                         .dump();
    p.event = std::move(e);
    return finish("sent", "");
  }
  // The one-click address takes a POST (RFC 8058); the page at /u/ is for people.
  std::string one_click = fmt::format("{}/v1/unsubscribe/{}", options_.public_url, outreach::UnsubscribeToken(secret, d.id));
  p.to = customer->email;
  p.message = outreach::ComposeEmail(outreach::EmailFor(*customer, *message, settings.sender, d.id, one_click, now));
  return finish("sending", "");
}

// Each open contest whose close has come is drawn, one transaction each; its winners' messages
// go out in this round's sending.
Status OutreachSender::DrawContests(Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto due, store_->outreach().ContestsToDraw(now));
  for (auto& c : due) {
    RETAIN_RETURN_IF_ERROR(
        InTransaction(store_->records(), [&]() -> Status { return DrawContest(*store_, c, now, "retain").map([](int64_t) {}); }));
  }
  return Ok();
}

Status OutreachSender::FinishCampaigns() {
  auto& out = store_->outreach();
  RETAIN_ASSIGN_OR_RETURN(auto campaigns, out.ListCampaigns());
  for (auto& c : campaigns) {
    if (c.status != "sending") continue;
    RETAIN_ASSIGN_OR_RETURN(auto counts, out.CountByStatus("campaign:" + c.key));
    bool open = false;
    for (const auto& [status, n] : counts) open = open || ((status == "queued" || status == "sending") && n > 0);
    if (open) continue;
    c.status = "sent";
    c.updated_at = Now();
    RETAIN_RETURN_IF_ERROR(out.PutCampaign(c).map([](int64_t) {}));
  }
  return Ok();
}

}  // namespace retain::server
