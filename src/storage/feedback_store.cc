#include "storage/feedback_store.h"

#include <cstdint>

#include <fmt/format.h>

#include "storage/query.h"

namespace retain::storage {
namespace {

using feedback::Invitation;
using feedback::StoredResponse;
using feedback::StoredSurvey;

constexpr std::string_view kSurveySelect =
    "SELECT s.survey_key, s.version, s.document, s.updated_by, s.updated_at FROM surveys s";

StoredSurvey DecodeSurvey(Statement* s) {
  return StoredSurvey{std::string(s->Text(0)), static_cast<int>(s->Int(1)), std::string(s->Text(2)),
                      std::string(s->Text(3)), FromUnixSeconds(s->Int(4))};
}

constexpr std::string_view kInvitationSelect =
    "SELECT i.id, i.token_hash, i.survey_key, i.survey_version, c.external_id, i.locale, i.channel, i.source,"
    " i.case_id, i.agent, i.created_at, i.expires_at, i.reminders, i.answered_at"
    " FROM survey_invitations i JOIN customers c ON c.id = i.customer_id";

Invitation DecodeInvitation(Statement* s) {
  Invitation i;
  i.id = s->Int(0);
  i.token_hash = std::string(s->Text(1));
  i.survey = std::string(s->Text(2));
  i.survey_version = static_cast<int>(s->Int(3));
  i.customer = std::string(s->Text(4));
  i.locale = std::string(s->Text(5));
  i.channel = std::string(s->Text(6));
  i.source = std::string(s->Text(7));
  i.case_id = s->Int(8);
  i.agent = std::string(s->Text(9));
  i.created_at = FromUnixSeconds(s->Int(10));
  i.expires_at = FromUnixSeconds(s->Int(11));
  i.reminders = static_cast<int>(s->Int(12));
  i.answered_at = OptionalTime(s, 13);
  return i;
}

constexpr std::string_view kResponseSelect =
    "SELECT r.id, r.invitation_id, r.survey_key, c.external_id, r.kind, r.score, r.band, r.agent, r.case_id, r.locale,"
    " r.answers, r.follow_up_case, r.answered_at FROM survey_responses r JOIN customers c ON c.id = r.customer_id";

StoredResponse DecodeResponse(Statement* s) {
  StoredResponse r;
  r.id = s->Int(0);
  r.invitation_id = s->Int(1);
  r.survey = std::string(s->Text(2));
  r.customer = std::string(s->Text(3));
  r.kind = std::string(s->Text(4));
  if (!s->IsNull(5)) r.score = static_cast<int>(s->Int(5));
  r.band = std::string(s->Text(6));
  r.agent = std::string(s->Text(7));
  r.case_id = s->Int(8);
  r.locale = std::string(s->Text(9));
  r.answers = std::string(s->Text(10));
  r.follow_up_case = s->Int(11);
  r.answered_at = FromUnixSeconds(s->Int(12));
  return r;
}

class SqlFeedbackStore : public feedback::FeedbackStore {
 public:
  explicit SqlFeedbackStore(Connection& db) : db_(db) {}

  Result<std::optional<StoredSurvey>> GetSurvey(std::string_view key) override {
    return FirstRow<StoredSurvey>(db_, std::string(kSurveySelect) + " WHERE s.survey_key = ? ORDER BY s.version DESC LIMIT 1",
                                  DecodeSurvey, key);
  }

  Result<std::vector<StoredSurvey>> ListSurveys() override {
    return Rows<StoredSurvey>(db_,
        std::string(kSurveySelect) +
            " WHERE s.version = (SELECT MAX(v.version) FROM surveys v WHERE v.survey_key = s.survey_key)"
            " ORDER BY s.survey_key",
        DecodeSurvey);
  }

  Result<int> PutSurvey(std::string_view key, std::string_view document, std::string_view actor, Timestamp at) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t newest, ScalarInt(db_, "SELECT MAX(version) FROM surveys WHERE survey_key = ?", key));
    int version = static_cast<int>(newest) + 1;
    RETAIN_RETURN_IF_ERROR(Execute(db_,
        "INSERT INTO surveys (survey_key, version, document, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)", key,
        int64_t{version}, document, actor, ToUnixSeconds(at)));
    return version;
  }

