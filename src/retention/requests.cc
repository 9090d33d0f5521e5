#include "retention/requests.h"

#include <algorithm>

#include <fmt/format.h>

namespace retain::retention {
namespace {

using nlohmann::json;

json OptionalTime(const std::optional<Timestamp>& t) { return t ? json(FormatTimestamp(*t)) : json(); }

Status Audit(core::RecordStore& records, const std::string& actor, std::string action, std::string type, std::string id,
             const json& before, const json& after, Timestamp at) {
  return records.AppendAudit({at, actor, std::move(action), std::move(type), std::move(id), before.dump(), after.dump()});
}

Status Emit(core::WebhookStore& outbox, const std::string& type, const CancelRequest& r, Timestamp at) {
  json event = {{"type", type}, {"data", RequestJson(r)}};
  return outbox.AppendOutbox({0, type, std::to_string(r.id), event.dump(), at});
}

// The stored ranking's entry for `offer`, or nullptr.
const json* FindOffered(const json& offers, std::string_view offer) {
  for (const auto& o : offers) {
    if (o.value("id", "") == offer) return &o;
  }
  return nullptr;
}

Terms TermsOf(const json& offered) {
  const json& t = offered.at("terms");
  return Terms{t.value("discount_bp", 0), t.value("free_months", 0), t.value("cost_minor", int64_t{0})};
}

std::string Segment(const core::Customer& c) {
  auto attrs = json::parse(c.attributes_json, nullptr, false);
  if (attrs.is_object() && attrs.contains("segment") && attrs["segment"].is_string()) return attrs["segment"];
  return {};
}

// What an outcome can change on a subscription, for its audit entry.
json SubscriptionTerms(const core::Subscription& s) {
  json discounts = json::array();
  for (const auto& d : s.discounts) {
    discounts.push_back({{"percent_bp", d.percent_bp}, {"amount_minor", d.amount_minor},
                         {"starts_at", FormatTimestamp(d.starts_at)}, {"ends_at", OptionalTime(d.ends_at)},
                         {"reason", d.reason}});
  }
  return {{"plan", s.plan},
          {"status", core::SubscriptionStatusName(s.status)},
          {"resume_at", OptionalTime(s.resume_at)},
          {"cancelled_at", OptionalTime(s.cancelled_at)},
          {"addons", s.addons},
          {"discounts", discounts}};
}

bool IsDecided(RequestStatus s) {
  return s == RequestStatus::kSaved || s == RequestStatus::kWithdrawn || s == RequestStatus::kCancelled;
}

// What an accepted offer does to the subscription.
Status ApplyOffer(core::Subscription& sub, const Offer& offer, const Prices& prices, const BusinessZone& zone,
                  Timestamp now) {
  std::string reason = fmt::format("retention offer {}", offer.id);
  switch (offer.kind) {
    case OfferKind::kDiscount:
      sub.discounts.push_back({offer.percent_bp, 0, now, AddMonths(now, offer.months, zone), reason});
      break;
    case OfferKind::kCredit:
      sub.discounts.push_back({0, offer.amount_minor, now, AddMonths(now, 1, zone), reason});
      break;
    case OfferKind::kFreeAddon: {
      if (std::find(sub.addons.begin(), sub.addons.end(), offer.addon) == sub.addons.end()) sub.addons.push_back(offer.addon);
      auto price = prices.addons.find(offer.addon);
      if (price == prices.addons.end()) {
        return FailedPrecondition(fmt::format("the add-on '{}' of offer '{}' is not a product; correct the desk's document",
                                              offer.addon, offer.id));
      }
      sub.discounts.push_back({0, price->second, now, AddMonths(now, offer.months, zone), reason});
      break;
    }
    case OfferKind::kPause:
      sub.status = core::SubscriptionStatus::kPaused;
      sub.paused_at = now;
      sub.resume_at = AddMonths(now, offer.months, zone);
      return Ok();
    case OfferKind::kDowngrade:
      if (!prices.plans.contains(offer.plan)) {
        return FailedPrecondition(fmt::format("the plan '{}' of offer '{}' does not exist", offer.plan, offer.id));
      }
      sub.plan = offer.plan;
      break;
    case OfferKind::kOther:
      break;
  }
  if (sub.status == core::SubscriptionStatus::kCancelRequested) {
    sub.status = core::SubscriptionStatus::kActive;
    sub.cancel_requested_at.reset();
    sub.cancelled_at.reset();
    sub.cancel_cause = core::CancelCause::kNone;
    sub.cancel_reason.clear();
  }
  return Ok();
}

}  // namespace

std::string_view RequestStatusName(RequestStatus status) {
  switch (status) {
    case RequestStatus::kOpen: return "open";
    case RequestStatus::kPendingApproval: return "pending_approval";
    case RequestStatus::kSaved: return "saved";
    case RequestStatus::kWithdrawn: return "withdrawn";
    case RequestStatus::kCancelled: return "cancelled";
  }
  return "open";
}

std::optional<RequestStatus> ParseRequestStatus(std::string_view name) {
  for (auto s : {RequestStatus::kOpen, RequestStatus::kPendingApproval, RequestStatus::kSaved, RequestStatus::kWithdrawn,
                 RequestStatus::kCancelled}) {
    if (RequestStatusName(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view ApprovalStatusName(ApprovalStatus status) {
  switch (status) {
    case ApprovalStatus::kPending: return "pending";
    case ApprovalStatus::kApproved: return "approved";
    case ApprovalStatus::kDeclined: return "declined";
  }
  return "pending";
}

std::optional<ApprovalStatus> ParseApprovalStatus(std::string_view name) {
  for (auto s : {ApprovalStatus::kPending, ApprovalStatus::kApproved, ApprovalStatus::kDeclined}) {
    if (ApprovalStatusName(s) == name) return s;
  }
  return std::nullopt;
}


Timestamp PeriodEnd(Timestamp started, bool yearly, Timestamp now, const BusinessZone& zone) {
  int step = yearly ? 12 : 1;
  // Jump near `now` first, then step; months counted from the start keep the day of the month.
  auto months_between = [&](Timestamp a, Timestamp b) {
    date::year_month_day x = zone.LocalDate(a), y = zone.LocalDate(b);
    return (static_cast<int>(y.year()) - static_cast<int>(x.year())) * 12 +
           (static_cast<int>(static_cast<unsigned>(y.month())) - static_cast<int>(static_cast<unsigned>(x.month())));
  };
  int k = std::max(0, months_between(started, now) / step - 1);
  for (;; ++k) {
    Timestamp end = AddMonths(started, k * step, zone);
    if (end > now) return end;
  }
}

Result<LoadedDesk> LoadDesk(RetentionStore& store) {
  RETAIN_ASSIGN_OR_RETURN(auto stored, store.Desk());
  // Parsing the document costs more than the rest of an offer decision, and a version never
  // changes: each thread keeps the last document it parsed and compares the text.
  struct Parsed {
    bool valid = false;
    std::string document;
    LoadedDesk desk;
  };
  thread_local Parsed cache;
  if (!stored) {
    if (!cache.valid || !cache.document.empty() || cache.desk.version != 0) {
      RETAIN_ASSIGN_OR_RETURN(auto config, ParseDeskConfig(DefaultDeskDocument()));
      cache = Parsed{true, "", LoadedDesk{std::move(config), 0}};
    }
    return cache.desk;
  }
  if (cache.valid && cache.desk.version == stored->version && cache.document == stored->document) return cache.desk;
  auto doc = json::parse(stored->document, nullptr, false);
  auto config = ParseDeskConfig(doc);
  if (!config) {
    return Internal(fmt::format("the stored desk document version {} does not parse: {}", stored->version,
                                config.error().ToString()));
  }
  cache = Parsed{true, std::move(stored->document), LoadedDesk{std::move(*config), stored->version}};
  return cache.desk;
}

Result<int> DefineDesk(RetentionStore& store, core::RecordStore& records, const json& document, const std::string& actor,
                       Timestamp now) {
  RETAIN_RETURN_IF_ERROR(ParseDeskConfig(document));
  RETAIN_ASSIGN_OR_RETURN(auto before, store.Desk());
  RETAIN_ASSIGN_OR_RETURN(int version, store.PutDesk(document.dump(), actor, now));
  json before_json = before ? json::parse(before->document, nullptr, false) : json();
  RETAIN_RETURN_IF_ERROR(Audit(records, actor, "retention.desk_changed", "retention_desk", std::to_string(version),
                               before_json, document, now));
  return version;
}

Result<Subject> LoadSubject(core::RecordStore& records, RetentionStore& store, std::string_view subscription,
                            Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto sub, records.GetSubscription(subscription));
  if (!sub) return NotFound(fmt::format("no subscription '{}'", subscription), "subscription");
  RETAIN_ASSIGN_OR_RETURN(auto customer, records.GetCustomer(sub->customer));
  if (!customer) return NotFound(fmt::format("no customer '{}'", sub->customer), "customer");
  RETAIN_ASSIGN_OR_RETURN(Prices prices, store.PlanPrices());
  RETAIN_ASSIGN_OR_RETURN(auto score, store.CustomerScore(sub->customer));
  RETAIN_ASSIGN_OR_RETURN(auto offered, store.LastOffered(sub->customer));
  Subject s{std::move(*sub), std::move(*customer), {}};
  CustomerView& v = s.view;
  v.customer = s.customer.external_id;
  v.locale = s.customer.locale;
  v.plan = s.subscription.plan;
  if (auto it = prices.plans.find(v.plan); it != prices.plans.end()) v.monthly_price_minor = it->second;
  RETAIN_ASSIGN_OR_RETURN(auto plan, records.GetProduct(v.plan));
  if (plan) v.currency = plan->currency;
  Timestamp since = s.subscription.started_at;
  if (s.customer.first_contact_at && *s.customer.first_contact_at < since) since = *s.customer.first_contact_at;
  v.tenure_days = static_cast<int>(std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::days>(now - since).count()));
  if (score) {
    v.clv_minor = score->clv_minor;
    v.risk = score->risk;
  }
  v.segment = Segment(s.customer);
  v.last_offered = std::move(offered);
  v.plan_prices = std::move(prices.plans);
  v.addon_prices = std::move(prices.addons);
  return s;
}

json OffersJson(const std::vector<Ranked>& ranked, const CustomerView& view, std::string_view locale) {
  json out = json::array();
  for (const auto& r : ranked) {
    const Offer& o = *r.offer;
    json j = {{"id", o.id},
              {"name", o.NameIn(locale)},
              {"kind", OfferKindName(o.kind)},
              {"terms", {{"discount_bp", r.terms.discount_bp}, {"free_months", r.terms.free_months},
                         {"cost_minor", r.terms.cost_minor}}},
              {"p_accept", r.p_accept},
              {"value_minor", r.value_minor},
              {"expected_net_minor", static_cast<int64_t>(std::llround(r.expected_net_minor))},
              {"needs_approval", !r.exceeded.empty()},
              {"exceeds", r.exceeded}};
    if (o.months > 0) j["months"] = o.months;
    if (o.kind == OfferKind::kDiscount) j["percent"] = o.percent_bp / 100.0;
    if (o.kind == OfferKind::kDowngrade) {
      j["plan"] = o.plan;
      if (auto it = view.plan_prices.find(o.plan); it != view.plan_prices.end()) j["plan_monthly_minor"] = it->second;
    }
    if (o.kind == OfferKind::kFreeAddon) j["addon"] = o.addon;
    out.push_back(std::move(j));
  }
  return out;
}

Result<Opened> OpenCancelRequest(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                                 const OpenInput& input, const Caller& caller, Timestamp now, std::mt19937_64& rng) {
  if (input.subscription.empty()) return InvalidArgument("is required (a subscription id)", "subscription");
  RETAIN_ASSIGN_OR_RETURN(Reason reason, ParseReason(input.reason));
  RETAIN_RETURN_IF_ERROR(CheckChannel(input.channel));
  if (input.note.size() > 4000) return InvalidArgument("is longer than 4,000 characters", "note");
  RETAIN_ASSIGN_OR_RETURN(auto desk, LoadDesk(store));
  RETAIN_ASSIGN_OR_RETURN(Subject subject, LoadSubject(records, store, input.subscription, now));
  if (subject.subscription.status == core::SubscriptionStatus::kCancelled) {
    return FailedPrecondition(fmt::format("subscription '{}' is cancelled already", input.subscription));
  }
  RETAIN_ASSIGN_OR_RETURN(auto open, store.OpenRequestFor(input.subscription));
  if (open) {
    return Conflict(fmt::format("cancel request {} is open for subscription '{}'; record its outcome first", open->id,
                                input.subscription), "subscription");
  }
  const CustomerView& view = subject.view;
  std::string band = ValueBand(desk.config, view);
  RETAIN_ASSIGN_OR_RETURN(auto tallies, store.Tallies(reason, band));
  auto lookup = [&tallies](const std::string& offer) {
    auto it = tallies.find(offer);
    return it == tallies.end() ? Tally{} : it->second;
  };
  auto ranked = RankOffers(desk.config, view, reason, now, caller.authority, lookup, &rng);
  CancelRequest r;
  r.customer = subject.customer.external_id;
  r.subscription = input.subscription;
  r.channel = input.channel;
  r.reason = reason;
  r.note = input.note;
  r.opened_by = caller.actor;
  r.desk_version = desk.version;
  r.value_band = band;
  r.risk_band = RiskBand(desk.config, view);
  r.monthly_minor = view.monthly_price_minor;
  r.currency = view.currency;
  r.value_minor = CustomerValue(desk.config, view);
  r.created_at = now;
  // The control group: drawn only among requests that would get an offer, so it compares like
  // with like.
  if (!ranked.empty() && desk.config.control_share > 0) {
    r.control = std::uniform_real_distribution<double>(0, 1)(rng) < desk.config.control_share;
  }
  r.offers_json = r.control ? "[]" : OffersJson(ranked, view, "en").dump();
  RETAIN_ASSIGN_OR_RETURN(r.id, store.CreateRequest(r));
  RETAIN_RETURN_IF_ERROR(Audit(records, caller.actor, "cancel_request.opened", "cancel_requests", std::to_string(r.id),
                               nullptr, RequestJson(r), now));
  RETAIN_RETURN_IF_ERROR(Emit(outbox, "cancel_request.opened", r, now));
  return Opened{std::move(r), desk.config.TalkTrack(reason, view.locale)};
}

Result<CancelRequest> RecordOutcome(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                                    int64_t request_id, const OutcomeInput& input, const Caller& caller,
                                    const BusinessZone& zone, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto found, store.GetRequest(request_id));
  if (!found) return NotFound(fmt::format("no cancel request {}", request_id), "id");
  CancelRequest r = std::move(*found);
  if (IsDecided(r.status)) {
    return Conflict(fmt::format("cancel request {} was decided already ({} by {})", r.id, RequestStatusName(r.status),
                                r.decided_by));
  }
  RETAIN_ASSIGN_OR_RETURN(auto desk, LoadDesk(store));
  json offers = json::parse(r.offers_json, nullptr, false);
  if (!offers.is_array()) offers = json::array();
  std::vector<std::string> presented = input.presented;
  for (const auto& id : presented) {
    if (!FindOffered(offers, id)) {
      return FailedPrecondition(fmt::format("offer '{}' was not among the offers for request {}", id, r.id));
    }
  }
  CancelRequest before = r;
  RETAIN_ASSIGN_OR_RETURN(auto sub_found, records.GetSubscription(r.subscription));
  if (!sub_found) return NotFound(fmt::format("subscription '{}' is gone", r.subscription), "subscription");
  core::Subscription sub = std::move(*sub_found);
  core::Subscription sub_before = sub;
  RETAIN_ASSIGN_OR_RETURN(Prices prices, store.PlanPrices());
  std::string event;
  if (input.outcome == "accepted") {
    if (input.offer.empty()) return InvalidArgument("is required when the outcome is accepted", "offer");
    if (r.control) {
      return FailedPrecondition(fmt::format("request {} is in the control group: it gets no offer", r.id));
    }
    const json* offered = FindOffered(offers, input.offer);
    if (!offered) {
      return MakeError(ErrorCode::kFailedPrecondition, fmt::format("offer '{}' was not eligible for request {}", input.offer, r.id), "offer");
    }
    const Offer* offer = desk.config.Find(input.offer);
    if (!offer) {
      return MakeError(ErrorCode::kFailedPrecondition, fmt::format("offer '{}' is no longer in the catalogue", input.offer), "offer");
    }
    Terms terms = TermsOf(*offered);
    if (!ExceededLimits(terms, caller.authority).empty()) {
      RETAIN_ASSIGN_OR_RETURN(auto approvals, store.ApprovalsFor(r.id));
      bool approved = std::any_of(approvals.begin(), approvals.end(), [&](const Approval& a) {
        return a.offer == input.offer && a.status == ApprovalStatus::kApproved;
      });
      if (!approved) {
        return PermissionDenied(fmt::format(
            "offer '{}' is beyond the authority of role {} ({}); ask a supervisor to approve it for request {}",
            input.offer, caller.role, fmt::join(ExceededLimits(terms, caller.authority), ", "), r.id));
      }
    }
    RETAIN_RETURN_IF_ERROR(ApplyOffer(sub, *offer, prices, zone, now));
    r.status = RequestStatus::kSaved;
    r.offer = input.offer;
    r.cost_minor = terms.cost_minor;
    if (std::find(presented.begin(), presented.end(), input.offer) == presented.end()) presented.push_back(input.offer);
    event = "cancel_request.saved";
  } else if (input.outcome == "declined") {
    if (!input.offer.empty()) return InvalidArgument("is only for an accepted offer", "offer");
    r.status = RequestStatus::kCancelled;
    sub.cancel_requested_at = now;
    sub.cancel_cause = core::CancelCause::kVoluntary;
    sub.cancel_reason = std::string(ReasonName(r.reason));
    if (desk.config.cancel_when == CancelWhen::kImmediately) {
      sub.status = core::SubscriptionStatus::kCancelled;
      sub.cancelled_at = now;
    } else {
      sub.status = core::SubscriptionStatus::kCancelRequested;
      sub.cancelled_at = PeriodEnd(sub.started_at, prices.yearly.contains(sub.plan) && prices.yearly.at(sub.plan), now, zone);
    }
    r.cancel_effective_at = sub.cancelled_at;
    event = "cancel_request.cancelled";
  } else if (input.outcome == "withdrawn") {
    if (!input.offer.empty()) return InvalidArgument("is only for an accepted offer", "offer");
    r.status = RequestStatus::kWithdrawn;
    event = "cancel_request.withdrawn";
  } else {
    return InvalidArgument("must be accepted, declined or withdrawn", "outcome");
  }
  r.presented_json = json(presented).dump();
  r.decided_by = caller.actor;
  r.decided_at = now;
  static constexpr RequestStatus kUndecided[] = {RequestStatus::kOpen, RequestStatus::kPendingApproval};
  RETAIN_ASSIGN_OR_RETURN(bool updated, store.UpdateRequest(r, kUndecided));
  if (!updated) return Conflict(fmt::format("cancel request {} was decided by someone else first", r.id));
  if (r.status != RequestStatus::kWithdrawn) {
    RETAIN_RETURN_IF_ERROR(records.PutSubscription(sub));
    RETAIN_RETURN_IF_ERROR(Audit(records, caller.actor, "subscriptions.updated", "subscriptions", sub.external_id,
                                 SubscriptionTerms(sub_before), SubscriptionTerms(sub), now));
  }
  // What the customer was offered teaches the model and keeps the offer from being repeated.
  for (const auto& id : presented) {
    bool accepted = r.status == RequestStatus::kSaved && id == r.offer;
    RETAIN_RETURN_IF_ERROR(store.AddTally(id, r.reason, r.value_band, accepted ? 1 : 0, accepted ? 0 : 1));
    RETAIN_RETURN_IF_ERROR(store.RecordOffered(r.customer, id, r.id, now));
  }
  RETAIN_RETURN_IF_ERROR(Audit(records, caller.actor, "cancel_request.decided", "cancel_requests", std::to_string(r.id),
                               RequestJson(before), RequestJson(r), now));
  RETAIN_RETURN_IF_ERROR(Emit(outbox, event, r, now));
  return r;
}

Result<Approval> AskApproval(core::RecordStore& records, RetentionStore& store, int64_t request_id,
                             const std::string& offer, const std::string& note, const Caller& caller, Timestamp now) {
  if (offer.empty()) return InvalidArgument("is required (an offer id)", "offer");
  RETAIN_ASSIGN_OR_RETURN(auto found, store.GetRequest(request_id));
  if (!found) return NotFound(fmt::format("no cancel request {}", request_id), "id");
  CancelRequest r = std::move(*found);
  if (r.status != RequestStatus::kOpen) {
    if (r.status == RequestStatus::kPendingApproval) {
      return Conflict(fmt::format("request {} is waiting for a supervisor already", r.id));
    }
    return FailedPrecondition(fmt::format("request {} was decided already ({})", r.id, RequestStatusName(r.status)));
  }
  json offers = json::parse(r.offers_json, nullptr, false);
  const json* offered = offers.is_array() ? FindOffered(offers, offer) : nullptr;
  if (!offered) return MakeError(ErrorCode::kFailedPrecondition, fmt::format("offer '{}' was not eligible for request {}", offer, r.id), "offer");
  Terms terms = TermsOf(*offered);
  auto exceeded = ExceededLimits(terms, caller.authority);
  if (exceeded.empty()) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     fmt::format("offer '{}' is within your authority; record the outcome directly", offer), "offer");
  }
  Approval a;
  a.request_id = r.id;
  a.offer = offer;
  a.terms_json = json{{"discount_bp", terms.discount_bp}, {"free_months", terms.free_months},
                      {"cost_minor", terms.cost_minor}, {"exceeds", exceeded}}.dump();
  a.requested_by = caller.actor;
  a.requester_role = caller.role;
  a.note = note;
  a.requested_at = now;
  static constexpr RequestStatus kOpenOnly[] = {RequestStatus::kOpen};
  CancelRequest waiting = r;
  waiting.status = RequestStatus::kPendingApproval;
  RETAIN_ASSIGN_OR_RETURN(bool updated, store.UpdateRequest(waiting, kOpenOnly));
  if (!updated) return Conflict(fmt::format("request {} changed meanwhile; reload it", r.id));
  RETAIN_ASSIGN_OR_RETURN(a.id, store.CreateApproval(a));
  RETAIN_RETURN_IF_ERROR(Audit(records, caller.actor, "approval.requested", "approvals", std::to_string(a.id), nullptr,
                               ApprovalJson(a), now));
  return a;
}

