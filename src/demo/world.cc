#include "demo/world.h"

#include <array>
#include <cmath>
#include <random>
#include <string_view>

#include <fmt/format.h>

namespace retain::demo {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kCurrency = "EUR";
constexpr int64_t kCustomersPerTransaction = 5000;
constexpr auto kDay = std::chrono::seconds(86400);

struct Locale {
  std::string_view code;
  std::string_view country;
  std::array<std::string_view, 8> first;
  std::array<std::string_view, 8> last;
  std::array<std::string_view, 4> streets;
  std::array<std::string_view, 3> cities;
};

constexpr std::array<Locale, 3> kLocales = {{
    {"da", "DK",
     {"Mette", "Søren", "Anne", "Jens", "Line", "Mads", "Ida", "Frederik"},
     {"Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen"},
     {"Nørrebrogade", "Østerbrogade", "Vesterbrogade", "Åboulevard"},
     {"København", "Aarhus", "Odense"}},
    {"pt", "PT",
     {"João", "Maria", "Ana", "Tiago", "Inês", "Gonçalo", "Beatriz", "Conceição"},
     {"Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Magalhães"},
     {"Rua Augusta", "Avenida da Liberdade", "Rua de São Bento", "Praça do Comércio"},
     {"Lisboa", "Porto", "Coimbra"}},
    {"en", "GB",
     {"Oliver", "Amelia", "Jack", "Isla", "Harry", "Ava", "George", "Emily"},
     {"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies", "Evans"},
     {"High Street", "Station Road", "Church Lane", "Camden Road"},
     {"London", "Leeds", "Bristol"}},
}};

struct Item {
  std::string_view id, name, category;
  int64_t price;
};
constexpr std::array<Item, 6> kMenu = {{
    {"SUB-CLASSIC", "Classic sub", "subs", 650},
    {"SUB-VEGGIE", "Veggie sub", "subs", 600},
    {"SUB-ITALIAN", "Italian sub", "subs", 750},
    {"SUB-TUNA", "Tuna sub", "subs", 700},
    {"DRINK", "Soft drink", "drinks", 200},
    {"COOKIE", "Cookie", "sides", 150},
}};
constexpr std::array<std::string_view, 3> kStores = {"Nørrebro", "Baixa", "Camden"};

struct Plan {
  std::string_view id, name;
  core::ProductKind kind;
  int64_t price;
};
constexpr std::array<Plan, 6> kPlans = {{
    {"TV-BASIC", "TV Basic", core::ProductKind::kPlan, 2900},
    {"TV-PLUS", "TV Plus", core::ProductKind::kPlan, 4900},
    {"PHONE", "Phone line", core::ProductKind::kPlan, 1900},
    {"INTERNET", "Internet 500", core::ProductKind::kPlan, 3900},
    {"PREMIUM-CHANNELS", "Premium channels", core::ProductKind::kAddon, 1200},
    {"SPORTS", "Sports package", core::ProductKind::kAddon, 1500},
}};

constexpr std::array<std::string_view, 8> kCancelReasons = {
    "too_expensive", "not_using", "moving", "switched_competitor",
    "service_quality", "technical_problems", "billing_problem", "other"};
constexpr std::array<std::string_view, 3> kFailureReasons = {"card_declined", "insufficient_funds",
                                                            "expired_card"};
constexpr std::array<std::string_view, 5> kComplaintCategories = {"billing", "technical",
                                                                 "product_quality", "staff", "delivery"};

// The name in lower-case ASCII letters for an e-mail address: "João Conceição" -> "joaoconceicao".
std::string AsciiHandle(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kFold[] = {
      {"æ", "ae"}, {"Æ", "ae"}, {"ø", "o"}, {"Ø", "o"}, {"å", "a"}, {"Å", "a"}, {"ã", "a"},
      {"á", "a"}, {"â", "a"}, {"à", "a"}, {"ç", "c"}, {"é", "e"}, {"ê", "e"}, {"í", "i"},
      {"ó", "o"}, {"ô", "o"}, {"õ", "o"}, {"ú", "u"}, {"Ó", "o"}, {"É", "e"}};
  std::string out;
  for (size_t i = 0; i < name.size();) {
    char ch = name[i];
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')) {
      out.push_back(static_cast<char>(ch | 0x20));
      ++i;
      continue;
    }
    bool folded = false;
    for (const auto& [from, to] : kFold) {
      if (name.substr(i, from.size()) == from) {
        out += to;
        i += from.size();
        folded = true;
        break;
      }
    }
    if (!folded) ++i;
  }
  return out;
}

