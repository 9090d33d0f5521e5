#include "server/outreach_sender.h"

#include <map>

#include <fmt/format.h>

#include "common/crypto.h"
#include "outreach/campaign.h"
#include "outreach/email.h"
#include "outreach/journey.h"
#include "outreach/segment.h"

namespace retain::server {
namespace {

using nlohmann::json;
using outreach::Delivery;

constexpr std::string_view kSettings = "outreach";
constexpr std::string_view kSecret = "outreach_secret";
constexpr std::string_view kCursor = "outreach_cursor";  // the last outbox event journeys have seen
constexpr int kMaxAttempts = 5;

Timestamp Now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

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

}  // namespace

Result<outreach::OutreachSettings> LoadOutreachSettings(core::RecordStore& records) {
  RETAIN_ASSIGN_OR_RETURN(auto text, records.GetSetting(kSettings));
  if (!text) return outreach::OutreachSettings{};
  return outreach::ParseOutreachSettings(json::parse(*text, nullptr, false));
}

Result<std::string> OutreachSecret(core::RecordStore& records) {
  RETAIN_ASSIGN_OR_RETURN(auto secret, records.GetSetting(kSecret));
  if (secret) return *secret;
  RETAIN_ASSIGN_OR_RETURN(auto fresh, RandomHex(32));
  RETAIN_RETURN_IF_ERROR(records.SetSetting(kSecret, fresh));
  return fresh;
}

Result<std::unique_ptr<OutreachSender>> OutreachSender::Start(const StoreFactory& factory, OutreachOptions options,
                                                              BusinessZone zone) {
  RETAIN_ASSIGN_OR_RETURN(auto store, factory());
  RETAIN_RETURN_IF_ERROR(store->outreach()
                             .AbandonSending("the server stopped while handing this message over; not sent again, so it "
                                             "cannot arrive twice")
                             .map([](int64_t) {}));
  std::unique_ptr<OutreachSender> s(new OutreachSender(std::move(store), std::move(options), std::move(zone)));
  s->thread_ = std::thread([p = s.get()] { p->Loop(); });
  return s;
}

OutreachSender::OutreachSender(std::unique_ptr<Stores> store, OutreachOptions options, BusinessZone zone)
    : store_(std::move(store)), options_(std::move(options)), zone_(std::move(zone)), mailer_(options_.smtp) {}

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
    if (auto s = EnrollFromEvents(); !s) fmt::print(stderr, "retain serve: starting journeys failed: {}\n", s.error().message);
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
      RETAIN_ASSIGN_OR_RETURN(auto facts, store_->facts().AllFacts(now));
      std::vector<Delivery> deliveries;
      for (const auto& f : facts) {
        if (!outreach::Matches(*segment->root, f.facts)) continue;
        Delivery d;
        d.source = "campaign:" + c.key;
        d.customer_id = f.id;
        d.channel = c.channel;
        d.variant = outreach::Assign(c, f.id);
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
  RETAIN_ASSIGN_OR_RETURN(auto cursor_text, records.GetSetting(kCursor));
  if (!cursor_text) {
    // The first start: journeys begin with what happens from now on, not with the history.
    RETAIN_ASSIGN_OR_RETURN(int64_t latest, out.LatestOutboxId());
    return records.SetSetting(kCursor, std::to_string(latest));
  }
  int64_t cursor = std::stoll(*cursor_text);
  RETAIN_ASSIGN_OR_RETURN(auto events, store_->webhooks().OutboxAfter(cursor, 500));
  if (events.empty()) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto journeys, out.ListJourneys());
  std::map<std::string, std::string, std::less<>> purpose;
  for (const auto& j : journeys) {
    for (const auto& step : j.steps) {
      if (purpose.contains(step.template_key)) continue;
      RETAIN_ASSIGN_OR_RETURN(auto t, out.GetTemplate(step.template_key));
      purpose[step.template_key] = t ? t->message.purpose : "marketing";
    }
  }
  auto enroll = [&]() -> Status {
    for (const auto& e : events) {
      for (const auto& j : journeys) {
        if (!j.active || j.trigger != e.type || e.id <= j.since_event) continue;
        auto customer = outreach::EventCustomer(e.type, e.record_id, json::parse(e.payload_json, nullptr, false));
        if (!customer) continue;
        if (!j.condition.empty()) {
          auto condition = outreach::ParseSegment(j.condition);
          RETAIN_ASSIGN_OR_RETURN(auto facts, store_->facts().FactsOf(*customer, e.created_at));
          if (!condition || !facts || !outreach::Matches(*condition->root, facts->facts)) continue;
        }
        bool held = outreach::HeldOutOfJourney(j, *customer);
        std::vector<Delivery> steps;
        for (size_t i = 0; i < j.steps.size(); ++i) {
          Delivery d;
          d.source = "journey:" + j.key;
          d.customer_id = *customer;
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
        RETAIN_RETURN_IF_ERROR(out.AddDeliveries(steps).map([](int64_t) {}));
      }
    }
    return records.SetSetting(kCursor, std::to_string(events.back().id));
  };
  return InTransaction(records, enroll);
}

Status OutreachSender::SendDue(Timestamp now) {
  auto& out = store_->outreach();
  RETAIN_ASSIGN_OR_RETURN(auto due, out.DueDeliveries(now, options_.batch));
  if (due.empty()) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto settings, LoadOutreachSettings(store_->records()));
  RETAIN_ASSIGN_OR_RETURN(auto secret, OutreachSecret(store_->records()));
  for (auto& d : due) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Ok();
    }
    RETAIN_RETURN_IF_ERROR(SendOne(std::move(d), settings, secret, Now()));
  }
  return Ok();
}