Result<Approval> DecideApproval(core::RecordStore& records, RetentionStore& store, int64_t approval_id, bool approve,
                                const std::string& note, const Caller& caller, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto found, store.GetApproval(approval_id));
  if (!found) return NotFound(fmt::format("no approval {}", approval_id), "id");
  Approval a = std::move(*found);
  if (a.status != ApprovalStatus::kPending) {
    return Conflict(fmt::format("approval {} was {} already by {}", a.id, ApprovalStatusName(a.status), a.decided_by));
  }
  if (a.requested_by == caller.actor) return PermissionDenied("nobody approves their own request");
  json t = json::parse(a.terms_json, nullptr, false);
  Terms terms{t.value("discount_bp", 0), t.value("free_months", 0), t.value("cost_minor", int64_t{0})};
  if (approve) {
    if (auto exceeded = ExceededLimits(terms, caller.authority); !exceeded.empty()) {
      return PermissionDenied(fmt::format("offer '{}' is beyond your own authority too ({}); an admin must approve it",
                                          a.offer, fmt::join(exceeded, ", ")));
    }
  }
  Approval before = a;
  a.status = approve ? ApprovalStatus::kApproved : ApprovalStatus::kDeclined;
  a.decided_by = caller.actor;
  a.decision_note = note;
  a.decided_at = now;
  RETAIN_ASSIGN_OR_RETURN(bool updated, store.DecideApproval(a));
  if (!updated) return Conflict(fmt::format("approval {} was decided by someone else first", a.id));
  // The request is the agent's again, to record the outcome.
  RETAIN_ASSIGN_OR_RETURN(auto request, store.GetRequest(a.request_id));
  if (request && request->status == RequestStatus::kPendingApproval) {
    request->status = RequestStatus::kOpen;
    static constexpr RequestStatus kPending[] = {RequestStatus::kPendingApproval};
    RETAIN_RETURN_IF_ERROR(store.UpdateRequest(*request, kPending));
  }
  RETAIN_RETURN_IF_ERROR(Audit(records, caller.actor, approve ? "approval.approved" : "approval.declined", "approvals",
                               std::to_string(a.id), ApprovalJson(before), ApprovalJson(a), now));
  return a;
}

