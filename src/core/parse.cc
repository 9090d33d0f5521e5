#include "core/parse.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>
#include <xxhash.h>

#include "common/money.h"

namespace retain::core {
namespace {

constexpr size_t kMaxIdLength = 200;

constexpr std::array<std::string_view, 17> kCustomerFields = {
    "id", "name", "email", "phone", "address_line1", "address_line2", "postal_code", "city",
    "region", "country", "locale", "consent_email", "consent_sms", "consent_post", "consent_phone",
    "first_contact_at", "attributes"};
constexpr std::array<std::string_view, 8> kProductFields = {
    "id", "name", "kind", "price", "currency", "billing", "category", "active"};
constexpr std::array<std::string_view, 15> kSubscriptionFields = {
    "id", "customer", "plan", "status", "started_at", "paused_at", "resume_at",
    "cancel_requested_at", "cancelled_at", "cancel_cause", "cancel_reason", "addons",
    "discount_percent", "discount_until", "discounts"};
constexpr std::array<std::string_view, 8> kPaymentFields = {
    "id", "customer", "subscription", "amount", "currency", "status", "failure_reason",
    "occurred_at"};
constexpr std::array<std::string_view, 13> kPurchaseFields = {
    "id", "customer", "kind", "original", "occurred_at", "store", "total", "currency", "lines",
    "product", "quantity", "unit_price", "description"};
constexpr std::array<std::string_view, 5> kEventFields = {"id", "customer", "type", "occurred_at",
                                                          "payload"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Reads the fields of one record, remembering the first error with its field name.
class Fields {
 public:
  explicit Fields(const SourceRecord& rec) : rec_(rec) {}

  std::string Text(std::string_view field) const {
    auto v = rec_.Get(field);
    return v ? std::string(Trim(*v)) : std::string();
  }

  Result<std::string> Required(std::string_view field) const {
    auto v = Text(field);
    if (v.empty()) return InvalidArgument("is required", std::string(field));
    return v;
  }

  Result<std::string> Id(std::string_view field, bool required = true) const {
    auto v = Text(field);
    if (v.empty()) {
      if (required) return InvalidArgument("is required", std::string(field));
      return v;
    }
    if (v.size() > kMaxIdLength) {
      return InvalidArgument(fmt::format("is longer than {} characters", kMaxIdLength),
                             std::string(field));
    }
    for (char ch : v) {
      if (static_cast<unsigned char>(ch) < 0x20) return InvalidArgument("contains a control character", std::string(field));
    }
    return v;
  }

  Result<std::optional<Timestamp>> Time(std::string_view field, const BusinessZone& zone) const {
    auto v = Text(field);
    if (v.empty()) return std::optional<Timestamp>();
    auto t = ParseTimestamp(v, zone);
    if (!t) return InvalidArgument(t.error().message, std::string(field));
    return std::optional<Timestamp>(*t);
  }

  Result<Timestamp> RequiredTime(std::string_view field, const BusinessZone& zone) const {
    RETAIN_ASSIGN_OR_RETURN(auto t, Time(field, zone));
    if (!t) return InvalidArgument("is required", std::string(field));
    return *t;
  }

  Result<std::optional<int64_t>> Amount(std::string_view field, std::string_view currency) const {
    auto v = Text(field);
    if (v.empty()) return std::optional<int64_t>();
    auto a = ParseAmount(v, currency);
    if (!a) return InvalidArgument(a.error().message, std::string(field));
    return std::optional<int64_t>(*a);
  }

  Result<std::string> Currency(std::string_view field = "currency") const {
    RETAIN_ASSIGN_OR_RETURN(auto v, Required(field));
    std::string upper = v;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    auto e = CurrencyExponent(upper);
    if (!e) return InvalidArgument(e.error().message, std::string(field));
    return upper;
  }

  Result<std::optional<bool>> Flag(std::string_view field) const {
    auto v = Text(field);
    if (v.empty()) return std::optional<bool>();
    auto f = ParseFlag(v);
    if (!f) return InvalidArgument(f.error().message, std::string(field));
    return std::optional<bool>(*f);
  }

  Result<std::optional<int64_t>> Integer(std::string_view field) const {
    auto v = Text(field);
    if (v.empty()) return std::optional<int64_t>();
    int64_t out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || p != v.data() + v.size()) {
      return InvalidArgument(fmt::format("'{}' is not a whole number", v), std::string(field));
    }
    return std::optional<int64_t>(out);
  }

  template <typename E, size_t N>
  Result<E> Choice(std::string_view field, const std::array<std::pair<std::string_view, E>, N>& options,
                   E fallback) const {
    auto v = Lower(Text(field));
    if (v.empty()) return fallback;
    for (const auto& [name, value] : options) {
      if (name == v) return value;
    }
    std::string names;
    for (const auto& [name, value] : options) names += (names.empty() ? "" : ", ") + std::string(name);
    return InvalidArgument(fmt::format("'{}' is not one of {}", v, names), std::string(field));
  }

  const SourceRecord& rec() const { return rec_; }

 private:
  const SourceRecord& rec_;
};

bool IsKnown(std::span<const std::string_view> known, std::string_view name) {
  return std::find(known.begin(), known.end(), name) != known.end();
}

class Digest {
 public:
  Digest() : state_(XXH3_createState()) { XXH3_64bits_reset(state_); }
  ~Digest() { XXH3_freeState(state_); }
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  Digest& Add(std::string_view s) {
    uint64_t n = s.size();
    XXH3_64bits_update(state_, &n, sizeof n);
    XXH3_64bits_update(state_, s.data(), s.size());
    return *this;
  }
  Digest& Add(int64_t v) {
    XXH3_64bits_update(state_, &v, sizeof v);
    return *this;
  }
  Digest& Add(bool v) { return Add(static_cast<int64_t>(v)); }
  Digest& Add(Timestamp t) { return Add(ToUnixSeconds(t)); }
  Digest& Add(const std::optional<Timestamp>& t) {
    return t ? Add(true).Add(*t) : Add(false);
  }
  uint64_t Done() const { return XXH3_64bits_digest(state_); }

