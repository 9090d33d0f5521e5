// `retain loyalty`: define programs from their documents, show a member, expire points.
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/store_opener.h"
#include "common/money.h"
#include "loyalty/engine.h"

namespace retain::cli {
namespace {

using nlohmann::json;


Result<json> ReadDocument(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) return NotFound(fmt::format("cannot read {}", path), "file");
    text << in.rdbuf();
  }
  auto doc = loyalty::ProgramDocumentFromText(text.str());
  if (!doc) return InvalidArgument(fmt::format("{}: {}", path, doc.error().message), "file");
  return doc;
}

void PrintMember(loyalty::LoyaltyStore& store, const loyalty::ProgramSet& programs, const std::string& customer,
                 Timestamp now, const BusinessZone& zone) {
  auto accounts = store.AccountsOf(customer);
  if (!accounts || accounts->empty()) {
    std::cout << fmt::format("{} is not a member of any program yet\n", customer);
  } else {
    for (const auto& a : *accounts) {
      auto versions = programs.Versions(a.program);
      if (versions.empty()) continue;
      const loyalty::Program& p = versions.back()->program;
      if (p.kind == loyalty::ProgramKind::kFrequentShopper) {
        auto st = loyalty::FrequentShopper(store, p, a.customer, now);
        if (st) {
          std::cout << fmt::format("{:<14} {} of {} purchases in {} days: {}\n", a.program, st->purchases, st->needed,
                                   st->window_days,
                                   st->discount_percent ? fmt::format("{} % off now", st->discount_percent)
                                                        : std::string("no discount yet"));
        }
        continue;
      }
      if (p.kind == loyalty::ProgramKind::kPunchCard) {
        std::cout << fmt::format("{:<14} card {} of {} punches, {} card(s) completed\n", a.program, a.punches,
                                 p.card.punches, a.cards_completed);
        continue;
      }
      auto lots = store.OpenLots(a.program, a.customer);
      auto st = loyalty::StandingAt(lots ? *lots : std::vector<loyalty::Lot>{}, a.debt, now);
      std::cout << fmt::format("{:<14} balance {} points: {} available, {} pending{}\n", a.program, a.balance,
                               st.available, st.pending,
                               a.debt ? fmt::format(", {} owed by returns", a.debt) : "");
      int shown = 0, more = 0;
      for (const auto& lot : lots ? *lots : std::vector<loyalty::Lot>{}) {
        if (shown == 5) {
          ++more;
          continue;
        }
        ++shown;
        std::cout << fmt::format("  {:>7} of {:>7} points earned {}{}\n", lot.remaining, lot.points,
                                 FormatTimestamp(lot.earned_at),
                                 lot.expires_at ? (*lot.expires_at <= now ? ", expired " : ", expire ") +
                                                      FormatTimestamp(*lot.expires_at)
                                                : "");
      }
      if (more) std::cout << fmt::format("  ... and {} later lots\n", more);
      if (!p.tiers.levels.empty()) {
        auto tier = loyalty::Engine(zone).Tier(store, p, a, now);
        if (tier) {
          bool spend = tier->measure == "spend";
          auto amount = [&](int64_t v) {
            if (!spend) return fmt::format("{} points", v);
            auto exponent = CurrencyExponent(p.currency);
            return fmt::format("{} {}", FormatAmount(v, exponent ? *exponent : 2), p.currency);
          };
          std::cout << fmt::format("  tier {}{}; {} in the last {} days{}\n", tier->tier.empty() ? "none" : tier->tier,
                                   tier->manual.empty() ? "" : " (set by hand)", amount(tier->value), tier->window_days,
                                   tier->next.empty() ? ""
                                                      : fmt::format("; {} more to reach {}", amount(tier->to_next), tier->next));
          if (tier->downgrade_at) {
            std::cout << fmt::format("  drops to {} on {} unless that recovers\n",
                                     tier->downgrade_to.empty() ? "no tier" : tier->downgrade_to,
                                     FormatTimestamp(*tier->downgrade_at));
          }
        }
      }
    }
  }
  if (auto code = store.ReferralCode(customer, false); code && *code) {
    auto made = store.ReferralsBy(customer);
    int qualified = 0;
    for (const auto& r : made ? *made : std::vector<loyalty::Referral>{}) qualified += r.status == loyalty::ReferralStatus::kQualified;
    std::cout << fmt::format("referral code {}: {} referral(s), {} qualified\n", **code, made ? made->size() : 0, qualified);
  }
  auto coupons = store.CouponsOf(customer);
  size_t listed = 0;
  for (const auto& c : coupons ? *coupons : std::vector<loyalty::Coupon>{}) {
    if (++listed > 10) {
      std::cout << fmt::format("... and {} older coupons\n", coupons->size() - 10);
      break;
    }
    std::string status = c.redeemed_at ? "used " + FormatTimestamp(*c.redeemed_at)
                         : c.expires_at && *c.expires_at <= now ? "expired"
                         : c.expires_at ? "valid until " + FormatTimestamp(*c.expires_at) : "valid";
    std::cout << fmt::format("coupon {}  {:<14} {:<10} {}\n", c.code, c.program, c.reward, status);
  }
}

}  // namespace

