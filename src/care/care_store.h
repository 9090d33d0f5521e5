// Where complaint cases are kept: the care document (calendar and SLA policies) in versions, the
// cases with their SLA clocks, and each case's history. storage/ implements it on the record
// store's connection, so a case's change, its audit entry and its outbox event commit together.
// One store per connection; not thread-safe.
#ifndef RETAIN_CARE_CARE_STORE_H_
#define RETAIN_CARE_CARE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "care/sla.h"
#include "common/status.h"
#include "common/time.h"

namespace retain::care {

enum class CaseStatus { kNew, kOpen, kWaiting, kResolved, kClosed };
// "new", "open", "waiting", "resolved", "closed".
std::string_view CaseStatusName(CaseStatus status);
std::optional<CaseStatus> ParseCaseStatus(std::string_view name);

// A complaint and where it stands.
struct CaseRecord {
  int64_t id = 0;
  std::string customer;      // external ids
  std::string channel;       // phone, email, letter, web, social
  std::string category;      // billing, technical, product_quality, staff, delivery, other
  std::string severity;      // low, medium, high
  std::string text;
  std::string purchase;      // linked records, may be empty
  std::string subscription;
  std::string assignee;      // a username, may be empty
  CaseStatus status = CaseStatus::kNew;
  int priority = 0;          // raised by escalation
  std::string policy;        // the SLA policy's id ("" when none matched)
  int64_t first_response_minutes = 0;  // the policy's targets when the case opened
  int64_t resolution_minutes = 0;
  std::string value_band;    // the customer's, when the case opened
  Timestamp opened_at;
  std::optional<Timestamp> first_response_at;
  std::optional<Timestamp> resolved_at;
  std::optional<Timestamp> closed_at;
  int reopened = 0;
  std::vector<Pause> pauses; // waiting on the customer
  int escalation = 0;        // the highest Escalation reached on the resolution clock
  int64_t version = 0;       // bumped by every update (optimistic concurrency)
};

// One line of a case's history.
struct CaseEvent {
  int64_t case_id = 0;
  Timestamp at;
  std::string actor;
  std::string kind;          // "opened", "status", "reply", "assigned", "escalated", "note"
  std::string detail;        // JSON
};

struct CaseQuery {
  std::optional<CaseStatus> status;
  bool open_only = false;    // new, open or waiting
  std::string customer;
  std::string assignee;
  int64_t before_id = 0;
  int limit = 50;
};

// What a case gave the customer to put things right, and whether a supervisor had to approve it.
enum class CompensationKind { kCoupon, kRefund, kCredit, kFreeMonths, kApology };
std::string_view CompensationKindName(CompensationKind kind);  // coupon, refund, credit, free_months, apology
std::optional<CompensationKind> ParseCompensationKind(std::string_view name);

struct Compensation {
  int64_t id = 0;
  int64_t case_id = 0;
  std::string customer;
  CompensationKind kind = CompensationKind::kApology;
  int64_t value_minor = 0;    // what it costs the business
  std::string currency;
  std::string product;        // a coupon's free replacement product, if any
  int months = 0;             // free months
  std::string subscription;   // a credit's or free months' subscription
  std::string note;
  std::string status;         // "granted", "pending_approval", "declined"
  std::string requested_by;
  std::string requester_role;
  std::string decided_by;
  std::string code;           // a coupon's code
  Timestamp created_at;
  std::optional<Timestamp> decided_at;
  std::optional<Timestamp> redeemed_at;  // a coupon used at the till
  std::string redeemed_ref;              // the purchase it was used on
};

// When a subscription ran, for recovery outcomes.
struct SubscriptionSpan {
  std::string id;
  std::string customer;
  std::string plan;
  Timestamp started_at;
  std::optional<Timestamp> ended_at;  // cancelled
};

class CareStore {
 public:
  virtual ~CareStore() = default;

  // The newest care document (JSON) and its version; nullopt before one is stored.
  virtual Result<std::optional<std::pair<int, std::string>>> CareDocument() = 0;
  virtual Result<int> PutCareDocument(std::string_view document, std::string_view actor, Timestamp at) = 0;

  // Returns the new id. NotFound naming "customer" for an unknown customer.
  virtual Result<int64_t> CreateCase(const CaseRecord& c) = 0;
  virtual Result<std::optional<CaseRecord>> GetCase(int64_t id) = 0;
  // Writes every changed field while the stored version is `c.version`, and bumps it; false (and
  // nothing written) when someone changed the case first.
  virtual Result<bool> UpdateCase(const CaseRecord& c) = 0;
  // Newest first.
  virtual Result<std::vector<CaseRecord>> ListCases(const CaseQuery& q) = 0;
  virtual Status AddCaseEvent(const CaseEvent& e) = 0;
  // Oldest first.
  virtual Result<std::vector<CaseEvent>> CaseEvents(int64_t case_id) = 0;

  // Returns the new id.
  virtual Result<int64_t> CreateCompensation(const Compensation& c) = 0;
  virtual Result<std::optional<Compensation>> GetCompensation(int64_t id) = 0;
  // Writes status, decision and code while the stored status is pending_approval; false when not.
  virtual Result<bool> DecideCompensation(const Compensation& c) = 0;
  // The cases opened in [from, to), oldest first, and the compensations of those cases.
  virtual Result<std::vector<CaseRecord>> CasesOpened(Timestamp from, Timestamp to) = 0;
  virtual Result<std::vector<Compensation>> CompensationsOfCasesOpened(Timestamp from, Timestamp to) = 0;
  // A case's compensations (oldest first), or, with case_id 0, those with `status` (oldest first).
  virtual Result<std::vector<Compensation>> Compensations(int64_t case_id, std::string_view status) = 0;
  // The compensation with this coupon code, if any.
  virtual Result<std::optional<Compensation>> CompensationByCode(std::string_view code) = 0;
  // Marks a granted coupon used while it is unused; false (nothing written) when not.
  virtual Result<bool> RedeemCoupon(std::string_view code, std::string_view ref, Timestamp at) = 0;
  // Every subscription's span, by customer.
  virtual Result<std::vector<SubscriptionSpan>> SubscriptionSpans() = 0;
};

}  // namespace retain::care

#endif  // RETAIN_CARE_CARE_STORE_H_
