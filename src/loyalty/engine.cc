#include "loyalty/engine.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "common/crypto.h"
#include "common/money.h"

namespace retain::loyalty {
namespace {

using nlohmann::json;

// Products of points, rates and money overflow 64 bits before they are divided back down.
__extension__ typedef __int128 Wide;

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool Qualifies(const Qualifier& q, const core::PurchaseLine& line, const std::string& category) {
  bool by_product = q.products.empty() || Contains(q.products, line.product);
  bool by_category = q.categories.empty() || Contains(q.categories, category);
  // With both lists set a line qualifies by either; with one, by that one.
  if (!q.products.empty() && !q.categories.empty()) {
    return Contains(q.products, line.product) || Contains(q.categories, category);
  }
  return by_product && by_category;
}

int64_t FactorPercent(const PointsRules& rules, const core::PurchaseLine& line, const std::string& category) {
  int64_t best = 100;
  bool any = false;
  for (const auto& m : rules.multipliers) {
    bool applies = (!m.product.empty() && m.product == line.product) ||
                   (!m.category.empty() && !category.empty() && m.category == category);
    if (applies) {
      best = any ? std::max(best, m.factor_percent) : m.factor_percent;
      any = true;
    }
  }
  return best;
}

// Days since 1970-01-01 of a week's Monday / a month's first day, as instants in `zone`.
struct Windows {
  Timestamp day, week, month;
};

Windows WindowsOf(const BusinessZone& zone, Timestamp t) {
  using namespace date;
  year_month_day d = zone.LocalDate(t);
  sys_days days{d};
  weekday wd{days};
  sys_days monday = days - (wd - Monday);
  return {zone.StartOfDay(d), zone.StartOfDay(year_month_day{monday}), zone.StartOfDay(d.year() / d.month() / 1)};
}

}  // namespace

Basket Evaluate(const Program& program, const core::Purchase& sale, const Categories& categories) {
  Basket b;
  if (sale.kind != core::PurchaseKind::kSale) return b;
  if (!program.currency.empty() && program.currency != sale.currency) return b;
  auto exponent = CurrencyExponent(sale.currency);
  int64_t unit = 1;
  for (int i = 0; i < (exponent ? *exponent : 2); ++i) unit *= 10;
  // Points are summed in millionths of a point per minor unit so fractions of lines add up
  // before the one rounding down at the end.
  Wide micro = 0;
  int64_t item_points = 0;
  std::vector<core::PurchaseLine> lines = sale.lines;
  if (lines.empty()) {  // a purchase recorded by its total alone is one item
    core::PurchaseLine whole;
    whole.amount_minor = sale.total_minor;
    lines.push_back(whole);
  }
  for (const auto& line : lines) {
    auto it = categories.find(line.product);
    const std::string& category = it == categories.end() ? std::string() : it->second;
    if (!Qualifies(program.qualifying, line, category)) continue;
    b.qualifying_minor += line.amount_minor;
    int64_t qty = std::max<int64_t>(line.quantity, 0);
    b.items += qty;
    if (program.kind == ProgramKind::kPoints) {
      int64_t factor = FactorPercent(program.points, line, category);
      micro += static_cast<Wide>(line.amount_minor) * program.points.per_unit_milli * factor * 10;
      item_points += program.points.per_item * qty * factor / 100;
    }
  }
  if (b.qualifying_minor <= 0 || b.qualifying_minor < program.qualifying.min_spend_minor) {
    return Basket{b.qualifying_minor, b.items, 0, 0};
  }
  if (program.kind == ProgramKind::kPoints) {
    // per_unit_milli/1000 points per unit; unit minor units per unit; factor/100.
    b.points = static_cast<int64_t>(micro / (static_cast<Wide>(unit) * 1'000'000)) + item_points;
  } else if (program.kind == ProgramKind::kPunchCard) {
    b.punches = program.card.per_item ? b.items : 1;
  } else {
    b.punches = 1;  // a qualifying visit
  }
  return b;
}

std::string_view LedgerKindName(LedgerKind kind) {
  switch (kind) {
    case LedgerKind::kEarn: return "earn";
    case LedgerKind::kReverse: return "reverse";
    case LedgerKind::kSpend: return "spend";
    case LedgerKind::kExpire: return "expire";
    case LedgerKind::kAdjust: return "adjust";
    case LedgerKind::kPunch: return "punch";
    case LedgerKind::kUnpunch: return "unpunch";
    case LedgerKind::kCard: return "card";
  }
  return "?";
}

Result<LedgerKind> ParseLedgerKind(std::string_view name) {
  for (auto k : {LedgerKind::kEarn, LedgerKind::kReverse, LedgerKind::kSpend, LedgerKind::kExpire,
                 LedgerKind::kAdjust, LedgerKind::kPunch, LedgerKind::kUnpunch, LedgerKind::kCard}) {
    if (LedgerKindName(k) == name) return k;
  }
  return Internal(fmt::format("unknown ledger kind '{}'", name));
}

Result<std::string> NewCouponCode() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no I, O, 0, 1
  RETAIN_ASSIGN_OR_RETURN(auto hex, RandomHex(12));
  std::string code;
  for (size_t i = 0; i < 12; ++i) {
    int byte = std::stoi(hex.substr(i * 2, 2), nullptr, 16);
    if (i > 0 && i % 4 == 0) code += '-';
    code += kAlphabet[static_cast<size_t>(byte) % kAlphabet.size()];
  }
  return code;
}

