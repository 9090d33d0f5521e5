// Loyalty over HTTP: program documents and their versions, a customer's membership (cards,
// balances, lots, tiers, coupons), the ledger, redemptions, adjustments, coupon use, tiers set
// by hand, promotions claimed, referrals, and the expiry and tier-review job.
#include <fmt/format.h>

#include "care/compensation.h"
#include "core/parse.h"
#include "loyalty/engine.h"
#include "server/api.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;


json OptionalTime(const std::optional<Timestamp>& t) { return t ? json(FormatTimestamp(*t)) : json(); }

json VersionJson(const loyalty::ProgramSet::Entry& e) {
  auto doc = json::parse(e.meta.document, nullptr, false);
  return {{"id", e.meta.program},
          {"kind", loyalty::ProgramKindName(e.program.kind)},
          {"name", e.program.name},
          {"version", e.meta.version},
          {"effective_at", FormatTimestamp(e.meta.effective_at)},
          {"created_by", e.meta.created_by},
          {"created_at", FormatTimestamp(e.meta.created_at)},
          {"document", doc}};
}

std::string CouponStatus(const loyalty::Coupon& c, Timestamp now) {
  if (c.redeemed_at) return "used";
  if (c.expires_at && *c.expires_at <= now) return "expired";
  return "active";
}

json CouponJson(const loyalty::Coupon& c, Timestamp now) {
  return {{"code", c.code},
          {"customer", c.customer},
          {"program", c.program},
          {"reward", json::parse(c.reward_json, nullptr, false)},
          {"status", CouponStatus(c, now)},
          {"issued_at", FormatTimestamp(c.issued_at)},
          {"expires_at", OptionalTime(c.expires_at)},
          {"redeemed_at", OptionalTime(c.redeemed_at)},
          {"redeemed_ref", c.redeemed_ref}};
}

json LedgerJson(const loyalty::LedgerEntry& e) {
  return {{"id", e.id},
          {"kind", loyalty::LedgerKindName(e.kind)},
          {"points", e.points},
          {"source", e.source},
          {"ref", e.ref},
          {"reason", e.reason},
          {"actor", e.actor},
          {"program_version", e.program_version},
          {"occurred_at", FormatTimestamp(e.occurred_at)}};
}

// A member's standing in one program as staff and member see it: the card's progress, or the
// balance split into spendable and pending points with the lots and when they expire.
// A factor kept in percent (150) as the multiplier people write (1.5).
double Multiplier(int64_t percent) { return static_cast<double>(percent) / 100.0; }

json TierStatusJson(const loyalty::TierStatus& t) {
  return {{"tier", t.tier.empty() ? json() : json(t.tier)},
          {"reached", t.reached.empty() ? json() : json(t.reached)},
          {"manual", t.manual.empty() ? json() : json(t.manual)},
          {"measure", t.measure},
          {"value", t.value},
          {"window_days", t.window_days},
          {"next", t.next.empty() ? json() : json(t.next)},
          {"to_next", t.to_next},
          {"below_since", OptionalTime(t.below_since)},
          {"downgrade_at", OptionalTime(t.downgrade_at)},
          {"downgrade_to", t.downgrade_at ? (t.downgrade_to.empty() ? json() : json(t.downgrade_to)) : json()}};
}

json LevelJson(const loyalty::TierLevel& l, const std::string& currency, loyalty::TierMeasure measure) {
  json j = {{"id", l.id}, {"name", l.name}, {"threshold", l.threshold}, {"multiplier", Multiplier(l.factor_percent)},
            {"discount_percent", l.discount_percent}, {"benefits", l.benefits}};
  if (measure == loyalty::TierMeasure::kSpend) j["currency"] = currency;
  return j;
}