json RequestJson(const CancelRequest& r) {
  return {{"id", r.id},
          {"customer", r.customer},
          {"subscription", r.subscription},
          {"channel", r.channel},
          {"reason", ReasonName(r.reason)},
          {"note", r.note},
          {"opened_by", r.opened_by},
          {"status", RequestStatusName(r.status)},
          {"control", r.control},
          {"desk_version", r.desk_version},
          {"value_band", r.value_band},
          {"risk_band", r.risk_band},
          {"monthly_minor", r.monthly_minor},
          {"currency", r.currency},
          {"value_minor", r.value_minor},
          {"offers", json::parse(r.offers_json, nullptr, false)},
          {"offer", r.offer.empty() ? json() : json(r.offer)},
          {"cost_minor", r.cost_minor},
          {"presented", json::parse(r.presented_json, nullptr, false)},
          {"decided_by", r.decided_by.empty() ? json() : json(r.decided_by)},
          {"created_at", FormatTimestamp(r.created_at)},
          {"decided_at", OptionalTime(r.decided_at)},
          {"cancel_effective_at", OptionalTime(r.cancel_effective_at)}};
}

json ApprovalJson(const Approval& a) {
  return {{"id", a.id},
          {"request", a.request_id},
          {"offer", a.offer},
          {"terms", json::parse(a.terms_json, nullptr, false)},
          {"requested_by", a.requested_by},
          {"requester_role", a.requester_role},
          {"note", a.note},
          {"status", ApprovalStatusName(a.status)},
          {"decided_by", a.decided_by.empty() ? json() : json(a.decided_by)},
          {"decision_note", a.decision_note},
          {"requested_at", FormatTimestamp(a.requested_at)},
          {"decided_at", OptionalTime(a.decided_at)}};
}

Result<int64_t> ApplyDueChanges(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                                Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto due, store.DueSubscriptions(now));
  int64_t changed = 0;
  for (const auto& id : due) {
    RETAIN_ASSIGN_OR_RETURN(auto sub, records.GetSubscription(id));
    if (!sub) continue;
    std::string type;
    if (sub->status == core::SubscriptionStatus::kCancelRequested && sub->cancelled_at && *sub->cancelled_at <= now) {
      sub->status = core::SubscriptionStatus::kCancelled;
      type = "subscription.cancelled";
    } else if (sub->status == core::SubscriptionStatus::kPaused && sub->resume_at && *sub->resume_at <= now) {
      sub->status = core::SubscriptionStatus::kActive;
      sub->paused_at.reset();
      sub->resume_at.reset();
      type = "subscription.resumed";
    } else {
      continue;
    }
    RETAIN_RETURN_IF_ERROR(records.PutSubscription(*sub));
    json event = {{"type", type}, {"data", {{"subscription", sub->external_id}, {"customer", sub->customer}}}};
    RETAIN_RETURN_IF_ERROR(outbox.AppendOutbox({0, type, sub->external_id, event.dump(), now}));
    ++changed;
  }
  return changed;
}

}  // namespace retain::retention
