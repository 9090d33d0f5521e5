// Tiers: a member's level follows what they earned or spent over a rolling window. Upgrades take
// effect at once; downgrades follow the program's policy (never, at the end of the period in
// which the member fell below, or after N days below); a tier set by hand is a floor.
#include <algorithm>

#include <fmt/format.h>

#include "loyalty/engine.h"

namespace retain::loyalty {
namespace {

using nlohmann::json;

// The highest level whose threshold `value` reaches, or -1.
int Reached(const TierRules& tiers, int64_t value) {
  int reached = -1;
  for (size_t i = 0; i < tiers.levels.size(); ++i) {
    if (value >= tiers.levels[i].threshold) reached = static_cast<int>(i);
  }
  return reached;
}

std::string LevelId(const TierRules& tiers, int index) {
  return index < 0 ? std::string() : tiers.levels[static_cast<size_t>(index)].id;
}

}  // namespace

int EffectiveTier(const TierRules& tiers, const Account& account) {
  if (tiers.levels.empty()) return -1;
  return std::max(tiers.Index(account.tier), tiers.Index(account.manual_tier));
}

Result<int64_t> Engine::TierMeasureOf(LoyaltyStore& loyalty, const Program& p, const std::string& customer,
                                      Timestamp now) {
  Timestamp from = now - std::chrono::days(p.tiers.window_days);
  Timestamp to = now + std::chrono::seconds(1);
  if (p.tiers.measure == TierMeasure::kSpend) return loyalty.SpendBetween(customer, p.currency, from, to);
  RETAIN_ASSIGN_OR_RETURN(int64_t earned, loyalty.SumBetween(p.id, customer, LedgerKind::kEarn, from, to));
  RETAIN_ASSIGN_OR_RETURN(int64_t reversed, loyalty.SumBetween(p.id, customer, LedgerKind::kReverse, from, to));
  return earned + reversed;  // reversals are negative
}

Status Engine::ReviewTier(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, Account& account, Timestamp now,
                          const std::string& actor) {
  const Program& p = entry.program;
  const TierRules& tiers = p.tiers;
  if (tiers.levels.empty()) return Ok();
  RETAIN_ASSIGN_OR_RETURN(int64_t value, TierMeasureOf(loyalty, p, account.customer, now));
  int reached = Reached(tiers, value);
  int current = tiers.Index(account.tier);  // a level the program dropped counts as none
  const std::string before = LevelId(tiers, EffectiveTier(tiers, account));
  std::string reason;
  if (reached >= current) {
    if (reached > current || account.tier != LevelId(tiers, current)) {
      account.tier = LevelId(tiers, reached);
      account.tier_since = now;
      reason = "reached";
    }
    account.below_since.reset();
  } else {
    if (!account.below_since) account.below_since = now;
    bool drop = false;
    switch (tiers.downgrade) {
      case Downgrade::kNever: break;
      case Downgrade::kAfterDaysBelow: drop = now - *account.below_since >= std::chrono::days(tiers.days_below); break;
      case Downgrade::kPeriodEnd: {
        auto end = PeriodEnd(tiers.period, *account.below_since, zone_);
        drop = end && now >= *end;
        break;
      }
    }
    if (drop) {
      account.tier = LevelId(tiers, reached);
      account.tier_since = now;
      account.below_since.reset();
      reason = "fell below";
    }
  }
  const std::string after = LevelId(tiers, EffectiveTier(tiers, account));
  if (after == before) return Ok();
  return AnnounceTier(loyalty, p, account, before, reason, actor, now);
}

Status Engine::AnnounceTier(LoyaltyStore& loyalty, const Program& p, const Account& account, const std::string& from,
                            const std::string& reason, const std::string& actor, Timestamp at) {
  const std::string to = LevelId(p.tiers, EffectiveTier(p.tiers, account));
  RETAIN_RETURN_IF_ERROR(loyalty.AppendTierChange({p.id, account.customer, from, to, reason, actor, at}));
  int from_index = p.tiers.Index(from), to_index = p.tiers.Index(to);
  return Emit("tier.changed", account.customer,
              {{"program", p.id}, {"customer", account.customer}, {"from", from.empty() ? json() : json(from)},
               {"to", to.empty() ? json() : json(to)}, {"direction", to_index > from_index ? "up" : "down"},
               {"reason", reason}, {"occurred_at", FormatTimestamp(at)}},
              at);
}

Result<TierStatus> Engine::Tier(LoyaltyStore& loyalty, const Program& p, const Account& account, Timestamp now) {
  const TierRules& tiers = p.tiers;
  TierStatus st;
  if (tiers.levels.empty()) return st;
  st.measure = tiers.measure == TierMeasure::kPoints ? "points" : "spend";
  st.window_days = tiers.window_days;
  RETAIN_ASSIGN_OR_RETURN(st.value, TierMeasureOf(loyalty, p, account.customer, now));
  st.reached = account.tier;
  st.manual = account.manual_tier;
  int effective = EffectiveTier(tiers, account);
  st.tier = LevelId(tiers, effective);
  // The next level up from the one in effect, and what reaches it.
  if (static_cast<size_t>(effective + 1) < tiers.levels.size()) {
    const TierLevel& next = tiers.levels[static_cast<size_t>(effective + 1)];
    st.next = next.id;
    st.to_next = std::max<int64_t>(0, next.threshold - st.value);
  }
  int current = tiers.Index(account.tier);
  if (current >= 0 && st.value < tiers.levels[static_cast<size_t>(current)].threshold) {
    st.below_since = account.below_since ? account.below_since : std::optional<Timestamp>(now);
    switch (tiers.downgrade) {
      case Downgrade::kNever: break;
      case Downgrade::kAfterDaysBelow: st.downgrade_at = *st.below_since + std::chrono::days(tiers.days_below); break;
      case Downgrade::kPeriodEnd: st.downgrade_at = PeriodEnd(tiers.period, *st.below_since, zone_); break;
    }
    if (st.downgrade_at) st.downgrade_to = LevelId(tiers, std::max(Reached(tiers, st.value), tiers.Index(account.manual_tier)));
  }
  return st;
}

Result<int64_t> Engine::ReviewTiers(LoyaltyStore& loyalty, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  int64_t changed = 0;
  for (const auto& id : programs->Ids()) {
    const ProgramSet::Entry* entry = programs->InEffect(id, now);
    if (!entry || entry->program.tiers.levels.empty()) continue;
    std::string after;
    for (;;) {
      RETAIN_ASSIGN_OR_RETURN(auto members, loyalty.TieredMembers(id, after, 500));
      for (const auto& customer : members) {
        RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(id, customer, false, now));
        if (!locked) continue;
        Account account = *locked;
        const std::string before = account.tier;
        RETAIN_RETURN_IF_ERROR(ReviewTier(loyalty, *entry, account, now, "retain"));
        if (account.tier != before) ++changed;
        RETAIN_RETURN_IF_ERROR(loyalty.SaveAccount(account));
      }
      if (members.size() < 500) break;
      after = members.back();
    }
  }
  return changed;
}