Result<json> MembershipJson(loyalty::LoyaltyStore& store, const loyalty::Account& a,
                            const loyalty::ProgramSet& programs, Timestamp now, const BusinessZone& zone) {
  const auto* entry = programs.InEffect(a.program, now);
  if (!entry) {  // a version not yet in effect is all there is
    auto versions = programs.Versions(a.program);
    if (!versions.empty()) entry = versions.back();
  }
  json out = {{"program", a.program}, {"joined_at", FormatTimestamp(a.joined_at)}, {"balance", a.balance}};
  if (!entry) return out;
  const loyalty::Program& p = entry->program;
  out["kind"] = loyalty::ProgramKindName(p.kind);
  out["name"] = p.name;
  if (p.kind == loyalty::ProgramKind::kPunchCard) {
    out["card"] = {{"punches", a.punches}, {"of", p.card.punches}, {"cards_completed", a.cards_completed},
                   {"to_go", p.card.punches - a.punches}};
    return out;
  }
  if (p.kind == loyalty::ProgramKind::kFrequentShopper) {
    RETAIN_ASSIGN_OR_RETURN(auto st, loyalty::FrequentShopper(store, p, a.customer, now));
    out["frequent"] = {{"purchases", st.purchases}, {"of", st.needed}, {"window_days", st.window_days},
                       {"discount_percent", st.discount_percent}};
    return out;
  }
  RETAIN_ASSIGN_OR_RETURN(auto lots, store.OpenLots(a.program, a.customer));
  loyalty::Standing st = loyalty::StandingAt(lots, a.debt, now);
  json lots_json = json::array();
  for (const auto& lot : lots) {
    lots_json.push_back({{"points", lot.points}, {"remaining", lot.remaining}, {"earned_at", FormatTimestamp(lot.earned_at)},
                         {"available_at", FormatTimestamp(lot.available_at)}, {"expires_at", OptionalTime(lot.expires_at)}});
  }
  out["debt"] = a.debt;
  out["available"] = st.available;
  out["pending"] = st.pending;
  out["expired_not_booked"] = st.expired_not_booked;
  out["lots"] = lots_json;
  out["next_expiry"] =
      st.next_expiry ? json{{"points", st.next_expiry_points}, {"at", FormatTimestamp(*st.next_expiry)}} : json();
  json rewards = json::array();
  for (const auto& r : p.rewards) {
    if (r.cost_points <= 0) continue;
    json rj = loyalty::RewardJson(r, p.currency);
    rj["affordable"] = st.available >= r.cost_points;
    rewards.push_back(std::move(rj));
  }
  out["rewards"] = rewards;
  if (!p.tiers.levels.empty()) {
    RETAIN_ASSIGN_OR_RETURN(auto tier, loyalty::Engine(zone).Tier(store, p, a, now));
    json t = TierStatusJson(tier);
    json levels = json::array();
    for (const auto& l : p.tiers.levels) levels.push_back(LevelJson(l, p.currency, p.tiers.measure));
    t["levels"] = levels;
    if (int i = p.tiers.Index(tier.tier); i >= 0) {
      const auto& level = p.tiers.levels[static_cast<size_t>(i)];
      t["discount_percent"] = level.discount_percent;
      t["multiplier"] = Multiplier(level.factor_percent);
    }
    if (p.tiers.measure == loyalty::TierMeasure::kSpend) t["currency"] = p.currency;
    RETAIN_ASSIGN_OR_RETURN(auto history, store.TierChanges(a.program, a.customer, 10));
    json h = json::array();
    for (const auto& c : history) {
      h.push_back({{"from", c.from.empty() ? json() : json(c.from)}, {"to", c.to.empty() ? json() : json(c.to)},
                   {"reason", c.reason}, {"actor", c.actor}, {"at", FormatTimestamp(c.occurred_at)}});
    }
    t["history"] = h;
    out["tier"] = t;
  }
  json promotions = json::array();
  for (const auto& x : p.promotions) {
    if (!x.ActiveAt(now, zone)) continue;
    if (!x.tiers.empty()) {
      int i = loyalty::EffectiveTier(p.tiers, a);
      if (i < 0 || std::find(x.tiers.begin(), x.tiers.end(), p.tiers.levels[static_cast<size_t>(i)].id) == x.tiers.end()) continue;
    }
    json pj = {{"id", x.id}, {"name", x.name}, {"kind", loyalty::PromotionKindName(x.kind)},
               {"starts", x.starts.empty() ? json() : json(x.starts)}, {"ends", x.ends.empty() ? json() : json(x.ends)}};
    if (x.kind == loyalty::PromotionKind::kMultiplier) pj["multiplier"] = Multiplier(x.factor_percent);
    if (x.kind == loyalty::PromotionKind::kBonus) pj["points"] = x.points;
    if (x.kind == loyalty::PromotionKind::kReward) {
      if (const auto* r = p.FindReward(x.reward)) pj["reward"] = loyalty::RewardJson(*r, p.currency);
    }
    if (x.per_member > 0) {
      RETAIN_ASSIGN_OR_RETURN(int64_t used, store.PromotionUses(p.id, x.id, a.customer));
      pj["used"] = used;
      pj["per_member"] = x.per_member;
    }
    promotions.push_back(std::move(pj));
  }
  out["promotions"] = promotions;
  return out;
}

