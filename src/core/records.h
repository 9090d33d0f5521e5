// The records every Retain module uses: customers, products and plans, subscriptions, payments,
// purchases (with lines and returns) and generic events. Plain structs; the rules that keep them
// valid live in core/parse.h and the stores that keep them in core/store.h.
//
// References between records are by external id (the id the business's own systems use), so a
// record can be written before anyone knows Retain's internal ids. Money is integer minor units
// of an ISO 4217 currency; instants are UTC.
#ifndef RETAIN_CORE_RECORDS_H_
#define RETAIN_CORE_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace retain::core {

// The kinds of record, in the order an import of a whole data set should run.
enum class RecordKind { kCustomer, kProduct, kSubscription, kPayment, kPurchase, kEvent };

// "customers", "plans", "subscriptions", "payments", "purchases", "events".
std::string_view RecordKindName(RecordKind kind);
// Parses a kind name (plural or singular; "products" and "plans" are the same). Fails with
// InvalidArgument listing the choices.
Result<RecordKind> ParseRecordKind(std::string_view name);

// Marketing consent channels, one flag each.
struct Consent {
  bool email = false;
  bool sms = false;
  bool post = false;   // printed letters
  bool phone = false;
  friend bool operator==(const Consent&, const Consent&) = default;
};

struct Customer {
  std::string external_id;
  std::string name;
  std::string email;
  std::string phone;
  // Postal address, as printed on a letter.
  std::string address_line1;
  std::string address_line2;
  std::string postal_code;
  std::string city;
  std::string region;
  std::string country;  // ISO 3166-1 alpha-2, upper case
  std::string locale = "en";  // en, pt or da
  Consent consent;
  std::optional<Timestamp> first_contact_at;
  std::string attributes_json = "{}";  // a JSON object of free attributes
  // Set when the customer's personal data was erased at their request (read back, never written
  // by a record; see core/privacy.h).
  std::optional<Timestamp> erased_at;
};

enum class ProductKind { kItem, kPlan, kAddon };
enum class Billing { kOneOff, kMonthly, kYearly };
std::string_view ProductKindName(ProductKind kind);
std::string_view BillingName(Billing billing);

// A product sold once (a sandwich), a plan billed periodically, or an add-on to a plan (a
// premium channel package).
struct Product {
  std::string external_id;
  std::string name;
  ProductKind kind = ProductKind::kItem;
  int64_t price_minor = 0;
  std::string currency;
  Billing billing = Billing::kOneOff;
  std::string category;
  bool active = true;
};

enum class SubscriptionStatus { kActive, kPaused, kCancelRequested, kCancelled };
enum class CancelCause { kNone, kVoluntary, kInvoluntary };
std::string_view SubscriptionStatusName(SubscriptionStatus status);
std::string_view CancelCauseName(CancelCause cause);

// A discount applied to a subscription's bill, in basis points (1000 = 10 %) or a fixed amount
// per period, from `starts_at` until `ends_at` (open-ended when absent).
struct SubscriptionDiscount {
  int32_t percent_bp = 0;
  int64_t amount_minor = 0;
  Timestamp starts_at;
  std::optional<Timestamp> ends_at;
  std::string reason;
  friend bool operator==(const SubscriptionDiscount&, const SubscriptionDiscount&) = default;
};

// Lifecycle: active -> paused | cancel requested -> cancelled (voluntary or involuntary).
struct Subscription {
  std::string external_id;
  std::string customer;  // customer external id
  std::string plan;      // product external id of a plan
  SubscriptionStatus status = SubscriptionStatus::kActive;
  Timestamp started_at;
  std::optional<Timestamp> paused_at;
  std::optional<Timestamp> resume_at;
  std::optional<Timestamp> cancel_requested_at;
  std::optional<Timestamp> cancelled_at;
  CancelCause cancel_cause = CancelCause::kNone;
  std::string cancel_reason;
  std::vector<std::string> addons;  // product external ids of add-ons
  std::vector<SubscriptionDiscount> discounts;
};

enum class PaymentStatus { kSucceeded, kFailed, kRefunded };
std::string_view PaymentStatusName(PaymentStatus status);

struct Payment {
  std::string external_id;
  std::string customer;
  std::string subscription;  // empty when not for a subscription
  int64_t amount_minor = 0;
  std::string currency;
  PaymentStatus status = PaymentStatus::kSucceeded;
  std::string failure_reason;  // set when failed: card_declined, insufficient_funds, expired_card...
  Timestamp occurred_at;
};

struct PurchaseLine {
  std::string product;  // product external id; may be empty for an unlisted item
  std::string description;
  int64_t quantity = 1;
  int64_t unit_price_minor = 0;
  int64_t amount_minor = 0;  // quantity * unit price unless given
  friend bool operator==(const PurchaseLine&, const PurchaseLine&) = default;
};

enum class PurchaseKind { kSale, kReturn };
std::string_view PurchaseKindName(PurchaseKind kind);

// A sale, or a return that references the sale it returns. A return's total is positive: the
// value given back.
struct Purchase {
  std::string external_id;
  std::string customer;
  PurchaseKind kind = PurchaseKind::kSale;
  std::string original;  // for a return: the external id of the sale
  Timestamp occurred_at;
  std::string store;
  int64_t total_minor = 0;
  std::string currency;
  std::vector<PurchaseLine> lines;
};

// Anything else that happened to a customer: "complaint.opened", "survey.answered", ...
struct Event {
  std::string external_id;
  std::string customer;
  std::string type;
  Timestamp occurred_at;
  std::string payload_json = "{}";
};

// One line of a customer's timeline, as data so each language can phrase it (Summarize gives the
// English line).
struct TimelineEntry {
  Timestamp at;
  RecordKind kind = RecordKind::kEvent;
  std::string external_id;
  // subscribed, paused, cancel_requested, cancelled (subscriptions); payment; sale, return
  // (purchases); the event's type (events).
  std::string action;
  std::string subject;       // the plan's name, the store, or empty
  int64_t amount_minor = 0;  // payments and purchases
  std::string currency;
  std::string status;        // a payment's status, or a cancellation's cause
  std::string detail;        // a failure or cancellation reason, or an event's payload JSON
  int64_t count = 0;         // a purchase's lines
};

// The entry in one line of English: "purchase 12.50 EUR at Baixa (2 lines)".
std::string Summarize(const TimelineEntry& e);

// Row counts per record kind, for `retain stats`.
struct RecordCounts {
  int64_t customers = 0;
  int64_t products = 0;
  int64_t subscriptions = 0;
  int64_t payments = 0;
  int64_t purchases = 0;
  int64_t purchase_lines = 0;
  int64_t events = 0;
};

}  // namespace retain::core

#endif  // RETAIN_CORE_RECORDS_H_
