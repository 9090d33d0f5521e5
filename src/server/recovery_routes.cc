// Failed-payment recovery and the win-back list over HTTP: listings, a manual retry, the
// customer's payment methods and the two reports.
#include <charconv>

#include <fmt/format.h>

#include "retention/recovery.h"
#include "retention/winback.h"
#include "server/api.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;


Result<int64_t> PositiveNumber(std::string_view text, const char* field) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n <= 0) {
    return InvalidArgument(fmt::format("'{}' is not a positive number", text), field);
  }
  return n;
}

// limit (1..500, default 50) and before (a row number) of a listing.
struct PageParams {
  int limit = 50;
  int64_t before = 0;
};
Result<PageParams> PageOf(const Request& req) {
  PageParams p;
  RETAIN_ASSIGN_OR_RETURN(p.limit, req.Limit());
  if (p.limit < 1 || p.limit > 500) return InvalidArgument("must be between 1 and 500", "limit");
  if (auto before = req.Query("before"); !before.empty()) {
    RETAIN_ASSIGN_OR_RETURN(p.before, PositiveNumber(before, "before"));
  }
  return p;
}

}  // namespace

void AddRecoveryRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  BusinessZone zone = ctx.zone;
  const std::string read(staff::kRecordsRead), write(staff::kRecordsWrite);

  router.Add({"GET", "/v1/recoveries",
              {"Failed-payment recoveries, newest first", "retention",
               {{"status", "open (retrying, grace or suspended), retrying, grace, suspended, recovered or lost"},
                {"customer", "a customer's id"},
                {"before", "recoveries numbered below this (the next page)"},
                {"limit", "1..500 (default 50)"}},
               "", "Recoveries", false, read},
              [workers](Request req, Reply reply) {
                retention::RecoveryQuery q;
                if (auto st = req.Query("status"); st == "open") {
                  q.open_only = true;
                } else if (!st.empty()) {
                  q.status = retention::ParseRecoveryStatus(st);
                  if (!q.status) {
                    return reply(ErrorResponse({ErrorCode::kInvalidArgument,
                                                "must be open, retrying, grace, suspended, recovered or lost", "status"}));
                  }
                }
                q.customer = req.Query("customer");
                auto page = PageOf(req);
                if (!page) return reply(ErrorResponse(page.error()));
                q.limit = page->limit;
                q.before_id = page->before;
                workers->Read([q](Stores& s) {
                  auto rows = s.retention().ListRecoveries(q);
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& r : *rows) data.push_back(retention::RecoveryJson(r));
                  json out = {{"data", data}};
                  if (static_cast<int>(rows->size()) == q.limit) out["next_before"] = rows->back().id;
                  return Json(200, out);
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/recoveries/{id}",
              {"One failed-payment recovery", "retention", {}, "", "Recovery", false, read},
              [workers](Request req, Reply reply) {
                auto id = PositiveNumber(req.params["id"], "id");
                if (!id) return reply(ErrorResponse(id.error()));
                workers->Read([id = *id](Stores& s) {
                  auto r = s.retention().GetRecovery(id);
                  if (!r) return ErrorResponse(r.error());
                  if (!*r) return ErrorResponse({ErrorCode::kNotFound, fmt::format("no payment recovery {}", id), "id"});
                  return Json(200, retention::RecoveryJson(**r));
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/recoveries/{id}/retry",
              {"Ask the billing system for one more attempt now (payment.retry_requested); the scheduled retries "
               "are not used up",
               "retention", {}, "", "Recovery", false, write},
              [workers](Request req, Reply reply) {
                auto id = PositiveNumber(req.params["id"], "id");
                if (!id) return reply(ErrorResponse(id.error()));
                auto job = Idempotent(req, [id = *id, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  auto r = retention::ManualRetry(s.records(), s.retention(), s.webhooks(), id, actor, Now());
                  if (!r) return RowError(r.error());
                  return Json(200, retention::RecoveryJson(*r));
                });
                if (!job) return reply(ErrorResponse(job.error()));
                workers->Write(std::move(*job), std::move(reply));
              }});

  router.Add({"GET", "/v1/customers/{id}/payment-methods",
              {"The customer's payment methods and when each stops working (from payment_method.updated events)",
               "retention", {}, "", "PaymentMethods", false, read},
              [workers](Request req, Reply reply) {
                workers->Read([id = req.params["id"]](Stores& s) {
                  auto rows = s.retention().PaymentMethods(id);
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& m : *rows) {
                    data.push_back({{"method", m.method}, {"label", m.label}, {"expires", m.expires},
                                    {"stops_working_at", FormatTimestamp(m.expires_at)}});
                  }
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/retention/recovery-report",
              {"Failed-payment recovery: rate, revenue at risk, recovered and lost, days to recover, the stage "
               "recovered at; by failure reason and month",
               "retention",
               {{"from", "first day (default: twelve months ago)"}, {"to", "day after the last (default: tomorrow)"}},
               "", "RecoveryReport", false, read},
              [workers, zone](Request req, Reply reply) {
                ServeReport(workers, req, zone, std::move(reply), [zone](Stores& s, const Window& w, Timestamp now) -> Result<json> {
                  RETAIN_ASSIGN_OR_RETURN(auto rows, s.retention().RecoveriesOpened(w.from, w.to));
                  return retention::RecoveryReport(rows, now, zone);
                });
              }});

  router.Add({"GET", "/v1/winback",
              {"The win-back list: cancelled subscribers offered a way back (or held out), newest first", "retention",
               {{"status", "open, reactivated or expired"},
                {"customer", "a customer's id"},
                {"before", "entries numbered below this (the next page)"},
                {"limit", "1..500 (default 50)"}},
               "", "WinbackEntries", false, read},
              [workers](Request req, Reply reply) {
                std::optional<retention::WinbackStatus> status;
                if (auto st = req.Query("status"); !st.empty()) {
                  status = retention::ParseWinbackStatus(st);
                  if (!status) {
                    return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must be open, reactivated or expired", "status"}));
                  }
                }
                auto page = PageOf(req);
                if (!page) return reply(ErrorResponse(page.error()));
                workers->Read([status, page = *page, customer = req.Query("customer")](Stores& s) {
                  auto rows = s.retention().ListWinbacks(status, customer, page.before, page.limit);
                  if (!rows) return ErrorResponse(rows.error());
                  json data = json::array();
                  for (const auto& e : *rows) data.push_back(retention::WinbackJson(e));
                  json out = {{"data", data}};
                  if (static_cast<int>(rows->size()) == page.limit) out["next_before"] = rows->back().id;
                  return Json(200, out);
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/retention/winback-report",
              {"Win-back: reactivation rates of those offered and those held out, the incremental rate, revenue "
               "reactivated; by cancel cause and month",
               "retention",
               {{"from", "first day (default: twelve months ago)"}, {"to", "day after the last (default: tomorrow)"}},
               "", "WinbackReport", false, read},
              [workers, zone](Request req, Reply reply) {
                ServeReport(workers, req, zone, std::move(reply), [zone](Stores& s, const Window& w, Timestamp now) -> Result<json> {
                  RETAIN_ASSIGN_OR_RETURN(auto rows, s.retention().WinbacksEntered(w.from, w.to));
                  return retention::WinbackReport(rows, now, zone);
                });
              }});
}

}  // namespace retain::server