  Result<std::optional<Timestamp>> LastInvited(std::string_view customer) override {
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<int64_t>(db_,
        "SELECT i.created_at FROM survey_invitations i JOIN customers c ON c.id = i.customer_id"
        " WHERE c.external_id = ? ORDER BY i.created_at DESC LIMIT 1",
        [](Statement* s) { return s->Int(0); }, customer));
    if (!row) return std::optional<Timestamp>();
    return std::optional<Timestamp>(FromUnixSeconds(*row));
  }

  Result<int64_t> CreateInvitation(const Invitation& i) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t customer, ScalarInt(db_, "SELECT id FROM customers WHERE external_id = ?", i.customer));
    if (customer == 0) return NotFound(fmt::format("no customer '{}'", i.customer), "customer");
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO survey_invitations (token_hash, survey_key, survey_version, customer_id, locale, channel, source,"
        " case_id, agent, created_at, expires_at, reminders, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") +
        std::string(db_.ReturningId())));
    Bind(s, i.token_hash, i.survey, int64_t{i.survey_version}, customer, i.locale, i.channel, i.source, i.case_id, i.agent,
         ToUnixSeconds(i.created_at), ToUnixSeconds(i.expires_at), int64_t{i.reminders}, Seconds(i.answered_at));
    return db_.ExecuteInsert(s);
  }

  Result<std::optional<Invitation>> InvitationByToken(std::string_view token_hash) override {
    return FirstRow<Invitation>(db_, std::string(kInvitationSelect) + " WHERE i.token_hash = ?", DecodeInvitation, token_hash);
  }

  Result<std::vector<Invitation>> Invitations(const feedback::InvitationQuery& q) override {
    int64_t now = ToUnixSeconds(q.now);
    return Rows<Invitation>(db_,
        std::string(kInvitationSelect) +
            " WHERE (? = '' OR i.survey_key = ?) AND (? = '' OR c.external_id = ?) AND (? = 0 OR i.id < ?)"
            " AND (? = '' OR (? = 'answered' AND i.answered_at IS NOT NULL)"
            " OR (? = 'waiting' AND i.answered_at IS NULL AND i.expires_at > ?)"
            " OR (? = 'expired' AND i.answered_at IS NULL AND i.expires_at <= ?))"
            " ORDER BY i.id DESC LIMIT ?",
        DecodeInvitation, q.survey, q.survey, q.customer, q.customer, q.before_id, q.before_id, q.status, q.status,
        q.status, now, q.status, now, static_cast<int64_t>(q.limit));
  }

  Result<std::vector<Invitation>> Waiting(Timestamp now, int64_t after_id, int limit) override {
    return Rows<Invitation>(db_,
        std::string(kInvitationSelect) +
            " WHERE i.answered_at IS NULL AND i.expires_at > ? AND i.id > ? ORDER BY i.id LIMIT ?",
        DecodeInvitation, ToUnixSeconds(now), after_id, static_cast<int64_t>(limit));
  }

  Status SetReminders(int64_t id, int reminders) override {
    return Execute(db_, "UPDATE survey_invitations SET reminders = ? WHERE id = ?", int64_t{reminders}, id);
  }

  Result<std::pair<int64_t, int64_t>> InvitationCounts(std::string_view survey, Timestamp from, Timestamp to) override {
    using Counts = std::pair<int64_t, int64_t>;
    RETAIN_ASSIGN_OR_RETURN(auto row, FirstRow<Counts>(db_,
        "SELECT COUNT(*), COUNT(answered_at) FROM survey_invitations"
        " WHERE (? = '' OR survey_key = ?) AND created_at >= ? AND created_at < ?",
        [](Statement* s) { return Counts{s->Int(0), s->Int(1)}; }, survey, survey, ToUnixSeconds(from), ToUnixSeconds(to)));
    return row.value_or(Counts{0, 0});
  }

  Result<bool> SaveResponse(StoredResponse& r) override {
    // Conditional on the invitation being unanswered, so a token counts once.
    RETAIN_ASSIGN_OR_RETURN(auto marked, FirstRow<int64_t>(db_,
        "UPDATE survey_invitations SET answered_at = ? WHERE id = ? AND answered_at IS NULL RETURNING customer_id",
        [](Statement* s) { return s->Int(0); }, ToUnixSeconds(r.answered_at), r.invitation_id));
    if (!marked) return false;
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO survey_responses (invitation_id, survey_key, customer_id, kind, score, band, agent, case_id, locale,"
        " answers, follow_up_case, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") +
        std::string(db_.ReturningId())));
    std::optional<int64_t> score;
    if (r.score) score = *r.score;
    Bind(s, r.invitation_id, r.survey, *marked, r.kind, score, r.band, r.agent, r.case_id, r.locale, r.answers,
         r.follow_up_case, ToUnixSeconds(r.answered_at));
    RETAIN_ASSIGN_OR_RETURN(r.id, db_.ExecuteInsert(s));
    return true;
  }

  Status SetFollowUp(int64_t response_id, int64_t case_id) override {
    return Execute(db_, "UPDATE survey_responses SET follow_up_case = ? WHERE id = ?", case_id, response_id);
  }

  Result<std::vector<StoredResponse>> Responses(const feedback::ResponseQuery& q) override {
    int64_t from = q.from ? ToUnixSeconds(*q.from) : INT64_MIN;
    int64_t to = q.to ? ToUnixSeconds(*q.to) : INT64_MAX;
    return Rows<StoredResponse>(db_,
        std::string(kResponseSelect) +
            " WHERE (? = '' OR r.survey_key = ?) AND (? = '' OR c.external_id = ?) AND r.answered_at >= ?"
            " AND r.answered_at < ? ORDER BY r.id LIMIT ?",
        DecodeResponse, q.survey, q.survey, q.customer, q.customer, from, to, static_cast<int64_t>(q.limit));
  }

 private:
  Connection& db_;
};

}  // namespace

std::unique_ptr<feedback::FeedbackStore> MakeSqlFeedbackStore(Connection& db) {
  return std::make_unique<SqlFeedbackStore>(db);
}

}  // namespace retain::storage
