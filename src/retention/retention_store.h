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
  // Oldest first; every status when `status` is empty.
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
};

}  // namespace retain::retention

#endif  // RETAIN_RETENTION_RETENTION_STORE_H_