json RewardJson(const Reward& r, const std::string& currency) {
  json j = {{"id", r.id}, {"kind", RewardKindName(r.kind)}};
  if (!r.product.empty()) j["product"] = r.product;
  if (r.percent) j["percent"] = r.percent;
  if (r.amount_minor) {
    j["amount_minor"] = r.amount_minor;
    j["currency"] = currency;
  }
  if (!r.description.empty()) j["description"] = r.description;
  if (r.valid_days) j["valid_days"] = r.valid_days;
  if (r.cost_points) j["points"] = r.cost_points;
  return j;
}

Result<ProgramChange> DefineProgram(LoyaltyStore& loyalty, core::RecordStore& records, core::WebhookStore& outbox,
                                    const json& document, Timestamp effective_at, const std::string& actor,
                                    Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(Program program, ParseProgramDocument(document));
  std::string text = document.dump();
  RETAIN_ASSIGN_OR_RETURN(int version,
                          loyalty.PutProgramVersion(program.id, program.kind, text, effective_at, actor, now));
  json change = {{"id", program.id}, {"version", version}, {"effective_at", FormatTimestamp(effective_at)},
                 {"document", document}};
  RETAIN_RETURN_IF_ERROR(records.AppendAudit(
      {now, actor, "loyalty_program.changed", "loyalty_programs", program.id, "null", change.dump()}));
  json event = {{"type", "program.changed"}, {"created_at", FormatTimestamp(now)}, {"data", change}};
  RETAIN_RETURN_IF_ERROR(outbox.AppendOutbox({0, "program.changed", program.id, event.dump(), now}));
  return ProgramChange{std::move(program), version, effective_at, std::move(change)};
}

Standing StandingAt(const std::vector<Lot>& lots, int64_t debt, Timestamp now) {
  Standing st;
  int64_t available = 0;
  for (const auto& lot : lots) {
    bool gone = lot.expires_at && *lot.expires_at <= now;
    if (gone) st.expired_not_booked += lot.remaining;
    else if (lot.available_at > now) st.pending += lot.remaining;
    else available += lot.remaining;
    if (!gone && lot.expires_at) {
      if (!st.next_expiry || *lot.expires_at < *st.next_expiry) {
        st.next_expiry = lot.expires_at;
        st.next_expiry_points = 0;
      }
      if (*lot.expires_at == *st.next_expiry) st.next_expiry_points += lot.remaining;
    }
  }
  st.available = std::max<int64_t>(0, available - debt);
  return st;
}

Result<FrequentShopperStatus> FrequentShopper(LoyaltyStore& loyalty, const Program& program,
                                              const std::string& customer, Timestamp now) {
  FrequentShopperStatus st;
  st.needed = program.frequent.purchases;
  st.window_days = program.frequent.window_days;
  RETAIN_ASSIGN_OR_RETURN(st.purchases, loyalty.SumBetween(program.id, customer, LedgerKind::kPunch,
                                                           now - std::chrono::days(st.window_days), now + std::chrono::seconds(1)));
  RETAIN_ASSIGN_OR_RETURN(int64_t returned, loyalty.SumBetween(program.id, customer, LedgerKind::kUnpunch,
                                                               now - std::chrono::days(st.window_days), now + std::chrono::seconds(1)));
  st.purchases += returned;  // returns' entries are negative
  st.discount_percent = st.purchases >= st.needed ? program.frequent.percent : 0;
  return st;
}

