#include "storage/outreach_store.h"

#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "outreach/facts_table.h"
#include "storage/query.h"

namespace retain::storage {
namespace {

using outreach::CustomerFacts;
using outreach::FieldIndex;
using outreach::Value;

class SqlFactsStore : public outreach::FactsStore {
 public:
  explicit SqlFactsStore(Connection& db) : db_(db) {}

  // Six grouped reads, each one pass over its table, joined in memory by the customer's row id.
  Result<std::vector<CustomerFacts>> AllFacts(Timestamp now) override {
    RowsSink rows;
    RETAIN_RETURN_IF_ERROR(Collect(now, std::nullopt, rows));
    return std::move(rows.out);
  }

  // The same reads straight into the columns, so no row of facts per customer is ever held.
  Result<outreach::FactsTable> TableOfFacts(Timestamp now) override {
    TableSink sink{outreach::FactsTable(now)};
    RETAIN_RETURN_IF_ERROR(Collect(now, std::nullopt, sink));
    sink.table.Shrink();
    return std::move(sink.table);
  }

  // The same six reads narrowed to one customer (each through its table's customer index).
  Result<std::optional<CustomerFacts>> FactsOf(std::string_view customer_id, Timestamp now) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t row, ScalarInt(db_, "SELECT id FROM customers WHERE external_id = ?", customer_id));
    if (row == 0) return std::optional<CustomerFacts>();
    RowsSink rows;
    RETAIN_RETURN_IF_ERROR(Collect(now, row, rows));
    if (rows.out.empty()) return std::optional<CustomerFacts>();
    return std::optional<CustomerFacts>(std::move(rows.out.front()));
  }

  Result<std::pair<std::vector<std::string>, int64_t>> LedgerChangesAfter(int64_t after, int limit) override {
    using Row = std::pair<int64_t, std::string>;
    RETAIN_ASSIGN_OR_RETURN(auto rows, Rows<Row>(db_,
        "SELECT l.id, c.external_id FROM loyalty_ledger l JOIN customers c ON c.id = l.customer_id WHERE l.id > ?"
        " ORDER BY l.id LIMIT ?",
        [](Statement* s) { return Row{s->Int(0), std::string(s->Text(1))}; }, after, int64_t{limit}));
    std::pair<std::vector<std::string>, int64_t> out{{}, after};
    for (auto& [id, customer] : rows) {
      out.first.push_back(std::move(customer));
      out.second = id;
    }
    return out;
  }

  Result<int64_t> LatestLedgerId() override { return ScalarInt(db_, "SELECT MAX(id) FROM loyalty_ledger"); }

 private:
  // Where Collect puts the facts: a row per customer, or the columns of a table.
  struct RowsSink {
    std::vector<CustomerFacts> out;
    size_t Add(std::string id) {
      out.push_back({std::move(id), {}});
      return out.size() - 1;
    }
    void Set(size_t row, size_t field, Value v) { out[row].facts.values[field] = std::move(v); }
  };
  struct TableSink {
    outreach::FactsTable table;
    size_t Add(std::string id) { return table.AddRow(std::move(id)); }
    void Set(size_t row, size_t field, const Value& v) { table.SetFact(row, field, v); }
  };

