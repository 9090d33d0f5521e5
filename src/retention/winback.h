// Win-back: subscribers who cancelled and have not come back enter the win-back list `after_days`
// after cancelling, and are offered the desk's win-back offer (`winback.offered` in the outbox,
// for outreach to deliver in their language), except a random held-out share that gets nothing,
// so the lift is measured. A subscription that starts (or a cancelled one that becomes active
// again) within the entry's window is a reactivation, tracked back to the offer. Runs inside the
// caller's write transaction, like requests.h.
#ifndef RETAIN_RETENTION_WINBACK_H_
#define RETAIN_RETENTION_WINBACK_H_

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"
#include "core/store.h"
#include "core/webhook_store.h"
#include "retention/desk.h"
#include "retention/retention_store.h"

namespace retain::retention {

struct WinbackUpkeep {
  int64_t entered = 0;
  int64_t held_out = 0;
  int64_t expired = 0;
};

// Puts every subscription cancelled between `within_days` and `after_days` ago, whose customer has
// nothing active, on the list (once per subscription), draws the held-out group, and emits the
// offers; expires entries whose window ended. Nothing when the policy is disabled.
Result<WinbackUpkeep> EnterWinback(RetentionStore& store, core::WebhookStore& outbox, const WinbackPolicy& policy,
                                   const Prices& prices, Timestamp now, std::mt19937_64& rng);

// Runs after a subscription is stored: an active subscription of a customer with an open entry,
// started after the entry (or the cancelled one itself active again), reactivates it
// (`winback.reactivated`). Nothing for other writes. Errors: the store's.
Status OnSubscription(RetentionStore& store, core::WebhookStore& outbox, const core::Subscription& subscription,
                      core::WriteOutcome outcome, Timestamp now);

nlohmann::json WinbackJson(const WinbackEntry& e);

// Reactivation rates of those offered and those held out (Wilson intervals), the incremental
// rate with Newcombe's interval, revenue reactivated (monthly x 12), by cancel cause and by month
// entered. Rows are the entries that entered in the window.
nlohmann::json WinbackReport(const std::vector<WinbackEntry>& rows, Timestamp now, const BusinessZone& zone);

}  // namespace retain::retention

#endif  // RETAIN_RETENTION_WINBACK_H_
