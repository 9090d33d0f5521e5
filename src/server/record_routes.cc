// Handlers for the records of core/: each parses and validates on the I/O thread, then makes one
// store call on a reader or the writer.
#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "core/parse.h"
#include "core/privacy_requests.h"
#include "loyalty/engine.h"
#include "retention/recovery.h"
#include "retention/requests.h"
#include "retention/winback.h"
#include "server/api.h"
#include "server/json_mapping.h"
#include "staff/roles.h"

namespace retain::server {

Result<Window> ReportWindow(const Request& req, const BusinessZone& zone, Timestamp now) {
  Window w{zone.StartOfDay(zone.LocalDate(now - std::chrono::days(365))),
           zone.StartOfDay(zone.LocalDate(now + std::chrono::days(1)))};
  for (auto [name, target] : {std::pair{"from", &w.from}, std::pair{"to", &w.to}}) {
    if (auto text = req.Query(name); !text.empty()) {
      auto t = ParseTimestamp(text, zone);
      if (!t) return InvalidArgument(t.error().message, name);
      *target = *t;
    }
  }
  return w;
}

void ServeReport(StoreWorkers* workers, const Request& req, const BusinessZone& zone, Reply reply, ReportBuilder build) {
  auto now = Now();
  auto window = ReportWindow(req, zone, now);
  if (!window) return reply(ErrorResponse(window.error()));
  workers->Read([w = *window, now, build = std::move(build)](Stores& s) {
    auto out = build(s, w, now);
    if (!out) return ErrorResponse(out.error());
    (*out)["from"] = FormatTimestamp(w.from);
    (*out)["to"] = FormatTimestamp(w.to);
    return Json(200, *out);
  }, std::move(reply));
}

Result<Acting> ActingAs(const Principal& p, Stores& s) {
  Acting a;
  a.actor = p.actor;
  staff::Role role = staff::Role::kAgent;
  if (!p.role.empty()) {
    RETAIN_ASSIGN_OR_RETURN(role, staff::ParseRole(p.role));
    a.role = p.role;
  } else {
    a.role = "api";
  }
  RETAIN_ASSIGN_OR_RETURN(a.authority, s.staff().GetAuthority(role));
  return a;
}

Result<nlohmann::json> ParseBody(const Request& req) {
  if (req.body.empty()) return InvalidArgument("the request has no body; send a JSON object");
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return InvalidArgument("the body is not valid JSON");
  if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
  return body;
}

constexpr size_t kMaxIdempotencyKey = 255;

// An error the request caused (the store names a field, or refused for a reason of the data)
// becomes a response; anything else means the database failed and goes back to the writer.
Result<Response> RowError(const Error& e) {
  if (e.field.empty() && (e.code == ErrorCode::kInternal || e.code == ErrorCode::kUnavailable ||
                          e.code == ErrorCode::kConflict)) {
    return tl::unexpected(e);
  }
  return ErrorResponse(e);
}

// Wraps a write so that a repeated Idempotency-Key replays the first reply.
Result<WriteJob> Idempotent(const Request& req, WriteJob job) {
  auto key = req.Header("idempotency-key");
  if (key.empty()) return job;
  if (key.size() > kMaxIdempotencyKey) {
    return InvalidArgument(fmt::format("must be at most {} characters", kMaxIdempotencyKey), "Idempotency-Key");
  }
  std::string scoped = fmt::format("{} {} {}", req.method, req.path, key);
  std::string hash = fmt::format("{:016x}", XXH3_64bits(req.body.data(), req.body.size()));
  return WriteJob([scoped, hash, job = std::move(job)](Stores& stores) -> Result<Response> {
    core::RecordStore& store = stores.records();
    RETAIN_ASSIGN_OR_RETURN(auto previous, store.GetIdempotentReply(scoped));
    if (previous) {
      if (previous->request_hash != hash) {
        return ErrorResponse(Error{ErrorCode::kConflict,
                                   "this Idempotency-Key was used with a different request body",
                                   "Idempotency-Key"});
      }
      Response r;
      r.status = previous->status;
      r.body = previous->body;
      r.headers.emplace_back("Idempotent-Replayed", "true");
      return r;
    }
    RETAIN_ASSIGN_OR_RETURN(Response r, job(stores));
    if (r.status < 500) {
      RETAIN_RETURN_IF_ERROR(store.PutIdempotentReply(scoped, {hash, r.status, r.body}));
    }
    return r;
  });
}

namespace {

using nlohmann::json;


// Per record kind: how to parse, write, read and list it.
template <typename T>
struct Kind;

template <>
struct Kind<core::Customer> {
  static constexpr const char* kPath = "customers";
  static constexpr const char* kSchema = "Customer";
  static constexpr const char* kTitle = "customer";
  static Result<core::Customer> Parse(const SourceRecord& r, const BusinessZone& z) { return core::ParseCustomer(r, z); }
  static auto Put(core::RecordStore& s, const core::Customer& c) { return s.PutCustomer(c); }
  static auto Get(core::RecordStore& s, std::string_view id) { return s.GetCustomer(id); }
  static auto List(core::RecordStore& s, const core::ListQuery& q) { return s.ListCustomers(q); }
};
template <>
struct Kind<core::Product> {
  static constexpr const char* kPath = "plans";
  static constexpr const char* kSchema = "Plan";
  static constexpr const char* kTitle = "product, plan or add-on";
  static Result<core::Product> Parse(const SourceRecord& r, const BusinessZone&) { return core::ParseProduct(r); }
  static auto Put(core::RecordStore& s, const core::Product& p) { return s.PutProduct(p); }
  static auto Get(core::RecordStore& s, std::string_view id) { return s.GetProduct(id); }
  static auto List(core::RecordStore& s, const core::ListQuery& q) { return s.ListProducts(q); }
};
template <>
struct Kind<core::Subscription> {
  static constexpr const char* kPath = "subscriptions";
  static constexpr const char* kSchema = "Subscription";
  static constexpr const char* kTitle = "subscription";
  static Result<core::Subscription> Parse(const SourceRecord& r, const BusinessZone& z) { return core::ParseSubscription(r, z); }
  static auto Put(core::RecordStore& s, const core::Subscription& x) { return s.PutSubscription(x); }
  static auto Get(core::RecordStore& s, std::string_view id) { return s.GetSubscription(id); }
  static auto List(core::RecordStore& s, const core::ListQuery& q) { return s.ListSubscriptions(q); }
};
template <>
struct Kind<core::Payment> {
  static constexpr const char* kPath = "payments";
  static constexpr const char* kSchema = "Payment";
  static constexpr const char* kTitle = "payment";
  static Result<core::Payment> Parse(const SourceRecord& r, const BusinessZone& z) { return core::ParsePayment(r, z); }
  static auto Put(core::RecordStore& s, const core::Payment& p) { return s.PutPayment(p); }
  static auto Get(core::RecordStore& s, std::string_view id) { return s.GetPayment(id); }
  static auto List(core::RecordStore& s, const core::ListQuery& q) { return s.ListPayments(q); }
};
template <>
struct Kind<core::Purchase> {
  static constexpr const char* kPath = "purchases";
  static constexpr const char* kSchema = "Purchase";
  static constexpr const char* kTitle = "purchase or return";
  static Result<core::Purchase> Parse(const SourceRecord& r, const BusinessZone& z) { return core::ParsePurchase(r, z); }
  static auto Put(core::RecordStore& s, const core::Purchase& p) { return s.PutPurchase(p); }
  static auto Get(core::RecordStore& s, std::string_view id) { return s.GetPurchase(id); }
  static auto List(core::RecordStore& s, const core::ListQuery& q) { return s.ListPurchases(q); }
};
template <>
struct Kind<core::Event> {
  static constexpr const char* kPath = "events";
  static constexpr const char* kSchema = "Event";
  static constexpr const char* kTitle = "event";
  static Result<core::Event> Parse(const SourceRecord& r, const BusinessZone& z) { return core::ParseEvent(r, z); }
  static auto Put(core::RecordStore& s, const core::Event& e) { return s.PutEvent(e); }
  static auto Get(core::RecordStore& s, std::string_view id) { return s.GetEvent(id); }
  static auto List(core::RecordStore& s, const core::ListQuery& q) { return s.ListEvents(q); }
};

// The API accepts a customer in the shape it returns it (address and consent as objects).
void Flatten(json& body) {
  if (auto a = body.find("address"); a != body.end() && a->is_object()) {
    for (auto& [k, v] : a->items()) body[k == "line1" || k == "line2" ? "address_" + k : k] = v;
    body.erase("address");
  }
  if (auto c = body.find("consent"); c != body.end() && c->is_object()) {
    for (auto& [k, v] : c->items()) body["consent_" + k] = v;
    body.erase("consent");
  }
}

std::string_view OutcomeName(core::WriteOutcome o) {
  switch (o) {
    case core::WriteOutcome::kInserted: return "inserted";
    case core::WriteOutcome::kUpdated: return "updated";
    case core::WriteOutcome::kUnchanged: return "unchanged";
  }
  return "?";
}

// Records a change in the audit trail, with the record before and after; nothing for an
// unchanged write.
template <typename T>
Status Audit(core::RecordStore& store, const std::string& actor, const T& record,
             const std::optional<T>& before, core::WriteOutcome outcome) {
  if (outcome == core::WriteOutcome::kUnchanged) return Ok();
  core::AuditEntry e;
  e.at = Now();
  e.actor = actor;
  e.action = fmt::format("{}.{}", Kind<T>::kPath, OutcomeName(outcome));
  e.record_type = Kind<T>::kPath;
  e.record_id = record.external_id;
  e.before_json = before ? ToJson(*before).dump() : "null";
  e.after_json = ToJson(record).dump();
  return store.AppendAudit(e);
}

// What subscribers hear about a change: "customers.created", "purchases.recorded", ...
template <typename T>
std::string EventType(const T& record, const std::optional<T>& before, core::WriteOutcome outcome) {
  bool created = outcome == core::WriteOutcome::kInserted;
  if constexpr (std::is_same_v<T, core::Customer>) return created ? "customer.created" : "customer.updated";
  else if constexpr (std::is_same_v<T, core::Product>) return created ? "plan.created" : "plan.updated";
  else if constexpr (std::is_same_v<T, core::Subscription>) {
    if (record.status == core::SubscriptionStatus::kCancelled &&
        (!before || before->status != core::SubscriptionStatus::kCancelled)) {
      return "subscription.cancelled";
    }
    return created ? "subscription.created" : "subscription.updated";
  } else if constexpr (std::is_same_v<T, core::Payment>) {
    std::string base = record.status == core::PaymentStatus::kFailed ? "payment.failed" : "payment.recorded";
    return created ? base : "payment.updated";
  } else if constexpr (std::is_same_v<T, core::Purchase>) {
    if (!created) return "purchase.updated";
    return record.kind == core::PurchaseKind::kReturn ? "purchase.returned" : "purchase.recorded";
  } else {
    return created ? "event.recorded" : "event.updated";
  }
}

// Appends the change to the outbox in the same transaction, for webhook subscribers.
template <typename T>
Status Publish(core::WebhookStore& outbox, const T& record, const std::optional<T>& before,
               core::WriteOutcome outcome) {
  if (outcome == core::WriteOutcome::kUnchanged) return Ok();
  std::string type = EventType(record, before, outcome);
  auto now = Now();
  json payload = {{"type", type}, {"created_at", FormatTimestamp(now)}, {"data", ToJson(record)}};
  return outbox.AppendOutbox({0, type, record.external_id, payload.dump(), now});
}

// What a stored record means to the modules that follow records, in the same transaction: a
// purchase earns (or a return takes back) loyalty points and punches; a failed subscription
// payment opens a recovery and a paid one closes it; a payment method's expiry is kept; a
// returning subscriber closes their win-back entry.
template <typename T>
Status AfterWrite(Stores& stores, const BusinessZone& zone, const T& record, core::WriteOutcome outcome,
                  const std::string& actor) {
  if constexpr (std::is_same_v<T, core::Purchase>) {
    loyalty::Engine engine(zone);
    engine.set_outbox(&stores.webhooks());
    return engine.OnPurchase(stores.loyalty(), stores.records(), record, outcome, actor);
  } else if constexpr (std::is_same_v<T, core::Event>) {
    loyalty::Engine engine(zone);
    engine.set_outbox(&stores.webhooks());
    RETAIN_RETURN_IF_ERROR(engine.OnEvent(stores.loyalty(), record, outcome, actor));
    return retention::OnPaymentMethodEvent(stores.retention(), record, outcome, zone);
  } else if constexpr (std::is_same_v<T, core::Payment>) {
    if (record.subscription.empty() || outcome == core::WriteOutcome::kUnchanged) return Ok();
    RETAIN_ASSIGN_OR_RETURN(auto desk, retention::LoadDesk(stores.retention()));
    return retention::OnPayment(stores.records(), stores.retention(), stores.webhooks(), record, outcome,
                                desk.config.recovery, zone, actor);
  } else if constexpr (std::is_same_v<T, core::Subscription>) {
    auto now = Now();
    return retention::OnSubscription(stores.retention(), stores.webhooks(), record, outcome, now);
  } else {
    return Ok();
  }
}

bool IsNdjson(const Request& req) {
  auto ct = req.Header("content-type");
  return ct.starts_with("application/x-ndjson") || ct.starts_with("application/jsonl");
}

Result<core::ListQuery> ListQueryFrom(const Request& req) {
  core::ListQuery q;
  q.cursor = req.Query("cursor");
  q.customer = req.Query("customer");
  q.type = req.Query("type");
  q.search = req.Query("q");
  RETAIN_ASSIGN_OR_RETURN(q.limit, req.Limit());
  return q;
}

template <typename T>
void AddKind(Router& router, const ApiContext& ctx) {
  using K = Kind<T>;
  const std::string base = std::string("/v1/") + K::kPath;
  StoreWorkers* workers = ctx.workers;
  BusinessZone zone = ctx.zone;

  std::vector<QueryParam> query = {{"limit", "page size, 1 to 1000 (default 50)"},
                                   {"cursor", "next_cursor of the previous page"}};
  if constexpr (!std::is_same_v<T, core::Customer> && !std::is_same_v<T, core::Product>) {
    query.push_back({"customer", "only this customer's records (customer id)"});
  }
  if constexpr (std::is_same_v<T, core::Event>) query.push_back({"type", "only events of this type"});
  if constexpr (std::is_same_v<T, core::Customer>) {
    query.push_back({"q", "id or e-mail equal to it, or name starting with it"});
  }

  router.Add({"GET", base,
              {fmt::format("List {}s, oldest first", K::kTitle), K::kPath, query, "",
               std::string(K::kSchema) + "Page", false, std::string(staff::kRecordsRead)},
              [workers](Request req, Reply reply) {
                auto q = ListQueryFrom(req);
                if (!q) return reply(ErrorResponse(q.error()));
                workers->Read([q = *q](Stores& stores) {
                  core::RecordStore& store = stores.records();
                  auto page = K::List(store, q);
                  if (!page) return ErrorResponse(page.error());
                  return Json(200, PageToJson(*page));
                }, std::move(reply));
              }});

  router.Add({"GET", base + "/{id}",
              {fmt::format("Get one {} by its id", K::kTitle), K::kPath, {}, "", K::kSchema, false,
               std::string(staff::kRecordsRead)},
              [workers](Request req, Reply reply) {
                workers->Read([id = req.params["id"]](Stores& stores) {
                  core::RecordStore& store = stores.records();
                  auto found = K::Get(store, id);
                  if (!found) return ErrorResponse(found.error());
                  if (!*found) {
                    return ErrorResponse(Error{ErrorCode::kNotFound,
                                               fmt::format("no {} '{}'", K::kTitle, id), "id"});
                  }
                  return Json(200, ToJson(**found));
                }, std::move(reply));
              }});

  RouteDoc post_doc{fmt::format("Create or update a {} (idempotent by id; NDJSON for a batch)", K::kTitle),
                    K::kPath, {}, K::kSchema, "WriteResult", /*accepts_ndjson=*/true,
                    std::string(staff::kRecordsWrite)};
  router.Add({"POST", base, post_doc, [workers, zone](Request req, Reply reply) {
    WriteJob job;
    if (IsNdjson(req)) {
      // A batch: every line is validated here; the good ones are written together and the bad
      // ones reported by line, as an import does.
      struct Line {
        int64_t line;
        T record;
      };
      auto lines = std::make_shared<std::vector<Line>>();
      auto errors = std::make_shared<json>(json::array());
      int64_t read = 0, number = 0;
      std::string_view rest = req.body;
      while (!rest.empty()) {
        auto nl = rest.find('\n');
        std::string_view text = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        ++number;
        if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        ++read;
        auto obj = json::parse(text, nullptr, false);
        if (obj.is_discarded() || !obj.is_object()) {
          errors->push_back({{"line", number}, {"code", "invalid_argument"}, {"message", "not a JSON object"}});
          continue;
        }
        if constexpr (std::is_same_v<T, core::Customer>) Flatten(obj);
        auto rec = SourceRecord::FromJson(std::move(obj), number);
        auto parsed = K::Parse(rec, zone);
        if (!parsed) {
          json e = {{"line", number}, {"code", ErrorCodeName(parsed.error().code)}, {"message", parsed.error().message}};
          if (!parsed.error().field.empty()) e["field"] = parsed.error().field;
          errors->push_back(std::move(e));
          continue;
        }
        lines->push_back({number, std::move(*parsed)});
      }
      job = [lines, errors, read, zone, actor = req.principal->actor](Stores& stores) -> Result<Response> {
        core::RecordStore& store = stores.records();
        json out_errors = *errors;
        int64_t counts[3] = {0, 0, 0};
        for (const auto& l : *lines) {
          auto before = K::Get(store, l.record.external_id);
          if (!before) return tl::unexpected(before.error());
          auto r = K::Put(store, l.record);
          if (!r) {
            RETAIN_ASSIGN_OR_RETURN(auto resp, RowError(r.error()));
            (void)resp;
            json e = {{"line", l.line}, {"code", ErrorCodeName(r.error().code)}, {"message", r.error().message}};
            if (!r.error().field.empty()) e["field"] = r.error().field;
            out_errors.push_back(std::move(e));
            continue;
          }
          RETAIN_RETURN_IF_ERROR(Audit(store, actor, l.record, *before, *r));
          RETAIN_RETURN_IF_ERROR(Publish(stores.webhooks(), l.record, *before, *r));
          RETAIN_RETURN_IF_ERROR(AfterWrite(stores, zone, l.record, *r, actor));
          ++counts[static_cast<int>(*r)];
        }
        std::sort(out_errors.begin(), out_errors.end(),
                  [](const json& a, const json& b) { return a["line"].get<int64_t>() < b["line"].get<int64_t>(); });
        return Json(200, {{"read", read}, {"inserted", counts[0]}, {"updated", counts[1]},
                          {"unchanged", counts[2]}, {"rejected", out_errors.size()}, {"errors", out_errors}});
      };
    } else {
      auto body = ParseBody(req);
      Result<T> parsed = body ? Result<T>() : tl::unexpected(body.error());
      if (body) {
        if constexpr (std::is_same_v<T, core::Customer>) Flatten(*body);
        auto rec = SourceRecord::FromJson(std::move(*body));
        parsed = K::Parse(rec, zone);
      }
      if (!parsed) {
        // Without a key the answer needs no database; with one, a reused key must be caught
        // first, so the refusal goes through the writer like any other reply.
        if (req.Header("idempotency-key").empty()) return reply(ErrorResponse(parsed.error()));
        job = [response = ErrorResponse(parsed.error())](Stores&) -> Result<Response> { return response; };
      }
      else job = [record = std::move(*parsed), zone, actor = req.principal->actor](Stores& stores) -> Result<Response> {
        core::RecordStore& store = stores.records();
        auto before = K::Get(store, record.external_id);
        if (!before) return tl::unexpected(before.error());
        auto r = K::Put(store, record);
        if (!r) return RowError(r.error());
        RETAIN_RETURN_IF_ERROR(Audit(store, actor, record, *before, *r));
        RETAIN_RETURN_IF_ERROR(Publish(stores.webhooks(), record, *before, *r));
        RETAIN_RETURN_IF_ERROR(AfterWrite(stores, zone, record, *r, actor));
        json out = ToJson(record);
        return Json(*r == core::WriteOutcome::kInserted ? 201 : 200,
                    {{"result", OutcomeName(*r)}, {"data", std::move(out)}});
      };
    }
    auto wrapped = Idempotent(req, std::move(job));
    if (!wrapped) return reply(ErrorResponse(wrapped.error()));
    workers->Write(std::move(*wrapped), std::move(reply));
  }});
}

// The data subject's rights: a copy of everything held about a customer, and erasure.
void AddPrivacyRoutes(Router& router, StoreWorkers* workers) {
  const std::string privacy(staff::kPrivacyManage);
  router.Add({"GET", "/v1/customers/{id}/export",
              {"Everything held about a customer, table by table (a data subject access request)", "customers",
               {}, "", "PersonalDataExport", false, privacy},
              [workers](Request req, Reply reply) {
                workers->Read([id = req.params["id"]](Stores& stores) {
                  auto now = Now();
                  auto out = core::ExportCustomerJson(stores.records(), id, now);
                  if (!out) return ErrorResponse(out.error());
                  Response r = Json(200, *out);
                  // The file is named after the customer when the id is plain enough for a file name.
                  const bool plain = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                  });
                  r.headers.emplace_back("Content-Disposition",
                                         fmt::format("attachment; filename=\"retain-customer-{}.json\"",
                                                     plain ? id : std::string("export")));
                  return r;
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/customers/{id}/erase",
              {"Erase a customer's personal data at their request; their purchases, payments, points and "
               "coupons stay under the id, so every sum stays whole. Optional body: {\"reason\": text}",
               "customers", {}, "", "Erasure", false, privacy},
              [workers](Request req, Reply reply) {
                std::string reason;
                if (!req.body.empty()) {
                  auto body = ParseBody(req);
                  if (!body) return reply(ErrorResponse(body.error()));
                  if (auto r = body->find("reason"); r != body->end()) {
                    if (!r->is_string()) return reply(ErrorResponse(InvalidArgument("must be text", "reason").value()));
                    reason = r->get<std::string>();
                    if (reason.size() > 500) return reply(ErrorResponse(InvalidArgument("must be at most 500 characters", "reason").value()));
                  }
                }
                auto job = [id = req.params["id"], reason, actor = req.principal->actor](Stores& stores) -> Result<Response> {
                  auto now = Now();
                  auto done = core::EraseOnRequest(stores.records(), stores.webhooks(), id, reason, actor, now);
                  if (!done) return RowError(done.error());
                  return Json(200, core::ErasureJson(id, *done));
                };
                workers->Write(std::move(job), std::move(reply));
              }});
}

}  // namespace

void AddRecordRoutes(Router& router, const ApiContext& ctx) {
  AddKind<core::Customer>(router, ctx);
  AddKind<core::Product>(router, ctx);
  AddKind<core::Subscription>(router, ctx);
  AddKind<core::Payment>(router, ctx);
  AddKind<core::Purchase>(router, ctx);
  AddKind<core::Event>(router, ctx);

  StoreWorkers* workers = ctx.workers;
  AddPrivacyRoutes(router, workers);
  router.Add({"GET", "/v1/customers/{id}/timeline",
              {"Everything recorded about a customer, oldest first", "customers", {}, "", "Timeline", false,
               std::string(staff::kRecordsRead)},
              [workers](Request req, Reply reply) {
                workers->Read([id = req.params["id"]](Stores& stores) {
                  core::RecordStore& store = stores.records();
                  auto entries = store.Timeline(id);
                  if (!entries) return ErrorResponse(entries.error());
                  json data = json::array();
                  for (const auto& e : *entries) data.push_back(ToJson(e));
                  return Json(200, {{"customer", id}, {"data", data}});
                }, std::move(reply));
              }});
}

}  // namespace retain::server