Result<ProgramReport> Report(LoyaltyStore& loyalty, const std::string& program, Timestamp from, Timestamp to,
                             const BusinessZone& zone, Timestamp now) {
  if (!(from < to)) return InvalidArgument("must be after from", "to");
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  auto versions = programs->Versions(program);
  if (versions.empty()) return NotFound(fmt::format("no loyalty program '{}'", program), "program");
  const Program& p = versions.back()->program;
  ProgramReport report;
  report.currency = p.currency;
  auto month_of = [&](Timestamp t) {
    auto d = zone.LocalDate(t);
    return fmt::format("{:04}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()));
  };
  // Every month in the range, so a quiet month shows as zeros.
  {
    auto d = zone.LocalDate(from);
    auto last = zone.LocalDate(to - std::chrono::seconds(1));
    date::year_month ym = d.year() / d.month(), end = last.year() / last.month();
    for (; ym <= end; ym += date::months(1)) {
      report.months.push_back({fmt::format("{:04}-{:02}", static_cast<int>(ym.year()), static_cast<unsigned>(ym.month()))});
    }
  }
  RETAIN_ASSIGN_OR_RETURN(auto buckets, loyalty.Buckets(program, from, std::max(from, std::min(to, now + std::chrono::seconds(1)))));
  for (const auto& b : buckets) {
    auto key = month_of(b.start);
    auto it = std::find_if(report.months.begin(), report.months.end(), [&](const MonthReport& m) { return m.month == key; });
    if (it == report.months.end()) continue;
    MonthReport& m = *it;
    if (b.what == "earn") m.points_earned += b.points;
    else if (b.what == "reverse") m.points_reversed -= b.points;
    else if (b.what == "spend") m.points_spent -= b.points;
    else if (b.what == "expire") m.points_expired -= b.points;
    else if (b.what == "adjust") m.points_adjusted += b.points;
    else if (b.what == "punch" || b.what == "unpunch") m.punches += b.points;
    else if (b.what == "card") m.cards_completed += b.count;
    else if (b.what == "coupon_issued") m.coupons_issued += b.count;
    else if (b.what == "coupon_used") m.coupons_used += b.count;
    else if (b.what == "coupon_expired") m.coupons_expired += b.count;
  }
  {
    std::vector<Timestamp> bounds;
    for (const auto& m : report.months) {
      int y = std::stoi(m.month.substr(0, 4));
      unsigned mo = static_cast<unsigned>(std::stoi(m.month.substr(5, 2)));
      bounds.push_back(zone.StartOfDay(date::year(y) / date::month(mo) / 1));
    }
    if (!bounds.empty()) {
      bounds.push_back(*PeriodEnd(Period::kMonth, bounds.back(), zone));
      RETAIN_ASSIGN_OR_RETURN(auto active, loyalty.ActiveMembers(program, bounds));
      for (size_t i = 0; i < active.size() && i < report.months.size(); ++i) report.months[i].active_members = active[i];
    }
  }
  {
    MemberRetention& r = report.retention;
    r.after_to = std::min(to, now);
    r.base_to = r.after_to - std::chrono::days(90);
    r.base_from = r.base_to - std::chrono::days(90);
    RETAIN_ASSIGN_OR_RETURN(auto cells, loyalty.RetentionCells(program, r.base_from, r.base_to, r.after_to));
    for (const auto& c : cells) {
      auto& band = (c.member ? r.member_bands : r.non_member_bands)[static_cast<size_t>(std::clamp(c.band, 0, 2))];
      band.customers += c.customers;
      band.retained += c.retained;
      auto& group = c.member ? r.members : r.non_members;
      group.customers += c.customers;
      group.retained += c.retained;
    }
    if (r.members.customers > 0) {
      double matched = 0;
      bool covered = true;
      for (size_t b = 0; b < 3; ++b) {
        if (r.member_bands[b].customers == 0) continue;
        if (r.non_member_bands[b].customers == 0) covered = false;
        matched += r.non_member_bands[b].rate() * static_cast<double>(r.member_bands[b].customers) /
                   static_cast<double>(r.members.customers);
      }
      if (covered) r.non_members_matched = matched;
    }
  }
  RETAIN_ASSIGN_OR_RETURN(auto outstanding, loyalty.Outstanding(program));
  report.members = outstanding.second;
  if (p.kind == ProgramKind::kPoints) {
    report.outstanding_points = outstanding.first;
    if (p.points.point_value_milli_minor > 0) {
      report.liability_minor = static_cast<int64_t>(static_cast<Wide>(outstanding.first) * p.points.point_value_milli_minor / 1000);
    }
  }
  return report;
}

int Engine::DayNumber(Timestamp t) const {
  return static_cast<int>(date::sys_days(zone_.LocalDate(t)).time_since_epoch().count());
}

Status Engine::OnPurchase(LoyaltyStore& loyalty, core::RecordStore& records, const core::Purchase& purchase,
                          core::WriteOutcome outcome, const std::string& actor) {
  if (outcome == core::WriteOutcome::kUnchanged) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  if (programs->empty()) return Ok();
  bool looked_up = false;
  for (const auto& id : programs->Ids()) {
    const ProgramSet::Entry* entry = programs->InEffect(id, purchase.occurred_at);
    if (!entry) continue;
    if (purchase.kind == core::PurchaseKind::kReturn) {
      RETAIN_RETURN_IF_ERROR(Reverse(loyalty, records, *entry, purchase, actor));
      continue;
    }
    if (!looked_up) {
      for (const auto& line : purchase.lines) {
        if (line.product.empty() || categories_.contains(line.product)) continue;
        RETAIN_ASSIGN_OR_RETURN(auto product, records.GetProduct(line.product));
        categories_[line.product] = product ? product->category : "";
      }
      looked_up = true;
    }
    Basket basket = Evaluate(entry->program, purchase, categories_);
    if (entry->program.kind == ProgramKind::kPoints) {
      RETAIN_RETURN_IF_ERROR(Earn(loyalty, records, *entry, purchase, basket, outcome, actor));
      if (entry->program.referral.enabled() && outcome == core::WriteOutcome::kInserted &&
          basket.qualifying_minor > 0 && basket.qualifying_minor >= entry->program.referral.min_spend_minor) {
        RETAIN_RETURN_IF_ERROR(Qualify(loyalty, *entry, purchase, actor));
      }
    } else {
      RETAIN_RETURN_IF_ERROR(Punch(loyalty, *entry, purchase, basket, outcome, actor));
    }
  }
  return Ok();
}

Status Engine::Earn(LoyaltyStore& loyalty, core::RecordStore& records, const ProgramSet::Entry& entry,
                    const core::Purchase& sale, const Basket& basket, core::WriteOutcome outcome,
                    const std::string& actor) {
  const Program& p = entry.program;
  const std::string ref = sale.external_id;
  const bool tiered = !p.tiers.levels.empty();
  int64_t earned_before = 0;
  if (outcome == core::WriteOutcome::kUpdated) {
    RETAIN_ASSIGN_OR_RETURN(earned_before, loyalty.SumByRef(p.id, sale.customer, ref, LedgerKind::kEarn));
    // Promotions are booked once, on the sale as first recorded; a correction leaves them be.
    RETAIN_ASSIGN_OR_RETURN(int64_t promoted, loyalty.SumBySourcePrefix(p.id, sale.customer, "purchase:" + ref + "#promo-"));
    earned_before -= promoted;
  } else if (basket.points <= 0) {
    // No points, but money spent still moves a member's tier when tiers follow spend.
    if (tiered && p.tiers.measure == TierMeasure::kSpend) {
      RETAIN_ASSIGN_OR_RETURN(auto member, loyalty.LockAccount(p.id, sale.customer, false, sale.occurred_at));
      if (member) {
        Account account = *member;
        RETAIN_RETURN_IF_ERROR(ReviewTier(loyalty, entry, account, sale.occurred_at, actor));
        return loyalty.SaveAccount(account);
      }
    }
    return Ok();
  }
  RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(p.id, sale.customer, basket.points > 0 && !p.sign_up,
                                                           sale.occurred_at));
  if (!locked) return Ok();  // not a member of a sign-up program, or a correction for someone who never joined
  Account account = *locked;

  int64_t target = basket.points;
  if (int tier = EffectiveTier(p.tiers, account); tier >= 0) {
    target = static_cast<int64_t>(static_cast<Wide>(target) * p.tiers.levels[static_cast<size_t>(tier)].factor_percent / 100);
  }
  if (target > 0 && (p.points.cap_day || p.points.cap_week || p.points.cap_month)) {
    Windows w = WindowsOf(zone_, sale.occurred_at);
    auto room = [&](int64_t cap, Timestamp from) -> Result<int64_t> {
      if (cap == 0) return target;
      // Caps bound what purchases earn; bonuses and promotions are not counted against them.
      RETAIN_ASSIGN_OR_RETURN(int64_t earned, loyalty.SumPurchaseEarnings(p.id, sale.customer, from, sale.occurred_at + std::chrono::seconds(1)));
      return std::max<int64_t>(0, cap - (earned - earned_before));
    };
    RETAIN_ASSIGN_OR_RETURN(int64_t d, room(p.points.cap_day, w.day));
    RETAIN_ASSIGN_OR_RETURN(int64_t wk, room(p.points.cap_week, w.week));
    RETAIN_ASSIGN_OR_RETURN(int64_t m, room(p.points.cap_month, w.month));
    target = std::min({target, d, wk, m});
  }
  int64_t delta = target - earned_before;
  if (delta > 0) {
    RETAIN_ASSIGN_OR_RETURN(delta, Budgeted(loyalty, p, delta, sale.occurred_at));
  }
  if (delta == 0) {
    if (tiered) RETAIN_RETURN_IF_ERROR(ReviewTier(loyalty, entry, account, sale.occurred_at, actor));
    return loyalty.SaveAccount(account);
  }
  std::string source = "purchase:" + ref;
  if (outcome == core::WriteOutcome::kUpdated) {
    // A correction: numbered after the entries already booked for the sale.
    RETAIN_ASSIGN_OR_RETURN(auto page, loyalty.Ledger(p.id, sale.customer, "", 1));
    source = fmt::format("purchase:{}#{}", ref, page.items.empty() ? 0 : page.items.front().id);
  }
  LedgerEntry e{0, p.id, sale.customer, LedgerKind::kEarn, delta, source, ref, "", actor, entry.meta.version,
                sale.occurred_at};
  RETAIN_ASSIGN_OR_RETURN(auto id, loyalty.AppendLedger(e));
  if (!id) return Ok();  // booked before
  if (auto bonus = p.points.bonuses.find("first_purchase");
      bonus != p.points.bonuses.end() && outcome == core::WriteOutcome::kInserted) {
    // Once per member: the source names the member, not the purchase.
    RETAIN_RETURN_IF_ERROR(loyalty.SaveAccount(account));
    RETAIN_RETURN_IF_ERROR(Bonus(loyalty, entry, sale.customer, bonus->second, "first_purchase:" + sale.customer,
                                 "bonus for a first purchase", sale.occurred_at, actor));
    RETAIN_ASSIGN_OR_RETURN(auto relocked, loyalty.LockAccount(p.id, sale.customer, false, sale.occurred_at));
    account = *relocked;
  }
  if (delta > 0) {
    RETAIN_RETURN_IF_ERROR(AddPoints(loyalty, p, account, *id, delta, sale.occurred_at,
                                     sale.occurred_at + std::chrono::days(p.points.pending_days)));
  } else {
    account.balance += delta;
    RETAIN_RETURN_IF_ERROR(Take(loyalty, account, -delta, sale.occurred_at, false, true));
  }
  if (outcome == core::WriteOutcome::kInserted && !p.promotions.empty()) {
    RETAIN_RETURN_IF_ERROR(Promote(loyalty, records, entry, sale, account, actor));
  }
  if (tiered) RETAIN_RETURN_IF_ERROR(ReviewTier(loyalty, entry, account, sale.occurred_at, actor));
  return loyalty.SaveAccount(account);
}