  // Every customer's facts, or only those of the customer with row id `only`, into `sink`. Each
  // query's text has a {} where the one-customer filter goes.
  template <typename Sink>
  Status Collect(Timestamp now, std::optional<int64_t> only, Sink& sink) {
    const int64_t t = ToUnixSeconds(now);
    std::unordered_map<int64_t, size_t> at;
    auto set = [&](int64_t customer, const char* field, Value v) {
      auto it = at.find(customer);
      if (it != at.end()) sink.Set(it->second, *FieldIndex(field), std::move(v));
    };
    // Runs `sql` with its filter placeholder filled by `column = ?` for one customer.
    auto each = [&](std::string_view sql, std::string_view column, auto on_row, const auto&... args) -> Status {
      if (!only) return Each(fmt::format(fmt::runtime(sql), ""), on_row, args...);
      return Each(fmt::format(fmt::runtime(sql), fmt::format(" AND {} = ?", column)), on_row, args..., *only);
    };
    RETAIN_RETURN_IF_ERROR(each(
        "SELECT id, external_id, name, email, locale, country, city, consent_email, consent_post, consent_sms,"
        " first_contact_at FROM customers WHERE 1 = 1{} ORDER BY external_id", "id", [&](Statement* s) {
      std::string id(s->Text(1));
      size_t row = sink.Add(id);
      auto v = [&](const char* field, Value value) { sink.Set(row, *FieldIndex(field), std::move(value)); };
      v("id", std::move(id));
      v("name", std::string(s->Text(2)));
      v("email", std::string(s->Text(3)));
      v("locale", std::string(s->Text(4)));
      if (!s->Text(5).empty()) v("country", std::string(s->Text(5)));
      if (!s->Text(6).empty()) v("city", std::string(s->Text(6)));
      v("email_consent", s->Int(7) != 0);
      v("post_consent", s->Int(8) != 0);
      v("sms_consent", s->Int(9) != 0);
      if (!s->IsNull(10)) v("tenure_days", static_cast<double>((t - s->Int(10)) / 86400));
      // Counted facts are zero, not missing, for a customer with nothing to count.
      v("purchases_90", 0.0);
      v("complaints_365", 0.0);
      v("points", 0.0);
      v("active_subscriber", false);
      at[s->Int(0)] = row;
    }));
    RETAIN_RETURN_IF_ERROR(each("SELECT customer_id, clv_minor, risk_ppm, segment FROM customer_scores WHERE 1 = 1{}", "customer_id",
                                [&](Statement* r) {
      set(r->Int(0), "clv", static_cast<double>(r->Int(1)) / 100.0);
      set(r->Int(0), "churn_risk", static_cast<double>(r->Int(2)) / 1e6);
      if (!r->Text(3).empty()) set(r->Int(0), "rfm_segment", std::string(r->Text(3)));
    }));
    // Loyalty: points across programs; the tier of the program the member stands highest in is
    // not comparable across programs, so the first program's (by id) with a tier counts.
    std::unordered_map<int64_t, double> points;
    std::unordered_map<int64_t, std::string> tier;
    RETAIN_RETURN_IF_ERROR(each(
        "SELECT customer_id, balance, CASE WHEN manual_tier <> '' THEN manual_tier ELSE tier END FROM loyalty_accounts"
        " WHERE 1 = 1{} ORDER BY program_id", "customer_id",
        [&](Statement* r) {
          points[r->Int(0)] += static_cast<double>(r->Int(1));
          if (!r->Text(2).empty() && !tier.contains(r->Int(0))) tier[r->Int(0)] = std::string(r->Text(2));
        }));
    for (const auto& [c, p] : points) set(c, "points", p);
    for (const auto& [c, name] : tier) set(c, "tier", name);
    RETAIN_RETURN_IF_ERROR(each(
        "SELECT s.customer_id, MIN(p.external_id) FROM subscriptions s JOIN products p ON p.id = s.plan_id"
        " WHERE s.status <> 'cancelled'{} GROUP BY s.customer_id", "s.customer_id",
        [&](Statement* r) {
          set(r->Int(0), "plan", std::string(r->Text(1)));
          set(r->Int(0), "active_subscriber", true);
        }));
    RETAIN_RETURN_IF_ERROR(each(
        "SELECT customer_id, MAX(occurred_at), SUM(CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END) FROM purchases"
        " WHERE kind = 'sale' AND occurred_at <= ?{} GROUP BY customer_id", "customer_id",
        [&](Statement* r) {
          set(r->Int(0), "days_since_last_purchase", static_cast<double>((t - r->Int(1)) / 86400));
          set(r->Int(0), "purchases_90", static_cast<double>(r->Int(2)));
        },
        t - 90 * 86400, t));
    RETAIN_RETURN_IF_ERROR(each(
        "SELECT customer_id, COUNT(*) FROM care_cases WHERE opened_at >= ? AND opened_at <= ?{} GROUP BY customer_id",
        "customer_id", [&](Statement* r) { set(r->Int(0), "complaints_365", static_cast<double>(r->Int(1))); }, t - 365 * 86400, t));
    return Ok();
  }

