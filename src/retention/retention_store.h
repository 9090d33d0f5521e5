// Where the retention desk keeps its state: the desk's document in versions, cancel requests and
// their outcomes, supervisors' approvals, what each offer was offered to whom, and the tallies the
// acceptance model learns from. storage/ implements it on the record store's connection, so a
// request's outcome, the subscription it changes and the audit entry commit together. One store
// per connection; not thread-safe.
#ifndef RETAIN_RETENTION_RETENTION_STORE_H_
#define RETAIN_RETENTION_RETENTION_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "retention/desk.h"

namespace retain::retention {

struct StoredDesk {
  int version = 0;
  std::string document;  // JSON
  std::string created_by;
  Timestamp created_at;
};

enum class RequestStatus { kOpen, kPendingApproval, kSaved, kWithdrawn, kCancelled };
// "open", "pending_approval", "saved", "withdrawn", "cancelled".
std::string_view RequestStatusName(RequestStatus status);
std::optional<RequestStatus> ParseRequestStatus(std::string_view name);

struct CancelRequest {
  int64_t id = 0;
  std::string customer;      // external ids
  std::string subscription;
  std::string channel;
  Reason reason = Reason::kOther;
  std::string note;          // the customer's words
  std::string opened_by;     // actor
  RequestStatus status = RequestStatus::kOpen;
  bool control = false;      // drawn to get no offer
  int desk_version = 0;      // the document the offers came from (0: the default)
  std::string value_band;
  std::string risk_band;
  int64_t monthly_minor = 0;  // the subscription's monthly price then
  std::string currency;
  int64_t value_minor = 0;    // what the customer was worth then
  std::string offers_json = "[]";  // the ranked offers as shown when it opened
  // Set when decided.
  std::string offer;          // the accepted offer's id
  int64_t cost_minor = 0;
  std::string presented_json = "[]";  // ids of the offers put to the customer
  std::string decided_by;
  Timestamp created_at;
  std::optional<Timestamp> decided_at;
  std::optional<Timestamp> cancel_effective_at;
};

struct RequestQuery {
  std::optional<RequestStatus> status;
  std::string customer;      // empty: any
  int64_t before_id = 0;     // 0: from the newest
  int limit = 50;
};

enum class ApprovalStatus { kPending, kApproved, kDeclined };
std::string_view ApprovalStatusName(ApprovalStatus status);
std::optional<ApprovalStatus> ParseApprovalStatus(std::string_view name);

// An agent's ask for an offer beyond their authority.
struct Approval {
  int64_t id = 0;
  int64_t request_id = 0;
  std::string offer;
  std::string terms_json;    // Terms and the limits exceeded
  std::string requested_by;
  std::string requester_role;
  std::string note;
  ApprovalStatus status = ApprovalStatus::kPending;
  std::string decided_by;
  std::string decision_note;
  Timestamp requested_at;
  std::optional<Timestamp> decided_at;
  // What the supervisor's queue shows of the request, filled by ListApprovals.
  std::string customer;
  std::string subscription;
  std::string reason;
  int64_t value_minor = 0;
  std::string value_band;
};

// Plans' and add-ons' monthly prices by external id.
struct Prices {
  std::map<std::string, int64_t> plans;
  std::map<std::string, int64_t> addons;
  std::map<std::string, bool> yearly;  // plans billed once a year
};

// A customer's stored analytics.
struct Score {
  int64_t clv_minor = 0;
  std::optional<double> risk;
};

// A failed subscription payment being recovered (recovery.h).
enum class RecoveryStatus { kRetrying, kGrace, kSuspended, kRecovered, kLost };
// "retrying", "grace", "suspended", "recovered", "lost".
std::string_view RecoveryStatusName(RecoveryStatus status);
std::optional<RecoveryStatus> ParseRecoveryStatus(std::string_view name);
inline bool IsOpen(RecoveryStatus s) {
  return s == RecoveryStatus::kRetrying || s == RecoveryStatus::kGrace || s == RecoveryStatus::kSuspended;
}

struct Recovery {
  int64_t id = 0;
  std::string customer;             // external ids
  std::string subscription;
  std::string failed_payment;       // the payment whose failure opened it
  std::string last_failed_payment;  // the newest failed attempt
  int64_t amount_minor = 0;
  std::string currency;
  std::string failure_reason;
  RecoveryStatus status = RecoveryStatus::kRetrying;
  int retries_done = 0;    // scheduled retries requested (or skipped) so far
  int manual_retries = 0;
  int failed_attempts = 1; // failed payments reported, the first included
  Timestamp opened_at;     // when the payment failed
  std::optional<Timestamp> next_action_at;  // the next retry or the end of grace; none when closed or suspended
  std::optional<Timestamp> closed_at;
  std::string closed_by;   // "payment", "final_action" (lost to the final action), "subscription_ended"
  std::string stage;       // where it was when closed: "before_retry", "retry_2", "grace", "suspended"
  std::string recovered_payment;
  int64_t recovered_minor = 0;
};

struct RecoveryQuery {
  std::optional<RecoveryStatus> status;
  bool open_only = false;
  std::string customer;
  int64_t before_id = 0;
  int limit = 50;
};

// A customer's payment method as the billing system last described it.
struct PaymentMethod {
  std::string customer;
  std::string method;      // the billing system's id for it
  std::string label;       // "Visa ending 4242"
  std::string expires;     // "2027-03": the last month it works
  Timestamp expires_at;    // the first instant it no longer works (the next month's start, business zone)
  std::string reminded_for;  // the `expires` last reminded of
  Timestamp updated_at;
};

// A cancelled subscriber on the win-back list (winback.h).
enum class WinbackStatus { kOpen, kReactivated, kExpired };
std::string_view WinbackStatusName(WinbackStatus status);
std::optional<WinbackStatus> ParseWinbackStatus(std::string_view name);

struct WinbackEntry {
  int64_t id = 0;
  std::string customer;
  std::string subscription;      // the cancelled one
  std::string offer;             // the win-back offer's id ("" for the held-out group)
  bool control = false;          // held out: no offer sent
  WinbackStatus status = WinbackStatus::kOpen;
  std::string cancel_cause;      // voluntary, involuntary or none
  std::string locale;
  Timestamp entered_at;
  Timestamp expires_at;          // reactivations after this do not count for the offer
  std::optional<Timestamp> reactivated_at;
  std::string reactivated_subscription;
  int64_t monthly_minor = 0;     // the cancelled subscription's monthly price
  std::string currency;
};

// A cancelled subscription that may enter the win-back list.
struct WinbackCandidate {
  std::string customer;
  std::string subscription;
  std::string plan;
  std::vector<std::string> addons;
  std::string cancel_cause;
  std::string locale;
  std::string currency;  // the plan's
  Timestamp cancelled_at;
};

class RetentionStore {
 public:
  virtual ~RetentionStore() = default;