Status Engine::AddPoints(LoyaltyStore& loyalty, const Program& p, Account& account, int64_t ledger_id, int64_t points,
                         Timestamp at, Timestamp available_at) {
  account.balance += points;
  int64_t pay = std::min(account.debt, points);
  account.debt -= pay;
  Lot lot{0, points, points - pay, at, available_at, ExpiresAt(p.points.expiry, at, zone_)};
  return loyalty.AddLot(p.id, account.customer, ledger_id, lot).map([](int64_t) {});
}

Status Engine::Bonus(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const std::string& customer,
                     int64_t points, const std::string& source, const std::string& reason, Timestamp at,
                     const std::string& actor) {
  const Program& p = entry.program;
  RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(p.id, customer, !p.sign_up, at));
  if (!locked) return Ok();  // a sign-up program gives nothing to customers who have not joined
  Account account = *locked;
  RETAIN_ASSIGN_OR_RETURN(points, Budgeted(loyalty, p, points, at));
  if (points <= 0) return Ok();  // the budget is spent
  LedgerEntry e{0, p.id, customer, LedgerKind::kEarn, points, source, "", reason, actor, entry.meta.version, at};
  RETAIN_ASSIGN_OR_RETURN(auto id, loyalty.AppendLedger(e));
  if (!id) return Ok();  // booked before
  RETAIN_RETURN_IF_ERROR(AddPoints(loyalty, p, account, *id, points, at, at));
  if (!p.tiers.levels.empty()) RETAIN_RETURN_IF_ERROR(ReviewTier(loyalty, entry, account, at, actor));
  return loyalty.SaveAccount(account);
}

