// The demo world: a deterministic synthetic data set for trying Retain and for benchmarks.
//
// Two businesses share the database (the demo is one retention department serving both):
//  - a sandwich chain's walk-in customers, buying at rates that differ per customer and stopping
//    at random after any purchase (the BG/NBD story: rate ~ Gamma, dropout ~ Beta), with
//    a punch-card-friendly product list and a few returns;
//  - a cable and phone company's subscribers with plans and add-ons, monthly payments, some of
//    them failing and retried, voluntary cancellations (churn probability ~ Beta, the
//    shifted-beta-geometric story) and involuntary ones after failed retries, pauses,
//    complaints and survey scores (as events).
#ifndef RETAIN_DEMO_WORLD_H_
#define RETAIN_DEMO_WORLD_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "core/records.h"
#include "core/store.h"

namespace retain::demo {

struct WorldOptions {
  int64_t customers = 2000;
  uint64_t seed = 1;
  // The world's last day (exclusive); it spans the three years before. Fixed by default so a
  // seed always gives the same world.
  date::year_month_day end{date::year(2026), date::November, date::day(1)};
  // Run after each purchase is stored, in its transaction (loyalty books what it earns).
  std::function<Status(const core::Purchase&, core::WriteOutcome)> after_purchase;
  // Run after each event is stored, in its transaction (loyalty's bonus points).
  std::function<Status(const core::Event&, core::WriteOutcome)> after_event;
  // Run after each payment is stored, in its transaction (failed-payment recovery).
  std::function<Status(const core::Payment&, core::WriteOutcome)> after_payment;
};

// The loyalty programs the demo's sandwich chain runs: a punch card (nine subs, the tenth free)
// and a points program with rewards, as program documents (JSON).
std::vector<std::string> DemoProgramDocuments();

// Writes the world into `store` (idempotently: a second run with the same options changes
// nothing). Calls `progress(done, total)` with customers generated. Errors are the store's.
Status GenerateWorld(core::RecordStore& store, const WorldOptions& options, const BusinessZone& zone,
                     const std::function<void(int64_t, int64_t)>& progress);

// The time zone the demo business keeps its days in.
inline constexpr const char* kDemoTimeZone = "Europe/Copenhagen";

}  // namespace retain::demo

#endif  // RETAIN_DEMO_WORLD_H_