json ReferralJson(const loyalty::Referral& r) {
  return {{"id", r.id},
          {"referrer", r.referrer},
          {"referee", r.referee.empty() ? json() : json(r.referee)},
          {"email", r.email},
          {"status", loyalty::ReferralStatusName(r.status)},
          {"reason", r.reason.empty() ? json() : json(r.reason)},
          {"program", r.program.empty() ? json() : json(r.program)},
          {"created_at", FormatTimestamp(r.created_at)},
          {"registered_at", OptionalTime(r.registered_at)},
          {"qualified_at", OptionalTime(r.qualified_at)}};
}

Result<std::string> RequiredText(const json& body, const char* field) {
  if (!body.contains(field) || !body[field].is_string() || body[field].get<std::string>().empty()) {
    return InvalidArgument("is required (a string)", field);
  }
  return body[field].get<std::string>();
}

// The key that makes a booking idempotent; required, since a booking must never happen twice.
Result<std::string> RequiredKey(const Request& req) {
  auto key = req.Header("idempotency-key");
  if (key.empty()) {
    return InvalidArgument("is required: a retried request with the same key is booked once", "Idempotency-Key");
  }
  return std::string(key);
}

}  // namespace

void AddLoyaltyRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  BusinessZone zone = ctx.zone;
  const std::string read(staff::kRecordsRead), write(staff::kRecordsWrite), manage(staff::kLoyaltyManage),
      adjust(staff::kLoyaltyAdjust);

  router.Add({"GET", "/v1/loyalty/programs",
              {"List loyalty programs, each in its newest version", "loyalty", {}, "", "LoyaltyPrograms", false, read},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto programs = s.loyalty().Programs();
                  if (!programs) return ErrorResponse(programs.error());
                  json data = json::array();
                  for (const auto* e : (*programs)->Latest()) data.push_back(VersionJson(*e));
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/loyalty/programs/{id}",
              {"A loyalty program with every version of its document", "loyalty", {}, "", "LoyaltyProgram", false, read},
              [workers](Request req, Reply reply) {
                workers->Read([id = req.params["id"]](Stores& s) {
                  auto programs = s.loyalty().Programs();
                  if (!programs) return ErrorResponse(programs.error());
                  auto versions = (*programs)->Versions(id);
                  if (versions.empty()) {
                    return ErrorResponse({ErrorCode::kNotFound, fmt::format("no loyalty program '{}'", id), "id"});
                  }
                  json out = VersionJson(*versions.back());
                  json history = json::array();
                  for (const auto* v : versions) history.push_back(VersionJson(*v));
                  out["versions"] = history;
                  auto in_effect = (*programs)->InEffect(id, Now());
                  out["version_in_effect"] = in_effect ? json(in_effect->meta.version) : json();
                  return Json(200, out);
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/loyalty/programs/{id}/report",
              {"Points earned, spent, expired and rewards issued and used per month; points outstanding", "loyalty",
               {{"from", "first day (default: twelve months ago)"}, {"to", "day after the last (default: tomorrow)"}},
               "", "LoyaltyReport", false, read},
              [workers, zone](Request req, Reply reply) {
                auto now = Now();
                auto window = ReportWindow(req, zone, now);
                if (!window) return reply(ErrorResponse(window.error()));
                Timestamp from = window->from, to = window->to;
                workers->Read([id = req.params["id"], from, to, zone, now](Stores& s) {
                  auto r = loyalty::Report(s.loyalty(), id, from, to, zone, now);
                  if (!r) return ErrorResponse(r.error());
                  json months = json::array();
                  for (const auto& m : r->months) {
                    months.push_back({{"month", m.month}, {"points_earned", m.points_earned},
                                      {"points_reversed", m.points_reversed}, {"points_spent", m.points_spent},
                                      {"points_expired", m.points_expired}, {"points_adjusted", m.points_adjusted},
                                      {"punches", m.punches}, {"cards_completed", m.cards_completed},
                                      {"coupons_issued", m.coupons_issued}, {"coupons_used", m.coupons_used},
                                      {"coupons_expired", m.coupons_expired}, {"active_members", m.active_members}});
                  }
                  const auto& rt = r->retention;
                  auto group = [](const loyalty::RetentionGroup& g) {
                    return json{{"customers", g.customers}, {"retained", g.retained},
                                {"rate", g.customers ? json(g.rate()) : json()}};
                  };
                  json bands = json::array();
                  const char* names[] = {"1", "2-3", "4+"};
                  for (size_t b = 0; b < 3; ++b) {
                    bands.push_back({{"purchases", names[b]}, {"members", group(rt.member_bands[b])},
                                     {"non_members", group(rt.non_member_bands[b])}});
                  }
                  json retention = {{"base_from", FormatTimestamp(rt.base_from)}, {"base_to", FormatTimestamp(rt.base_to)},
                                    {"after_to", FormatTimestamp(rt.after_to)}, {"members", group(rt.members)},
                                    {"non_members", group(rt.non_members)},
                                    {"non_members_matched_rate", rt.non_members_matched ? json(*rt.non_members_matched) : json()},
                                    {"bands", bands}};
                  return Json(200, {{"program", id}, {"from", FormatTimestamp(from)}, {"to", FormatTimestamp(to)},
                                    {"months", months}, {"members", r->members},
                                    {"outstanding_points", r->outstanding_points},
                                    {"liability_minor", r->liability_minor ? json(*r->liability_minor) : json()},
                                    {"currency", r->currency}, {"retention", retention}});
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/loyalty/programs",
              {"Create a program, or a new version of one, from its document; ?effective_at= schedules it", "loyalty",
               {{"effective_at", "when this version takes effect (default: now); ISO 8601"}}, "LoyaltyProgramDocument",
               "LoyaltyProgram", false, manage},
              [workers, zone](Request req, Reply reply) {
                // JSON, or TOML when the request says so.
                bool toml = req.Header("content-type").starts_with("application/toml");
                auto body = toml ? loyalty::ProgramDocumentFromToml(req.body) : ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                // Checked here so a bad document is answered without a trip through the writer.
                if (auto program = loyalty::ParseProgramDocument(*body); !program) {
                  return reply(ErrorResponse(program.error()));
                }
                Timestamp effective = Now();
                if (auto at = req.Query("effective_at"); !at.empty()) {
                  auto parsed = ParseTimestamp(at, zone);
                  if (!parsed) return reply(ErrorResponse({ErrorCode::kInvalidArgument, parsed.error().message, "effective_at"}));
                  effective = *parsed;
                }
                auto job = Idempotent(req, [document = *body, effective, actor = req.principal->actor](Stores& s)
                                               -> Result<Response> {
                  auto change = loyalty::DefineProgram(s.loyalty(), s.records(), s.webhooks(), document, effective,
                                                       actor, Now());
                  if (!change) return RowError(change.error());
                  return Json(change->version == 1 ? 201 : 200, change->json);
                });
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"POST", "/v1/loyalty/preview",
              {"What a basket would earn: {\"program\": a document or a program's id (or \"document_text\": a document "
               "written in JSON or TOML), \"purchase\": a purchase}",
               "loyalty", {}, "LoyaltyPreview", "Basket", false, read},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                if (!body->contains("purchase") || !(*body)["purchase"].is_object()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required (a purchase object)", "purchase"}));
                }
                json purchase_json = (*body)["purchase"];
                if (!purchase_json.contains("id")) purchase_json["id"] = "preview";
                if (!purchase_json.contains("customer")) purchase_json["customer"] = "preview";
                if (!purchase_json.contains("occurred_at")) purchase_json["occurred_at"] = FormatTimestamp(Now());
                auto purchase = core::ParsePurchase(SourceRecord::FromJson(std::move(purchase_json)), zone);
                if (!purchase) {
                  Error e = purchase.error();
                  e.field = "purchase." + e.field;
                  return reply(ErrorResponse(e));
                }
                std::optional<loyalty::Program> inline_program;
                std::string program_id;
                if (body->contains("document_text") && (*body)["document_text"].is_string()) {
                  // A draft as written in the designer, JSON or TOML.
                  auto doc = loyalty::ProgramDocumentFromText((*body)["document_text"].get<std::string>());
                  if (!doc) return reply(ErrorResponse({ErrorCode::kInvalidArgument, doc.error().message, "document_text"}));
                  (*body)["program"] = std::move(*doc);
                }
                if (body->contains("program") && (*body)["program"].is_object()) {
                  auto parsed = loyalty::ParseProgramDocument((*body)["program"]);
                  if (!parsed) {
                    Error e = parsed.error();
                    e.field = e.field.empty() ? "program" : "program." + e.field;
                    return reply(ErrorResponse(e));
                  }
                  inline_program = std::move(*parsed);
                } else if (body->contains("program") && (*body)["program"].is_string()) {
                  program_id = (*body)["program"].get<std::string>();
                } else {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required: a program document or id", "program"}));
                }
                workers->Read([inline_program, program_id, zone, purchase = std::move(*purchase)](Stores& s) {
                  loyalty::Program program;
                  if (inline_program) {
                    program = *inline_program;
                  } else {
                    auto programs = s.loyalty().Programs();
                    if (!programs) return ErrorResponse(programs.error());
                    const auto* entry = (*programs)->InEffect(program_id, purchase.occurred_at);
                    if (!entry) {
                      return ErrorResponse({ErrorCode::kNotFound, fmt::format("no program '{}' is in effect then", program_id), "program"});
                    }
                    program = entry->program;
                  }
                  loyalty::Categories categories;
                  for (const auto& line : purchase.lines) {
                    if (line.product.empty()) continue;
                    auto product = s.records().GetProduct(line.product);
                    if (!product) return ErrorResponse(product.error());
                    categories[line.product] = *product ? (*product)->category : "";
                  }
                  auto b = loyalty::Evaluate(program, purchase, categories);
                  json out = {{"program", program.id}, {"kind", loyalty::ProgramKindName(program.kind)},
                              {"qualifying_minor", b.qualifying_minor}, {"items", b.items}};
                  if (program.kind == loyalty::ProgramKind::kPoints) {
                    out["points"] = b.points;
                    // What each tier would earn, and what promotions running then would add
                    // (before their limits and budgets).
                    json tiers = json::array();
                    for (const auto& l : program.tiers.levels) {
                      tiers.push_back({{"tier", l.id}, {"points", b.points * l.factor_percent / 100}});
                    }
                    out["by_tier"] = tiers;
                    json promotions = json::array();
                    for (const auto& x : program.promotions) {
                      if (!x.ActiveAt(purchase.occurred_at, zone)) continue;
                      int64_t extra = loyalty::PromotionExtra(program, x, purchase, categories);
                      if (extra > 0) promotions.push_back({{"promotion", x.id}, {"points", extra}, {"tiers", x.tiers}});
                    }
                    out["promotions"] = promotions;
                  }
                  else if (program.kind == loyalty::ProgramKind::kFrequentShopper) out["counts"] = b.punches > 0;
                  else out["punches"] = b.punches;
                  return Json(200, out);
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/customers/{id}/loyalty",
              {"A customer's loyalty: cards, balances, lots and expiries, affordable rewards, coupons", "loyalty", {}, "",
               "Membership", false, read},
              [workers, zone](Request req, Reply reply) {
                workers->Read([id = req.params["id"], zone](Stores& s) {
                  auto customer = s.records().GetCustomer(id);
                  if (!customer) return ErrorResponse(customer.error());
                  if (!*customer) return ErrorResponse({ErrorCode::kNotFound, fmt::format("no customer '{}'", id), "id"});
                  auto programs = s.loyalty().Programs();
                  if (!programs) return ErrorResponse(programs.error());
                  auto accounts = s.loyalty().AccountsOf(id);
                  if (!accounts) return ErrorResponse(accounts.error());
                  auto now = Now();
                  json memberships = json::array();
                  for (const auto& a : *accounts) {
                    auto m = MembershipJson(s.loyalty(), a, **programs, now, zone);
                    if (!m) return ErrorResponse(m.error());
                    memberships.push_back(std::move(*m));
                  }
                  auto coupons = s.loyalty().CouponsOf(id);
                  if (!coupons) return ErrorResponse(coupons.error());
                  json cj = json::array();
                  for (const auto& c : *coupons) cj.push_back(CouponJson(c, now));
                  auto code = s.loyalty().ReferralCode(id, false);
                  if (!code) return ErrorResponse(code.error());
                  auto referred = s.loyalty().ReferralOf(id);
                  if (!referred) return ErrorResponse(referred.error());
                  auto made = s.loyalty().ReferralsBy(id);
                  if (!made) return ErrorResponse(made.error());
                  json counts = {{"invited", 0}, {"registered", 0}, {"qualified", 0}, {"refused", 0}};
                  for (const auto& r : *made) counts[std::string(loyalty::ReferralStatusName(r.status))] = counts[std::string(loyalty::ReferralStatusName(r.status))].get<int>() + 1;
                  json referral = {{"code", *code ? json(**code) : json()},
                                   {"referred_by", *referred ? json((*referred)->referrer) : json()},
                                   {"referrals", counts}};
                  return Json(200, {{"customer", id}, {"memberships", memberships}, {"coupons", cj},
                                    {"referral", referral}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/customers/{id}/loyalty/ledger",
              {"A customer's ledger in one program, newest first", "loyalty",
               {{"program", "the program's id (required)"}, {"limit", "page size, 1 to 1000 (default 50)"},
                {"cursor", "next_cursor of the previous page"}},
               "", "LedgerPage", false, read},
              [workers](Request req, Reply reply) {
                auto limit = req.Limit();
                if (!limit) return reply(ErrorResponse(limit.error()));
                std::string program(req.Query("program"));
                if (program.empty()) return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required", "program"}));
                workers->Read([id = req.params["id"], program, cursor = std::string(req.Query("cursor")),
                               limit = *limit](Stores& s) {
                  auto page = s.loyalty().Ledger(program, id, cursor, limit);
                  if (!page) return ErrorResponse(page.error());
                  json data = json::array();
                  for (const auto& e : page->items) data.push_back(LedgerJson(e));
                  return Json(200, {{"data", data},
                                    {"next_cursor", page->next_cursor.empty() ? json() : json(page->next_cursor)}});
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/loyalty/redemptions",
              {"Spend a member's points on a reward; issues its coupon. Needs an Idempotency-Key", "loyalty", {},
               "NewRedemption", "Coupon", false, write},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto program = RequiredText(*body, "program");
                auto customer = RequiredText(*body, "customer");
                auto reward = RequiredText(*body, "reward");
                auto key = RequiredKey(req);
                for (const auto* r : {&program, &customer, &reward, &key}) {
                  if (!*r) return reply(ErrorResponse(r->error()));
                }
                auto job = Idempotent(req, [program = *program, customer = *customer, reward = *reward, key = *key,
                                            zone, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  auto now = Now();
                  auto issued = loyalty::Engine(zone).Redeem(s.loyalty(), program, customer, reward, key, actor, now);
                  if (!issued) return RowError(issued.error());
                  return Json(issued->replayed ? 200 : 201, CouponJson(issued->coupon, now));
                });
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"POST", "/v1/loyalty/adjustments",
              {"Correct a member's points by hand, with a reason (audited). Needs an Idempotency-Key", "loyalty", {},
               "NewAdjustment", "LedgerEntry", false, adjust},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto program = RequiredText(*body, "program");
                auto customer = RequiredText(*body, "customer");
                auto key = RequiredKey(req);
                for (const auto* r : {&program, &customer, &key}) {
                  if (!*r) return reply(ErrorResponse(r->error()));
                }
                if (!body->contains("points") || !(*body)["points"].is_number_integer()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required (a whole number, negative to take points)", "points"}));
                }
                std::string reason = body->value("reason", "");
                auto job = Idempotent(req, [program = *program, customer = *customer, key = *key, reason, zone,
                                            points = (*body)["points"].get<int64_t>(),
                                            actor = req.principal->actor](Stores& s) -> Result<Response> {
                  auto now = Now();
                  auto entry = loyalty::Engine(zone).Adjust(s.loyalty(), program, customer, points, reason, key, actor, now);
                  if (!entry) return RowError(entry.error());
                  json after = LedgerJson(*entry);
                  after["program"] = program;
                  after["customer"] = customer;
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit(
                      {now, actor, "loyalty.adjusted", "loyalty_ledger", std::to_string(entry->id), "null", after.dump()}));
                  return Json(201, after);
                });
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"POST", "/v1/coupons/{id}/use",
              {"Use a coupon (at a till or the desk), a loyalty reward or a complaint's CMP- coupon; fails if it was used or has expired", "loyalty", {}, "CouponUse",
               "Coupon", false, write},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto ref = RequiredText(*body, "ref");
                if (!ref) return reply(ErrorResponse(ref.error()));
                auto job = Idempotent(req, [code = req.params["id"], ref = *ref, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  auto now = Now();
                  if (care::IsCompensationCode(code)) {
                    // A complaint's coupon: the same till, the same rule (once).
                    auto used = care::UseCompensationCoupon(s.records(), s.care(), s.webhooks(), code, ref, actor, now);
                    if (!used) return RowError(used.error());
                    const auto& c = *used;
                    json reward = {{"kind", c.product.empty() ? "amount_off" : "free_item"}, {"value_minor", c.value_minor},
                                   {"currency", c.currency}, {"product", c.product}};
                    return Json(200, {{"code", c.code}, {"customer", c.customer}, {"program", ""}, {"reward", reward},
                                      {"status", "used"}, {"issued_at", FormatTimestamp(c.decided_at.value_or(c.created_at))},
                                      {"expires_at", nullptr}, {"redeemed_at", OptionalTime(c.redeemed_at)},
                                      {"redeemed_ref", c.redeemed_ref}, {"case", c.case_id}, {"compensation", c.id}});
                  }
                  auto coupon = loyalty::Engine(BusinessZone()).UseCoupon(s.loyalty(), code, ref, now);
                  if (!coupon) return RowError(coupon.error());
                  return Json(200, CouponJson(*coupon, now));
                });
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"POST", "/v1/loyalty/expire",
              {"Expire every lot past its time, review tiers for downgrades and warn members whose points expire soon, "
               "now (the server also does this every hour)", "loyalty", {}, "", "ExpiryRun", false, manage},
              [workers, zone](Request, Reply reply) { workers->Write(LoyaltyUpkeep(zone), std::move(reply)); }});

  router.Add({"PUT", "/v1/customers/{id}/loyalty/tier",
              {"Give a member a tier by hand (a floor under the tier reached), or clear it with tier null; needs a "
               "reason; audited", "loyalty", {}, "ManualTier", "TierStatus", false, adjust},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto program = RequiredText(*body, "program");
                auto reason = RequiredText(*body, "reason");
                for (const auto* r : {&program, &reason}) {
                  if (!*r) return reply(ErrorResponse(r->error()));
                }
                if (!body->contains("tier") || !((*body)["tier"].is_string() || (*body)["tier"].is_null())) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required: a tier's id, or null to clear", "tier"}));
                }
                std::string tier = (*body)["tier"].is_null() ? "" : (*body)["tier"].get<std::string>();
                auto job = Idempotent(req, [customer = req.params["id"], program = *program, reason = *reason, tier, zone,
                                            actor = req.principal->actor](Stores& s) -> Result<Response> {
                  loyalty::Engine engine(zone);
                  engine.set_outbox(&s.webhooks());
                  auto st = engine.SetManualTier(s.loyalty(), s.records(), program, customer, tier, reason, actor, Now());
                  if (!st) return RowError(st.error());
                  return Json(200, TierStatusJson(*st));
                });
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"POST", "/v1/loyalty/promotions/claims",
              {"Claim a members-only reward promotion for a member; issues its coupon. Needs an Idempotency-Key",
               "loyalty", {}, "PromotionClaim", "Coupon", false, write},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto program = RequiredText(*body, "program");
                auto promotion = RequiredText(*body, "promotion");
                auto customer = RequiredText(*body, "customer");
                auto key = RequiredKey(req);
                for (const auto* r : {&program, &promotion, &customer, &key}) {
                  if (!*r) return reply(ErrorResponse(r->error()));
                }
                auto job = Idempotent(req, [program = *program, promotion = *promotion, customer = *customer, key = *key,
                                            zone, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  auto now = Now();
                  auto issued = loyalty::Engine(zone).ClaimPromotion(s.loyalty(), s.records(), program, promotion,
                                                                      customer, key, actor, now);
                  if (!issued) return RowError(issued.error());
                  return Json(issued->replayed ? 200 : 201, CouponJson(issued->coupon, now));
                });
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"POST", "/v1/customers/{id}/referral-code",
              {"The customer's referral code, made the first time it is asked for", "loyalty", {}, "",
               "ReferralCode", false, write},
              [workers](Request req, Reply reply) {
                workers->Write([customer = req.params["id"]](Stores& s) -> Result<Response> {
                  auto code = s.loyalty().ReferralCode(customer, true);
                  if (!code) return RowError(code.error());
                  return Json(200, {{"customer", customer}, {"code", **code}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/customers/{id}/referrals",
              {"The referrals a customer made, newest first, with their status", "loyalty", {}, "", "Referrals", false,
               read},
              [workers](Request req, Reply reply) {
                workers->Read([customer = req.params["id"]](Stores& s) {
                  auto made = s.loyalty().ReferralsBy(customer);
                  if (!made) return ErrorResponse(made.error());
                  json data = json::array();
                  for (const auto& r : *made) data.push_back(ReferralJson(r));
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/referrals/invitations",
              {"Record that a member sent their referral code to an address (status invited)", "loyalty", {},
               "ReferralInvitation", "Referral", false, write},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto referrer = RequiredText(*body, "referrer");
                auto email = RequiredText(*body, "email");
                for (const auto* r : {&referrer, &email}) {
                  if (!*r) return reply(ErrorResponse(r->error()));
                }
                auto job = Idempotent(req, [referrer = *referrer, email = *email, zone](Stores& s) -> Result<Response> {
                  auto r = loyalty::Engine(zone).Invite(s.loyalty(), s.records(), referrer, email, Now());
                  if (!r) return RowError(r.error());
                  return Json(201, ReferralJson(*r));
                });
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"POST", "/v1/referrals",
              {"A customer signed up with a referral code: registered, or refused (422) with the reason, which is "
               "kept", "loyalty", {}, "ReferralSignUp", "Referral", false, write},
              [workers, zone](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                auto code = RequiredText(*body, "code");
                auto customer = RequiredText(*body, "customer");
                for (const auto* r : {&code, &customer}) {
                  if (!*r) return reply(ErrorResponse(r->error()));
                }
                auto job = Idempotent(req, [code = *code, customer = *customer, zone](Stores& s) -> Result<Response> {
                  auto outcome = loyalty::Engine(zone).Register(s.loyalty(), s.records(), code, customer, Now());
                  if (!outcome) return RowError(outcome.error());
                  json out = ReferralJson(outcome->referral);
                  if (outcome->referral.status == loyalty::ReferralStatus::kRefused) {
                    // The refusal is kept (this reply commits it) and said plainly.
                    return Json(422, {{"error", {{"code", "failed_precondition"},
                                                 {"message", "referral refused: " + outcome->referral.reason},
                                                 {"field", "code"}}},
                                      {"referral", out}});
                  }
                  return Json(outcome->replayed ? 200 : 201, out);
                });
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});
}

WriteJob LoyaltyUpkeep(BusinessZone zone) {
  return [zone](Stores& s) -> Result<Response> {
    auto now = Now();
    loyalty::Engine engine(zone);
    engine.set_outbox(&s.webhooks());
    auto expired = engine.ExpireDue(s.loyalty(), now, 1000);
    if (!expired) return RowError(expired.error());
    auto tiers = engine.ReviewTiers(s.loyalty(), now);
    if (!tiers) return RowError(tiers.error());
    auto warned = engine.WarnExpiring(s.loyalty(), now);
    if (!warned) return RowError(warned.error());
    auto celebrated = engine.Celebrate(s.loyalty(), now);
    if (!celebrated) return RowError(celebrated.error());
    return Json(200, {{"expired_points", *expired}, {"tier_changes", *tiers}, {"expiry_warnings", *warned},
                      {"celebrations", *celebrated}});
  };
}

}  // namespace retain::server