class Generator {
 public:
  Generator(core::RecordStore& store, const WorldOptions& options, const BusinessZone& zone)
      : store_(store), options_(options), zone_(zone), rng_(options.seed),
        end_(zone.StartOfDay(options.end)),
        start_(zone.StartOfDay(date::year_month_day(date::sys_days(options.end) - date::days(3 * 365)))) {}

  Status Purchase(const core::Purchase& p) {
    RETAIN_ASSIGN_OR_RETURN(core::WriteOutcome outcome, store_.PutPurchase(p));
    if (options_.after_purchase) return options_.after_purchase(p, outcome);
    return Ok();
  }

  Status Run(const std::function<void(int64_t, int64_t)>& progress) {
    RETAIN_RETURN_IF_ERROR(store_.Begin());
    RETAIN_RETURN_IF_ERROR(WriteCatalogue());
    for (int64_t i = 1; i <= options_.customers; ++i) {
      // Each customer draws from its own stream, so a world with more customers begins with the
      // same customers as a smaller one.
      rng_.seed(options_.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(i));
      bool sandwich = Uniform() < 0.6;
      RETAIN_RETURN_IF_ERROR(sandwich ? WalkIn(i) : Subscriber(i));
      if (i % kCustomersPerTransaction == 0) {
        RETAIN_RETURN_IF_ERROR(store_.Commit());
        RETAIN_RETURN_IF_ERROR(store_.Begin());
        if (progress) progress(i, options_.customers);
      }
    }
    RETAIN_RETURN_IF_ERROR(store_.Commit());
    if (progress) progress(options_.customers, options_.customers);
    return Ok();
  }

 private:
  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  template <typename T>
  const T& Pick(const T* data, size_t n) {
    return data[std::uniform_int_distribution<size_t>(0, n - 1)(rng_)];
  }
  template <typename A>
  const typename A::value_type& Pick(const A& a) { return Pick(a.data(), a.size()); }
  double Gamma(double shape, double scale) { return std::gamma_distribution<double>(shape, scale)(rng_); }
  double Beta(double a, double b) {
    double x = Gamma(a, 1), y = Gamma(b, 1);
    return x / (x + y);
  }
  Timestamp UniformTime(Timestamp from, Timestamp to) {
    auto span = (to - from).count();
    return from + std::chrono::seconds(std::uniform_int_distribution<int64_t>(0, span - 1)(rng_));
  }
  // A time of day the shop is open (10:00-20:00 local) on the day of `t`.
  Timestamp ShopHours(Timestamp t) {
    auto day = zone_.LocalDate(t);
    return zone_.StartOfDay(day) + 10h + std::chrono::seconds(std::uniform_int_distribution<int>(0, 36000)(rng_));
  }

  Status WriteCatalogue() {
    for (const auto& m : kMenu) {
      core::Product p{std::string(m.id), std::string(m.name), core::ProductKind::kItem, m.price,
                      std::string(kCurrency), core::Billing::kOneOff, std::string(m.category), true};
      RETAIN_RETURN_IF_ERROR(store_.PutProduct(p));
    }
    for (const auto& m : kPlans) {
      core::Product p{std::string(m.id), std::string(m.name), m.kind, m.price, std::string(kCurrency),
                      core::Billing::kMonthly, m.kind == core::ProductKind::kPlan ? "plans" : "addons", true};
      RETAIN_RETURN_IF_ERROR(store_.PutProduct(p));
    }
    return Ok();
  }

