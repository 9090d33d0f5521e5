#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/store_opener.h"
#include "common/crypto.h"
#include "demo/world.h"
#include "loyalty/engine.h"
#include "retention/recovery.h"
#include "retention/requests.h"
#include "retention/winback.h"
#include "staff/roles.h"

namespace retain::cli {
namespace {

// The retention desk's last four weeks in the demo world: some active subscribers call to cancel,
// the agent makes the best offer the desk allows within an agent's authority through the same
// calls the server makes, and some accept. Requests are dated in those weeks so the subscriptions'
// earlier bills stay consistent. The same seed gives the same calls.
Status SeedCancelRequests(core::RecordStore& records, retention::RetentionStore& desk, core::WebhookStore& outbox,
                          const BusinessZone& zone, Timestamp world_end, uint64_t seed) {
  // Once per world: a demo run again over the same database makes no more calls.
  retention::RequestQuery any;
  any.limit = 1;
  RETAIN_ASSIGN_OR_RETURN(auto earlier, desk.ListRequests(any));
  if (!earlier.empty()) return Ok();
  std::mt19937_64 rng(seed * 7919 + 17);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::string> active;
  core::ListQuery q;
  q.limit = 1000;
  while (true) {
    RETAIN_ASSIGN_OR_RETURN(auto page, records.ListSubscriptions(q));
    for (const auto& sub : page.items) {
      if (sub.status == core::SubscriptionStatus::kActive) active.push_back(sub.external_id);
    }
    if (page.next_cursor.empty()) break;
    q.cursor = page.next_cursor;
  }
  const retention::Caller agent{"user:demo-agent", "agent", staff::DefaultAuthority(staff::Role::kAgent)};
  // How often each kind of offer is taken when made (the desk learns these from the outcomes).
  const std::map<std::string, double> takes = {{"discount", 0.4}, {"pause", 0.35}, {"credit", 0.25}, {"other", 0.2}};
  std::discrete_distribution<size_t> reasons({30, 18, 8, 16, 12, 8, 4, 4});
  for (const auto& id : active) {
    if (u(rng) >= 0.08) continue;
    Timestamp at = world_end - std::chrono::seconds(static_cast<int64_t>((1 + 27 * u(rng)) * 86400));
    retention::OpenInput input{id, std::string(retention::ReasonName(retention::kAllReasons[reasons(rng)])),
                               u(rng) < 0.7 ? "phone" : "chat", ""};
    RETAIN_RETURN_IF_ERROR(InTransaction(records, [&]() -> Status {
      auto opened = retention::OpenCancelRequest(records, desk, outbox, input, agent, at, rng);
      if (!opened) return Ok();  // not open to a request then (already cancelled, say)
      const auto& request = opened->request;
      retention::OutcomeInput outcome;
      auto offers = nlohmann::json::parse(request.offers_json, nullptr, false);
      const nlohmann::json* best = nullptr;
      if (offers.is_array()) {
        for (const auto& o : offers) {
          if (!o.value("needs_approval", false)) {
            best = &o;
            break;
          }
        }
      }
      if (best != nullptr && !request.control) {
        std::string id_offered = best->value("id", "");
        outcome.presented = {id_offered};
        auto take = takes.find(best->value("kind", ""));
        bool accepts = u(rng) < (take == takes.end() ? 0.2 : take->second);
        outcome.outcome = accepts ? "accepted" : "declined";
        if (accepts) outcome.offer = id_offered;
      } else {
        outcome.outcome = u(rng) < 0.85 ? "declined" : "withdrawn";
      }
      return retention::RecordOutcome(records, desk, outbox, request.id, outcome, agent, zone,
                                      at + std::chrono::minutes(12)).map([](auto&&) {});
    }));
  }
  return Ok();
}

}  // namespace

Result<int> RunDemo(Context& ctx) {
  demo::WorldOptions options;
  std::string end;
  int port = 8080;
  bool quiet = false;
  bool no_serve = false;
  // The demo fills its own file unless told otherwise, never the default retain.db.
  if (std::getenv("RETAIN_DB") == nullptr) ctx.config.db = "sqlite:demo.db";
  auto app = NewParser("demo",
                       "Generate a deterministic demo world: a sandwich chain's walk-in customers "
                       "and a cable and phone company's subscribers over three years.",
                       ctx);
  app->get_option("--db")->description("Database to fill (default sqlite:demo.db, or $RETAIN_DB)");
  app->add_option("--customers", options.customers, "How many customers")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app->add_option("--seed", options.seed, "Random seed; the same seed gives the same world")
      ->capture_default_str();
  app->add_option("--end", end, "The world's last day, exclusive (default 2026-11-01)");
  app->add_option("--port", port, "Port to serve the web app and API on afterwards")->capture_default_str();
  app->add_flag("--no-serve", no_serve, "Generate only; do not serve afterwards");
  app->add_flag("-q,--quiet", quiet, "No progress bar");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;

  RETAIN_ASSIGN_OR_RETURN(auto session, OpenSession(ctx));
  core::RecordStore* store = &session->records();
  RETAIN_ASSIGN_OR_RETURN(auto zone_setting, store->GetSetting("timezone"));
  if (!zone_setting) RETAIN_RETURN_IF_ERROR(store->SetSetting("timezone", demo::kDemoTimeZone));
  RETAIN_ASSIGN_OR_RETURN(auto zone, LoadZone(*store));
  if (!end.empty()) {
    RETAIN_ASSIGN_OR_RETURN(auto t, ParseTimestamp(end, zone));
    options.end = zone.LocalDate(t);
  }

  // The sandwich chain's loyalty programs, in effect from the world's first day; purchases earn
  // as they are generated. A second run adds no version when the documents are unchanged.
  Timestamp world_start = zone.StartOfDay(date::year_month_day(date::sys_days(options.end) - date::days(3 * 365)));
  RETAIN_ASSIGN_OR_RETURN(auto programs, session->loyalty().Programs());
  for (const auto& text : demo::DemoProgramDocuments()) {
    auto doc = nlohmann::json::parse(text);
    auto versions = programs->Versions(doc["id"].get<std::string>());
    if (!versions.empty() && nlohmann::json::parse(versions.back()->meta.document) == doc) continue;
    RETAIN_RETURN_IF_ERROR(InTransaction(*store, [&] {
      return loyalty::DefineProgram(session->loyalty(), *store, session->outbox(), doc, world_start, "demo",
                                    world_start);
    }));
  }
  loyalty::Engine engine(zone);
  engine.set_outbox(&session->outbox());
  options.after_purchase = [&](const core::Purchase& p, core::WriteOutcome outcome) -> Status {
    RETAIN_RETURN_IF_ERROR(engine.OnPurchase(session->loyalty(), *store, p, outcome, "demo"));
    if (p.kind != core::PurchaseKind::kSale || outcome == core::WriteOutcome::kUnchanged) return Ok();
    // A member holding a coupon uses it on the next visit.
    RETAIN_ASSIGN_OR_RETURN(auto coupons, session->loyalty().UsableCoupons(p.customer, p.occurred_at));
    for (const auto& c : coupons) {
      if (c.issued_at >= p.occurred_at) continue;
      RETAIN_RETURN_IF_ERROR(engine.UseCoupon(session->loyalty(), c.code, p.external_id, p.occurred_at).map([](auto&&) {}));
      break;
    }
    // Members who can afford a free sub take one at the till.
    RETAIN_ASSIGN_OR_RETURN(auto account, session->loyalty().GetAccount("sub-points", p.customer));
    if (!account || account->balance < 600) return Ok();
    auto issued = engine.Redeem(session->loyalty(), "sub-points", p.customer, "sub", "demo-" + p.external_id, "demo",
                                p.occurred_at + std::chrono::minutes(1));
    if (!issued && issued.error().code != ErrorCode::kFailedPrecondition) return tl::unexpected(issued.error());
    return Ok();
  };

  options.after_event = [&](const core::Event& e, core::WriteOutcome outcome) {
    return engine.OnEvent(session->loyalty(), e, outcome, "demo");
  };
  // Failed bills open recoveries and paid retries close them, as they would from the billing system.
  RETAIN_ASSIGN_OR_RETURN(auto desk, retention::LoadDesk(session->retention()));
  options.after_payment = [&](const core::Payment& p, core::WriteOutcome outcome) {
    return retention::OnPayment(*store, session->retention(), session->outbox(), p, outcome, desk.config.recovery,
                                zone, "demo");
  };

  ProgressBar bar("generating", !quiet && StderrIsTerminal());
  RETAIN_RETURN_IF_ERROR(demo::GenerateWorld(*store, options, zone, [&](int64_t done, int64_t total) {
    bar.Update(static_cast<uint64_t>(done), static_cast<uint64_t>(total), done);
  }));
  bar.Clear();
  // Points older than a year expire as the world ends, and tiers are reviewed then.
  for (int64_t n = 1; n > 0;) {
    RETAIN_ASSIGN_OR_RETURN(n, InTransaction(*store, [&] {
      return engine.ExpireDue(session->loyalty(), zone.StartOfDay(options.end), 1000);
    }));
  }
  RETAIN_RETURN_IF_ERROR(InTransaction(*store, [&] {
    return engine.ReviewTiers(session->loyalty(), zone.StartOfDay(options.end));
  }).map([](int64_t) {}));
  // The retention desk's upkeep as the world ends: cancellations that came due are made final,
  // recoveries of subscriptions that ended are closed, and recent leavers enter the win-back
  // list (the same draw for the same seed).
  std::mt19937_64 winback_rng(options.seed);
  RETAIN_RETURN_IF_ERROR(SeedCancelRequests(*store, session->retention(), session->outbox(), zone,
                                            zone.StartOfDay(options.end), options.seed));
  auto desk_upkeep = [&]() -> Status {
    Timestamp world_end = zone.StartOfDay(options.end);
    auto due = retention::ApplyDueChanges(*store, session->retention(), session->outbox(), world_end);
    if (!due) return tl::unexpected(due.error());
    auto advanced = retention::AdvanceRecoveries(*store, session->retention(), session->outbox(), desk.config.recovery,
                                                 zone, world_end);
    if (!advanced) return tl::unexpected(advanced.error());
    RETAIN_ASSIGN_OR_RETURN(auto prices, session->retention().PlanPrices());
    return retention::EnterWinback(session->retention(), session->outbox(), desk.config.winback, prices, world_end,
                                   winback_rng).map([](auto&&) {});
  };
  RETAIN_RETURN_IF_ERROR(InTransaction(*store, desk_upkeep));
  RETAIN_ASSIGN_OR_RETURN(auto counts, store->Counts());
  std::cout << fmt::format(
      "Demo world in {} (seed {}, three years to {}, times in {}):\n"
      "  {} customers, {} products and plans, {} subscriptions, {} payments,\n"
      "  {} purchases with {} lines, {} events (complaints, surveys)\n",
      ctx.config.db, options.seed, FormatDate(options.end), zone.name(), counts.customers,
      counts.products, counts.subscriptions, counts.payments, counts.purchases,
      counts.purchase_lines, counts.events);
  // A sign-in for the demo: the admin account, with a fresh password each run.
  RETAIN_ASSIGN_OR_RETURN(auto staff_store, ctx.services->open_staff(ctx.config.db));
  RETAIN_ASSIGN_OR_RETURN(auto password, RandomHex(6));
  RETAIN_ASSIGN_OR_RETURN(auto hash, HashPassword(password));
  RETAIN_ASSIGN_OR_RETURN(auto admin, staff_store->FindUser("admin"));
  if (admin) {
    admin->password_hash = hash;
    admin->active = true;
    RETAIN_RETURN_IF_ERROR(staff_store->UpdateUser(*admin));
  } else {
    staff::User u;
    u.username = "admin";
    u.display_name = "Demo admin";
    u.password_hash = hash;
    u.role = staff::Role::kAdmin;
    RETAIN_RETURN_IF_ERROR(staff_store->CreateUser(u));
  }
  staff_store.reset();
  session.reset();
  std::cout << fmt::format("\nSign in as admin with password {}\n", password);
  if (no_serve) {
    std::cout << fmt::format("Serve it with: retain serve --db {} --port {}\n", ctx.config.db, port);
    return 0;
  }
  ServeOptions serve;
  serve.db = ctx.config.db;
  serve.port = port;
  return ctx.services->serve(serve);
}

}  // namespace retain::cli
