// Where surveys are kept: their definitions in versions, the invitations (one unique token each,
// kept only as its SHA-256), and the responses. storage/ implements it on the record store's
// connection, so an answer, its follow-up case and their outbox events commit together.
// One store per connection; not thread-safe.
#ifndef RETAIN_FEEDBACK_FEEDBACK_STORE_H_
#define RETAIN_FEEDBACK_FEEDBACK_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace retain::feedback {

struct StoredSurvey {
  std::string key;
  int version = 0;
  std::string document;  // JSON, as SurveyDocument writes it
  std::string updated_by;
  Timestamp updated_at;
};

struct Invitation {
  int64_t id = 0;
  std::string token_hash;     // SHA-256 of the token in the link
  std::string survey;         // key
  int survey_version = 0;
  std::string customer;       // external id
  std::string locale;
  std::string channel;        // email, print, link
  std::string source;         // manual, case_closed, conversation
  int64_t case_id = 0;        // the case closed, if any
  std::string agent;          // the agent the answer scores, if any
  Timestamp created_at;
  Timestamp expires_at;
  int reminders = 0;          // reminders sent
  std::optional<Timestamp> answered_at;
};

struct InvitationQuery {
  std::string survey;
  std::string customer;
  std::string status;         // "" (all), "waiting", "answered", "expired" (as of `now`)
  Timestamp now;
  int64_t before_id = 0;
  int limit = 50;
};

struct StoredResponse {
  int64_t id = 0;
  int64_t invitation_id = 0;
  std::string survey;
  std::string customer;
  std::string kind;            // the survey's kind when answered
  std::optional<int> score;    // the headline score
  std::string band;            // promoter / passive / detractor, satisfied / ..., easy / ...
  std::string agent;
  int64_t case_id = 0;         // the closed case the survey followed
  std::string locale;
  std::string answers;         // JSON, as AnswersJson writes it
  int64_t follow_up_case = 0;  // the case the closed loop opened
  Timestamp answered_at;
};

struct ResponseQuery {
  std::string survey;          // "" for all
  std::string customer;        // "" for all
  std::optional<Timestamp> from;
  std::optional<Timestamp> to;
  int limit = 100000;
};

class FeedbackStore {
 public:
  virtual ~FeedbackStore() = default;

  virtual Result<std::optional<StoredSurvey>> GetSurvey(std::string_view key) = 0;
  // The newest version of every survey, by key.
  virtual Result<std::vector<StoredSurvey>> ListSurveys() = 0;
  // Stores a new version; returns its number.
  virtual Result<int> PutSurvey(std::string_view key, std::string_view document, std::string_view actor, Timestamp at) = 0;

  // When the customer was last invited to any survey; nullopt when never.
  virtual Result<std::optional<Timestamp>> LastInvited(std::string_view customer) = 0;
  // Returns the new id. NotFound naming "customer" for an unknown customer.
  virtual Result<int64_t> CreateInvitation(const Invitation& invitation) = 0;
  virtual Result<std::optional<Invitation>> InvitationByToken(std::string_view token_hash) = 0;
  // Newest first.
  virtual Result<std::vector<Invitation>> Invitations(const InvitationQuery& q) = 0;
  // Unanswered invitations not yet expired at `now` numbered above `after_id`, oldest first (at
  // most `limit`: page with the last one's id).
  virtual Result<std::vector<Invitation>> Waiting(Timestamp now, int64_t after_id, int limit) = 0;
  virtual Status SetReminders(int64_t invitation_id, int reminders) = 0;
  // Invitations to `survey` ("" for all) sent in [from, to), and how many of them were answered.
  virtual Result<std::pair<int64_t, int64_t>> InvitationCounts(std::string_view survey, Timestamp from, Timestamp to) = 0;

  // Stores the answer and marks its invitation answered, if it was not; false (nothing written)
  // when it was answered already. Returns the response's id through `r.id`.
  virtual Result<bool> SaveResponse(StoredResponse& r) = 0;
  virtual Status SetFollowUp(int64_t response_id, int64_t case_id) = 0;
  // Oldest first.
  virtual Result<std::vector<StoredResponse>> Responses(const ResponseQuery& q) = 0;
};

}  // namespace retain::feedback

#endif  // RETAIN_FEEDBACK_FEEDBACK_STORE_H_