  Result<core::Customer> NewCustomer(int64_t n, Timestamp first_contact, std::string_view business) {
    const Locale& l = kLocales[std::discrete_distribution<size_t>({40, 35, 25})(rng_)];
    core::Customer c;
    c.external_id = fmt::format("C{:07}", n);
    c.name = fmt::format("{} {}", Pick(l.first), Pick(l.last));
    std::string handle = AsciiHandle(c.name);
    c.email = fmt::format("{}.{}@example.{}", handle, n, l.code == "en" ? "co.uk" : l.code == "da" ? "dk" : "pt");
    c.phone = fmt::format("+{} {:08}", l.code == "da" ? 45 : l.code == "pt" ? 351 : 44,
                          std::uniform_int_distribution<int>(10000000, 99999999)(rng_));
    c.address_line1 = fmt::format("{} {}", Pick(l.streets), std::uniform_int_distribution<int>(1, 180)(rng_));
    c.postal_code = fmt::format("{}", std::uniform_int_distribution<int>(1000, 9990)(rng_));
    c.city = std::string(Pick(l.cities));
    c.country = std::string(l.country);
    c.locale = std::string(l.code);
    c.consent = {Uniform() < 0.7, Uniform() < 0.4, Uniform() < 0.5, Uniform() < 0.2};
    c.first_contact_at = first_contact;
    c.attributes_json = fmt::format("{{\"business\":\"{}\"}}", business);
    RETAIN_RETURN_IF_ERROR(store_.PutCustomer(c));
    return c;
  }

  Status Event(const core::Customer& c, std::string id, std::string type, Timestamp at, std::string payload) {
    core::Event e{std::move(id), c.external_id, std::move(type), at, std::move(payload)};
    RETAIN_ASSIGN_OR_RETURN(core::WriteOutcome outcome, store_.PutEvent(e));
    if (options_.after_event) return options_.after_event(e, outcome);
    return Ok();
  }

  // A walk-in customer of the sandwich chain (BG/NBD: Poisson visits while alive, and after each
  // visit a chance p of never coming back).
  Status WalkIn(int64_t n) {
    Timestamp first = ShopHours(UniformTime(start_, end_ - 2 * kDay));
    RETAIN_ASSIGN_OR_RETURN(auto c, NewCustomer(n, first, "sandwich"));
    double visits_per_day = Gamma(0.9, 1.0 / 10.0);
    double dropout = Beta(0.8, 4.0);
    double basket = Gamma(2.0, 0.5);
    std::string_view home = Pick(kStores);
    // Six in ten sign up to the points program at their first visit; the rest never do. The
    // world gives members a lower chance of leaving after a visit (three quarters of it), an
    // effect the loyalty report's members-against-non-members retention should find.
    bool member = Uniform() < 0.6;
    if (member) {
      dropout *= 0.75;
      RETAIN_RETURN_IF_ERROR(Event(c, c.external_id + "-JOIN", "loyalty.joined", first - std::chrono::minutes(1),
                                   R"({"program":"sub-points"})"));
    }
    Timestamp t = first;
    for (int k = 1; t < end_; ++k) {
      core::Purchase p;
      p.external_id = fmt::format("{}-P{:04}", c.external_id, k);
      p.customer = c.external_id;
      p.occurred_at = t;
      p.store = std::string(Uniform() < 0.85 ? home : Pick(kStores));
      p.currency = std::string(kCurrency);
      int items = 1 + std::poisson_distribution<int>(basket)(rng_);
      for (int i = 0; i < items; ++i) {
        const Item& item = i == 0 ? kMenu[std::uniform_int_distribution<size_t>(0, 3)(rng_)] : Pick(kMenu);
        core::PurchaseLine line{std::string(item.id), std::string(item.name), 1, item.price, item.price};
        p.total_minor += item.price;
        p.lines.push_back(std::move(line));
      }
      RETAIN_RETURN_IF_ERROR(Purchase(p));
      if (Uniform() < 0.01 && t + kDay < end_) {
        core::Purchase r;
        r.external_id = p.external_id + "-R";
        r.customer = c.external_id;
        r.kind = core::PurchaseKind::kReturn;
        r.original = p.external_id;
        r.occurred_at = t + 2h;
        r.store = p.store;
        r.currency = p.currency;
        r.lines.push_back(p.lines.front());
        r.total_minor = p.lines.front().amount_minor;
        RETAIN_RETURN_IF_ERROR(Purchase(r));
      }
      if (Uniform() < 0.05) {
        int score = static_cast<int>(std::clamp(std::round(8.0 + 2.0 * std::normal_distribution<double>()(rng_)), 0.0, 10.0));
        RETAIN_RETURN_IF_ERROR(Event(c, fmt::format("{}-S{:04}", c.external_id, k), "survey.answered",
                                     t + 3h, fmt::format(R"({{"kind":"nps","score":{},"area":"store"}})", score)));
      }
      if (Uniform() < dropout) break;
      double gap_days = std::exponential_distribution<double>(visits_per_day)(rng_);
      t = ShopHours(t + std::chrono::seconds(static_cast<int64_t>(std::max(gap_days, 0.5) * 86400)));
    }
    return Ok();
  }

