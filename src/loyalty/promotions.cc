// Members-only promotions (extra points on qualifying purchases, or rewards members claim) and
// program budgets. Limits in all and budgets are checked against a counter row locked for the
// transaction, so two tills cannot both take the last use.
#include <algorithm>

#include <fmt/format.h>

#include "loyalty/engine.h"

namespace retain::loyalty {
namespace {

using nlohmann::json;
__extension__ typedef __int128 Wide;

// The customer's segments: the free attribute "segment", a string or a list of strings.
std::vector<std::string> SegmentsOf(const core::Customer& c) {
  std::vector<std::string> out;
  json attributes = json::parse(c.attributes_json, nullptr, false);
  if (!attributes.is_object() || !attributes.contains("segment")) return out;
  const json& s = attributes["segment"];
  if (s.is_string()) out.push_back(s.get<std::string>());
  if (s.is_array()) {
    for (const auto& v : s) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

std::string CounterName(const Promotion& x) { return "promo:" + x.id; }

}  // namespace

int64_t PromotionExtra(const Program& p, const Promotion& x, const core::Purchase& sale, const Categories& categories) {
  if (x.kind == PromotionKind::kReward) return 0;
  // What the promotion's own qualifying lines are worth under the program's earn rules.
  Program scoped = p;
  scoped.qualifying = x.qualifying;
  Basket b = Evaluate(scoped, sale, categories);
  if (b.qualifying_minor <= 0 || b.qualifying_minor < x.qualifying.min_spend_minor) return 0;
  if (x.kind == PromotionKind::kBonus) return x.points;
  return static_cast<int64_t>(static_cast<Wide>(b.points) * (x.factor_percent - 100) / 100);
}

Result<int64_t> Engine::Budgeted(LoyaltyStore& loyalty, const Program& p, int64_t points, Timestamp at) {
  if (p.budget.points == 0 || points <= 0) return points;
  const std::string name = "budget:" + PeriodKey(p.budget.period, at, zone_);
  RETAIN_ASSIGN_OR_RETURN(Counter c, loyalty.LockCounter(p.id, name));
  int64_t granted = std::clamp<int64_t>(p.budget.points - c.points, 0, points);
  if (granted == 0) return 0;
  c.points += granted;
  ++c.uses;
  RETAIN_RETURN_IF_ERROR(loyalty.SaveCounter(p.id, name, c));
  return granted;
}

Status Engine::Eligible(LoyaltyStore& loyalty, core::RecordStore& records, const Program& p, const Promotion& x,
                        const Account& account, Timestamp at) {
  if (!x.ActiveAt(at, zone_)) {
    return FailedPrecondition(fmt::format("promotion '{}' runs {} to {}", x.id, x.starts.empty() ? "from the start" : x.starts,
                                          x.ends.empty() ? "no end" : x.ends));
  }
  if (!x.tiers.empty()) {
    int tier = EffectiveTier(p.tiers, account);
    std::string id = tier < 0 ? "" : p.tiers.levels[static_cast<size_t>(tier)].id;
    if (std::find(x.tiers.begin(), x.tiers.end(), id) == x.tiers.end()) {
      return FailedPrecondition(fmt::format("promotion '{}' is for members in tier {}", x.id, fmt::join(x.tiers, " or ")));
    }
  }
  if (!x.segments.empty()) {
    auto it = segments_.find(account.customer);
    if (it == segments_.end()) {
      RETAIN_ASSIGN_OR_RETURN(auto customer, records.GetCustomer(account.customer));
      it = segments_.emplace(account.customer, customer ? SegmentsOf(*customer) : std::vector<std::string>{}).first;
    }
    bool in = std::any_of(it->second.begin(), it->second.end(), [&](const std::string& s) {
      return std::find(x.segments.begin(), x.segments.end(), s) != x.segments.end();
    });
    if (!in) return FailedPrecondition(fmt::format("promotion '{}' is for the segment {}", x.id, fmt::join(x.segments, " or ")));
  }
  if (x.per_member > 0) {
    RETAIN_ASSIGN_OR_RETURN(int64_t used, loyalty.PromotionUses(p.id, x.id, account.customer));
    if (used >= x.per_member) {
      return FailedPrecondition(fmt::format("promotion '{}' was used {} of {} times by this member", x.id, used, x.per_member));
    }
  }
  return Ok();
}

Status Engine::Promote(LoyaltyStore& loyalty, core::RecordStore& records, const ProgramSet::Entry& entry,
                       const core::Purchase& sale, Account& account, const std::string& actor) {
  const Program& p = entry.program;
  for (const auto& x : p.promotions) {
    if (x.kind == PromotionKind::kReward) continue;  // claimed, not earned
    if (!Eligible(loyalty, records, p, x, account, sale.occurred_at)) continue;
    int64_t extra = PromotionExtra(p, x, sale, categories_);
    if (extra <= 0) continue;
    RETAIN_ASSIGN_OR_RETURN(Counter c, loyalty.LockCounter(p.id, CounterName(x)));
    if (x.total > 0 && c.uses >= x.total) continue;
    if (x.budget_points > 0) extra = std::min(extra, x.budget_points - c.points);
    if (extra <= 0) continue;
    RETAIN_ASSIGN_OR_RETURN(extra, Budgeted(loyalty, p, extra, sale.occurred_at));
    if (extra <= 0) continue;
    const std::string source = "purchase:" + sale.external_id;
    RETAIN_ASSIGN_OR_RETURN(bool fresh, loyalty.AddPromotionUse({p.id, sale.customer, x.id, source, extra, 0, "",
                                                                 sale.occurred_at}));
    if (!fresh) continue;
    LedgerEntry e{0, p.id, sale.customer, LedgerKind::kEarn, extra, source + "#promo-" + x.id, sale.external_id,
                  "promotion " + x.id, actor, entry.meta.version, sale.occurred_at};
    RETAIN_ASSIGN_OR_RETURN(auto id, loyalty.AppendLedger(e));
    if (!id) continue;
    RETAIN_RETURN_IF_ERROR(AddPoints(loyalty, p, account, *id, extra, sale.occurred_at,
                                     sale.occurred_at + std::chrono::days(p.points.pending_days)));
    ++c.uses;
    c.points += extra;
    RETAIN_RETURN_IF_ERROR(loyalty.SaveCounter(p.id, CounterName(x), c));
  }
  return Ok();
}

Result<Issued> Engine::ClaimPromotion(LoyaltyStore& loyalty, core::RecordStore& records, const std::string& program,
                                      const std::string& promotion, const std::string& customer,
                                      const std::string& key, const std::string& actor, Timestamp now) {
  const std::string source = "claim:" + key;
  RETAIN_ASSIGN_OR_RETURN(auto programs, loyalty.Programs());
  const ProgramSet::Entry* entry = programs->InEffect(program, now);
  if (!entry) return NotFound(fmt::format("no program '{}' is in effect", program), "program");
  const Program& p = entry->program;
  const Promotion* x = p.FindPromotion(promotion);
  if (!x) return NotFound(fmt::format("program '{}' has no promotion '{}'", program, promotion), "promotion");
  if (x->kind != PromotionKind::kReward) {
    return InvalidArgument(fmt::format("promotion '{}' gives points on purchases; only reward promotions are claimed", promotion),
                           "promotion");
  }
  const Reward* reward = p.FindReward(x->reward);
  if (!reward) return Internal("a promotion names a reward its program lacks");
  // Members only: the account must exist (joining happens by buying or by an event).
  RETAIN_ASSIGN_OR_RETURN(auto locked, loyalty.LockAccount(program, customer, false, now));
  if (!locked) return FailedPrecondition(fmt::format("customer {} is not a member of '{}'", customer, program));
  Account account = *locked;
  RETAIN_ASSIGN_OR_RETURN(auto previous, loyalty.PromotionUseBySource(program, promotion, customer, source));
  if (previous) {
    RETAIN_ASSIGN_OR_RETURN(auto coupon, loyalty.GetCoupon(previous->coupon));
    if (coupon) return Issued{*coupon, true};
  }
  RETAIN_RETURN_IF_ERROR(Eligible(loyalty, records, p, *x, account, now));
  RETAIN_ASSIGN_OR_RETURN(Counter c, loyalty.LockCounter(program, CounterName(*x)));
  if (x->total > 0 && c.uses >= x->total) {
    return FailedPrecondition(fmt::format("promotion '{}' has been claimed {} of {} times", promotion, c.uses, x->total));
  }
  if (x->budget_minor > 0 && c.cost_minor + x->cost_minor > x->budget_minor) {
    return FailedPrecondition(fmt::format("promotion '{}' has used its budget", promotion));
  }
  RETAIN_ASSIGN_OR_RETURN(auto coupon, IssueCoupon(loyalty, *entry, *reward, customer, "promo:" + promotion + ":" + key, now));
  RETAIN_ASSIGN_OR_RETURN(bool fresh, loyalty.AddPromotionUse({program, customer, promotion, source, 0, x->cost_minor,
                                                               coupon.code, now}));
  if (!fresh) return Conflict("this claim was booked meanwhile; ask again", "key");
  ++c.uses;
  c.cost_minor += x->cost_minor;
  RETAIN_RETURN_IF_ERROR(loyalty.SaveCounter(program, CounterName(*x), c));
  (void)actor;
  return Issued{std::move(coupon), false};
}

}  // namespace retain::loyalty
