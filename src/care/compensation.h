// Compensation on a complaint case: a coupon (a free replacement or money off), money back, a
// credit on the bill, free months of a subscription, or an apology. Each records what it costs;
// beyond the role's compensation limit it waits for a supervisor, and the server refuses it until
// then. Runs inside the caller's write transaction, like cases.h.
#ifndef RETAIN_CARE_COMPENSATION_H_
#define RETAIN_CARE_COMPENSATION_H_

#include <string>

#include <nlohmann/json.hpp>

#include "care/care_store.h"
#include "common/status.h"
#include "common/time.h"
#include "core/store.h"
#include "core/webhook_store.h"
#include "staff/roles.h"

namespace retain::care {

struct CompensationInput {
  std::string kind;           // coupon, refund, credit, free_months, apology
  int64_t amount_minor = 0;   // coupon, refund, credit
  std::string currency;       // default: the subscription's plan's or EUR
  std::string product;        // coupon: a free replacement of this product (its price is the value)
  int months = 0;             // free_months
  std::string subscription;   // credit, free_months
  std::string note;
  bool ask = false;           // beyond one's limit: ask a supervisor instead of being refused
};

struct Approver {
  std::string actor;
  std::string role;
  staff::Authority authority;
};

// Grants a compensation on case `case_id` within the caller's limit, or (with `ask`) puts it to a
// supervisor. What granting does: a credit or free months become a discount on the subscription
// (from now, for one month or the months given); a coupon gets a code; every kind goes to the
// outbox (`compensation.granted`) for the till, the billing system or an apology letter.
// InvalidArgument naming the field; NotFound for the case, product or subscription;
// PermissionDenied when the value is beyond the caller's limit and `ask` is false.
Result<Compensation> Compensate(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox,
                                int64_t case_id, const CompensationInput& input, const Approver& caller,
                                const BusinessZone& zone, Timestamp now);

// A supervisor approves (and it is granted as above) or declines. PermissionDenied when the value
// is beyond the decider's own limit or they asked for it; Conflict when decided already.
Result<Compensation> DecideCompensation(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox,
                                        int64_t id, bool approve, const std::string& note, const Approver& caller,
                                        const BusinessZone& zone, Timestamp now);

// Uses a compensation coupon (a "CMP-" code) at the till or the desk, once: NotFound naming
// "code" for no such coupon; FailedPrecondition when it was used already (saying when and on
// what) or was never granted. Leaves `compensation.coupon_used` in the outbox.
Result<Compensation> UseCompensationCoupon(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox,
                                           const std::string& code, const std::string& ref, const std::string& actor,
                                           Timestamp now);

// Whether a coupon code is a compensation's ("CMP-" and ten hexadecimal digits).
bool IsCompensationCode(std::string_view code);

// The apology letter for a case in the customer's language (en, pt, da; English otherwise):
// {"locale", "subject", "body"}, addressed by name, naming the case and what is put right.
nlohmann::json ApologyLetter(const core::Customer& customer, const CaseRecord& k, const Compensation& c);

nlohmann::json CompensationJson(const Compensation& c);

}  // namespace retain::care

#endif  // RETAIN_CARE_COMPENSATION_H_