Result<TierStatus> Engine::SetManualTier(LoyaltyStore& loyalty, core::RecordStore& records, const std::string& program,
                                         const std::string& customer, const std::string& tier,
                                         const std::string& reason, const std::string& actor, Timestamp now) {
  if (reason.empty()) return InvalidArgument("is required: say why the member gets this tier", "reason");
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  const ProgramSet::Entry* entry = programs->InEffect(program, now);
  if (!entry) return NotFound(fmt::format("no program '{}' is in effect", program), "program");
  const Program& p = entry->program;
  if (p.tiers.levels.empty()) return InvalidArgument(fmt::format("program '{}' has no tiers", program), "program");
  if (!tier.empty() && p.tiers.Index(tier) < 0) {
    std::string known;
    for (const auto& l : p.tiers.levels) known += (known.empty() ? "" : ", ") + l.id;
    return InvalidArgument(fmt::format("is not a tier of '{}' (its tiers: {})", program, known), "tier");
  }
  RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(program, customer, true, now));
  Account account = *locked;
  json before = {{"manual_tier", account.manual_tier}};
  const std::string was = LevelId(p.tiers, EffectiveTier(p.tiers, account));
  account.manual_tier = tier;
  const std::string is = LevelId(p.tiers, EffectiveTier(p.tiers, account));
  if (was != is) RETAIN_RETURN_IF_ERROR(AnnounceTier(loyalty, p, account, was, "set by hand: " + reason, actor, now));
  RETAIN_RETURN_IF_ERROR(loyalty.SaveAccount(account));
  json after = {{"manual_tier", tier}, {"reason", reason}};
  RETAIN_RETURN_IF_ERROR(records.AppendAudit({now, actor, "loyalty_tier.set", "loyalty_accounts",
                                              program + "/" + customer, before.dump(), after.dump()}));
  return Tier(loyalty, p, account, now);
}

}  // namespace retain::loyalty
