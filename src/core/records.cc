#include "core/records.h"
#include "core/webhook_store.h"

#include <fmt/format.h>

#include "common/money.h"

#include <array>
#include <utility>

namespace retain::core {

std::string_view RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kCustomer: return "customers";
    case RecordKind::kProduct: return "plans";
    case RecordKind::kSubscription: return "subscriptions";
    case RecordKind::kPayment: return "payments";
    case RecordKind::kPurchase: return "purchases";
    case RecordKind::kEvent: return "events";
  }
  return "?";
}

Result<RecordKind> ParseRecordKind(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, RecordKind>, 13> kNames = {{
      {"customers", RecordKind::kCustomer}, {"customer", RecordKind::kCustomer},
      {"plans", RecordKind::kProduct}, {"plan", RecordKind::kProduct},
      {"products", RecordKind::kProduct}, {"product", RecordKind::kProduct},
      {"subscriptions", RecordKind::kSubscription}, {"subscription", RecordKind::kSubscription},
      {"payments", RecordKind::kPayment}, {"payment", RecordKind::kPayment},
      {"purchases", RecordKind::kPurchase}, {"purchase", RecordKind::kPurchase},
      {"events", RecordKind::kEvent},
  }};
  for (const auto& [n, k] : kNames) {
    if (n == name) return k;
  }
  if (name == "event") return RecordKind::kEvent;
  return InvalidArgument("unknown record kind '" + std::string(name) +
                         "'; choose customers, plans, subscriptions, payments, purchases or events");
}

std::string_view ProductKindName(ProductKind kind) {
  switch (kind) {
    case ProductKind::kItem: return "item";
    case ProductKind::kPlan: return "plan";
    case ProductKind::kAddon: return "addon";
  }
  return "?";
}

std::string_view BillingName(Billing billing) {
  switch (billing) {
    case Billing::kOneOff: return "one_off";
    case Billing::kMonthly: return "monthly";
    case Billing::kYearly: return "yearly";
  }
  return "?";
}

std::string_view SubscriptionStatusName(SubscriptionStatus status) {
  switch (status) {
    case SubscriptionStatus::kActive: return "active";
    case SubscriptionStatus::kPaused: return "paused";
    case SubscriptionStatus::kCancelRequested: return "cancel_requested";
    case SubscriptionStatus::kCancelled: return "cancelled";
  }
  return "?";
}

std::string_view CancelCauseName(CancelCause cause) {
  switch (cause) {
    case CancelCause::kNone: return "";
    case CancelCause::kVoluntary: return "voluntary";
    case CancelCause::kInvoluntary: return "involuntary";
  }
  return "?";
}

std::string_view PaymentStatusName(PaymentStatus status) {
  switch (status) {
    case PaymentStatus::kSucceeded: return "succeeded";
    case PaymentStatus::kFailed: return "failed";
    case PaymentStatus::kRefunded: return "refunded";
  }
  return "?";
}

std::string_view PurchaseKindName(PurchaseKind kind) {
  return kind == PurchaseKind::kSale ? "sale" : "return";
}

std::string Summarize(const TimelineEntry& e) {
  auto money = [&] {
    auto exponent = CurrencyExponent(e.currency);
    return FormatAmount(e.amount_minor, exponent ? *exponent : 2) + " " + e.currency;
  };
  auto with = [](std::string_view sep, const std::string& s) { return s.empty() ? std::string() : std::string(sep) + s; };
  if (e.kind == RecordKind::kSubscription) {
    if (e.action == "subscribed") return "subscribed to " + e.subject;
    if (e.action == "paused") return "paused " + e.subject;
    if (e.action == "cancel_requested") return "asked to cancel " + e.subject;
    return fmt::format("cancelled {} ({}{})", e.subject, e.status, with(": ", e.detail));
  }
  if (e.kind == RecordKind::kPayment) return fmt::format("payment {} {}{}", money(), e.status, with(": ", e.detail));
  if (e.kind == RecordKind::kPurchase) {
    return fmt::format("{} {}{}{}", e.action == "sale" ? "purchase" : "return", money(), with(" at ", e.subject),
                       e.count > 0 ? fmt::format(" ({} line{})", e.count, e.count == 1 ? "" : "s") : "");
  }
  return e.detail.empty() || e.detail == "{}" ? e.action : e.action + " " + e.detail;
}

std::string_view DeliveryStatusName(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kPending: return "pending";
    case DeliveryStatus::kDelivered: return "delivered";
    case DeliveryStatus::kGaveUp: return "gave_up";
  }
  return "?";
}

}  // namespace retain::core