 private:
  XXH3_state_t* state_;
};

Result<std::string> Email(const Fields& f) {
  auto v = f.Text("email");
  if (v.empty()) return v;
  auto at = v.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == v.size() ||
      v.find_first_of(" \t,;<>") != std::string::npos || v.find('.', at) == std::string::npos) {
    return InvalidArgument(fmt::format("'{}' is not an e-mail address", v), "email");
  }
  return v;
}

Result<std::string> Locale(const Fields& f) {
  auto v = Lower(f.Text("locale"));
  if (v.empty()) return std::string("en");
  std::string lang = v.substr(0, v.find_first_of("-_"));
  if (lang == "en" || lang == "pt" || lang == "da") return lang;
  return InvalidArgument(fmt::format("'{}' is not a supported language; use en, pt or da", v),
                         "locale");
}

}  // namespace

std::span<const std::string_view> KnownFields(RecordKind kind) {
  switch (kind) {
    case RecordKind::kCustomer: return kCustomerFields;
    case RecordKind::kProduct: return kProductFields;
    case RecordKind::kSubscription: return kSubscriptionFields;
    case RecordKind::kPayment: return kPaymentFields;
    case RecordKind::kPurchase: return kPurchaseFields;
    case RecordKind::kEvent: return kEventFields;
  }
  return {};
}

Result<bool> ParseFlag(std::string_view text) {
  static constexpr std::array<std::string_view, 7> kYes = {"true", "yes", "y", "1", "sim", "ja", "t"};
  static constexpr std::array<std::string_view, 8> kNo = {"false", "no", "n", "0", "não", "nao", "nej", "f"};
  auto v = Lower(Trim(text));
  if (std::find(kYes.begin(), kYes.end(), v) != kYes.end()) return true;
  if (std::find(kNo.begin(), kNo.end(), v) != kNo.end()) return false;
  return InvalidArgument(fmt::format("'{}' is not yes or no (true/false, 1/0)", text));
}