  template <typename F, typename... Args>
  Status Each(std::string_view sql, F on_row, const Args&... args) {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(sql));
    Bind(s, args...);
    while (true) {
      auto row = s->Step();
      if (!row) {
        s->Reset();
        return tl::unexpected(row.error());
      }
      if (!*row) break;
      on_row(s);
    }
    s->Reset();
    return Ok();
  }

  Connection& db_;
};

using outreach::Campaign;
using outreach::Delivery;
using outreach::StoredTemplate;

constexpr std::string_view kCampaignSelect =
    "SELECT id, campaign_key, document, status, send_at, seed, audience_at, audience, created_by, created_at, updated_at"
    " FROM campaigns";

Campaign DecodeCampaign(Statement* s) {
  Campaign c;
  auto doc = nlohmann::json::parse(s->Text(2), nullptr, false);
  // The document was checked when it was saved; read it back field by field.
  c.id = s->Int(0);
  c.key = std::string(s->Text(1));
  if (doc.is_object()) {
    c.name = doc.value("name", c.key);
    c.segment = doc.value("segment", "");
    c.channel = doc.value("channel", "email");
    c.holdout_percent = doc.value("holdout_percent", 10);
    c.outcome_days = doc.value("outcome_days", 30);
    for (const auto& v : doc.value("variants", nlohmann::json::array())) {
      c.variants.push_back({v.value("name", "A"), v.value("template", ""), v.value("share", 100)});
    }
  }
  c.status = std::string(s->Text(3));
  c.send_at = OptionalTime(s, 4);
  c.seed = std::string(s->Text(5));
  c.audience_at = OptionalTime(s, 6);
  c.audience = s->Int(7);
  c.created_by = std::string(s->Text(8));
  c.created_at = FromUnixSeconds(s->Int(9));
  c.updated_at = FromUnixSeconds(s->Int(10));
  return c;
}

constexpr std::string_view kDeliverySelect =
    "SELECT d.id, d.source, c.external_id, d.channel, d.template_key, d.variant, d.purpose, d.status, d.reason, d.due_at,"
    " d.sent_at, d.attempts, d.address, d.subject, d.content, d.occurrence, d.step, d.created_at"
    " FROM deliveries d JOIN customers c ON c.id = d.customer_id";

Delivery DecodeDelivery(Statement* s) {
  Delivery d;
  d.id = s->Int(0);
  d.source = std::string(s->Text(1));
  d.customer_id = std::string(s->Text(2));
  d.channel = std::string(s->Text(3));
  d.template_key = std::string(s->Text(4));
  d.variant = std::string(s->Text(5));
  d.purpose = std::string(s->Text(6));
  d.status = std::string(s->Text(7));
  d.reason = std::string(s->Text(8));
  d.due_at = FromUnixSeconds(s->Int(9));
  d.sent_at = OptionalTime(s, 10);
  d.attempts = static_cast<int>(s->Int(11));
  d.address = std::string(s->Text(12));
  d.subject = std::string(s->Text(13));
  d.content = std::string(s->Text(14));
  d.occurrence = std::string(s->Text(15));
  d.step = static_cast<int>(s->Int(16));
  d.created_at = FromUnixSeconds(s->Int(17));
  return d;
}

constexpr std::string_view kJourneySelect =
    "SELECT journey_key, document, active, seed, since_event, created_by, updated_at FROM journeys";

outreach::Journey DecodeJourney(Statement* s) {
  auto doc = nlohmann::json::parse(s->Text(1), nullptr, false);
  auto parsed = outreach::ParseJourney(s->Text(0), doc);
  outreach::Journey j = parsed ? std::move(*parsed) : outreach::Journey{};
  j.key = std::string(s->Text(0));
  j.active = s->Int(2) != 0;
  j.seed = std::string(s->Text(3));
  j.since_event = s->Int(4);
  j.created_by = std::string(s->Text(5));
  j.updated_at = FromUnixSeconds(s->Int(6));
  return j;
}

constexpr std::string_view kContestSelect =
    "SELECT id, contest_key, document, status, seed, commitment, drawn_at, created_by, created_at, updated_at FROM contests";