  // The newest version of the desk's document; nullopt before the first is stored.
  virtual Result<std::optional<StoredDesk>> Desk() = 0;
  // Stores a new version and returns its number.
  virtual Result<int> PutDesk(std::string_view document, std::string_view actor, Timestamp at) = 0;

  // Returns the new request's id.
  virtual Result<int64_t> CreateRequest(const CancelRequest& request) = 0;
  virtual Result<std::optional<CancelRequest>> GetRequest(int64_t id) = 0;
  // Newest first.
  virtual Result<std::vector<CancelRequest>> ListRequests(const RequestQuery& query) = 0;
  // The open request (open or awaiting approval) for `subscription`, if any.
  virtual Result<std::optional<CancelRequest>> OpenRequestFor(std::string_view subscription) = 0;
  // Writes the request's status and outcome fields, but only while its status is one of `from`;
  // false when it is not (another agent decided it first), and then nothing is written.
  virtual Result<bool> UpdateRequest(const CancelRequest& request, std::span<const RequestStatus> from) = 0;

  // Each offer's outcomes for a reason and value band.
  virtual Result<std::map<std::string, Tally>> Tallies(Reason reason, std::string_view value_band) = 0;
  virtual Status AddTally(std::string_view offer, Reason reason, std::string_view value_band, int64_t accepted,
                          int64_t declined) = 0;
  // When each offer was last put to `customer`.
  virtual Result<std::map<std::string, Timestamp>> LastOffered(std::string_view customer) = 0;
  virtual Status RecordOffered(std::string_view customer, std::string_view offer, int64_t request_id, Timestamp at) = 0;