  // A subscriber of the cable and phone company: monthly bills, failed payments and retries,
  // complaints, surveys, and churn (shifted-beta-geometric: a per-customer monthly probability).
  Status Subscriber(int64_t n) {
    Timestamp started = UniformTime(start_, end_ - 35 * kDay);
    RETAIN_ASSIGN_OR_RETURN(auto c, NewCustomer(n, started, "telecom"));
    const Plan& plan = kPlans[std::discrete_distribution<size_t>({35, 20, 20, 25})(rng_)];
    core::Subscription s;
    s.external_id = c.external_id + "-SUB1";
    s.customer = c.external_id;
    s.plan = std::string(plan.id);
    s.started_at = started;
    int64_t monthly = plan.price;
    if (plan.id.starts_with("TV") && Uniform() < 0.3) {
      s.addons.push_back("PREMIUM-CHANNELS");
      monthly += kPlans[4].price;
    }
    if (plan.id.starts_with("TV") && Uniform() < 0.2) {
      s.addons.push_back("SPORTS");
      monthly += kPlans[5].price;
    }
    double churn = Beta(1.2, 22.0);
    double unhappy = 1.0;  // grows with complaints
    auto day = zone_.LocalDate(started);
    std::vector<core::Payment> payments;
    for (int month = 1;; ++month) {
      auto due_day = date::year_month_day(date::sys_days(day) + date::days(30 * month));
      Timestamp due = zone_.StartOfDay(due_day) + 6h;
      if (due >= end_) break;
      // Complaints and surveys during the month.
      if (Uniform() < 0.03) {
        unhappy *= 1.8;
        RETAIN_RETURN_IF_ERROR(Event(c, fmt::format("{}-CMP{:03}", c.external_id, month), "complaint.opened",
                                     due - 10 * kDay, fmt::format(R"({{"category":"{}","channel":"phone"}})",
                                                                  Pick(kComplaintCategories))));
      }
      if (Uniform() < 0.04) {
        int score = static_cast<int>(std::clamp(std::round(7.5 - 2.0 * std::log(unhappy) + 2.0 * std::normal_distribution<double>()(rng_)), 0.0, 10.0));
        RETAIN_RETURN_IF_ERROR(Event(c, fmt::format("{}-NPS{:03}", c.external_id, month), "survey.answered",
                                     due - 5 * kDay, fmt::format(R"({{"kind":"nps","score":{},"area":"service"}})", score)));
      }
      // The bill: up to three attempts; three failures end the subscription involuntarily.
      bool paid = false;
      Timestamp attempt_at = due;
      double fail = 0.05;
      for (int attempt = 1; attempt <= 3 && !paid; ++attempt) {
        core::Payment p;
        p.external_id = fmt::format("{}-INV{:03}-{}", c.external_id, month, attempt);
        p.customer = c.external_id;
        p.subscription = s.external_id;
        p.amount_minor = monthly;
        p.currency = std::string(kCurrency);
        p.occurred_at = attempt_at;
        if (Uniform() < fail) {
          p.status = core::PaymentStatus::kFailed;
          p.failure_reason = std::string(Pick(kFailureReasons));
          fail = 0.45;
        } else {
          paid = true;
        }
        payments.push_back(std::move(p));
        attempt_at += (attempt == 1 ? 3 : 7) * kDay;
      }
      if (!paid) {
        s.status = core::SubscriptionStatus::kCancelled;
        s.cancelled_at = attempt_at;
        s.cancel_cause = core::CancelCause::kInvoluntary;
        s.cancel_reason = "payment_failed";
        break;
      }
      if (Uniform() < std::min(churn * unhappy, 0.9)) {
        Timestamp asked = due + std::chrono::seconds(std::uniform_int_distribution<int64_t>(1, 25 * 86400)(rng_));
        if (asked >= end_) break;
        if (Uniform() < 0.1) {
          s.status = core::SubscriptionStatus::kPaused;
          s.paused_at = asked;
          s.resume_at = asked + 60 * kDay;
          break;
        }
        s.cancel_requested_at = asked;
        s.cancelled_at = asked + std::chrono::hours(std::uniform_int_distribution<int>(1, 72)(rng_));
        if (*s.cancelled_at >= end_) {
          s.status = core::SubscriptionStatus::kCancelRequested;
          s.cancelled_at.reset();
          break;
        }
        s.status = core::SubscriptionStatus::kCancelled;
        s.cancel_cause = core::CancelCause::kVoluntary;
        s.cancel_reason = std::string(unhappy > 1.0 && Uniform() < 0.5 ? kCancelReasons[4] : Pick(kCancelReasons));
        break;
      }
    }
    // The subscription goes in before the payments that reference it.
    RETAIN_RETURN_IF_ERROR(store_.PutSubscription(s));
    for (const auto& p : payments) {
      RETAIN_ASSIGN_OR_RETURN(auto outcome, store_.PutPayment(p));
      if (options_.after_payment) RETAIN_RETURN_IF_ERROR(options_.after_payment(p, outcome));
    }
    return Ok();
  }