Status Engine::OnEvent(LoyaltyStore& loyalty, const core::Event& event, core::WriteOutcome outcome,
                       const std::string& actor) {
  if (outcome != core::WriteOutcome::kInserted) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  if (event.type == kJoinedEvent) {
    // {"program": "id"} joins that program; no program joins every sign-up program in effect.
    json payload = json::parse(event.payload_json, nullptr, false);
    std::string only = payload.is_object() && payload.contains("program") && payload["program"].is_string()
                           ? payload["program"].get<std::string>() : "";
    for (const auto& id : programs->Ids()) {
      const ProgramSet::Entry* entry = programs->InEffect(id, event.occurred_at);
      if (!entry || (only.empty() ? !entry->program.sign_up : id != only)) continue;
      RETAIN_RETURN_IF_ERROR(loyalty.LockAccount(id, event.customer, true, event.occurred_at).map([](auto&&) {}));
    }
  }
  for (const auto& id : programs->Ids()) {
    const ProgramSet::Entry* entry = programs->InEffect(id, event.occurred_at);
    if (!entry || entry->program.kind != ProgramKind::kPoints) continue;
    auto it = entry->program.points.bonuses.find(event.type);
    if (it == entry->program.points.bonuses.end()) continue;
    RETAIN_RETURN_IF_ERROR(Bonus(loyalty, *entry, event.customer, it->second, "event:" + event.external_id,
                                 "bonus for " + event.type, event.occurred_at, actor));
  }
  return Ok();
}

Status Engine::Punch(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const core::Purchase& sale,
                     const Basket& basket, core::WriteOutcome outcome, const std::string& actor) {
  const Program& p = entry.program;
  const bool correction = outcome == core::WriteOutcome::kUpdated;
  int64_t given = 0;
  if (correction) {
    // A corrected sale: what it was given before (less what earlier corrections took back), to
    // punch or unpunch the difference.
    RETAIN_ASSIGN_OR_RETURN(given, loyalty.SumByRef(p.id, sale.customer, sale.external_id, LedgerKind::kPunch));
    RETAIN_ASSIGN_OR_RETURN(int64_t corrected,
                            loyalty.SumBySourcePrefix(p.id, sale.customer, "correction:" + sale.external_id + "#"));
    given += corrected;
  } else if (basket.punches <= 0) {
    return Ok();
  }
  RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(p.id, sale.customer, !p.sign_up && !correction, sale.occurred_at));
  if (!locked) return Ok();
  Account account = *locked;
  int day = DayNumber(sale.occurred_at);
  int64_t punches = basket.punches;
  if (p.card.one_per_day) {
    // A sale the once-a-day rule gave nothing keeps nothing when corrected.
    if (correction ? given == 0 : account.last_punch_day == day) return Ok();
    punches = std::min<int64_t>(punches, 1);
  }
  int64_t delta = punches - given;
  if (delta == 0) return Ok();
  std::string source = "purchase:" + sale.external_id;
  if (correction) {
    // Numbered after the entries already booked, as points corrections are.
    RETAIN_ASSIGN_OR_RETURN(auto page, loyalty.Ledger(p.id, sale.customer, "", 1));
    source = fmt::format("purchase:{}#{}", sale.external_id, page.items.empty() ? 0 : page.items.front().id);
  }
  if (delta < 0) {
    // Fewer punches than given: they come off the current card only, as a return's do.
    int64_t take = std::min<int64_t>(-delta, account.punches);
    if (take <= 0) return Ok();
    source.replace(0, std::string_view("purchase:").size(), "correction:");
    LedgerEntry e{0, p.id, sale.customer, LedgerKind::kUnpunch, -take, source, sale.external_id, "sale corrected",
                  actor, entry.meta.version, sale.occurred_at};
    RETAIN_ASSIGN_OR_RETURN(auto id, loyalty.AppendLedger(e));
    if (!id) return Ok();
    account.punches -= static_cast<int>(take);
    account.balance -= take;
    return loyalty.SaveAccount(account);
  }
  LedgerEntry e{0, p.id, sale.customer, LedgerKind::kPunch, delta, source, sale.external_id, "", actor,
                entry.meta.version, sale.occurred_at};
  RETAIN_ASSIGN_OR_RETURN(auto id, loyalty.AppendLedger(e));
  if (!id) return Ok();
  account.last_punch_day = day;
  account.punches += static_cast<int>(delta);
  account.balance += delta;
  const Reward* reward = p.FindReward(p.card.reward);
  // A frequent-shopper program counts visits and completes no card.
  while (p.kind == ProgramKind::kPunchCard && account.punches >= p.card.punches) {
    account.punches -= p.card.punches;
    account.balance -= p.card.punches;
    ++account.cards_completed;
    std::string card = fmt::format("card:{}:{}:{}", p.id, sale.customer, account.cards_completed);
    LedgerEntry done{0, p.id, sale.customer, LedgerKind::kCard, -p.card.punches, card, sale.external_id,
                     "card completed", actor, entry.meta.version, sale.occurred_at};
    RETAIN_ASSIGN_OR_RETURN(auto card_id, loyalty.AppendLedger(done));
    if (card_id && reward) {
      RETAIN_RETURN_IF_ERROR(IssueCoupon(loyalty, entry, *reward, sale.customer, card, sale.occurred_at));
    }
  }
  return loyalty.SaveAccount(account);
}