outreach::Contest DecodeContest(Statement* s) {
  auto doc = nlohmann::json::parse(s->Text(2), nullptr, false);
  // The document was checked when it was saved, in UTC; read back with the zone it was written in.
  auto parsed = outreach::ParseContest(s->Text(1), doc, BusinessZone());
  outreach::Contest c = parsed ? std::move(*parsed) : outreach::Contest{};
  c.id = s->Int(0);
  c.key = std::string(s->Text(1));
  c.status = std::string(s->Text(3));
  c.seed = std::string(s->Text(4));
  c.commitment = std::string(s->Text(5));
  c.drawn_at = OptionalTime(s, 6);
  c.created_by = std::string(s->Text(7));
  c.created_at = FromUnixSeconds(s->Int(8));
  c.updated_at = FromUnixSeconds(s->Int(9));
  return c;
}

constexpr std::string_view kEntrySelect =
    "SELECT c.external_id, e.entry_code, e.entered_at, e.via, e.winner_rank FROM contest_entries e"
    " JOIN customers c ON c.id = e.customer_id";

outreach::ContestEntry DecodeEntry(Statement* s) {
  outreach::ContestEntry e;
  e.customer_id = std::string(s->Text(0));
  e.entry_code = std::string(s->Text(1));
  e.entered_at = FromUnixSeconds(s->Int(2));
  e.via = std::string(s->Text(3));
  if (!s->IsNull(4)) e.winner_rank = static_cast<int>(s->Int(4));
  return e;
}

constexpr std::string_view kSegmentSelect =
    "SELECT segment_key, name, expression, members, refreshed_at, created_by, updated_at FROM saved_segments";

outreach::SavedSegment DecodeSegment(Statement* s) {
  outreach::SavedSegment g;
  g.key = std::string(s->Text(0));
  g.name = std::string(s->Text(1));
  g.expression = std::string(s->Text(2));
  g.members = s->Int(3);
  g.refreshed_at = OptionalTime(s, 4);
  g.created_by = std::string(s->Text(5));
  g.updated_at = FromUnixSeconds(s->Int(6));
  return g;
}

class SqlOutreachStore : public outreach::OutreachStore {
 public:
  explicit SqlOutreachStore(Connection& db) : db_(db) {}

  Status PutTemplate(const StoredTemplate& t) override {
    return Execute(db_,
        "INSERT INTO message_templates (template_key, document, updated_by, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (template_key) DO UPDATE SET document = excluded.document, updated_by = excluded.updated_by,"
        " updated_at = excluded.updated_at",
        t.message.key, outreach::TemplateDocument(t.message).dump(), t.updated_by, ToUnixSeconds(t.updated_at));
  }

  Result<std::optional<StoredTemplate>> GetTemplate(std::string_view key) override {
    return FirstRow<StoredTemplate>(db_, "SELECT template_key, document, updated_by, updated_at FROM message_templates WHERE template_key = ?",
                                    DecodeTemplate, key);
  }

  Result<std::vector<StoredTemplate>> ListTemplates() override {
    return Rows<StoredTemplate>(db_, "SELECT template_key, document, updated_by, updated_at FROM message_templates ORDER BY template_key",
                                DecodeTemplate);
  }