  // Returns the new approval's id.
  virtual Result<int64_t> CreateApproval(const Approval& approval) = 0;
  virtual Result<std::optional<Approval>> GetApproval(int64_t id) = 0;
  // Oldest first, with the request's customer, subscription, reason and value; every status when
  // `status` is empty.
  virtual Result<std::vector<Approval>> ListApprovals(std::optional<ApprovalStatus> status, int limit) = 0;
  // The request's approvals, oldest first.
  virtual Result<std::vector<Approval>> ApprovalsFor(int64_t request_id) = 0;
  // Writes the decision, but only while the approval is pending; false when it was decided.
  virtual Result<bool> DecideApproval(const Approval& approval) = 0;

  // The requests opened in [from, to) with their subscriptions' cancellations, for the report.
  virtual Result<std::vector<ReportRow>> ReportRows(Timestamp from, Timestamp to) = 0;
  virtual Result<Prices> PlanPrices() = 0;
  // Subscriptions with a change due by `now`: a requested cancellation whose date has come, or a
  // pause whose resume date has.
  virtual Result<std::vector<std::string>> DueSubscriptions(Timestamp now) = 0;
  // The newest analytics scores of `customer`; nullopt when not scored.
  virtual Result<std::optional<Score>> CustomerScore(std::string_view customer) = 0;

  // Failed-payment recovery. CreateRecovery returns the new id; UpdateRecovery writes every
  // field but the ids, only while the stored status is `from` (false, nothing written, otherwise).
  virtual Result<int64_t> CreateRecovery(const Recovery& recovery) = 0;
  virtual Result<std::optional<Recovery>> GetRecovery(int64_t id) = 0;
  virtual Result<bool> UpdateRecovery(const Recovery& recovery, RecoveryStatus from) = 0;
  // The open recovery (retrying, grace or suspended) of `subscription`, if any.
  virtual Result<std::optional<Recovery>> OpenRecoveryFor(std::string_view subscription) = 0;
  // Newest first.
  virtual Result<std::vector<Recovery>> ListRecoveries(const RecoveryQuery& query) = 0;
  // Open recoveries whose next action is due by `now`, oldest first (at most 10,000).
  virtual Result<std::vector<Recovery>> DueRecoveries(Timestamp now) = 0;
  // The recoveries opened in [from, to), for the report.
  virtual Result<std::vector<Recovery>> RecoveriesOpened(Timestamp from, Timestamp to) = 0;

  // Inserts or replaces the customer's method (by customer and method). NotFound for the customer.
  virtual Status PutPaymentMethod(const PaymentMethod& method) = 0;
  // Methods that stop working by `by` and were not reminded of for their current expiry.
  virtual Result<std::vector<PaymentMethod>> ExpiringMethods(Timestamp by) = 0;
  virtual Status MarkMethodReminded(std::string_view customer, std::string_view method, std::string_view expires) = 0;
  virtual Result<std::vector<PaymentMethod>> PaymentMethods(std::string_view customer) = 0;

  // Win-back. Candidates: subscriptions cancelled in [from, to) whose customer has no subscription
  // that is not cancelled and which are not on the list yet, oldest first (at most 10,000).
  virtual Result<std::vector<WinbackCandidate>> WinbackCandidates(Timestamp from, Timestamp to) = 0;
  virtual Result<int64_t> CreateWinback(const WinbackEntry& entry) = 0;
  // The customer's open entries.
  virtual Result<std::vector<WinbackEntry>> OpenWinbacks(std::string_view customer) = 0;
  // Writes status and reactivation fields while the entry is open; false when it was not.
  virtual Result<bool> CloseWinback(const WinbackEntry& entry) = 0;
  // Open entries whose window ended by `now` become expired; returns how many.
  virtual Result<int64_t> ExpireWinbacks(Timestamp now) = 0;
  // Newest first; `status` empty for every status.
  virtual Result<std::vector<WinbackEntry>> ListWinbacks(std::optional<WinbackStatus> status, std::string_view customer,
                                                         int64_t before_id, int limit) = 0;
  // Entries that entered in [from, to), for the report.
  virtual Result<std::vector<WinbackEntry>> WinbacksEntered(Timestamp from, Timestamp to) = 0;
};

}  // namespace retain::retention

#endif  // RETAIN_RETENTION_RETENTION_STORE_H_