Status Engine::Reverse(LoyaltyStore& loyalty, core::RecordStore& records, const ProgramSet::Entry& entry,
                       const core::Purchase& ret, const std::string& actor) {
  const Program& p = entry.program;
  if (ret.original.empty()) return Ok();
  LedgerKind given_kind = p.kind == ProgramKind::kPoints ? LedgerKind::kEarn : LedgerKind::kPunch;
  LedgerKind back_kind = p.kind == ProgramKind::kPoints ? LedgerKind::kReverse : LedgerKind::kUnpunch;
  RETAIN_ASSIGN_OR_RETURN(int64_t given, loyalty.SumByRef(p.id, ret.customer, ret.original, given_kind));
  if (given <= 0) return Ok();
  RETAIN_ASSIGN_OR_RETURN(int64_t taken, loyalty.SumByRef(p.id, ret.customer, ret.original, back_kind));
  RETAIN_ASSIGN_OR_RETURN(auto sale, records.GetPurchase(ret.original));
  if (!sale || sale->total_minor <= 0) return Ok();
  // The returned share of what the sale gave, rounded to the nearest point, never more than is left.
  Wide share = static_cast<Wide>(given) * std::min(ret.total_minor, sale->total_minor);
  int64_t points = static_cast<int64_t>((share + sale->total_minor / 2) / sale->total_minor);
  points = std::min(points, given + taken);  // taken is negative
  if (points <= 0) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(p.id, ret.customer, false, ret.occurred_at));
  if (!locked) return Ok();
  Account account = *locked;
  if (p.kind != ProgramKind::kPoints) {
    // Punches come off the current card only: a card already completed stays completed.
    points = std::min<int64_t>(points, account.punches);
    if (points <= 0) return Ok();
  }
  LedgerEntry e{0, p.id, ret.customer, back_kind, -points, "return:" + ret.external_id, ret.original, "",
                actor, entry.meta.version, ret.occurred_at};
  RETAIN_ASSIGN_OR_RETURN(auto id, loyalty.AppendLedger(e));
  if (!id) return Ok();
  account.balance -= points;
  if (p.kind != ProgramKind::kPoints) {
    account.punches -= static_cast<int>(points);
  } else {
    RETAIN_RETURN_IF_ERROR(Take(loyalty, account, points, ret.occurred_at, false, true));
    if (!p.tiers.levels.empty()) RETAIN_RETURN_IF_ERROR(ReviewTier(loyalty, entry, account, ret.occurred_at, actor));
  }
  return loyalty.SaveAccount(account);
}

Status Engine::Take(LoyaltyStore& loyalty, Account& account, int64_t points, Timestamp now, bool only_available,
                    bool allow_debt) {
  RETAIN_ASSIGN_OR_RETURN(auto lots, loyalty.OpenLots(account.program, account.customer));
  if (!allow_debt) {  // only spends refuse; they take available points alone
    int64_t available = StandingAt(lots, account.debt, now).available;
    if (available < points) {
      return FailedPrecondition(fmt::format("not enough points: {} available, {} needed", available, points));
    }
  }
  int64_t left = points;
  for (const auto& lot : lots) {
    if (left == 0) break;
    if (only_available && lot.available_at > now) continue;
    if (lot.expires_at && *lot.expires_at <= now && only_available) continue;
    int64_t take = std::min(left, lot.remaining);
    RETAIN_RETURN_IF_ERROR(loyalty.SetLotRemaining(lot.id, lot.remaining - take));
    left -= take;
  }
  account.debt += left;  // only when allowed: what the lots could not cover
  return Ok();
}

Result<Coupon> Engine::IssueCoupon(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const Reward& reward,
                                   const std::string& customer, const std::string& source, Timestamp now) {
  Coupon c;
  for (int attempt = 0;; ++attempt) {
    RETAIN_ASSIGN_OR_RETURN(c.code, NewCouponCode());
    RETAIN_ASSIGN_OR_RETURN(auto clash, loyalty.GetCoupon(c.code));
    if (!clash) break;
    if (attempt == 5) return Internal("could not draw an unused coupon code");
  }
  c.customer = customer;
  c.program = entry.program.id;
  c.reward = reward.id;
  c.reward_json = RewardJson(reward, entry.program.currency).dump();
  c.source = source;
  c.issued_at = now;
  if (reward.valid_days > 0) c.expires_at = now + std::chrono::days(reward.valid_days);
  RETAIN_RETURN_IF_ERROR(loyalty.PutCoupon(c));
  return c;
}

Result<Issued> Engine::Redeem(LoyaltyStore& loyalty, const std::string& program, const std::string& customer,
                              const std::string& reward_id, const std::string& key, const std::string& actor,
                              Timestamp now) {
  std::string source = "redeem:" + key;
  RETAIN_ASSIGN_OR_RETURN(auto previous, loyalty.CouponBySource(customer, source));
  if (previous) {
    if (previous->program != program || previous->reward != reward_id) {
      return Conflict("this idempotency key was used for another redemption", "key");
    }
    return Issued{*previous, true};
  }
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  const ProgramSet::Entry* entry = programs->InEffect(program, now);
  if (!entry) return NotFound(fmt::format("no program '{}' is in effect", program), "program");
  const Program& p = entry->program;
  if (p.kind != ProgramKind::kPoints) return InvalidArgument("only a points program's rewards are bought with points", "program");
  const Reward* reward = p.FindReward(reward_id);
  if (!reward) return NotFound(fmt::format("program '{}' has no reward '{}'", program, reward_id), "reward");
  if (reward->cost_points <= 0) return InvalidArgument("this reward is not offered for points", "reward");
  RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(program, customer, false, now));
  if (!locked) return FailedPrecondition(fmt::format("not enough points: 0 available, {} needed", reward->cost_points));
  Account account = *locked;
  // Looked at again under the account's lock: a concurrent request with the same key may have
  // booked it meanwhile, and then nothing may be taken twice.
  RETAIN_ASSIGN_OR_RETURN(previous, loyalty.CouponBySource(customer, source));
  if (previous) return Issued{*previous, true};
  RETAIN_RETURN_IF_ERROR(ExpireAccount(loyalty, account, now).map([](int64_t) {}));
  RETAIN_RETURN_IF_ERROR(Take(loyalty, account, reward->cost_points, now, true, false));
  LedgerEntry e{0, program, customer, LedgerKind::kSpend, -reward->cost_points, source, reward->id,
                "redeemed for " + reward->id, actor, entry->meta.version, now};
  RETAIN_ASSIGN_OR_RETURN(auto id, loyalty.AppendLedger(e));
  if (!id) return Internal("a redemption's source was booked without its coupon");
  account.balance -= reward->cost_points;
  RETAIN_RETURN_IF_ERROR(loyalty.SaveAccount(account));
  RETAIN_ASSIGN_OR_RETURN(auto coupon, IssueCoupon(loyalty, *entry, *reward, customer, source, now));
  return Issued{std::move(coupon), false};
}