Result<Customer> ParseCustomer(const SourceRecord& rec, const BusinessZone& zone) {
  Fields f(rec);
  Customer c;
  RETAIN_ASSIGN_OR_RETURN(c.external_id, f.Id("id"));
  c.name = f.Text("name");
  RETAIN_ASSIGN_OR_RETURN(c.email, Email(f));
  c.phone = f.Text("phone");
  c.address_line1 = f.Text("address_line1");
  c.address_line2 = f.Text("address_line2");
  c.postal_code = f.Text("postal_code");
  c.city = f.Text("city");
  c.region = f.Text("region");
  c.country = f.Text("country");
  std::transform(c.country.begin(), c.country.end(), c.country.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  if (!c.country.empty() && (c.country.size() != 2 || !std::isalpha(static_cast<unsigned char>(c.country[0])) ||
                             !std::isalpha(static_cast<unsigned char>(c.country[1])))) {
    return InvalidArgument(fmt::format("'{}' is not a two-letter country code such as DK", c.country),
                           "country");
  }
  RETAIN_ASSIGN_OR_RETURN(c.locale, Locale(f));
  RETAIN_ASSIGN_OR_RETURN(auto email, f.Flag("consent_email"));
  RETAIN_ASSIGN_OR_RETURN(auto sms, f.Flag("consent_sms"));
  RETAIN_ASSIGN_OR_RETURN(auto post, f.Flag("consent_post"));
  RETAIN_ASSIGN_OR_RETURN(auto phone, f.Flag("consent_phone"));
  c.consent = {email.value_or(false), sms.value_or(false), post.value_or(false), phone.value_or(false)};
  RETAIN_ASSIGN_OR_RETURN(c.first_contact_at, f.Time("first_contact_at", zone));

  RETAIN_ASSIGN_OR_RETURN(auto attributes, rec.GetJson("attributes"));
  nlohmann::json attrs = nlohmann::json::object();
  if (attributes) {
    if (!attributes->is_object()) {
      return InvalidArgument("must be a JSON object such as {\"segment\":\"b2c\"}", "attributes");
    }
    attrs = std::move(*attributes);
  }
  // Columns Retain does not know become free attributes of the customer.
  for (const auto& name : rec.FieldNames()) {
    if (IsKnown(kCustomerFields, name)) continue;
    auto value = rec.GetJson(name);
    if (value && *value) {
      attrs[name] = std::move(**value);
    } else if (auto text = rec.Get(name)) {
      attrs[name] = std::string(*text);  // plain text, not JSON
    }
  }
  c.attributes_json = attrs.dump();
  return c;
}

Result<Product> ParseProduct(const SourceRecord& rec) {
  Fields f(rec);
  Product p;
  RETAIN_ASSIGN_OR_RETURN(p.external_id, f.Id("id"));
  RETAIN_ASSIGN_OR_RETURN(p.name, f.Required("name"));
  static constexpr std::array<std::pair<std::string_view, ProductKind>, 5> kKinds = {{
      {"item", ProductKind::kItem}, {"product", ProductKind::kItem}, {"plan", ProductKind::kPlan},
      {"addon", ProductKind::kAddon}, {"add-on", ProductKind::kAddon}}};
  static constexpr std::array<std::pair<std::string_view, Billing>, 6> kBilling = {{
      {"one_off", Billing::kOneOff}, {"once", Billing::kOneOff}, {"monthly", Billing::kMonthly},
      {"month", Billing::kMonthly}, {"yearly", Billing::kYearly}, {"year", Billing::kYearly}}};
  RETAIN_ASSIGN_OR_RETURN(p.billing, f.Choice("billing", kBilling, Billing::kOneOff));
  RETAIN_ASSIGN_OR_RETURN(p.kind, f.Choice("kind", kKinds,
                                           p.billing == Billing::kOneOff ? ProductKind::kItem
                                                                         : ProductKind::kPlan));
  if (p.kind != ProductKind::kItem && p.billing == Billing::kOneOff && !f.Text("billing").empty()) {
    return InvalidArgument("a plan or add-on is billed monthly or yearly", "billing");
  }
  if (p.kind != ProductKind::kItem && f.Text("billing").empty()) p.billing = Billing::kMonthly;
  RETAIN_ASSIGN_OR_RETURN(p.currency, f.Currency());
  RETAIN_ASSIGN_OR_RETURN(auto price, f.Amount("price", p.currency));
  if (!price) return InvalidArgument("is required", "price");
  if (*price < 0) return InvalidArgument("must not be negative", "price");
  p.price_minor = *price;
  p.category = f.Text("category");
  RETAIN_ASSIGN_OR_RETURN(auto active, f.Flag("active"));
  p.active = active.value_or(true);
  return p;
}

Result<Subscription> ParseSubscription(const SourceRecord& rec, const BusinessZone& zone) {
  Fields f(rec);
  Subscription s;
  RETAIN_ASSIGN_OR_RETURN(s.external_id, f.Id("id"));
  RETAIN_ASSIGN_OR_RETURN(s.customer, f.Id("customer"));
  RETAIN_ASSIGN_OR_RETURN(s.plan, f.Id("plan"));
  static constexpr std::array<std::pair<std::string_view, SubscriptionStatus>, 5> kStatus = {{
      {"active", SubscriptionStatus::kActive}, {"paused", SubscriptionStatus::kPaused},
      {"cancel_requested", SubscriptionStatus::kCancelRequested},
      {"cancelled", SubscriptionStatus::kCancelled}, {"canceled", SubscriptionStatus::kCancelled}}};
  static constexpr std::array<std::pair<std::string_view, CancelCause>, 2> kCause = {{
      {"voluntary", CancelCause::kVoluntary}, {"involuntary", CancelCause::kInvoluntary}}};
  RETAIN_ASSIGN_OR_RETURN(s.status, f.Choice("status", kStatus, SubscriptionStatus::kActive));
  RETAIN_ASSIGN_OR_RETURN(s.started_at, f.RequiredTime("started_at", zone));
  RETAIN_ASSIGN_OR_RETURN(s.paused_at, f.Time("paused_at", zone));
  RETAIN_ASSIGN_OR_RETURN(s.resume_at, f.Time("resume_at", zone));
  RETAIN_ASSIGN_OR_RETURN(s.cancel_requested_at, f.Time("cancel_requested_at", zone));
  RETAIN_ASSIGN_OR_RETURN(s.cancelled_at, f.Time("cancelled_at", zone));
  RETAIN_ASSIGN_OR_RETURN(s.cancel_cause, f.Choice("cancel_cause", kCause, CancelCause::kNone));
  s.cancel_reason = f.Text("cancel_reason");

  using St = SubscriptionStatus;
  if (s.status == St::kCancelled) {
    if (!s.cancelled_at) return InvalidArgument("is required when status is cancelled", "cancelled_at");
    if (s.cancel_cause == CancelCause::kNone) s.cancel_cause = CancelCause::kVoluntary;
  } else {
    if (s.cancelled_at) return InvalidArgument("is set but status is not cancelled", "cancelled_at");
    if (s.cancel_cause != CancelCause::kNone) {
      return InvalidArgument("is set but status is not cancelled", "cancel_cause");
    }
  }
  if (s.status == St::kPaused && !s.paused_at) {
    return InvalidArgument("is required when status is paused", "paused_at");
  }
  if (s.status == St::kCancelRequested && !s.cancel_requested_at) {
    return InvalidArgument("is required when status is cancel_requested", "cancel_requested_at");
  }
  for (auto [name, t] : {std::pair{"paused_at", s.paused_at},
                         std::pair{"cancel_requested_at", s.cancel_requested_at},
                         std::pair{"cancelled_at", s.cancelled_at}}) {
    if (t && *t < s.started_at) return InvalidArgument("is before started_at", name);
  }

  // Add-ons come as a JSON array or as ids separated by ';' or '|'.
  auto addons = f.Text("addons");
  std::optional<nlohmann::json> addons_json;
  if (addons.starts_with("[")) {
    RETAIN_ASSIGN_OR_RETURN(addons_json, rec.GetJson("addons"));
  }
  if (addons_json && addons_json->is_array()) {
    for (const auto& a : *addons_json) {
      if (!a.is_string()) return InvalidArgument("must list add-on ids as strings", "addons");
      s.addons.push_back(a.get<std::string>());
    }
  } else if (!addons.empty()) {
    size_t start = 0;
    while (start <= addons.size()) {
      size_t end = addons.find_first_of(";|", start);
      if (end == std::string::npos) end = addons.size();
      auto id = std::string(Trim(std::string_view(addons).substr(start, end - start)));
      if (!id.empty()) s.addons.push_back(id);
      start = end + 1;
    }
  }
  std::sort(s.addons.begin(), s.addons.end());
  s.addons.erase(std::unique(s.addons.begin(), s.addons.end()), s.addons.end());

  RETAIN_ASSIGN_OR_RETURN(auto percent, f.Integer("discount_percent"));
  if (percent) {
    if (*percent <= 0 || *percent > 100) {
      return InvalidArgument("must be between 1 and 100", "discount_percent");
    }
    SubscriptionDiscount d;
    d.percent_bp = static_cast<int32_t>(*percent * 100);
    d.starts_at = s.started_at;
    RETAIN_ASSIGN_OR_RETURN(d.ends_at, f.Time("discount_until", zone));
    s.discounts.push_back(d);
  } else if (!f.Text("discount_until").empty()) {
    return InvalidArgument("is set without discount_percent", "discount_until");
  }
  RETAIN_ASSIGN_OR_RETURN(auto discounts, rec.GetJson("discounts"));
  if (discounts) {
    if (!discounts->is_array()) return InvalidArgument("must be a JSON array", "discounts");
    for (const auto& d : *discounts) {
      SubscriptionDiscount out;
      if (!d.is_object()) return InvalidArgument("each discount must be an object", "discounts");
      if (d.contains("percent") && d["percent"].is_number_integer()) {
        auto p = d["percent"].get<int64_t>();
        if (p <= 0 || p > 100) return InvalidArgument("percent must be between 1 and 100", "discounts");
        out.percent_bp = static_cast<int32_t>(p * 100);
      } else {
        return InvalidArgument("each discount needs an integer percent", "discounts");
      }
      auto when = [&](const char* key) -> Result<std::optional<Timestamp>> {
        if (!d.contains(key) || d[key].is_null()) return std::optional<Timestamp>();
        if (!d[key].is_string()) return InvalidArgument(std::string(key) + " must be a time", "discounts");
        auto t = ParseTimestamp(d[key].get<std::string>(), zone);
        if (!t) return InvalidArgument(t.error().message, "discounts");
        return std::optional<Timestamp>(*t);
      };
      RETAIN_ASSIGN_OR_RETURN(auto starts, when("starts_at"));
      out.starts_at = starts.value_or(s.started_at);
      RETAIN_ASSIGN_OR_RETURN(out.ends_at, when("ends_at"));
      if (d.contains("reason") && d["reason"].is_string()) out.reason = d["reason"].get<std::string>();
      s.discounts.push_back(out);
    }
  }
  return s;
}

Result<Payment> ParsePayment(const SourceRecord& rec, const BusinessZone& zone) {
  Fields f(rec);
  Payment p;
  RETAIN_ASSIGN_OR_RETURN(p.external_id, f.Id("id"));
  RETAIN_ASSIGN_OR_RETURN(p.customer, f.Id("customer"));
  RETAIN_ASSIGN_OR_RETURN(p.subscription, f.Id("subscription", /*required=*/false));
  RETAIN_ASSIGN_OR_RETURN(p.currency, f.Currency());
  RETAIN_ASSIGN_OR_RETURN(auto amount, f.Amount("amount", p.currency));
  if (!amount) return InvalidArgument("is required", "amount");
  if (*amount < 0) return InvalidArgument("must not be negative; record a refund with status refunded", "amount");
  p.amount_minor = *amount;
  static constexpr std::array<std::pair<std::string_view, PaymentStatus>, 5> kStatus = {{
      {"succeeded", PaymentStatus::kSucceeded}, {"paid", PaymentStatus::kSucceeded},
      {"failed", PaymentStatus::kFailed}, {"declined", PaymentStatus::kFailed},
      {"refunded", PaymentStatus::kRefunded}}};
  RETAIN_ASSIGN_OR_RETURN(p.status, f.Choice("status", kStatus, PaymentStatus::kSucceeded));
  p.failure_reason = f.Text("failure_reason");
  if (p.status == PaymentStatus::kFailed && p.failure_reason.empty()) p.failure_reason = "unspecified";
  if (p.status != PaymentStatus::kFailed && !p.failure_reason.empty()) {
    return InvalidArgument("is set but status is not failed", "failure_reason");
  }
  RETAIN_ASSIGN_OR_RETURN(p.occurred_at, f.RequiredTime("occurred_at", zone));
  return p;
}

Result<Purchase> ParsePurchase(const SourceRecord& rec, const BusinessZone& zone) {
  Fields f(rec);
  Purchase p;
  RETAIN_ASSIGN_OR_RETURN(p.external_id, f.Id("id"));
  RETAIN_ASSIGN_OR_RETURN(p.customer, f.Id("customer"));
  static constexpr std::array<std::pair<std::string_view, PurchaseKind>, 3> kKinds = {{
      {"sale", PurchaseKind::kSale}, {"return", PurchaseKind::kReturn}, {"refund", PurchaseKind::kReturn}}};
  RETAIN_ASSIGN_OR_RETURN(p.kind, f.Choice("kind", kKinds, PurchaseKind::kSale));
  RETAIN_ASSIGN_OR_RETURN(p.original, f.Id("original", /*required=*/false));
  if (p.kind == PurchaseKind::kReturn && p.original.empty()) {
    return InvalidArgument("is required for a return: the id of the sale being returned", "original");
  }
  if (p.kind == PurchaseKind::kSale && !p.original.empty()) {
    return InvalidArgument("is set but kind is not return", "original");
  }
  RETAIN_ASSIGN_OR_RETURN(p.occurred_at, f.RequiredTime("occurred_at", zone));
  p.store = f.Text("store");
  RETAIN_ASSIGN_OR_RETURN(p.currency, f.Currency());

  RETAIN_ASSIGN_OR_RETURN(auto lines, rec.GetJson("lines"));
  if (lines) {
    if (!lines->is_array()) return InvalidArgument("must be a JSON array of lines", "lines");
    for (size_t i = 0; i < lines->size(); ++i) {
      const auto& l = (*lines)[i];
      std::string where = fmt::format("lines[{}]", i);
      if (!l.is_object()) return InvalidArgument("must be an object", where);
      PurchaseLine line;
      auto text = [&](const char* key) -> std::string {
        if (!l.contains(key) || l[key].is_null()) return {};
        return l[key].is_string() ? l[key].get<std::string>() : l[key].dump();
      };
      line.product = text("product");
      line.description = text("description");
      if (auto q = text("quantity"); !q.empty()) {
        auto [ptr, ec] = std::from_chars(q.data(), q.data() + q.size(), line.quantity);
        if (ec != std::errc() || ptr != q.data() + q.size() || line.quantity <= 0) {
          return InvalidArgument("quantity must be a positive whole number", where);
        }
      }
      auto price = ParseAmount(text("unit_price"), p.currency);
      if (!price) return InvalidArgument("unit_price: " + price.error().message, where);
      line.unit_price_minor = *price;
      if (auto a = text("amount"); !a.empty()) {
        auto amount = ParseAmount(a, p.currency);
        if (!amount) return InvalidArgument("amount: " + amount.error().message, where);
        line.amount_minor = *amount;
      } else {
        line.amount_minor = line.quantity * line.unit_price_minor;
      }
      p.lines.push_back(std::move(line));
    }
  } else if (auto product = f.Text("product"); !product.empty()) {
    PurchaseLine line;
    line.product = product;
    line.description = f.Text("description");
    RETAIN_ASSIGN_OR_RETURN(auto q, f.Integer("quantity"));
    line.quantity = q.value_or(1);
    if (line.quantity <= 0) return InvalidArgument("must be a positive whole number", "quantity");
    RETAIN_ASSIGN_OR_RETURN(auto price, f.Amount("unit_price", p.currency));
    if (!price) return InvalidArgument("is required with product", "unit_price");
    line.unit_price_minor = *price;
    line.amount_minor = line.quantity * line.unit_price_minor;
    p.lines.push_back(std::move(line));
  }
  RETAIN_ASSIGN_OR_RETURN(auto total, f.Amount("total", p.currency));
  if (total) {
    p.total_minor = *total;
  } else if (!p.lines.empty()) {
    for (const auto& l : p.lines) p.total_minor += l.amount_minor;
  } else {
    return InvalidArgument("is required when the purchase has no lines", "total");
  }
  if (p.total_minor < 0) {
    return InvalidArgument("must not be negative; record a return with kind return", "total");
  }
  return p;
}

Result<Event> ParseEvent(const SourceRecord& rec, const BusinessZone& zone) {
  Fields f(rec);
  Event e;
  RETAIN_ASSIGN_OR_RETURN(e.external_id, f.Id("id"));
  RETAIN_ASSIGN_OR_RETURN(e.customer, f.Id("customer"));
  RETAIN_ASSIGN_OR_RETURN(e.type, f.Required("type"));
  for (char c : e.type) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return InvalidArgument("may hold only letters, digits, '.', '_' and '-' (e.g. complaint.opened)",
                             "type");
    }
  }
  RETAIN_ASSIGN_OR_RETURN(e.occurred_at, f.RequiredTime("occurred_at", zone));
  RETAIN_ASSIGN_OR_RETURN(auto payload, rec.GetJson("payload"));
  if (payload) {
    if (!payload->is_object()) return InvalidArgument("must be a JSON object", "payload");
    e.payload_json = payload->dump();
  }
  return e;
}

