#include "retention/desk.h"

#include <algorithm>
#include <cmath>
#include <span>

#include <fmt/format.h>

namespace retain::retention {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 8> kReasonNames = {"too_expensive", "not_using", "moving", "competitor",
                                                          "service_quality", "technical", "billing", "other"};
constexpr std::array<std::string_view, 6> kKindNames = {"discount", "credit", "free_addon", "pause", "downgrade", "other"};

std::string Path(std::string_view base, std::string_view field) {
  return base.empty() ? std::string(field) : fmt::format("{}.{}", base, field);
}

// Field readers: absent gives the fallback, the wrong type an error naming the field.
Result<double> Number(const json& j, const char* key, double fallback, std::string_view base, double lo, double hi) {
  if (!j.contains(key)) return fallback;
  const json& v = j[key];
  if (!v.is_number()) return InvalidArgument("must be a number", Path(base, key));
  double d = v.get<double>();
  if (!(d >= lo && d <= hi)) return InvalidArgument(fmt::format("must be between {} and {}", lo, hi), Path(base, key));
  return d;
}

Result<int64_t> Integer(const json& j, const char* key, int64_t fallback, std::string_view base, int64_t lo,
                        int64_t hi) {
  if (!j.contains(key)) return fallback;
  const json& v = j[key];
  if (!v.is_number_integer()) return InvalidArgument("must be a whole number", Path(base, key));
  int64_t n = v.get<int64_t>();
  if (n < lo || n > hi) return InvalidArgument(fmt::format("must be between {} and {}", lo, hi), Path(base, key));
  return n;
}

Result<std::vector<std::string>> Strings(const json& j, const char* key, std::string_view base) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) return InvalidArgument("must be a list of strings", Path(base, key));
  for (const auto& v : j[key]) {
    if (!v.is_string()) return InvalidArgument("must be a list of strings", Path(base, key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

// {"en": "...", "pt": "..."} with English required.
Result<std::map<std::string, std::string>> Localised(const json& v, const std::string& field) {
  std::map<std::string, std::string> out;
  if (v.is_string()) {
    out["en"] = v.get<std::string>();
    return out;
  }
  if (!v.is_object()) return InvalidArgument("must be a text or an object of texts by language", field);
  for (const auto& [lang, text] : v.items()) {
    if (lang != "en" && lang != "pt" && lang != "da") {
      return InvalidArgument(fmt::format("'{}' is not a language; use en, pt or da", lang), field);
    }
    if (!text.is_string()) return InvalidArgument("must be a text", Path(field, lang));
    out[lang] = text.get<std::string>();
  }
  if (!out.contains("en")) return InvalidArgument("needs an English text (\"en\")", field);
  return out;
}

Status CheckBands(const std::vector<std::string>& bands, std::span<const std::string_view> allowed, const std::string& field) {
  for (const auto& b : bands) {
    if (std::find(allowed.begin(), allowed.end(), b) == allowed.end()) {
      return InvalidArgument(fmt::format("'{}' is not a band; use {}", b, fmt::join(allowed, ", ")), field);
    }
  }
  return Ok();
}

Result<Eligibility> ParseEligibility(const json& j, const std::string& base) {
  Eligibility e;
  if (!j.is_object()) return InvalidArgument("must be an object", base);
  static constexpr std::array<std::string_view, 8> kKnown = {"reasons", "plans", "min_tenure_days", "max_tenure_days",
                                                             "value_bands", "risk_bands", "segments", "repeat_after_months"};
  for (const auto& [k, v] : j.items()) {
    if (std::find(kKnown.begin(), kKnown.end(), k) == kKnown.end()) {
      return InvalidArgument(fmt::format("is not a policy field; use {}", fmt::join(kKnown, ", ")), Path(base, k));
    }
  }
  RETAIN_ASSIGN_OR_RETURN(auto reasons, Strings(j, "reasons", base));
  for (const auto& r : reasons) {
    RETAIN_ASSIGN_OR_RETURN(Reason reason, ParseReason(r, Path(base, "reasons")));
    e.reasons.push_back(reason);
  }
  RETAIN_ASSIGN_OR_RETURN(e.plans, Strings(j, "plans", base));
  RETAIN_ASSIGN_OR_RETURN(int64_t min_tenure, Integer(j, "min_tenure_days", 0, base, 0, 100000));
  e.min_tenure_days = static_cast<int>(min_tenure);
  if (j.contains("max_tenure_days")) {
    RETAIN_ASSIGN_OR_RETURN(int64_t max_tenure, Integer(j, "max_tenure_days", 0, base, 0, 100000));
    e.max_tenure_days = static_cast<int>(max_tenure);
  }
  RETAIN_ASSIGN_OR_RETURN(e.value_bands, Strings(j, "value_bands", base));
  static constexpr std::array<std::string_view, 3> kValueBands = {"high", "medium", "low"};
  RETAIN_RETURN_IF_ERROR(CheckBands(e.value_bands, kValueBands, Path(base, "value_bands")));
  RETAIN_ASSIGN_OR_RETURN(e.risk_bands, Strings(j, "risk_bands", base));
  static constexpr std::array<std::string_view, 4> kRiskBands = {"high", "medium", "low", "unknown"};
  RETAIN_RETURN_IF_ERROR(CheckBands(e.risk_bands, kRiskBands, Path(base, "risk_bands")));
  RETAIN_ASSIGN_OR_RETURN(e.segments, Strings(j, "segments", base));
  RETAIN_ASSIGN_OR_RETURN(int64_t repeat, Integer(j, "repeat_after_months", 12, base, 0, 120));
  e.repeat_after_months = static_cast<int>(repeat);
  return e;
}

Result<Offer> ParseOffer(const json& j, const std::string& base) {
  if (!j.is_object()) return InvalidArgument("must be an object", base);
  Offer o;
  if (!j.contains("id") || !j["id"].is_string() || j["id"].get<std::string>().empty()) {
    return InvalidArgument("is required (a text)", Path(base, "id"));
  }
  o.id = j["id"].get<std::string>();
  if (!j.contains("kind") || !j["kind"].is_string()) {
    return InvalidArgument(fmt::format("is required; use {}", fmt::join(kKindNames, ", ")), Path(base, "kind"));
  }
  auto kind = std::find(kKindNames.begin(), kKindNames.end(), j["kind"].get<std::string>());
  if (kind == kKindNames.end()) {
    return InvalidArgument(fmt::format("'{}' is not a kind of offer; use {}", j["kind"].get<std::string>(),
                                       fmt::join(kKindNames, ", ")), Path(base, "kind"));
  }
  o.kind = static_cast<OfferKind>(kind - kKindNames.begin());
  if (!j.contains("name")) return InvalidArgument("is required", Path(base, "name"));
  RETAIN_ASSIGN_OR_RETURN(o.name, Localised(j["name"], Path(base, "name")));
  RETAIN_ASSIGN_OR_RETURN(double percent, Number(j, "percent", 0, base, 0, 100));
  o.percent_bp = static_cast<int32_t>(std::lround(percent * 100));
  RETAIN_ASSIGN_OR_RETURN(int64_t months, Integer(j, "months", 0, base, 0, 36));
  o.months = static_cast<int>(months);
  RETAIN_ASSIGN_OR_RETURN(o.amount_minor, Integer(j, "amount_minor", 0, base, 0, int64_t{1} << 40));
  RETAIN_ASSIGN_OR_RETURN(o.cost_minor, Integer(j, "cost_minor", 0, base, 0, int64_t{1} << 40));
  if (j.contains("addon_cost_per_month_minor")) {
    RETAIN_ASSIGN_OR_RETURN(int64_t c, Integer(j, "addon_cost_per_month_minor", 0, base, 0, int64_t{1} << 40));
    o.addon_cost_per_month_minor = c;
  }
  if (j.contains("addon")) {
    if (!j["addon"].is_string()) return InvalidArgument("must be a product id", Path(base, "addon"));
    o.addon = j["addon"].get<std::string>();
  }
  if (j.contains("plan")) {
    if (!j["plan"].is_string()) return InvalidArgument("must be a plan id", Path(base, "plan"));
    o.plan = j["plan"].get<std::string>();
  }
  if (j.contains("active")) {
    if (!j["active"].is_boolean()) return InvalidArgument("must be true or false", Path(base, "active"));
    o.active = j["active"].get<bool>();
  }
  if (j.contains("prior")) {
    const json& p = j["prior"];
    std::string pb = Path(base, "prior");
    if (!p.is_object()) return InvalidArgument("must be {\"accepted\": n, \"declined\": n}", pb);
    RETAIN_ASSIGN_OR_RETURN(double a, Number(p, "accepted", 1, pb, 0.01, 1e6));
    RETAIN_ASSIGN_OR_RETURN(double d, Number(p, "declined", 1, pb, 0.01, 1e6));
    o.prior_accepted = a;
    o.prior_declined = d;
  }
  if (j.contains("eligible")) {
    RETAIN_ASSIGN_OR_RETURN(o.eligible, ParseEligibility(j["eligible"], Path(base, "eligible")));
  }
  // What each kind needs.
  switch (o.kind) {
    case OfferKind::kDiscount:
      if (o.percent_bp <= 0) return InvalidArgument("a discount needs a percent above 0", Path(base, "percent"));
      if (o.months <= 0) return InvalidArgument("a discount needs months (1 or more)", Path(base, "months"));
      break;
    case OfferKind::kCredit:
      if (o.amount_minor <= 0) return InvalidArgument("a credit needs an amount above 0", Path(base, "amount_minor"));
      break;
    case OfferKind::kFreeAddon:
      if (o.addon.empty()) return InvalidArgument("a free add-on names its product", Path(base, "addon"));
      if (o.months <= 0) return InvalidArgument("a free add-on needs months (1 or more)", Path(base, "months"));
      break;
    case OfferKind::kPause:
      if (o.months <= 0) return InvalidArgument("a pause needs months (1 or more)", Path(base, "months"));
      break;
    case OfferKind::kDowngrade:
      if (o.plan.empty()) return InvalidArgument("a downgrade names the plan to move to", Path(base, "plan"));
      break;
    case OfferKind::kOther:
      break;
  }
  return o;
}

Status CheckKnown(const json& j, std::span<const std::string_view> known, std::string_view base) {
  for (const auto& [k, v] : j.items()) {
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      return InvalidArgument(fmt::format("is not a field here; use {}", fmt::join(known, ", ")), Path(base, k));
    }
  }
  return Ok();
}

Result<RecoveryPolicy> ParseRecovery(const json& j) {
  if (!j.is_object()) return InvalidArgument("must be an object", "recovery");
  static constexpr std::array<std::string_view, 4> kKnown = {"retry_days", "grace_days", "final_action",
                                                             "expiry_reminder_days"};
  RETAIN_RETURN_IF_ERROR(CheckKnown(j, kKnown, "recovery"));
  RecoveryPolicy p;
  if (j.contains("retry_days")) {
    const json& days = j["retry_days"];
    if (!days.is_array() || days.size() > 20) return InvalidArgument("must be a list of up to 20 days", "recovery.retry_days");
    p.retry_days.clear();
    for (size_t i = 0; i < days.size(); ++i) {
      std::string field = fmt::format("recovery.retry_days[{}]", i);
      if (!days[i].is_number_integer()) return InvalidArgument("must be a whole number of days", field);
      int d = days[i].get<int>();
      if (d < 1 || d > 365) return InvalidArgument("must be between 1 and 365", field);
      if (!p.retry_days.empty() && d <= p.retry_days.back()) {
        return InvalidArgument("must come after the day before it", field);
      }
      p.retry_days.push_back(d);
    }
  }
  RETAIN_ASSIGN_OR_RETURN(int64_t grace, Integer(j, "grace_days", 7, "recovery", 0, 365));
  p.grace_days = static_cast<int>(grace);
  if (j.contains("final_action")) {
    std::string a = j["final_action"].is_string() ? j["final_action"].get<std::string>() : "";
    if (a == "cancel") p.final_action = FinalAction::kCancel;
    else if (a == "suspend") p.final_action = FinalAction::kSuspend;
    else return InvalidArgument("must be \"cancel\" or \"suspend\"", "recovery.final_action");
  }
  RETAIN_ASSIGN_OR_RETURN(int64_t reminder, Integer(j, "expiry_reminder_days", 14, "recovery", 0, 90));
  p.expiry_reminder_days = static_cast<int>(reminder);
  return p;
}

Result<WinbackPolicy> ParseWinback(const json& j) {
  if (!j.is_object()) return InvalidArgument("must be an object", "winback");
  static constexpr std::array<std::string_view, 8> kKnown = {"enabled", "after_days", "within_days", "control_share",
                                                             "offer", "name", "percent", "months"};
  RETAIN_RETURN_IF_ERROR(CheckKnown(j, kKnown, "winback"));
  WinbackPolicy p;
  if (j.contains("enabled")) {
    if (!j["enabled"].is_boolean()) return InvalidArgument("must be true or false", "winback.enabled");
    p.enabled = j["enabled"].get<bool>();
  }
  RETAIN_ASSIGN_OR_RETURN(int64_t after, Integer(j, "after_days", 30, "winback", 1, 3650));
  p.after_days = static_cast<int>(after);
  RETAIN_ASSIGN_OR_RETURN(int64_t within, Integer(j, "within_days", 90, "winback", 1, 3650));
  p.within_days = static_cast<int>(within);
  RETAIN_ASSIGN_OR_RETURN(p.control_share, Number(j, "control_share", 0.1, "winback", 0, 0.5));
  if (j.contains("offer")) {
    if (!j["offer"].is_string() || j["offer"].get<std::string>().empty()) {
      return InvalidArgument("must be the offer's id (a text)", "winback.offer");
    }
    p.offer_id = j["offer"].get<std::string>();
  }
  if (!j.contains("name")) return InvalidArgument("is required (what the customer is offered)", "winback.name");
  RETAIN_ASSIGN_OR_RETURN(p.offer_name, Localised(j["name"], "winback.name"));
  RETAIN_ASSIGN_OR_RETURN(double percent, Number(j, "percent", 30, "winback", 0, 100));
  p.percent_bp = static_cast<int32_t>(std::lround(percent * 100));
  RETAIN_ASSIGN_OR_RETURN(int64_t months, Integer(j, "months", 3, "winback", 0, 36));
  p.months = static_cast<int>(months);
  return p;
}

int64_t RoundMinor(double x) { return static_cast<int64_t>(std::llround(x)); }

}  // namespace

std::string_view ReasonName(Reason reason) { return kReasonNames[static_cast<size_t>(reason)]; }

Result<Reason> ParseReason(std::string_view name, std::string_view field) {
  for (Reason r : kAllReasons) {
    if (ReasonName(r) == name) return r;
  }
  return InvalidArgument(fmt::format("'{}' is not a reason; use {}", name, fmt::join(kReasonNames, ", ")),
                         std::string(field));
}

Status CheckChannel(std::string_view channel) {
  if (std::find(kChannels.begin(), kChannels.end(), channel) != kChannels.end()) return Ok();
  return InvalidArgument(fmt::format("'{}' is not a channel; use {}", channel, fmt::join(kChannels, ", ")), "channel");
}

std::string_view OfferKindName(OfferKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

const std::string& Offer::NameIn(std::string_view locale) const {
  auto it = name.find(std::string(locale));
  if (it != name.end()) return it->second;
  return name.at("en");
}

const Offer* DeskConfig::Find(std::string_view id) const {
  for (const auto& o : offers) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

std::string DeskConfig::TalkTrack(Reason reason, std::string_view locale) const {
  auto it = talk_tracks.find(reason);
  if (it == talk_tracks.end()) return {};
  auto t = it->second.find(std::string(locale));
  if (t != it->second.end()) return t->second;
  t = it->second.find("en");
  return t == it->second.end() ? std::string() : t->second;
}

Result<DeskConfig> ParseDeskConfig(const json& j) {
  if (!j.is_object()) return InvalidArgument("the desk's document must be a JSON object", "");
  static constexpr std::array<std::string_view, 13> kKnown = {
      "control_share", "prior", "thompson", "cancel_when", "value_months", "value_bands", "risk_bands", "offers",
      "talk_tracks", "currency", "note", "recovery", "winback"};
  for (const auto& [k, v] : j.items()) {
    if (std::find(kKnown.begin(), kKnown.end(), k) == kKnown.end()) {
      return InvalidArgument(fmt::format("is not a field of the desk's document; use {}", fmt::join(kKnown, ", ")), k);
    }
  }
  DeskConfig c;
  RETAIN_ASSIGN_OR_RETURN(c.control_share, Number(j, "control_share", 0.1, "", 0, 0.5));
  if (j.contains("prior")) {
    if (!j["prior"].is_object()) return InvalidArgument("must be {\"accepted\": n, \"declined\": n}", "prior");
    RETAIN_ASSIGN_OR_RETURN(c.prior_accepted, Number(j["prior"], "accepted", 1, "prior", 0.01, 1e6));
    RETAIN_ASSIGN_OR_RETURN(c.prior_declined, Number(j["prior"], "declined", 3, "prior", 0.01, 1e6));
  }
  if (j.contains("thompson")) {
    if (!j["thompson"].is_boolean()) return InvalidArgument("must be true or false", "thompson");
    c.thompson = j["thompson"].get<bool>();
  }
  if (j.contains("cancel_when")) {
    std::string w = j["cancel_when"].is_string() ? j["cancel_when"].get<std::string>() : "";
    if (w == "end_of_period") c.cancel_when = CancelWhen::kEndOfPeriod;
    else if (w == "immediately") c.cancel_when = CancelWhen::kImmediately;
    else return InvalidArgument("must be \"end_of_period\" or \"immediately\"", "cancel_when");
  }
  RETAIN_ASSIGN_OR_RETURN(int64_t value_months, Integer(j, "value_months", 12, "", 1, 120));
  c.value_months = static_cast<int>(value_months);
  if (j.contains("value_bands")) {
    const json& b = j["value_bands"];
    if (!b.is_object()) return InvalidArgument("must be {\"high\": minor units, \"medium\": minor units}", "value_bands");
    RETAIN_ASSIGN_OR_RETURN(c.high_value_minor, Integer(b, "high", c.high_value_minor, "value_bands", 0, int64_t{1} << 40));
    RETAIN_ASSIGN_OR_RETURN(c.medium_value_minor,
                            Integer(b, "medium", c.medium_value_minor, "value_bands", 0, int64_t{1} << 40));
    if (c.medium_value_minor > c.high_value_minor) return InvalidArgument("must not be above high", "value_bands.medium");
  }
  if (j.contains("risk_bands")) {
    const json& b = j["risk_bands"];
    if (!b.is_object()) return InvalidArgument("must be {\"high\": probability, \"medium\": probability}", "risk_bands");
    RETAIN_ASSIGN_OR_RETURN(c.high_risk, Number(b, "high", c.high_risk, "risk_bands", 0, 1));
    RETAIN_ASSIGN_OR_RETURN(c.medium_risk, Number(b, "medium", c.medium_risk, "risk_bands", 0, 1));
    if (c.medium_risk > c.high_risk) return InvalidArgument("must not be above high", "risk_bands.medium");
  }
  if (!j.contains("offers") || !j["offers"].is_array()) return InvalidArgument("is required (a list of offers)", "offers");
  for (size_t i = 0; i < j["offers"].size(); ++i) {
    std::string base = fmt::format("offers[{}]", i);
    RETAIN_ASSIGN_OR_RETURN(Offer o, ParseOffer(j["offers"][i], base));
    if (c.Find(o.id)) return InvalidArgument(fmt::format("'{}' is already the id of another offer", o.id), base + ".id");
    c.offers.push_back(std::move(o));
  }
  if (j.contains("talk_tracks")) {
    if (!j["talk_tracks"].is_object()) return InvalidArgument("must be an object of texts by reason", "talk_tracks");
    for (const auto& [reason, texts] : j["talk_tracks"].items()) {
      std::string field = Path("talk_tracks", reason);
      RETAIN_ASSIGN_OR_RETURN(Reason r, ParseReason(reason, field));
      RETAIN_ASSIGN_OR_RETURN(c.talk_tracks[r], Localised(texts, field));
    }
  }
  if (j.contains("recovery")) {
    RETAIN_ASSIGN_OR_RETURN(c.recovery, ParseRecovery(j["recovery"]));
  }
  if (j.contains("winback")) {
    RETAIN_ASSIGN_OR_RETURN(c.winback, ParseWinback(j["winback"]));
  } else {
    c.winback.offer_name = {{"en", "30% off for 3 months when you come back"},
                            {"pt", "30% de desconto durante 3 meses se voltar"},
                            {"da", "30 % rabat i 3 måneder, hvis du kommer tilbage"}};
  }
  return c;
}

json DefaultDeskDocument() {
  return json::parse(R"({
  "control_share": 0.1,
  "prior": {"accepted": 1, "declined": 3},
  "thompson": true,
  "cancel_when": "end_of_period",
  "value_months": 12,
  "value_bands": {"high": 50000, "medium": 15000},
  "risk_bands": {"high": 0.6, "medium": 0.3},
  "recovery": {"retry_days": [1, 3, 5, 7], "grace_days": 7, "final_action": "cancel", "expiry_reminder_days": 14},
  "winback": {"after_days": 30, "within_days": 90, "control_share": 0.1, "offer": "winback-30-3", "percent": 30,
              "months": 3,
              "name": {"en": "30% off for 3 months when you come back", "pt": "30% de desconto durante 3 meses se voltar",
                       "da": "30 % rabat i 3 måneder, hvis du kommer tilbage"}},
  "offers": [
    {"id": "discount-20-3", "kind": "discount", "percent": 20, "months": 3,
     "name": {"en": "20% off your bill for 3 months", "pt": "20% de desconto na fatura durante 3 meses",
              "da": "20 % rabat på regningen i 3 måneder"},
     "eligible": {"reasons": ["too_expensive", "competitor", "billing", "other"], "repeat_after_months": 12}},
    {"id": "discount-50-6", "kind": "discount", "percent": 50, "months": 6,
     "name": {"en": "Half price for 6 months", "pt": "Metade do preço durante 6 meses", "da": "Halv pris i 6 måneder"},
     "eligible": {"reasons": ["too_expensive", "competitor"], "value_bands": ["high"], "min_tenure_days": 180}},
    {"id": "credit-10", "kind": "credit", "amount_minor": 1000,
     "name": {"en": "A 10.00 credit on your next bill", "pt": "Um crédito de 10,00 na próxima fatura",
              "da": "En kredit på 10,00 på næste regning"},
     "eligible": {"reasons": ["service_quality", "technical", "billing"]}},
    {"id": "pause-2", "kind": "pause", "months": 2,
     "name": {"en": "Pause for 2 months, then carry on", "pt": "Pausa de 2 meses, depois continua",
              "da": "Pause i 2 måneder, derefter fortsætter det"},
     "eligible": {"reasons": ["not_using", "moving", "too_expensive"]}},
    {"id": "premium-free-1", "kind": "other", "months": 1, "cost_minor": 500,
     "name": {"en": "A month of premium service free", "pt": "Um mês de serviço premium grátis",
              "da": "En måned med premium-service gratis"},
     "eligible": {"reasons": ["not_using", "competitor", "service_quality"]}}
  ],
  "talk_tracks": {
    "too_expensive": {
      "en": "I understand the price matters. Before you go, let me see what I can do on your bill.",
      "pt": "Compreendo que o preço pesa. Antes de sair, deixe-me ver o que posso fazer pela sua fatura.",
      "da": "Jeg forstår, at prisen betyder noget. Inden du går, så lad mig se, hvad jeg kan gøre ved din regning."},
    "not_using": {
      "en": "Many customers pause instead of cancelling; nothing is billed while it is paused.",
      "pt": "Muitos clientes fazem uma pausa em vez de cancelar; nada é cobrado durante a pausa.",
      "da": "Mange kunder holder pause i stedet for at opsige; der opkræves intet under pausen."},
    "moving": {
      "en": "If you are moving, we can pause your service until you are settled.",
      "pt": "Se vai mudar de casa, podemos pausar o serviço até estar instalado.",
      "da": "Hvis du flytter, kan vi sætte tjenesten på pause, til du er faldet på plads."},
    "competitor": {
      "en": "May I ask what the other offer includes? I may be able to match what matters to you.",
      "pt": "Posso perguntar o que inclui a outra oferta? Talvez consiga igualar o que é importante para si.",
      "da": "Må jeg spørge, hvad det andet tilbud indeholder? Måske kan jeg matche det, der betyder noget for dig."},
    "service_quality": {
      "en": "I am sorry the service let you down. Let me put it right and make it up to you.",
      "pt": "Lamento que o serviço o tenha desiludido. Deixe-me resolver e compensá-lo.",
      "da": "Jeg beklager, at tjenesten har skuffet dig. Lad mig rette op på det og gøre det godt igen."},
    "technical": {
      "en": "Let us fix the problem first; I can credit you for the trouble.",
      "pt": "Vamos primeiro resolver o problema; posso creditar-lhe o incómodo.",
      "da": "Lad os først løse problemet; jeg kan give dig en kredit for besværet."},
    "billing": {
      "en": "Let me look at your bill with you and correct anything that is wrong.",
      "pt": "Vamos ver a fatura juntos e corrigir o que estiver errado.",
      "da": "Lad os se på regningen sammen og rette det, der er forkert."},
    "other": {
      "en": "Thank you for telling us. Is there anything that would make you want to stay?",
      "pt": "Obrigado por nos dizer. Há alguma coisa que o faria ficar?",
      "da": "Tak, fordi du fortæller os det. Er der noget, der ville få dig til at blive?"}
  }
})");
}

std::string ValueBand(const DeskConfig& config, const CustomerView& view) {
  int64_t v = CustomerValue(config, view);
  if (v >= config.high_value_minor) return "high";
  if (v >= config.medium_value_minor) return "medium";
  return "low";
}

std::string RiskBand(const DeskConfig& config, const CustomerView& view) {
  if (!view.risk) return "unknown";
  if (*view.risk >= config.high_risk) return "high";
  if (*view.risk >= config.medium_risk) return "medium";
  return "low";
}

int64_t CustomerValue(const DeskConfig& config, const CustomerView& view) {
  if (view.clv_minor && *view.clv_minor > 0) return *view.clv_minor;
  return view.monthly_price_minor * config.value_months;
}

Terms OfferTerms(const Offer& offer, const CustomerView& view) {
  Terms t;
  switch (offer.kind) {
    case OfferKind::kDiscount:
      t.discount_bp = offer.percent_bp;
      if (offer.percent_bp >= 10000) t.free_months = offer.months;
      t.cost_minor = RoundMinor(static_cast<double>(view.monthly_price_minor) * offer.percent_bp / 10000.0) * offer.months;
      break;
    case OfferKind::kCredit:
      t.cost_minor = offer.amount_minor;
      break;
    case OfferKind::kFreeAddon: {
      t.free_months = offer.months;
      int64_t per_month = offer.addon_cost_per_month_minor.value_or(0);
      if (!offer.addon_cost_per_month_minor) {
        auto it = view.addon_prices.find(offer.addon);
        if (it != view.addon_prices.end()) per_month = it->second;
      }
      t.cost_minor = per_month * offer.months;
      break;
    }
    case OfferKind::kPause:
      // The bills not sent while paused.
      t.cost_minor = view.monthly_price_minor * offer.months;
      break;
    case OfferKind::kDowngrade:
      // What is lost is in the value retained (a cheaper plan), not an incentive.
      break;
    case OfferKind::kOther:
      t.free_months = offer.months;
      t.cost_minor = offer.cost_minor;
      break;
  }
  return t;
}

std::vector<std::string> ExceededLimits(const Terms& terms, const staff::Authority& authority) {
  std::vector<std::string> out;
  if (terms.discount_bp > authority.max_discount_bp) out.emplace_back("max_discount_bp");
  if (terms.free_months > authority.max_free_months) out.emplace_back("max_free_months");
  if (terms.cost_minor > authority.max_offer_cost_minor) out.emplace_back("max_offer_cost_minor");
  return out;
}

std::string Ineligible(const DeskConfig& config, const Offer& offer, const CustomerView& view, Reason reason,
                       Timestamp now) {
  const Eligibility& e = offer.eligible;
  auto has = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  if (!offer.active) return "not active";
  if (!e.reasons.empty() && std::find(e.reasons.begin(), e.reasons.end(), reason) == e.reasons.end()) {
    return fmt::format("not for the reason {}", ReasonName(reason));
  }
  if (!has(e.plans, view.plan)) return fmt::format("not for the plan {}", view.plan);
  if (view.tenure_days < e.min_tenure_days) return fmt::format("needs {} days as a customer", e.min_tenure_days);
  if (e.max_tenure_days && view.tenure_days > *e.max_tenure_days) {
    return fmt::format("only for customers of up to {} days", *e.max_tenure_days);
  }
  if (!has(e.value_bands, ValueBand(config, view))) return "not for this value band";
  if (!has(e.risk_bands, RiskBand(config, view))) return "not for this risk band";
  if (!has(e.segments, view.segment)) return "not for this segment";
  if (offer.kind == OfferKind::kDowngrade) {
    auto it = view.plan_prices.find(offer.plan);
    if (offer.plan == view.plan) return "already on that plan";
    if (it == view.plan_prices.end()) return fmt::format("no plan {}", offer.plan);
    if (it->second >= view.monthly_price_minor) return "not cheaper than the current plan";
  }
  if (auto it = view.last_offered.find(offer.id); it != view.last_offered.end() && e.repeat_after_months > 0) {
    auto until = it->second + std::chrono::days(30L * e.repeat_after_months);
    if (now < until) return fmt::format("offered within the last {} months", e.repeat_after_months);
  }
  return {};
}

int64_t ValueRetained(const DeskConfig& config, const Offer& offer, const CustomerView& view) {
  int64_t value = CustomerValue(config, view);
  if (offer.kind == OfferKind::kDowngrade && view.monthly_price_minor > 0) {
    auto it = view.plan_prices.find(offer.plan);
    if (it != view.plan_prices.end()) {
      return RoundMinor(static_cast<double>(value) * static_cast<double>(it->second) /
                        static_cast<double>(view.monthly_price_minor));
    }
  }
  return value;
}

std::vector<Ranked> RankOffers(const DeskConfig& config, const CustomerView& view, Reason reason, Timestamp now,
                               const staff::Authority& authority, const TallyLookup& tallies, std::mt19937_64* rng) {
  std::vector<Ranked> out;
  for (const auto& offer : config.offers) {
    if (!Ineligible(config, offer, view, reason, now).empty()) continue;
    Ranked r;
    r.offer = &offer;
    r.terms = OfferTerms(offer, view);
    r.value_minor = ValueRetained(config, offer, view);
    Tally t = tallies(offer.id);
    double a = offer.prior_accepted.value_or(config.prior_accepted) + static_cast<double>(t.accepted);
    double b = offer.prior_declined.value_or(config.prior_declined) + static_cast<double>(t.declined);
    r.p_accept = a / (a + b);
    r.p_ranked = r.p_accept;
    if (config.thompson && rng != nullptr) {
      // A Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
      double x = std::gamma_distribution<double>(a, 1.0)(*rng);
      double y = std::gamma_distribution<double>(b, 1.0)(*rng);
      r.p_ranked = x + y > 0 ? x / (x + y) : r.p_accept;
    }
    r.expected_net_minor = r.p_ranked * static_cast<double>(r.value_minor - r.terms.cost_minor);
    r.exceeded = ExceededLimits(r.terms, authority);
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Ranked& x, const Ranked& y) { return x.expected_net_minor > y.expected_net_minor; });
  return out;
}

namespace {

struct Group {
  int64_t requests = 0;
  int64_t decided = 0;
  int64_t saved = 0;         // in the session
  int64_t eligible_30 = 0;   // old enough to count at 30 days
  int64_t kept_30 = 0;
  int64_t eligible_90 = 0;
  int64_t kept_90 = 0;
  int64_t saved_monthly_minor = 0;
  int64_t cost_minor = 0;

  void Add(const ReportRow& r, Timestamp now) {
    ++requests;
    bool decided_row = r.status == "saved" || r.status == "withdrawn" || r.status == "cancelled";
    if (!decided_row) return;
    ++decided;
    bool saved_row = r.status != "cancelled";
    if (saved_row) {
      ++saved;
      saved_monthly_minor += r.monthly_minor;
      cost_minor += r.cost_minor;
    }
    for (auto [days, eligible, kept] : {std::tuple{30, &eligible_30, &kept_30}, std::tuple{90, &eligible_90, &kept_90}}) {
      Timestamp at = r.created_at + std::chrono::days(days);
      if (at > now) continue;
      ++*eligible;
      if (!r.cancelled_at || *r.cancelled_at > at) ++*kept;
    }
  }

  json ToJson() const {
    auto rate = [](int64_t k, int64_t n) {
      if (n == 0) return json();
      Rate r = WilsonRate(k, n);
      return json{{"rate", r.rate}, {"low", r.low}, {"high", r.high}, {"n", n}};
    };
    int64_t saved_value = saved_monthly_minor * 12;
    return {{"requests", requests},
            {"decided", decided},
            {"saved", saved},
            {"save_rate", rate(saved, decided)},
            {"kept_30_days", rate(kept_30, eligible_30)},
            {"kept_90_days", rate(kept_90, eligible_90)},
            {"revenue_saved_minor", saved_value},
            {"incentive_cost_minor", cost_minor},
            {"return_on_incentive", cost_minor > 0 ? json(static_cast<double>(saved_value) / static_cast<double>(cost_minor)) : json()}};
  }
};

json Breakdown(const std::vector<ReportRow>& rows, Timestamp now, const std::function<std::string(const ReportRow&)>& key) {
  std::map<std::string, Group> groups;
  for (const auto& r : rows) groups[key(r)].Add(r, now);
  json out = json::array();
  for (const auto& [k, g] : groups) {
    json j = g.ToJson();
    j["key"] = k;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

json SaveReport(const std::vector<ReportRow>& rows, Timestamp now, const BusinessZone& zone) {
  Group all, offered, control;
  for (const auto& r : rows) {
    all.Add(r, now);
    (r.control ? control : offered).Add(r, now);
  }
  json out = all.ToJson();
  std::map<std::string, int> currencies;
  for (const auto& r : rows) ++currencies[r.currency];
  auto most = std::max_element(currencies.begin(), currencies.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  out["currency"] = most == currencies.end() ? "" : most->first;
  out["offered"] = offered.ToJson();
  out["control"] = control.ToJson();
  auto incremental = [](int64_t k1, int64_t n1, int64_t k0, int64_t n0) {
    auto d = RateDifference(WilsonRate(k1, n1), WilsonRate(k0, n0));
    if (!d) return json();
    return json{{"estimate", d->estimate}, {"low", d->low}, {"high", d->high}};
  };
  out["incremental_save_rate"] = incremental(offered.saved, offered.decided, control.saved, control.decided);
  out["incremental_kept_30_days"] = incremental(offered.kept_30, offered.eligible_30, control.kept_30, control.eligible_30);
  out["by_offer"] = Breakdown(rows, now, [](const ReportRow& r) {
    if (r.control) return std::string("(control)");
    return r.offer.empty() ? std::string("(none accepted)") : r.offer;
  });
  out["by_reason"] = Breakdown(rows, now, [](const ReportRow& r) { return r.reason; });
  out["by_agent"] = Breakdown(rows, now, [](const ReportRow& r) { return r.agent; });
  out["by_channel"] = Breakdown(rows, now, [](const ReportRow& r) { return r.channel; });
  out["by_month"] = Breakdown(rows, now, [&zone](const ReportRow& r) {
    auto day = zone.LocalDate(r.created_at);
    return fmt::format("{:04}-{:02}", static_cast<int>(day.year()), static_cast<unsigned>(day.month()));
  });
  return out;
}

}  // namespace retain::retention