Result<LedgerEntry> Engine::Adjust(LoyaltyStore& loyalty, const std::string& program, const std::string& customer,
                                   int64_t points, const std::string& reason, const std::string& key,
                                   const std::string& actor, Timestamp now) {
  if (points == 0) return InvalidArgument("must not be zero", "points");
  if (reason.empty()) return InvalidArgument("is required: say why the points change", "reason");
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  const ProgramSet::Entry* entry = programs->InEffect(program, now);
  if (!entry) return NotFound(fmt::format("no program '{}' is in effect", program), "program");
  if (entry->program.kind != ProgramKind::kPoints) return InvalidArgument("only points programs take adjustments", "program");
  RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(program, customer, true, now));
  Account account = *locked;
  LedgerEntry e{0, program, customer, LedgerKind::kAdjust, points, "adjust:" + key, "", reason, actor,
                entry->meta.version, now};
  RETAIN_ASSIGN_OR_RETURN(auto id, loyalty.AppendLedger(e));
  if (!id) return Conflict("this idempotency key was used for another adjustment", "key");
  e.id = *id;
  if (points > 0) {
    RETAIN_RETURN_IF_ERROR(AddPoints(loyalty, entry->program, account, *id, points, now, now));
  } else {
    account.balance += points;
    RETAIN_RETURN_IF_ERROR(Take(loyalty, account, -points, now, false, true));
  }
  RETAIN_RETURN_IF_ERROR(loyalty.SaveAccount(account));
  return e;
}

Result<Coupon> Engine::UseCoupon(LoyaltyStore& loyalty, const std::string& code, const std::string& ref,
                                 Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(bool burnt, loyalty.BurnCoupon(code, ref, now));
  RETAIN_ASSIGN_OR_RETURN(auto coupon, loyalty.GetCoupon(code));
  if (!coupon) return NotFound(fmt::format("no coupon has the code {}", code), "code");
  if (burnt) return *coupon;
  if (coupon->redeemed_at) {
    if (coupon->redeemed_ref == ref) return *coupon;  // the same use, asked again
    return FailedPrecondition(fmt::format("coupon {} was used on {} ({})", code, FormatTimestamp(*coupon->redeemed_at),
                                          coupon->redeemed_ref));
  }
  return FailedPrecondition(fmt::format("coupon {} expired on {}", code, FormatTimestamp(*coupon->expires_at)));
}

Result<int64_t> Engine::ExpireAccount(LoyaltyStore& loyalty, Account& account, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  const ProgramSet::Entry* entry = programs->InEffect(account.program, now);
  int version = entry ? entry->meta.version : 0;
  RETAIN_ASSIGN_OR_RETURN(auto lots, loyalty.OpenLots(account.program, account.customer));
  int64_t expired = 0;
  for (const auto& lot : lots) {
    if (!lot.expires_at || *lot.expires_at > now || lot.remaining == 0) continue;
    LedgerEntry e{0, account.program, account.customer, LedgerKind::kExpire, -lot.remaining,
                  fmt::format("expire:{}", lot.id), fmt::format("lot:{}", lot.id), "expired", "retain",
                  version, *lot.expires_at};
    RETAIN_ASSIGN_OR_RETURN(auto id, loyalty.AppendLedger(e));
    if (!id) continue;
    RETAIN_RETURN_IF_ERROR(loyalty.SetLotRemaining(lot.id, 0));
    account.balance -= lot.remaining;
    expired += lot.remaining;
  }
  if (expired) RETAIN_RETURN_IF_ERROR(loyalty.SaveAccount(account));
  return expired;
}

namespace {

// Month and day of a birthday attribute, or nullopt.
std::optional<date::month_day> BirthdayOf(const std::string& attributes_json) {
  json attributes = json::parse(attributes_json, nullptr, false);
  if (!attributes.is_object() || !attributes.contains("birthday") || !attributes["birthday"].is_string()) return std::nullopt;
  std::string text = attributes["birthday"].get<std::string>();
  if (text.size() == 10) text = text.substr(5);  // YYYY-MM-DD -> MM-DD
  unsigned m = 0, d = 0;
  if (text.size() != 5 || text[2] != '-' || std::sscanf(text.c_str(), "%2u-%2u", &m, &d) != 2) return std::nullopt;
  date::month_day md{date::month(m), date::day(d)};
  if (!md.ok()) return std::nullopt;
  return md;
}

// Whether `md` falls on `today`: 29 February counts on the 28th in years without it.
bool Falls(date::month_day md, date::year_month_day today) {
  if (md.month() == today.month() && md.day() == today.day()) return true;
  return md == date::February / 29 && !today.year().is_leap() && today.month() == date::February &&
         today.day() == date::day(28);
}

}  // namespace