  core::RecordStore& store_;
  const WorldOptions& options_;
  const BusinessZone& zone_;
  std::mt19937_64 rng_;
  Timestamp end_;
  Timestamp start_;
};

}  // namespace

Status GenerateWorld(core::RecordStore& store, const WorldOptions& options, const BusinessZone& zone,
                     const std::function<void(int64_t, int64_t)>& progress) {
  if (options.customers < 0) return InvalidArgument("must not be negative", "customers");
  if (!options.end.ok()) return InvalidArgument("is not a date", "end");
  Generator g(store, options, zone);
  auto result = g.Run(progress);
  if (!result) store.Rollback();
  return result;
}

std::vector<std::string> DemoProgramDocuments() {
  return {
      R"({"id": "sub-club", "kind": "punch_card",
          "name": {"en": "Sub club", "pt": "Clube da sandes", "da": "Sandwichklubben"},
          "qualifying": {"categories": ["subs"]}, "punches": 9, "per_item": true,
          "reward": {"kind": "free_item", "product": "SUB-CLASSIC", "valid_days": 90}})",
      R"({"id": "sub-points", "kind": "points", "currency": "EUR", "enrollment": "sign_up",
          "name": {"en": "Sandwich points", "pt": "Pontos sandes", "da": "Sandwichpoint"},
          "earn": {"per_unit": 10, "multipliers": [{"category": "drinks", "factor": 2}]},
          "bonuses": {"first_purchase": 100, "survey.answered": 50},
          "pending_days": 14, "expiry": {"after_days": 365}, "expiry_warning_days": 30, "caps": {"day": 500},
          "rewards": [{"id": "cookie", "kind": "free_item", "product": "COOKIE", "points": 150, "valid_days": 30},
                      {"id": "sub", "kind": "free_item", "product": "SUB-CLASSIC", "points": 600, "valid_days": 30},
                      {"id": "ten-off", "kind": "percent_off", "percent": 10, "points": 400, "valid_days": 30},
                      {"id": "gold-coffee", "kind": "free_item", "product": "COFFEE", "valid_days": 14}],
          "tiers": {"measure": "spend", "window_days": 365, "downgrade": "period_end", "period": "year",
                    "levels": [{"id": "silver", "name": {"en": "Silver", "pt": "Prata", "da": "Sølv"}, "threshold": "100.00",
                                "multiplier": 1.25, "benefits": [{"en": "Free refills", "pt": "Refis grátis", "da": "Gratis genopfyldning"}]},
                               {"id": "gold", "name": {"en": "Gold", "pt": "Ouro", "da": "Guld"}, "threshold": "250.00",
                                "multiplier": 1.5, "discount_percent": 5,
                                "benefits": [{"en": "5% off every order", "pt": "5% de desconto em cada pedido", "da": "5% rabat på hver ordre"}]}]},
          "referral": {"referrer_points": 300, "referee_points": 100, "min_spend": "5.00"},
          "promotions": [{"id": "gold-coffee", "name": {"en": "A coffee on us", "pt": "Um café por nossa conta", "da": "En kop kaffe på os"},
                          "kind": "reward", "reward": "gold-coffee", "tiers": ["gold"], "per_member": 1, "cost": "1.20"}]})",
  };
}

}  // namespace retain::demo