uint64_t ContentHash(const Customer& c) {
  Digest d;
  d.Add(c.external_id).Add(c.name).Add(c.email).Add(c.phone).Add(c.address_line1)
      .Add(c.address_line2).Add(c.postal_code).Add(c.city).Add(c.region).Add(c.country)
      .Add(c.locale).Add(c.consent.email).Add(c.consent.sms).Add(c.consent.post)
      .Add(c.consent.phone).Add(c.first_contact_at).Add(c.attributes_json);
  return d.Done();
}

uint64_t ContentHash(const Product& p) {
  Digest d;
  d.Add(p.external_id).Add(p.name).Add(static_cast<int64_t>(p.kind)).Add(p.price_minor)
      .Add(p.currency).Add(static_cast<int64_t>(p.billing)).Add(p.category).Add(p.active);
  return d.Done();
}

uint64_t ContentHash(const Subscription& s) {
  Digest d;
  d.Add(s.external_id).Add(s.customer).Add(s.plan).Add(static_cast<int64_t>(s.status))
      .Add(s.started_at).Add(s.paused_at).Add(s.resume_at).Add(s.cancel_requested_at)
      .Add(s.cancelled_at).Add(static_cast<int64_t>(s.cancel_cause)).Add(s.cancel_reason);
  d.Add(static_cast<int64_t>(s.addons.size()));
  for (const auto& a : s.addons) d.Add(a);
  d.Add(static_cast<int64_t>(s.discounts.size()));
  for (const auto& x : s.discounts) {
    d.Add(static_cast<int64_t>(x.percent_bp)).Add(x.amount_minor).Add(x.starts_at).Add(x.ends_at).Add(x.reason);
  }
  return d.Done();
}

uint64_t ContentHash(const Payment& p) {
  Digest d;
  d.Add(p.external_id).Add(p.customer).Add(p.subscription).Add(p.amount_minor).Add(p.currency)
      .Add(static_cast<int64_t>(p.status)).Add(p.failure_reason).Add(p.occurred_at);
  return d.Done();
}

uint64_t ContentHash(const Purchase& p) {
  Digest d;
  d.Add(p.external_id).Add(p.customer).Add(static_cast<int64_t>(p.kind)).Add(p.original)
      .Add(p.occurred_at).Add(p.store).Add(p.total_minor).Add(p.currency);
  d.Add(static_cast<int64_t>(p.lines.size()));
  for (const auto& l : p.lines) {
    d.Add(l.product).Add(l.description).Add(l.quantity).Add(l.unit_price_minor).Add(l.amount_minor);
  }
  return d.Done();
}

uint64_t ContentHash(const Event& e) {
  Digest d;
  d.Add(e.external_id).Add(e.customer).Add(e.type).Add(e.occurred_at).Add(e.payload_json);
  return d.Done();
}

}  // namespace retain::core