Status Engine::Emit(const std::string& type, const std::string& record, json data, Timestamp at) {
  if (!outbox_) return Ok();
  json event = {{"type", type}, {"created_at", FormatTimestamp(at)}, {"data", std::move(data)}};
  return outbox_->AppendOutbox({0, type, record, event.dump(), at});
}

Result<int64_t> Engine::Celebrate(LoyaltyStore& loyalty, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  const date::year_month_day today = zone_.LocalDate(now);
  const int year = static_cast<int>(today.year());
  int64_t booked = 0;
  for (const auto& id : programs->Ids()) {
    const ProgramSet::Entry* entry = programs->InEffect(id, now);
    if (!entry || entry->program.kind != ProgramKind::kPoints) continue;
    const auto& bonuses = entry->program.points.bonuses;
    auto birthday = bonuses.find("birthday");
    auto anniversary = bonuses.find("anniversary");
    if (birthday == bonuses.end() && anniversary == bonuses.end()) continue;
    RETAIN_ASSIGN_OR_RETURN(auto members, loyalty.MembersWithDates(id));
    for (const auto& m : members) {
      struct Day {
        const char* what;
        int64_t points;
        int years;
      };
      std::vector<Day> days;
      if (birthday != bonuses.end()) {
        if (auto md = BirthdayOf(m.attributes_json); md && Falls(*md, today)) days.push_back({"birthday", birthday->second, 0});
      }
      if (anniversary != bonuses.end()) {
        date::year_month_day joined = zone_.LocalDate(m.joined_at);
        int years = year - static_cast<int>(joined.year());
        if (years >= 1 && Falls(joined.month() / joined.day(), today)) days.push_back({"anniversary", anniversary->second, years});
      }
      for (const auto& day : days) {
        std::string source = fmt::format("{}:{}", day.what, year);
        // Booked once a year: the source names the year.
        RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(id, m.customer, false, now));
        if (!locked) continue;
        RETAIN_ASSIGN_OR_RETURN(int64_t before, loyalty.SumBySourcePrefix(id, m.customer, source));
        if (before != 0) continue;
        RETAIN_RETURN_IF_ERROR(Bonus(loyalty, *entry, m.customer, day.points, source,
                                     day.years ? fmt::format("{} years a member", day.years) : "happy birthday", now,
                                     "retain"));
        RETAIN_ASSIGN_OR_RETURN(int64_t after, loyalty.SumBySourcePrefix(id, m.customer, source));
        if (after == 0) continue;  // the program's budget is spent
        ++booked;
        json data = {{"program", id}, {"customer", m.customer}, {"points", day.points},
                     {"date", FormatDate(today)}};
        if (day.years) data["years"] = day.years;
        RETAIN_RETURN_IF_ERROR(Emit(std::string("member.") + day.what, m.customer, std::move(data), now));
      }
    }
  }
  return booked;
}

Result<int64_t> Engine::WarnExpiring(LoyaltyStore& loyalty, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  int64_t warned = 0;
  for (const auto& id : programs->Ids()) {
    const ProgramSet::Entry* entry = programs->InEffect(id, now);
    if (!entry || entry->program.kind != ProgramKind::kPoints || entry->program.points.warn_days == 0) continue;
    // Every month the window reaches is warned about whole: "120 points expire in December".
    Timestamp to = *PeriodEnd(Period::kMonth, now + std::chrono::days(entry->program.points.warn_days), zone_);
    RETAIN_ASSIGN_OR_RETURN(auto lots, loyalty.ExpiringLots(id, now, to, 1'000'000));
    struct Due {
      int64_t points = 0;
      Timestamp first;
    };
    std::map<std::pair<std::string, std::string>, Due> due;  // (customer, month)
    for (const auto& lot : lots) {
      // Points that expire at a month's first instant ("end_of_month") belong to the month before.
      auto& d = due[{lot.customer, PeriodKey(Period::kMonth, lot.expires_at - std::chrono::seconds(1), zone_)}];
      if (d.points == 0) d.first = lot.expires_at;
      d.points += lot.points;
    }
    for (const auto& [key, d] : due) {
      // Only once the first of the month's points is within the warning's days.
      if (d.first > now + std::chrono::days(entry->program.points.warn_days)) continue;
      RETAIN_ASSIGN_OR_RETURN(bool fresh, loyalty.MarkExpiryWarned(id, key.first, key.second, d.points, d.first, now));
      if (!fresh) continue;
      ++warned;
      RETAIN_RETURN_IF_ERROR(Emit("points.expiring", key.first,
                                  {{"program", id}, {"customer", key.first}, {"points", d.points}, {"month", key.second},
                                   {"first_expiry", FormatTimestamp(d.first)}},
                                  now));
    }
  }
  return warned;
}

Result<int64_t> Engine::ExpireDue(LoyaltyStore& loyalty, Timestamp now, int limit) {
  RETAIN_ASSIGN_OR_RETURN(auto due, loyalty.AccountsWithExpiredLots(now, limit));
  int64_t total = 0;
  for (const auto& [program, customer] : due) {
    RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(program, customer, false, now));
    if (!locked) continue;
    Account account = *locked;
    RETAIN_ASSIGN_OR_RETURN(int64_t n, ExpireAccount(loyalty, account, now));
    total += n;
  }
  return total;
}

}  // namespace retain::loyalty
