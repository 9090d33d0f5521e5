#include "loyalty/program.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "common/money.h"

namespace retain::loyalty {
namespace {

using nlohmann::json;

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Reads one JSON object, remembering which keys were read so unknown ones can be refused.
class Reader {
 public:
  Reader(const json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  bool Has(std::string_view key) {
    seen_.insert(std::string(key));
    return obj_.contains(key) && !obj_.at(std::string(key)).is_null();
  }
  const json& At(std::string_view key) { return obj_.at(std::string(key)); }
  std::string Field(std::string_view key) const { return Join(path_, key); }

  Result<std::string> String(std::string_view key, bool required, std::string fallback = {}) {
    if (!Has(key)) {
      if (required) return InvalidArgument("is required", Field(key));
      return fallback;
    }
    if (!At(key).is_string()) return InvalidArgument("must be a string", Field(key));
    return At(key).get<std::string>();
  }

  Result<int64_t> Int(std::string_view key, int64_t min, int64_t max, int64_t fallback) {
    if (!Has(key)) return fallback;
    const json& v = At(key);
    if (!v.is_number_integer()) return InvalidArgument("must be a whole number", Field(key));
    auto n = v.get<int64_t>();
    if (n < min || n > max) return InvalidArgument(fmt::format("must be between {} and {}", min, max), Field(key));
    return n;
  }

  Result<bool> Bool(std::string_view key, bool fallback) {
    if (!Has(key)) return fallback;
    if (!At(key).is_boolean()) return InvalidArgument("must be true or false", Field(key));
    return At(key).get<bool>();
  }

  // A number that may have a fraction ("per_unit": 1.5), kept in thousandths.
  Result<int64_t> Milli(std::string_view key, int64_t max_whole, int64_t fallback) {
    if (!Has(key)) return fallback;
    const json& v = At(key);
    if (!v.is_number()) return InvalidArgument("must be a number", Field(key));
    double d = v.get<double>();
    if (!(d >= 0) || d > static_cast<double>(max_whole)) {
      return InvalidArgument(fmt::format("must be between 0 and {}", max_whole), Field(key));
    }
    return static_cast<int64_t>(d * 1000 + 0.5);
  }

  // Money as "6.50" in `currency`, or minor units under KEY_minor.
  Result<int64_t> Money(std::string_view key, const std::string& currency) {
    std::string minor_key = std::string(key) + "_minor";
    if (Has(minor_key)) return Int(minor_key, 0, int64_t{1} << 50, 0);
    if (!Has(key)) return 0;
    if (!At(key).is_string()) return InvalidArgument("must be an amount written as a string, such as \"6.50\"", Field(key));
    if (currency.empty()) return InvalidArgument("an amount needs the program's currency", Field(key));
    auto amount = ParseAmount(At(key).get<std::string>(), currency);
    if (!amount) return InvalidArgument(amount.error().message, Field(key));
    if (*amount < 0) return InvalidArgument("must not be negative", Field(key));
    return *amount;
  }

  Result<std::vector<std::string>> Strings(std::string_view key) {
    std::vector<std::string> out;
    if (!Has(key)) return out;
    if (!At(key).is_array()) return InvalidArgument("must be a list of strings", Field(key));
    for (size_t i = 0; i < At(key).size(); ++i) {
      const json& v = At(key)[i];
      if (!v.is_string() || v.get<std::string>().empty()) {
        return InvalidArgument("must be a non-empty string", fmt::format("{}[{}]", Field(key), i));
      }
      out.push_back(v.get<std::string>());
    }
    return out;
  }

  // Refuses keys that were never asked for: a misspelt key must not be silently ignored.
  Status NoOthers() const {
    for (const auto& [key, value] : obj_.items()) {
      if (!seen_.contains(key)) return InvalidArgument("is not a field of a program document", Field(key));
    }
    return Ok();
  }

 private:
  const json& obj_;
  std::string path_;
  std::set<std::string> seen_;
};

Result<const json*> Object(Reader& r, std::string_view key) {
  if (!r.Has(key)) return nullptr;
  if (!r.At(key).is_object()) return InvalidArgument("must be an object", r.Field(key));
  return &r.At(key);
}

Result<Qualifier> ParseQualifier(const json& obj, const std::string& path, const std::string& currency) {
  Reader r(obj, path);
  Qualifier q;
  RETAIN_ASSIGN_OR_RETURN(q.products, r.Strings("products"));
  RETAIN_ASSIGN_OR_RETURN(q.categories, r.Strings("categories"));
  RETAIN_ASSIGN_OR_RETURN(q.min_spend_minor, r.Money("min_spend", currency));
  RETAIN_RETURN_IF_ERROR(r.NoOthers());
  return q;
}

Result<RewardKind> ParseRewardKind(const std::string& s, const std::string& field) {
  if (s == "free_item") return RewardKind::kFreeItem;
  if (s == "percent_off") return RewardKind::kPercentOff;
  if (s == "amount_off") return RewardKind::kAmountOff;
  if (s == "free_month") return RewardKind::kFreeMonth;
  if (s == "gift") return RewardKind::kGift;
  return InvalidArgument("must be one of free_item, percent_off, amount_off, free_month, gift", field);
}

Result<Reward> ParseReward(const json& obj, const std::string& path, const std::string& currency,
                           std::string fallback_id) {
  if (!obj.is_object()) return InvalidArgument("must be an object", path);
  Reader r(obj, path);
  Reward w;
  RETAIN_ASSIGN_OR_RETURN(w.id, r.String("id", fallback_id.empty(), fallback_id));
  RETAIN_ASSIGN_OR_RETURN(auto kind, r.String("kind", true));
  RETAIN_ASSIGN_OR_RETURN(w.kind, ParseRewardKind(kind, r.Field("kind")));
  RETAIN_ASSIGN_OR_RETURN(w.product, r.String("product", false));
  RETAIN_ASSIGN_OR_RETURN(w.description, r.String("description", false));
  RETAIN_ASSIGN_OR_RETURN(auto percent, r.Int("percent", 1, 100, 0));
  w.percent = static_cast<int>(percent);
  RETAIN_ASSIGN_OR_RETURN(w.amount_minor, r.Money("amount", currency));
  RETAIN_ASSIGN_OR_RETURN(auto valid, r.Int("valid_days", 0, 3660, 0));
  w.valid_days = static_cast<int>(valid);
  RETAIN_ASSIGN_OR_RETURN(w.cost_points, r.Int("points", 0, int64_t{1} << 40, 0));
  RETAIN_RETURN_IF_ERROR(r.NoOthers());
  switch (w.kind) {
    case RewardKind::kFreeItem:
    case RewardKind::kFreeMonth:
      if (w.product.empty()) return InvalidArgument("is required for this kind of reward", r.Field("product"));
      break;
    case RewardKind::kPercentOff:
      if (w.percent == 0) return InvalidArgument("is required for percent_off", r.Field("percent"));
      break;
    case RewardKind::kAmountOff:
      if (w.amount_minor == 0) return InvalidArgument("is required for amount_off", r.Field("amount"));
      break;
    case RewardKind::kGift:
      if (w.description.empty()) return InvalidArgument("is required for a gift", r.Field("description"));
      break;
  }
  return w;
}

Result<Expiry> ParseExpiry(Reader& r) {
  Expiry e;
  if (!r.Has("expiry")) return e;
  const json& v = r.At("expiry");
  const std::string field = r.Field("expiry");
  if (v.is_string()) {
    auto s = v.get<std::string>();
    if (s == "never") return e;
    if (s == "end_of_month") return Expiry{ExpiryRule::kEndOfMonth, 0};
    if (s == "end_of_year") return Expiry{ExpiryRule::kEndOfYear, 0};
    return InvalidArgument("must be \"never\", \"end_of_month\", \"end_of_year\" or {\"after_days\": N}", field);
  }
  if (v.is_object()) {
    Reader er(v, field);
    RETAIN_ASSIGN_OR_RETURN(auto days, er.Int("after_days", 1, 36600, 0));
    RETAIN_RETURN_IF_ERROR(er.NoOthers());
    if (days == 0) return InvalidArgument("is required", er.Field("after_days"));
    return Expiry{ExpiryRule::kAfterDays, static_cast<int>(days)};
  }
  return InvalidArgument("must be \"never\", \"end_of_month\", \"end_of_year\" or {\"after_days\": N}", field);
}

Result<std::vector<Multiplier>> ParseMultipliers(Reader& r) {
  std::vector<Multiplier> out;
  if (!r.Has("multipliers")) return out;
  if (!r.At("multipliers").is_array()) return InvalidArgument("must be a list", r.Field("multipliers"));
  for (size_t i = 0; i < r.At("multipliers").size(); ++i) {
    const json& m = r.At("multipliers")[i];
    std::string path = fmt::format("{}[{}]", r.Field("multipliers"), i);
    if (!m.is_object()) return InvalidArgument("must be an object", path);
    Reader mr(m, path);
    Multiplier x;
    RETAIN_ASSIGN_OR_RETURN(x.product, mr.String("product", false));
    RETAIN_ASSIGN_OR_RETURN(x.category, mr.String("category", false));
    RETAIN_ASSIGN_OR_RETURN(auto factor, mr.Milli("factor", 100, 1000));
    RETAIN_RETURN_IF_ERROR(mr.NoOthers());
    if (x.product.empty() == x.category.empty()) {
      return InvalidArgument("names either a product or a category", path);
    }
    x.factor_percent = factor / 10;
    out.push_back(std::move(x));
  }
  return out;
}

Result<Localised> ParseLocalised(const json& v, const std::string& field) {
  Localised out;
  if (v.is_string()) {
    out["en"] = v.get<std::string>();
  } else if (v.is_object()) {
    for (const auto& [locale, text] : v.items()) {
      if (locale != "en" && locale != "pt" && locale != "da") return InvalidArgument("must be en, pt or da", field + "." + locale);
      if (!text.is_string()) return InvalidArgument("must be a string", field + "." + locale);
      out[locale] = text.get<std::string>();
    }
  } else {
    return InvalidArgument("must be a string or an object of en, pt and da texts", field);
  }
  return out;
}

Result<Period> ParsePeriod(Reader& r, std::string_view key, Period fallback) {
  RETAIN_ASSIGN_OR_RETURN(auto s, r.String(key, false));
  if (s.empty()) return fallback;
  if (s == "month") return Period::kMonth;
  if (s == "quarter") return Period::kQuarter;
  if (s == "year") return Period::kYear;
  return InvalidArgument("must be month, quarter or year", r.Field(key));
}

Result<TierRules> ParseTiers(const json& obj, const std::string& currency) {
  Reader r(obj, "tiers");
  TierRules t;
  RETAIN_ASSIGN_OR_RETURN(auto measure, r.String("measure", false, "points"));
  if (measure == "points") t.measure = TierMeasure::kPoints;
  else if (measure == "spend") t.measure = TierMeasure::kSpend;
  else return InvalidArgument("must be points or spend", r.Field("measure"));
  if (t.measure == TierMeasure::kSpend && currency.empty()) {
    return InvalidArgument("tiers on money spent need the program's currency", r.Field("measure"));
  }
  RETAIN_ASSIGN_OR_RETURN(auto window, r.Int("window_days", 1, 3660, 365));
  t.window_days = static_cast<int>(window);
  if (r.Has("downgrade")) {
    const json& d = r.At("downgrade");
    const std::string field = r.Field("downgrade");
    const char* kHelp = "must be \"never\", \"period_end\" or {\"after_days_below\": N}";
    if (d.is_string() && d.get<std::string>() == "never") {
      t.downgrade = Downgrade::kNever;
    } else if (d.is_string() && d.get<std::string>() == "period_end") {
      t.downgrade = Downgrade::kPeriodEnd;
    } else if (d.is_object()) {
      Reader dr(d, field);
      RETAIN_ASSIGN_OR_RETURN(auto days, dr.Int("after_days_below", 1, 3660, 0));
      RETAIN_RETURN_IF_ERROR(dr.NoOthers());
      if (days == 0) return InvalidArgument("is required", dr.Field("after_days_below"));
      t.downgrade = Downgrade::kAfterDaysBelow;
      t.days_below = static_cast<int>(days);
    } else {
      return InvalidArgument(kHelp, field);
    }
  }
  RETAIN_ASSIGN_OR_RETURN(t.period, ParsePeriod(r, "period", Period::kYear));
  if (!r.Has("levels") || !r.At("levels").is_array() || r.At("levels").empty()) {
    return InvalidArgument("is required: a list of at least one level", r.Field("levels"));
  }
  for (size_t i = 0; i < r.At("levels").size(); ++i) {
    const json& l = r.At("levels")[i];
    std::string path = fmt::format("tiers.levels[{}]", i);
    if (!l.is_object()) return InvalidArgument("must be an object", path);
    Reader lr(l, path);
    TierLevel level;
    RETAIN_ASSIGN_OR_RETURN(level.id, lr.String("id", true));
    if (level.id.empty() || t.Index(level.id) >= 0) return InvalidArgument("must be a new, non-empty id", lr.Field("id"));
    if (lr.Has("name")) {
      RETAIN_ASSIGN_OR_RETURN(level.name, ParseLocalised(lr.At("name"), lr.Field("name")));
    }
    if (!level.name.contains("en")) level.name["en"] = level.id;
    if (t.measure == TierMeasure::kPoints) {
      RETAIN_ASSIGN_OR_RETURN(level.threshold, lr.Int("threshold", 0, int64_t{1} << 50, -1));
    } else {
      if (!lr.Has("threshold") && !lr.Has("threshold_minor")) level.threshold = -1;
      else {
        RETAIN_ASSIGN_OR_RETURN(level.threshold, lr.Money("threshold", currency));
      }
    }
    if (level.threshold < 0) {
      return InvalidArgument(t.measure == TierMeasure::kPoints ? "is required: the points that reach the tier"
                                                               : "is required: the spend that reaches the tier, such as \"500.00\"",
                             lr.Field("threshold"));
    }
    if (!t.levels.empty() && level.threshold <= t.levels.back().threshold) {
      return InvalidArgument("must be above the previous level's threshold", lr.Field("threshold"));
    }
    RETAIN_ASSIGN_OR_RETURN(auto factor, lr.Milli("multiplier", 100, 1000));
    level.factor_percent = factor / 10;
    RETAIN_ASSIGN_OR_RETURN(auto discount, lr.Int("discount_percent", 0, 100, 0));
    level.discount_percent = static_cast<int>(discount);
    if (lr.Has("benefits")) {
      if (!lr.At("benefits").is_array()) return InvalidArgument("must be a list", lr.Field("benefits"));
      for (size_t b = 0; b < lr.At("benefits").size(); ++b) {
        RETAIN_ASSIGN_OR_RETURN(auto text, ParseLocalised(lr.At("benefits")[b], fmt::format("{}[{}]", lr.Field("benefits"), b)));
        level.benefits.push_back(std::move(text));
      }
    }
    RETAIN_RETURN_IF_ERROR(lr.NoOthers());
    t.levels.push_back(std::move(level));
  }
  RETAIN_RETURN_IF_ERROR(r.NoOthers());
  return t;
}

Result<ReferralRules> ParseReferral(const json& obj, const std::string& currency) {
  Reader r(obj, "referral");
  ReferralRules rr;
  RETAIN_ASSIGN_OR_RETURN(rr.referrer_points, r.Int("referrer_points", 0, 1'000'000, 0));
  RETAIN_ASSIGN_OR_RETURN(rr.referee_points, r.Int("referee_points", 0, 1'000'000, 0));
  RETAIN_ASSIGN_OR_RETURN(rr.min_spend_minor, r.Money("min_spend", currency));
  RETAIN_RETURN_IF_ERROR(r.NoOthers());
  if (!rr.enabled()) return InvalidArgument("gives nothing: set referrer_points or referee_points", "referral");
  return rr;
}

Result<Promotion> ParsePromotion(const json& obj, const std::string& path, const Program& p) {
  if (!obj.is_object()) return InvalidArgument("must be an object", path);
  Reader r(obj, path);
  Promotion x;
  RETAIN_ASSIGN_OR_RETURN(x.id, r.String("id", true));
  if (x.id.empty() || p.FindPromotion(x.id)) return InvalidArgument("must be a new, non-empty id", r.Field("id"));
  if (r.Has("name")) {
    RETAIN_ASSIGN_OR_RETURN(x.name, ParseLocalised(r.At("name"), r.Field("name")));
  }
  if (!x.name.contains("en")) x.name["en"] = x.id;
  RETAIN_ASSIGN_OR_RETURN(auto kind, r.String("kind", true));
  if (kind == "multiplier") x.kind = PromotionKind::kMultiplier;
  else if (kind == "bonus") x.kind = PromotionKind::kBonus;
  else if (kind == "reward") x.kind = PromotionKind::kReward;
  else return InvalidArgument("must be multiplier, bonus or reward", r.Field("kind"));
  BusinessZone utc;
  for (auto [key, out] : {std::pair<const char*, std::string*>{"starts", &x.starts}, {"ends", &x.ends}}) {
    RETAIN_ASSIGN_OR_RETURN(*out, r.String(key, false));
    if (!out->empty()) {
      if (auto t = ParseTimestamp(*out, utc); !t) return InvalidArgument(t.error().message, r.Field(key));
    }
  }
  if (!x.starts.empty() && !x.ends.empty() && !(*ParseTimestamp(x.starts, utc) < *ParseTimestamp(x.ends, utc))) {
    return InvalidArgument("must be after starts", r.Field("ends"));
  }
  RETAIN_ASSIGN_OR_RETURN(x.tiers, r.Strings("tiers"));
  for (size_t i = 0; i < x.tiers.size(); ++i) {
    if (p.tiers.Index(x.tiers[i]) < 0) return InvalidArgument("names no level in tiers", fmt::format("{}[{}]", r.Field("tiers"), i));
  }
  RETAIN_ASSIGN_OR_RETURN(x.segments, r.Strings("segments"));
  RETAIN_ASSIGN_OR_RETURN(const json* qualifying, Object(r, "qualifying"));
  if (qualifying) {
    RETAIN_ASSIGN_OR_RETURN(x.qualifying, ParseQualifier(*qualifying, r.Field("qualifying"), p.currency));
  }
  RETAIN_ASSIGN_OR_RETURN(x.per_member, r.Int("per_member", 0, 1'000'000, 0));
  RETAIN_ASSIGN_OR_RETURN(x.total, r.Int("total", 0, int64_t{1} << 40, 0));
  switch (x.kind) {
    case PromotionKind::kMultiplier: {
      RETAIN_ASSIGN_OR_RETURN(auto factor, r.Milli("factor", 100, 0));
      if (factor <= 1000) return InvalidArgument("is required and above 1: 2 doubles the points", r.Field("factor"));
      x.factor_percent = factor / 10;
      RETAIN_ASSIGN_OR_RETURN(x.budget_points, r.Int("budget_points", 0, int64_t{1} << 50, 0));
      break;
    }
    case PromotionKind::kBonus: {
      RETAIN_ASSIGN_OR_RETURN(x.points, r.Int("points", 0, 1'000'000, 0));
      if (x.points == 0) return InvalidArgument("is required: the bonus points per qualifying purchase", r.Field("points"));
      RETAIN_ASSIGN_OR_RETURN(x.budget_points, r.Int("budget_points", 0, int64_t{1} << 50, 0));
      break;
    }
    case PromotionKind::kReward: {
      RETAIN_ASSIGN_OR_RETURN(x.reward, r.String("reward", true));
      const Reward* reward = p.FindReward(x.reward);
      if (!reward) return InvalidArgument("names no reward in rewards", r.Field("reward"));
      RETAIN_ASSIGN_OR_RETURN(x.cost_minor, r.Money("cost", p.currency));
      if (x.cost_minor == 0 && reward->kind == RewardKind::kAmountOff) x.cost_minor = reward->amount_minor;
      RETAIN_ASSIGN_OR_RETURN(x.budget_minor, r.Money("budget", p.currency));
      if (x.budget_minor > 0 && x.cost_minor == 0) {
        return InvalidArgument("a budget in money needs what one use costs", r.Field("cost"));
      }
      break;
    }
  }
  RETAIN_RETURN_IF_ERROR(r.NoOthers());
  return x;
}

}  // namespace

std::string_view PeriodName(Period period) {
  switch (period) {
    case Period::kMonth: return "month";
    case Period::kQuarter: return "quarter";
    case Period::kYear: return "year";
    case Period::kNone: return "all";
  }
  return "?";
}

std::optional<Timestamp> PeriodEnd(Period period, Timestamp t, const BusinessZone& zone) {
  using namespace date;
  year_month_day d = zone.LocalDate(t);
  switch (period) {
    case Period::kMonth: return zone.StartOfDay((year_month(d.year(), d.month()) + months(1)) / day(1));
    case Period::kQuarter: {
      unsigned m = static_cast<unsigned>(d.month());
      unsigned first = (m - 1) / 3 * 3 + 1;
      return zone.StartOfDay((year_month(d.year(), month(first)) + months(3)) / day(1));
    }
    case Period::kYear: return zone.StartOfDay((d.year() + years(1)) / January / day(1));
    case Period::kNone: return std::nullopt;
  }
  return std::nullopt;
}

std::string PeriodKey(Period period, Timestamp t, const BusinessZone& zone) {
  auto d = zone.LocalDate(t);
  int y = static_cast<int>(d.year());
  unsigned m = static_cast<unsigned>(d.month());
  switch (period) {
    case Period::kMonth: return fmt::format("{:04}-{:02}", y, m);
    case Period::kQuarter: return fmt::format("{:04}-Q{}", y, (m - 1) / 3 + 1);
    case Period::kYear: return fmt::format("{:04}", y);
    case Period::kNone: return "all";
  }
  return "all";
}

int TierRules::Index(std::string_view id) const {
  if (id.empty()) return -1;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (levels[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

std::string_view PromotionKindName(PromotionKind kind) {
  switch (kind) {
    case PromotionKind::kMultiplier: return "multiplier";
    case PromotionKind::kBonus: return "bonus";
    case PromotionKind::kReward: return "reward";
  }
  return "?";
}

bool Promotion::ActiveAt(Timestamp t, const BusinessZone& zone) const {
  if (!starts.empty()) {
    auto s = ParseTimestamp(starts, zone);
    if (!s || t < *s) return false;
  }
  if (!ends.empty()) {
    auto e = ParseTimestamp(ends, zone);
    if (!e || !(t < *e)) return false;
  }
  return true;
}

const Promotion* Program::FindPromotion(std::string_view promotion_id) const {
  for (const auto& x : promotions) {
    if (x.id == promotion_id) return &x;
  }
  return nullptr;
}

std::string_view ProgramKindName(ProgramKind kind) {
  switch (kind) {
    case ProgramKind::kPunchCard: return "punch_card";
    case ProgramKind::kPoints: return "points";
    case ProgramKind::kFrequentShopper: return "frequent_shopper";
  }
  return "?";
}

std::string_view RewardKindName(RewardKind kind) {
  switch (kind) {
    case RewardKind::kFreeItem: return "free_item";
    case RewardKind::kPercentOff: return "percent_off";
    case RewardKind::kAmountOff: return "amount_off";
    case RewardKind::kFreeMonth: return "free_month";
    case RewardKind::kGift: return "gift";
  }
  return "?";
}

const Reward* Program::FindReward(std::string_view reward_id) const {
  for (const auto& r : rewards) {
    if (r.id == reward_id) return &r;
  }
  return nullptr;
}

Result<Program> ParseProgramDocument(const json& doc) {
  if (!doc.is_object()) return InvalidArgument("a program document must be a JSON object");
  Reader r(doc, "");
  Program p;
  RETAIN_ASSIGN_OR_RETURN(p.id, r.String("id", true));
  if (p.id.size() > 64 || p.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos) {
    return InvalidArgument("must be 1 to 64 lower-case letters, digits, '-' or '_'", "id");
  }
  RETAIN_ASSIGN_OR_RETURN(auto kind, r.String("kind", true));
  if (kind == "punch_card") p.kind = ProgramKind::kPunchCard;
  else if (kind == "points") p.kind = ProgramKind::kPoints;
  else if (kind == "frequent_shopper") p.kind = ProgramKind::kFrequentShopper;
  else return InvalidArgument("must be punch_card, points or frequent_shopper", "kind");

  if (r.Has("name")) {
    RETAIN_ASSIGN_OR_RETURN(p.name, ParseLocalised(r.At("name"), "name"));
  }
  if (!p.name.contains("en")) p.name["en"] = p.id;
  RETAIN_ASSIGN_OR_RETURN(p.currency, r.String("currency", false));
  RETAIN_ASSIGN_OR_RETURN(auto enrolment, r.String("enrollment", false, "automatic"));
  if (enrolment == "sign_up") p.sign_up = true;
  else if (enrolment != "automatic") return InvalidArgument("must be automatic or sign_up", "enrollment");
  if (!p.currency.empty()) {
    if (auto exp = CurrencyExponent(p.currency); !exp) return InvalidArgument(exp.error().message, "currency");
  }
  RETAIN_ASSIGN_OR_RETURN(const json* qualifying, Object(r, "qualifying"));
  if (qualifying) {
    RETAIN_ASSIGN_OR_RETURN(p.qualifying, ParseQualifier(*qualifying, "qualifying", p.currency));
  }

  if (r.Has("rewards")) {
    if (!r.At("rewards").is_array()) return InvalidArgument("must be a list", "rewards");
    for (size_t i = 0; i < r.At("rewards").size(); ++i) {
      RETAIN_ASSIGN_OR_RETURN(auto w, ParseReward(r.At("rewards")[i], fmt::format("rewards[{}]", i), p.currency, ""));
      if (p.FindReward(w.id)) return InvalidArgument("is used by another reward", fmt::format("rewards[{}].id", i));
      p.rewards.push_back(std::move(w));
    }
  }

  if (p.kind == ProgramKind::kFrequentShopper) {
    RETAIN_ASSIGN_OR_RETURN(auto purchases, r.Int("purchases", 1, 1000, 0));
    if (purchases == 0) return InvalidArgument("is required: the purchases that earn the discount", "purchases");
    RETAIN_ASSIGN_OR_RETURN(auto window, r.Int("window_days", 1, 3660, 0));
    if (window == 0) return InvalidArgument("is required: the days the purchases are counted over", "window_days");
    RETAIN_ASSIGN_OR_RETURN(auto percent, r.Int("percent", 1, 100, 0));
    if (percent == 0) return InvalidArgument("is required: the discount in percent", "percent");
    p.frequent = {static_cast<int>(purchases), static_cast<int>(window), static_cast<int>(percent)};
  } else if (p.kind == ProgramKind::kPunchCard) {
    RETAIN_ASSIGN_OR_RETURN(auto punches, r.Int("punches", 1, 1000, 0));
    if (punches == 0) return InvalidArgument("is required: the punches that complete a card", "punches");
    p.card.punches = static_cast<int>(punches);
    RETAIN_ASSIGN_OR_RETURN(p.card.per_item, r.Bool("per_item", false));
    RETAIN_ASSIGN_OR_RETURN(p.card.one_per_day, r.Bool("one_per_day", false));
    if (!r.Has("reward")) return InvalidArgument("is required: what a completed card gives", "reward");
    const json& reward = r.At("reward");
    if (reward.is_string()) {
      p.card.reward = reward.get<std::string>();
      if (!p.FindReward(p.card.reward)) return InvalidArgument("names no reward in rewards", "reward");
    } else {
      RETAIN_ASSIGN_OR_RETURN(auto w, ParseReward(reward, "reward", p.currency, "card"));
      if (p.FindReward(w.id)) return InvalidArgument("is used by another reward", "reward.id");
      p.card.reward = w.id;
      p.rewards.push_back(std::move(w));
    }
  } else {
    RETAIN_ASSIGN_OR_RETURN(const json* earn, Object(r, "earn"));
    if (!earn) return InvalidArgument("is required: how points are earned", "earn");
    Reader er(*earn, "earn");
    RETAIN_ASSIGN_OR_RETURN(p.points.per_unit_milli, er.Milli("per_unit", 1'000'000, 0));
    RETAIN_ASSIGN_OR_RETURN(p.points.per_item, er.Int("per_item", 0, 1'000'000, 0));
    RETAIN_ASSIGN_OR_RETURN(p.points.multipliers, ParseMultipliers(er));
    RETAIN_RETURN_IF_ERROR(er.NoOthers());
    if (p.points.per_unit_milli == 0 && p.points.per_item == 0) {
      return InvalidArgument("earns nothing: set per_unit or per_item", "earn");
    }
    if (p.points.per_unit_milli > 0 && p.currency.empty()) {
      return InvalidArgument("is required when points are earned per currency unit", "currency");
    }
    RETAIN_ASSIGN_OR_RETURN(p.points.expiry, ParseExpiry(r));
    RETAIN_ASSIGN_OR_RETURN(p.points.point_value_milli_minor, r.Milli("point_value_minor", 1'000'000, 0));
    if (r.Has("bonuses")) {
      const json& b = r.At("bonuses");
      if (!b.is_object()) return InvalidArgument("must be an object of event type -> points", "bonuses");
      for (const auto& [type, points] : b.items()) {
        std::string field = "bonuses." + type;
        if (type.empty() || type.size() > 64) return InvalidArgument("must name an event type", field);
        if (!points.is_number_integer() || points.get<int64_t>() <= 0 || points.get<int64_t>() > 1'000'000) {
          return InvalidArgument("must be a whole number of points between 1 and 1000000", field);
        }
        p.points.bonuses[type] = points.get<int64_t>();
      }
    }
    RETAIN_ASSIGN_OR_RETURN(auto warn, r.Int("expiry_warning_days", 0, 365, 0));
    p.points.warn_days = static_cast<int>(warn);
    if (warn > 0 && p.points.expiry.rule == ExpiryRule::kNever) {
      return InvalidArgument("points that never expire need no warning", "expiry_warning_days");
    }
    RETAIN_ASSIGN_OR_RETURN(auto pending, r.Int("pending_days", 0, 365, 0));
    p.points.pending_days = static_cast<int>(pending);
    RETAIN_ASSIGN_OR_RETURN(const json* caps, Object(r, "caps"));
    if (caps) {
      Reader cr(*caps, "caps");
      RETAIN_ASSIGN_OR_RETURN(p.points.cap_day, cr.Int("day", 1, int64_t{1} << 40, 0));
      RETAIN_ASSIGN_OR_RETURN(p.points.cap_week, cr.Int("week", 1, int64_t{1} << 40, 0));
      RETAIN_ASSIGN_OR_RETURN(p.points.cap_month, cr.Int("month", 1, int64_t{1} << 40, 0));
      RETAIN_RETURN_IF_ERROR(cr.NoOthers());
    }
    RETAIN_ASSIGN_OR_RETURN(const json* tiers, Object(r, "tiers"));
    if (tiers) {
      RETAIN_ASSIGN_OR_RETURN(p.tiers, ParseTiers(*tiers, p.currency));
    }
    RETAIN_ASSIGN_OR_RETURN(const json* referral, Object(r, "referral"));
    if (referral) {
      RETAIN_ASSIGN_OR_RETURN(p.referral, ParseReferral(*referral, p.currency));
    }
    RETAIN_ASSIGN_OR_RETURN(const json* budget, Object(r, "budget"));
    if (budget) {
      Reader br(*budget, "budget");
      RETAIN_ASSIGN_OR_RETURN(p.budget.points, br.Int("points", 1, int64_t{1} << 50, 0));
      if (p.budget.points == 0) return InvalidArgument("is required: the most points the program gives", "budget.points");
      RETAIN_ASSIGN_OR_RETURN(p.budget.period, ParsePeriod(br, "period", Period::kNone));
      RETAIN_RETURN_IF_ERROR(br.NoOthers());
    }
    if (r.Has("promotions")) {
      if (!r.At("promotions").is_array()) return InvalidArgument("must be a list", "promotions");
      for (size_t i = 0; i < r.At("promotions").size(); ++i) {
        RETAIN_ASSIGN_OR_RETURN(auto x, ParsePromotion(r.At("promotions")[i], fmt::format("promotions[{}]", i), p));
        p.promotions.push_back(std::move(x));
      }
    }
  }
  RETAIN_RETURN_IF_ERROR(r.NoOthers());
  return p;
}

Result<Program> ParseProgram(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // the library's message names the line and column
    // (a syntax error, or a number too large for any type: out_of_range, not parse_error)
    return InvalidArgument(std::string("the program document is not valid JSON: ") + e.what());
  }
  return ParseProgramDocument(doc);
}

namespace {

json TomlToJson(const toml::node& node) {
  if (const auto* t = node.as_table()) {
    json out = json::object();
    for (const auto& [key, value] : *t) out[std::string(key.str())] = TomlToJson(value);
    return out;
  }
  if (const auto* a = node.as_array()) {
    json out = json::array();
    for (const auto& value : *a) out.push_back(TomlToJson(value));
    return out;
  }
  if (const auto* v = node.as_string()) return v->get();
  if (const auto* v = node.as_integer()) return v->get();
  if (const auto* v = node.as_floating_point()) return v->get();
  if (const auto* v = node.as_boolean()) return v->get();
  if (const auto* v = node.as_date()) {
    return fmt::format("{:04}-{:02}-{:02}", v->get().year, v->get().month, v->get().day);
  }
  if (const auto* v = node.as_date_time()) {
    const auto& d = v->get();
    std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", d.date.year, d.date.month, d.date.day,
                                  d.time.hour, d.time.minute, d.time.second);
    if (d.offset) {
      int m = d.offset->minutes;
      out += m == 0 ? std::string("Z") : fmt::format("{}{:02}:{:02}", m < 0 ? '-' : '+', std::abs(m) / 60, std::abs(m) % 60);
    }
    return out;
  }
  if (const auto* v = node.as_time()) {
    return fmt::format("{:02}:{:02}:{:02}", v->get().hour, v->get().minute, v->get().second);
  }
  return nullptr;
}

}  // namespace

Result<json> ProgramDocumentFromToml(std::string_view text) {
  try {
    toml::table table = toml::parse(text);
    return TomlToJson(table);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return InvalidArgument(fmt::format("the program document is not valid TOML: line {}, column {}: {}", where.line,
                                       where.column, e.description()));
  }
}

Result<json> ProgramDocumentFromText(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    try {
      return json::parse(text);
    } catch (const json::exception& e) {  // a syntax error or a number too large: line and column
      return InvalidArgument(std::string("the program document is not valid JSON: ") + e.what());
    }
  }
  return ProgramDocumentFromToml(text);
}

std::optional<Timestamp> ExpiresAt(const Expiry& expiry, Timestamp earned, const BusinessZone& zone) {
  using namespace date;
  switch (expiry.rule) {
    case ExpiryRule::kNever: return std::nullopt;
    case ExpiryRule::kAfterDays: return earned + std::chrono::days(expiry.days);
    case ExpiryRule::kEndOfMonth: {
      year_month_day d = zone.LocalDate(earned);
      year_month next = year_month(d.year(), d.month()) + months(1);
      return zone.StartOfDay(next / day(1));
    }
    case ExpiryRule::kEndOfYear: {
      year_month_day d = zone.LocalDate(earned);
      return zone.StartOfDay((d.year() + years(1)) / January / day(1));
    }
  }
  return std::nullopt;
}

}  // namespace retain::loyalty