  Result<int64_t> PutCampaign(const Campaign& c) override {
    std::string document = outreach::CampaignDocument(c).dump();
    RETAIN_ASSIGN_OR_RETURN(int64_t id, ScalarInt(db_, "SELECT id FROM campaigns WHERE campaign_key = ?", c.key));
    if (id != 0) {
      RETAIN_RETURN_IF_ERROR(Execute(db_,
          "UPDATE campaigns SET document = ?, status = ?, send_at = ?, seed = ?, audience_at = ?, audience = ?, updated_at = ?"
          " WHERE id = ?",
          document, c.status, Seconds(c.send_at), c.seed, Seconds(c.audience_at), c.audience, ToUnixSeconds(c.updated_at), id));
      return id;
    }
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO campaigns (campaign_key, document, status, send_at, seed, audience_at, audience, created_by, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") + std::string(db_.ReturningId())));
    Bind(s, c.key, document, c.status, Seconds(c.send_at), c.seed, Seconds(c.audience_at), c.audience, c.created_by,
         ToUnixSeconds(c.created_at), ToUnixSeconds(c.updated_at));
    return db_.ExecuteInsert(s);
  }

  Result<std::optional<Campaign>> GetCampaign(std::string_view key) override {
    return FirstRow<Campaign>(db_, std::string(kCampaignSelect) + " WHERE campaign_key = ?", DecodeCampaign, key);
  }

  Result<std::vector<Campaign>> ListCampaigns() override {
    return Rows<Campaign>(db_, std::string(kCampaignSelect) + " ORDER BY id DESC", DecodeCampaign);
  }

  Result<std::vector<Campaign>> DueCampaigns(Timestamp now) override {
    return Rows<Campaign>(db_, std::string(kCampaignSelect) + " WHERE status = 'scheduled' AND send_at <= ? ORDER BY send_at",
                          DecodeCampaign, ToUnixSeconds(now));
  }

  Result<int64_t> AddDeliveries(const std::vector<Delivery>& deliveries) override {
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO deliveries (source, customer_id, occurrence, step, created_at, channel, template_key, variant, purpose,"
        " status, reason, due_at, sent_at, attempts, address, subject, content)"
        " SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM customers WHERE external_id = ?"
        " ON CONFLICT (source, customer_id, occurrence, step) DO NOTHING") + std::string(db_.ReturningId())));
    int64_t added = 0;
    for (const auto& d : deliveries) {
      Bind(s, d.source, d.occurrence, int64_t{d.step}, ToUnixSeconds(d.created_at), d.channel, d.template_key, d.variant,
           d.purpose, d.status, d.reason, ToUnixSeconds(d.due_at), Seconds(d.sent_at), int64_t{d.attempts}, d.address,
           d.subject, d.content, d.customer_id);
      RETAIN_ASSIGN_OR_RETURN(auto id, db_.ExecuteInsertIfAbsent(s));
      added += id ? 1 : 0;
    }
    return added;
  }

  Result<std::vector<Delivery>> DueDeliveries(Timestamp now, int limit) override {
    return Rows<Delivery>(db_, std::string(kDeliverySelect) + " WHERE d.status = 'queued' AND d.due_at <= ? ORDER BY d.due_at, d.id LIMIT ?",
                          DecodeDelivery, ToUnixSeconds(now), int64_t{limit});
  }

  Status UpdateDelivery(const Delivery& d) override {
    return Execute(db_,
        "UPDATE deliveries SET status = ?, reason = ?, due_at = ?, sent_at = ?, attempts = ?, address = ?, subject = ?,"
        " content = ? WHERE id = ?",
        d.status, d.reason, ToUnixSeconds(d.due_at), Seconds(d.sent_at), int64_t{d.attempts}, d.address, d.subject, d.content,
        d.id);
  }

  Result<std::optional<Delivery>> GetDelivery(int64_t id) override {
    return FirstRow<Delivery>(db_, std::string(kDeliverySelect) + " WHERE d.id = ?", DecodeDelivery, id);
  }

  Result<std::vector<Delivery>> SourceDeliveries(std::string_view source, std::string_view status) override {
    return Rows<Delivery>(db_, std::string(kDeliverySelect) + " WHERE d.source = ? AND (? = '' OR d.status = ?) ORDER BY d.id",
                          DecodeDelivery, source, status, status);
  }

  Result<std::vector<std::pair<std::string, int64_t>>> CountByStatus(std::string_view source) override {
    using Row = std::pair<std::string, int64_t>;
    return Rows<Row>(db_, "SELECT status, COUNT(*) FROM deliveries WHERE source = ? GROUP BY status ORDER BY status",
                     [](Statement* s) { return Row{std::string(s->Text(0)), s->Int(1)}; }, source);
  }

  Result<std::vector<Delivery>> CustomerDeliveries(std::string_view customer_id, int limit) override {
    return Rows<Delivery>(db_, std::string(kDeliverySelect) + " WHERE c.external_id = ? ORDER BY d.due_at DESC, d.id DESC LIMIT ?",
                          DecodeDelivery, customer_id, int64_t{limit});
  }

  Result<int> SentSince(std::string_view customer_id, std::string_view channel, Timestamp since) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t n, ScalarInt(db_,
        "SELECT COUNT(*) FROM deliveries d JOIN customers c ON c.id = d.customer_id WHERE c.external_id = ?"
        " AND d.channel = ? AND d.purpose = 'marketing' AND d.status = 'sent' AND d.sent_at >= ?",
        customer_id, channel, ToUnixSeconds(since)));
    return static_cast<int>(n);
  }

  Result<int64_t> AbandonSending(std::string_view reason) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t n, ScalarInt(db_, "SELECT COUNT(*) FROM deliveries WHERE status = 'sending'"));
    if (n > 0) RETAIN_RETURN_IF_ERROR(Execute(db_, "UPDATE deliveries SET status = 'failed', reason = ? WHERE status = 'sending'", reason));
    return n;
  }

  Status Suppress(std::string_view channel, std::string_view address, std::string_view reason, Timestamp at) override {
    return Execute(db_,
        "INSERT INTO suppressions (channel, address, reason, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (channel, address) DO NOTHING",
        channel, Lower(address), reason, ToUnixSeconds(at));
  }

  Result<bool> IsSuppressed(std::string_view channel, std::string_view address) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t n, ScalarInt(db_, "SELECT COUNT(*) FROM suppressions WHERE channel = ? AND address = ?",
                                                 channel, Lower(address)));
    return n > 0;
  }

  Result<std::vector<outreach::CampaignOutcomeRow>> Outcomes(std::string_view source, int days, Timestamp now) override {
    using Row = outreach::CampaignOutcomeRow;
    const int64_t window = int64_t{days} * 86400;
    const int64_t n = ToUnixSeconds(now) + 1;
    // Each row's window: from its creation for `days`, cut at now.
    constexpr std::string_view kEnd = "CASE WHEN d.created_at + ? < ? THEN d.created_at + ? ELSE ? END";
    return Rows<Row>(db_,
        fmt::format(
            "SELECT d.variant, d.status,"
            " (SELECT COUNT(*) FROM purchases p WHERE p.customer_id = d.customer_id AND p.kind = 'sale'"
            "   AND p.occurred_at >= d.created_at AND p.occurred_at < {0}),"
            " (SELECT COALESCE(SUM(p.total_minor), 0) FROM purchases p WHERE p.customer_id = d.customer_id AND p.kind = 'sale'"
            "   AND p.occurred_at >= d.created_at AND p.occurred_at < {0}),"
            " (SELECT COUNT(*) FROM subscriptions s WHERE s.customer_id = d.customer_id AND s.cancelled_at >= d.created_at"
            "   AND s.cancelled_at < {0})"
            " FROM deliveries d WHERE d.source = ? AND d.step = 0 ORDER BY d.id",
            kEnd),
        [](Statement* s) {
          return Row{std::string(s->Text(0)), std::string(s->Text(1)), s->Int(2), s->Int(3), s->Int(4) > 0};
        },
        window, n, window, n, window, n, window, n, window, n, window, n, source);
  }

  Status PutJourney(const outreach::Journey& j) override {
    return Execute(db_,
        "INSERT INTO journeys (journey_key, document, active, seed, since_event, created_by, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (journey_key) DO UPDATE SET document = excluded.document,"
        " active = excluded.active, updated_at = excluded.updated_at",
        j.key, outreach::JourneyDocument(j).dump(), j.active, j.seed, j.since_event, j.created_by, ToUnixSeconds(j.updated_at));
  }

  Result<std::optional<outreach::Journey>> GetJourney(std::string_view key) override {
    return FirstRow<outreach::Journey>(db_, std::string(kJourneySelect) + " WHERE journey_key = ?", DecodeJourney, key);
  }

  Result<std::vector<outreach::Journey>> ListJourneys() override {
    return Rows<outreach::Journey>(db_, std::string(kJourneySelect) + " ORDER BY journey_key", DecodeJourney);
  }

  Result<int64_t> LatestOutboxId() override { return ScalarInt(db_, "SELECT MAX(id) FROM outbox"); }

  Result<int64_t> PutContest(const outreach::Contest& c) override {
    // Times in the document are UTC, so it reads back the same under any business zone.
    std::string document = outreach::ContestDocument(c).dump();
    RETAIN_ASSIGN_OR_RETURN(int64_t id, ScalarInt(db_, "SELECT id FROM contests WHERE contest_key = ?", c.key));
    if (id != 0) {
      RETAIN_RETURN_IF_ERROR(Execute(db_,
          "UPDATE contests SET document = ?, status = ?, opens_at = ?, closes_at = ?, drawn_at = ?, updated_at = ? WHERE id = ?",
          document, c.status, ToUnixSeconds(c.opens_at), ToUnixSeconds(c.closes_at), Seconds(c.drawn_at),
          ToUnixSeconds(c.updated_at), id));
      return id;
    }
    RETAIN_ASSIGN_OR_RETURN(Statement * s, db_.Prepare(std::string(
        "INSERT INTO contests (contest_key, document, status, opens_at, closes_at, seed, commitment, drawn_at, created_by,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") + std::string(db_.ReturningId())));
    Bind(s, c.key, document, c.status, ToUnixSeconds(c.opens_at), ToUnixSeconds(c.closes_at), c.seed, c.commitment,
         Seconds(c.drawn_at), c.created_by, ToUnixSeconds(c.created_at), ToUnixSeconds(c.updated_at));
    return db_.ExecuteInsert(s);
  }

  Result<std::optional<outreach::Contest>> GetContest(std::string_view key) override {
    return FirstRow<outreach::Contest>(db_, std::string(kContestSelect) + " WHERE contest_key = ?", DecodeContest, key);
  }

  Result<std::vector<outreach::Contest>> ListContests() override {
    return Rows<outreach::Contest>(db_, std::string(kContestSelect) + " ORDER BY id DESC", DecodeContest);
  }

  Result<std::vector<outreach::Contest>> ContestsToDraw(Timestamp now) override {
    return Rows<outreach::Contest>(db_, std::string(kContestSelect) + " WHERE status = 'open' AND closes_at <= ? ORDER BY closes_at",
                                   DecodeContest, ToUnixSeconds(now));
  }

  Result<std::pair<outreach::ContestEntry, bool>> AddEntry(int64_t contest_id, const outreach::ContestEntry& e) override {
    RETAIN_RETURN_IF_ERROR(Execute(db_,
        "INSERT INTO contest_entries (contest_id, customer_id, entry_code, entered_at, via, winner_rank)"
        " SELECT ?, id, ?, ?, ?, NULL FROM customers WHERE external_id = ? ON CONFLICT (contest_id, customer_id) DO NOTHING",
        contest_id, e.entry_code, ToUnixSeconds(e.entered_at), e.via, e.customer_id));
    RETAIN_ASSIGN_OR_RETURN(auto stored, FirstRow<outreach::ContestEntry>(
        db_, std::string(kEntrySelect) + " WHERE e.contest_id = ? AND c.external_id = ?", DecodeEntry, contest_id, e.customer_id));
    if (!stored) return MakeError(ErrorCode::kNotFound, fmt::format("no customer '{}'", e.customer_id), "customer");
    bool added = stored->entry_code == e.entry_code;
    return std::pair{std::move(*stored), added};
  }

  Result<std::vector<outreach::ContestEntry>> Entries(int64_t contest_id) override {
    return Rows<outreach::ContestEntry>(db_, std::string(kEntrySelect) + " WHERE e.contest_id = ? ORDER BY e.entry_code",
                                        DecodeEntry, contest_id);
  }

  Result<int64_t> CountEntries(int64_t contest_id) override {
    return ScalarInt(db_, "SELECT COUNT(*) FROM contest_entries WHERE contest_id = ?", contest_id);
  }

  Status SetWinner(int64_t contest_id, std::string_view entry_code, int rank) override {
    return Execute(db_, "UPDATE contest_entries SET winner_rank = ? WHERE contest_id = ? AND entry_code = ?", int64_t{rank},
                   contest_id, entry_code);
  }

  Status PutSavedSegment(const outreach::SavedSegment& g) override {
    return Execute(db_,
        "INSERT INTO saved_segments (segment_key, name, expression, members, refreshed_at, created_by, updated_at)"
        " VALUES (?, ?, ?, 0, NULL, ?, ?) ON CONFLICT (segment_key) DO UPDATE SET name = excluded.name,"
        " expression = excluded.expression, refreshed_at = NULL, updated_at = excluded.updated_at",
        g.key, g.name, g.expression, g.created_by, ToUnixSeconds(g.updated_at));
  }

  Result<std::optional<outreach::SavedSegment>> GetSavedSegment(std::string_view key) override {
    return FirstRow<outreach::SavedSegment>(db_, std::string(kSegmentSelect) + " WHERE segment_key = ?", DecodeSegment, key);
  }

  Result<std::vector<outreach::SavedSegment>> ListSavedSegments() override {
    return Rows<outreach::SavedSegment>(db_, std::string(kSegmentSelect) + " ORDER BY segment_key", DecodeSegment);
  }

  Result<bool> DeleteSavedSegment(std::string_view key) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t n, ScalarInt(db_, "SELECT COUNT(*) FROM saved_segments WHERE segment_key = ?", key));
    if (n == 0) return false;
    RETAIN_RETURN_IF_ERROR(Execute(db_, "DELETE FROM segment_members WHERE segment_key = ?", key));
    RETAIN_RETURN_IF_ERROR(Execute(db_, "DELETE FROM saved_segments WHERE segment_key = ?", key));
    return true;
  }

  Result<std::vector<std::string>> SegmentMembers(std::string_view key) override {
    return Rows<std::string>(db_,
        "SELECT c.external_id FROM segment_members m JOIN customers c ON c.id = m.customer_id WHERE m.segment_key = ?"
        " ORDER BY c.external_id",
        [](Statement* s) { return std::string(s->Text(0)); }, key);
  }

  Result<bool> SetMember(std::string_view key, std::string_view customer_id, bool member, Timestamp at) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t row, ScalarInt(db_, "SELECT id FROM customers WHERE external_id = ?", customer_id));
    if (row == 0) return false;
    RETAIN_ASSIGN_OR_RETURN(int64_t was, ScalarInt(db_,
        "SELECT COUNT(*) FROM segment_members WHERE segment_key = ? AND customer_id = ?", key, row));
    if ((was > 0) == member) return false;
    if (member) {
      RETAIN_RETURN_IF_ERROR(Execute(db_, "INSERT INTO segment_members (segment_key, customer_id, since) VALUES (?, ?, ?)", key,
                                     row, ToUnixSeconds(at)));
    } else {
      RETAIN_RETURN_IF_ERROR(Execute(db_, "DELETE FROM segment_members WHERE segment_key = ? AND customer_id = ?", key, row));
    }
    return true;
  }

  Status CountMembers(std::string_view key, std::optional<Timestamp> refreshed) override {
    RETAIN_ASSIGN_OR_RETURN(int64_t n, ScalarInt(db_, "SELECT COUNT(*) FROM segment_members WHERE segment_key = ?", key));
    if (refreshed) {
      return Execute(db_, "UPDATE saved_segments SET members = ?, refreshed_at = ? WHERE segment_key = ?", n,
                     ToUnixSeconds(*refreshed), key);
    }
    return Execute(db_, "UPDATE saved_segments SET members = ? WHERE segment_key = ?", n, key);
  }

 private:
  static std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }

  static StoredTemplate DecodeTemplate(Statement* s) {
    StoredTemplate t;
    auto doc = nlohmann::json::parse(s->Text(1), nullptr, false);
    auto parsed = outreach::ParseTemplate(s->Text(0), doc);
    if (parsed) t.message = std::move(*parsed);
    t.message.key = std::string(s->Text(0));
    t.updated_by = std::string(s->Text(2));
    t.updated_at = FromUnixSeconds(s->Int(3));
    return t;
  }

  Connection& db_;
};

}  // namespace

std::unique_ptr<outreach::OutreachStore> MakeSqlOutreachStore(Connection& db) { return std::make_unique<SqlOutreachStore>(db); }

std::unique_ptr<outreach::FactsStore> MakeSqlFactsStore(Connection& db) { return std::make_unique<SqlFactsStore>(db); }

}  // namespace retain::storage