Result<int> RunLoyalty(Context& ctx) {
  std::string file, effective, customer;
  auto app = NewParser("loyalty", "Loyalty programs: punch cards and points, members, coupons.", ctx);
  app->require_subcommand(1);
  auto* program = app->add_subcommand("program", "Define or list programs");
  program->require_subcommand(1);
  auto* add = program->add_subcommand("add", "Store a program document (JSON or TOML) as the program's next version");
  add->add_option("file", file, "The document, or - for stdin")->required();
  add->add_option("--effective-at", effective, "When this version takes effect (default: now), e.g. 2026-12-01");
  auto* list = program->add_subcommand("list", "List programs in their newest version");
  auto* show = app->add_subcommand("show", "A customer's cards, points, lots and coupons");
  show->add_option("customer", customer, "The customer's id")->required();
  auto* expire = app->add_subcommand("expire", "Book every point past its expiry as expired, review tiers for downgrades and warn members whose points expire soon");
  std::string from_text, to_text, program_id;
  auto* report = app->add_subcommand("report", "Points and rewards per month, and the points outstanding");
  report->add_option("program", program_id, "The program's id")->required();
  report->add_option("--from", from_text, "First day (default: twelve months ago)");
  report->add_option("--to", to_text, "Day after the last (default: tomorrow)");
  app->footer(
      "\nA punch card in one line (buy 9 subs, the 10th free):\n"
      "  echo '{\"id\":\"subs\",\"kind\":\"punch_card\",\"punches\":9,\"reward\":{\"kind\":\"free_item\",\"product\":\"SUB\"}}' \\\n"
      "    | retain loyalty program add -\n"
      "The same in TOML (a file such as subs.toml):\n"
      "  id = \"subs\"\n  kind = \"punch_card\"\n  punches = 9\n  reward = { kind = \"free_item\", product = \"SUB\" }\n"
      "The document format is in docs/LOYALTY.md.");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;

  RETAIN_ASSIGN_OR_RETURN(auto session, OpenSession(ctx));
  RETAIN_ASSIGN_OR_RETURN(auto zone, LoadZone(session->records()));
  auto now = Now();
  if (add->parsed()) {
    RETAIN_ASSIGN_OR_RETURN(auto doc, ReadDocument(file));
    Timestamp at = now;
    if (!effective.empty()) {
      auto parsed = ParseTimestamp(effective, zone);
      if (!parsed) return InvalidArgument(parsed.error().message, "effective-at");
      at = *parsed;
    }
    RETAIN_ASSIGN_OR_RETURN(auto change, InTransaction(session->records(), [&] {
      return loyalty::DefineProgram(session->loyalty(), session->records(), session->outbox(), doc, at, "cli", now);
    }));
    std::cout << fmt::format("program {} ({}) version {}, in effect from {}\n", change.program.id,
                             loyalty::ProgramKindName(change.program.kind), change.version, FormatLocal(at, zone));
    return 0;
  }
  RETAIN_ASSIGN_OR_RETURN(auto programs, session->loyalty().Programs());
  if (list->parsed()) {
    for (const auto* e : programs->Latest()) {
      std::cout << fmt::format("{:<16} {:<10} v{:<3} from {}  {}\n", e->meta.program,
                               loyalty::ProgramKindName(e->program.kind), e->meta.version,
                               FormatLocal(e->meta.effective_at, zone), e->program.name.at("en"));
    }
    if (programs->empty()) std::cout << "no programs yet; add one with: retain loyalty program add FILE\n";
    return 0;
  }
  if (show->parsed()) {
    RETAIN_ASSIGN_OR_RETURN(auto c, session->records().GetCustomer(customer));
    if (!c) return NotFound(fmt::format("no customer '{}'", customer), "customer");
    PrintMember(session->loyalty(), *programs, customer, now, zone);
    return 0;
  }
  if (report->parsed()) {
    Timestamp from = zone.StartOfDay(zone.LocalDate(now - std::chrono::days(365)));
    Timestamp to = zone.StartOfDay(zone.LocalDate(now + std::chrono::days(1)));
    if (!from_text.empty()) {
      RETAIN_ASSIGN_OR_RETURN(from, ParseTimestamp(from_text, zone));
    }
    if (!to_text.empty()) {
      RETAIN_ASSIGN_OR_RETURN(to, ParseTimestamp(to_text, zone));
    }
    RETAIN_ASSIGN_OR_RETURN(auto r, loyalty::Report(session->loyalty(), program_id, from, to, zone, now));
    std::cout << fmt::format("{:<8} {:>7} {:>10} {:>9} {:>10} {:>9} {:>8} {:>8} {:>6} {:>8} {:>6} {:>8}\n", "month",
                             "active", "earned", "reversed", "spent", "expired", "adjusted", "punches", "cards",
                             "coupons", "used", "expired");
    for (const auto& m : r.months) {
      std::cout << fmt::format("{:<8} {:>7} {:>10} {:>9} {:>10} {:>9} {:>8} {:>8} {:>6} {:>8} {:>6} {:>8}\n", m.month,
                               m.active_members, m.points_earned, m.points_reversed, m.points_spent, m.points_expired,
                               m.points_adjusted, m.punches, m.cards_completed, m.coupons_issued, m.coupons_used,
                               m.coupons_expired);
    }
    std::cout << fmt::format("{} members", r.members);
    if (r.outstanding_points) std::cout << fmt::format(", {} points outstanding", r.outstanding_points);
    if (r.liability_minor) {
      auto exponent = CurrencyExponent(r.currency);
      std::cout << fmt::format(" (a liability of {} {})", FormatAmount(*r.liability_minor, exponent ? *exponent : 2),
                               r.currency);
    }
    std::cout << "\n";
    const auto& rt = r.retention;
    auto pct = [](double v) { return fmt::format("{:.1f} %", v * 100); };
    std::cout << fmt::format("Bought again in the 90 days to {} (of those who bought in the 90 before):\n",
                             FormatDate(zone.LocalDate(rt.after_to)));
    std::cout << fmt::format("  members      {} of {} ({})\n", rt.members.retained, rt.members.customers,
                             pct(rt.members.rate()));
    std::cout << fmt::format("  non-members  {} of {} ({}){}\n", rt.non_members.retained, rt.non_members.customers,
                             pct(rt.non_members.rate()),
                             rt.non_members_matched ? fmt::format("; {} at the members' purchase frequency",
                                                                  pct(*rt.non_members_matched))
                                                    : "");
    return 0;
  }
  if (expire->parsed()) {
    loyalty::Engine engine(zone);
    int64_t total = 0;
    while (true) {
      RETAIN_ASSIGN_OR_RETURN(int64_t n, InTransaction(session->records(), [&] { return engine.ExpireDue(session->loyalty(), now, 1000); }));
      total += n;
      if (n == 0) break;
    }
    engine.set_outbox(&session->outbox());
    RETAIN_ASSIGN_OR_RETURN(int64_t moved, InTransaction(session->records(), [&] { return engine.ReviewTiers(session->loyalty(), now); }));
    RETAIN_ASSIGN_OR_RETURN(int64_t warned, InTransaction(session->records(), [&] { return engine.WarnExpiring(session->loyalty(), now); }));
    RETAIN_ASSIGN_OR_RETURN(int64_t celebrated, InTransaction(session->records(), [&] { return engine.Celebrate(session->loyalty(), now); }));
    std::cout << fmt::format("expired {} points; {} members changed tier; {} warned of points expiring; {} birthday and "
                             "anniversary bonuses\n", total, moved, warned, celebrated);
    return 0;
  }
  return 0;
}

}  // namespace retain::cli