Status OutreachSender::SendOne(Delivery d, const outreach::OutreachSettings& settings, const std::string& secret, Timestamp now) {
  auto& out = store_->outreach();
  auto& records = store_->records();
  auto finish = [&](std::string status, std::string reason) {
    d.status = std::move(status);
    d.reason = std::move(reason);
    if (d.status == "sent") d.sent_at = now;
    return out.UpdateDelivery(d);
  };
  RETAIN_ASSIGN_OR_RETURN(auto customer, records.GetCustomer(d.customer_id));
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
  if (auto cap = settings.policy.caps.find(d.channel); cap != settings.policy.caps.end()) {
    RETAIN_ASSIGN_OR_RETURN(ctx.sent_in_cap_window, out.SentSince(d.customer_id, d.channel, now - date::days(cap->second.days)));
  }
  ctx.time_zone = std::string(outreach::CountryTimeZone(customer->country));
  auto decision = outreach::DecideSend(ctx, settings.policy, now, zone_);
  if (decision.gate == outreach::Gate::kSkip) return finish("skipped", decision.reason);
  if (decision.gate == outreach::Gate::kWait) {
    d.due_at = decision.not_before;
    d.reason = decision.reason;
    return out.UpdateDelivery(d);
  }
  if (d.channel == "email" && !mailer_.configured()) {
    d.due_at = now + std::chrono::minutes(5);
    d.reason = "waiting: no SMTP server is configured (retain serve --smtp-url)";
    return out.UpdateDelivery(d);
  }

  std::string unsubscribe_url = fmt::format("{}/u/{}", options_.public_url, outreach::UnsubscribeToken(secret, d.id));
  RETAIN_ASSIGN_OR_RETURN(auto facts, store_->facts().FactsOf(d.customer_id, now));
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
    return InTransaction(records, [&]() -> Status {
      RETAIN_RETURN_IF_ERROR(store_->webhooks().AppendOutbox(e));
      return finish("sent", "");
    });
  }
  // E-mail: marked as being sent first, so a crash between the server's answer and the update
  // cannot send it again.
  d.status = "sending";
  RETAIN_RETURN_IF_ERROR(out.UpdateDelivery(d));
  // The one-click address takes a POST (RFC 8058); the page at /u/ is for people.
  std::string one_click = fmt::format("{}/v1/unsubscribe/{}", options_.public_url, outreach::UnsubscribeToken(secret, d.id));
  auto email = outreach::EmailFor(*customer, *message, settings.sender, d.id, one_click, now);
  auto answer = mailer_.Send(settings.sender.from_email, customer->email, outreach::ComposeEmail(email));
  switch (answer.kind) {
    case SmtpAnswer::Kind::kSent:
      return finish("sent", "");
    case SmtpAnswer::Kind::kBounced: {
      std::string why = fmt::format("refused by the mail server: {}", answer.message);
      RETAIN_RETURN_IF_ERROR(out.Suppress("email", customer->email, why, now));
      return finish("bounced", why);
    }
    case SmtpAnswer::Kind::kFailed:
      if (d.attempts < kMaxAttempts) {
        d.due_at = now + std::chrono::minutes(5 << (d.attempts - 1));
        return finish("queued", fmt::format("will retry: {}", answer.message));
      }
      return finish("failed", answer.message);
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
