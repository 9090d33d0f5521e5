// Analytics over HTTP: the stored dashboard (KPIs, cohorts, survival, CLV, RFM, churn risk), a
// customer's value and risk with the reasons, and a refresh on demand. The server also
// refreshes on its own (http_server.cc).
#include <fmt/format.h>

#include "analytics/refresh.h"
#include "server/api.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;

}  // namespace

SlowJob AnalyticsRefresh(BusinessZone zone) {
  return [zone](Stores& s) -> Response {
    auto now = Now();
    auto input = s.analytics().LoadInput();
    if (!input) return ErrorResponse(input.error());
    auto result = analytics::ComputeAnalytics(*input, now, zone);
    analytics::StoredRun run{0, ToUnixSeconds(now), result.dashboard.dump(), std::move(result.churn_model)};
    auto saved = [&]() -> Result<int64_t> {
      RETAIN_RETURN_IF_ERROR(s.records().Begin());
      auto id = s.analytics().SaveRun(run, result.scores);
      // Subscribers (and saved segments, whose churn risks and values just changed) hear of it.
      Status told = id ? s.webhooks().AppendOutbox({0, "analytics.refreshed", std::to_string(*id),
                                                    json{{"type", "analytics.refreshed"}, {"created_at", FormatTimestamp(now)},
                                                         {"data", {{"run", *id}, {"customers_scored", result.scores.size()}}}}
                                                        .dump(),
                                                    now})
                       : Status(tl::unexpected(id.error()));
      if (!told) {
        s.records().Rollback();
        return tl::unexpected(told.error());
      }
      RETAIN_RETURN_IF_ERROR(s.records().Commit());
      return id;
    }();
    if (!saved) return ErrorResponse(saved.error());
    return Json(200, {{"run", *saved},
                      {"computed_at", FormatTimestamp(now)},
                      {"took_ms", result.dashboard["took_ms"]},
                      {"customers_scored", result.scores.size()}});
  };
}

void AddAnalyticsRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  BusinessZone zone = ctx.zone;
  std::string read(staff::kRecordsRead), refresh(staff::kAnalyticsRefresh);

  router.Add({"GET", "/v1/analytics",
              {"The newest analytics: KPIs by month, purchase and subscription cohorts, survival by plan, customer "
               "lifetime value, RFM and the churn-risk model with the customers most at risk",
               "analytics", {}, "", "Analytics", false, read},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto run = s.analytics().LatestRun();
                  if (!run) return ErrorResponse(run.error());
                  if (!*run)
                    return ErrorResponse({ErrorCode::kNotFound,
                                          "no analytics yet: the server computes them a minute after it starts, or "
                                          "run `retain analytics refresh` (POST /v1/analytics/refresh)",
                                          ""});
                  // The run's id versions the churn model the dashboard describes.
                  json d = json::parse((*run)->dashboard, nullptr, false);
                  d["run"] = (*run)->id;
                  return Json(200, d);
                }, reply);
              }});

  router.Add({"POST", "/v1/analytics/refresh",
              {"Recompute the analytics from the database now (the server also does this every night); answers when "
               "they are stored", "analytics", {}, "", "AnalyticsRefresh", false, refresh},
              [workers, zone](Request, Reply reply) { workers->Background(AnalyticsRefresh(zone), std::move(reply)); }});

  router.Add({"GET", "/v1/customers/{id}/analytics",
              {"A customer's value and risk from the newest analytics: CLV with the probability they are still "
               "active, RFM scores and segment, churn risk with the reasons behind it",
               "analytics", {}, "", "CustomerAnalytics", false, read},
              [workers](Request req, Reply reply) {
                workers->Read([id = req.params["id"]](Stores& s) {
                  auto customer = s.records().GetCustomer(id);
                  if (!customer) return ErrorResponse(customer.error());
                  if (!*customer) return ErrorResponse({ErrorCode::kNotFound, fmt::format("no customer '{}'", id), "id"});
                  auto detail = s.analytics().ScoreDetail(id);
                  if (!detail) return ErrorResponse(detail.error());
                  if (!*detail) return Json(200, {{"customer", id}, {"scored", false}});
                  json out = json::parse(**detail, nullptr, false);
                  out["customer"] = id;
                  out["scored"] = true;
                  return Json(200, out);
                }, reply);
              }});
}

}  // namespace retain::server
