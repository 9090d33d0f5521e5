#include "server/json_mapping.h"

#include "common/money.h"
#include "common/time.h"

namespace retain::server {
namespace {

using nlohmann::json;

json Time(const std::optional<Timestamp>& t) { return t ? json(FormatTimestamp(*t)) : json(); }

void PutMoney(json& j, const char* name, int64_t minor, const std::string& currency) {
  auto e = CurrencyExponent(currency);
  j[name] = FormatAmount(minor, e ? *e : 2);
  j[std::string(name) + "_minor"] = minor;
}

json ParseObject(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json::object() : j;
}

}  // namespace

json ToJson(const core::Customer& c) {
  json j = {{"id", c.external_id},
          {"name", c.name},
          {"email", c.email},
          {"phone", c.phone},
          {"address",
           {{"line1", c.address_line1},
            {"line2", c.address_line2},
            {"postal_code", c.postal_code},
            {"city", c.city},
            {"region", c.region},
            {"country", c.country}}},
          {"locale", c.locale},
          {"consent",
           {{"email", c.consent.email}, {"sms", c.consent.sms}, {"post", c.consent.post}, {"phone", c.consent.phone}}},
          {"first_contact_at", Time(c.first_contact_at)},
          {"attributes", ParseObject(c.attributes_json)}};
  if (c.erased_at) j["erased_at"] = FormatTimestamp(*c.erased_at);
  return j;
}

json ToJson(const core::Product& p) {
  json j = {{"id", p.external_id},
            {"name", p.name},
            {"kind", core::ProductKindName(p.kind)},
            {"currency", p.currency},
            {"billing", core::BillingName(p.billing)},
            {"category", p.category},
            {"active", p.active}};
  PutMoney(j, "price", p.price_minor, p.currency);
  return j;
}

json ToJson(const core::Subscription& s) {
  json discounts = json::array();
  for (const auto& d : s.discounts) {
    discounts.push_back({{"percent", d.percent_bp / 100.0},
                         {"amount_minor", d.amount_minor},
                         {"starts_at", FormatTimestamp(d.starts_at)},
                         {"ends_at", Time(d.ends_at)},
                         {"reason", d.reason}});
  }
  return {{"id", s.external_id},
          {"customer", s.customer},
          {"plan", s.plan},
          {"status", core::SubscriptionStatusName(s.status)},
          {"started_at", FormatTimestamp(s.started_at)},
          {"paused_at", Time(s.paused_at)},
          {"resume_at", Time(s.resume_at)},
          {"cancel_requested_at", Time(s.cancel_requested_at)},
          {"cancelled_at", Time(s.cancelled_at)},
          {"cancel_cause", s.cancel_cause == core::CancelCause::kNone ? json() : json(core::CancelCauseName(s.cancel_cause))},
          {"cancel_reason", s.cancel_reason},
          {"addons", s.addons},
          {"discounts", discounts}};
}

json ToJson(const core::Payment& p) {
  json j = {{"id", p.external_id},
            {"customer", p.customer},
            {"subscription", p.subscription.empty() ? json() : json(p.subscription)},
            {"currency", p.currency},
            {"status", core::PaymentStatusName(p.status)},
            {"failure_reason", p.failure_reason.empty() ? json() : json(p.failure_reason)},
            {"occurred_at", FormatTimestamp(p.occurred_at)}};
  PutMoney(j, "amount", p.amount_minor, p.currency);
  return j;
}

json ToJson(const core::Purchase& p) {
  json lines = json::array();
  for (const auto& l : p.lines) {
    json line = {{"product", l.product.empty() ? json() : json(l.product)},
                 {"description", l.description},
                 {"quantity", l.quantity}};
    PutMoney(line, "unit_price", l.unit_price_minor, p.currency);
    PutMoney(line, "amount", l.amount_minor, p.currency);
    lines.push_back(std::move(line));
  }
  json j = {{"id", p.external_id},
            {"customer", p.customer},
            {"kind", core::PurchaseKindName(p.kind)},
            {"original", p.original.empty() ? json() : json(p.original)},
            {"occurred_at", FormatTimestamp(p.occurred_at)},
            {"store", p.store},
            {"currency", p.currency},
            {"lines", lines}};
  PutMoney(j, "total", p.total_minor, p.currency);
  return j;
}

json ToJson(const core::Event& e) {
  return {{"id", e.external_id},
          {"customer", e.customer},
          {"type", e.type},
          {"occurred_at", FormatTimestamp(e.occurred_at)},
          {"payload", ParseObject(e.payload_json)}};
}

json ToJson(const core::TimelineEntry& e) {
  json j = {{"at", FormatTimestamp(e.at)},
            {"kind", core::RecordKindName(e.kind)},
            {"id", e.external_id},
            {"action", e.action},
            {"subject", e.subject},
            {"status", e.status},
            {"summary", core::Summarize(e)}};
  if (!e.currency.empty()) {
    PutMoney(j, "amount", e.amount_minor, e.currency);
    j["currency"] = e.currency;
  }
  if (e.kind == core::RecordKind::kEvent) {
    j["payload"] = ParseObject(e.detail);
  } else {
    j["detail"] = e.detail;
  }
  if (e.count > 0) j["lines"] = e.count;
  return j;
}

json ToJson(const core::RecordCounts& c) {
  return {{"customers", c.customers}, {"plans", c.products},       {"subscriptions", c.subscriptions},
          {"payments", c.payments},   {"purchases", c.purchases}, {"purchase_lines", c.purchase_lines},
          {"events", c.events}};
}

}  // namespace retain::server
