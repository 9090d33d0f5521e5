// /v1/webhooks: subscriptions to event types, and what was delivered to them.
#include <fmt/format.h>

#include "common/crypto.h"
#include "server/api.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;

// Every event type the outbox carries (a subscription names some, or "*" for all).
constexpr std::array<std::string_view, 63> kEventTypes = {
    "*", "customer.created", "customer.updated", "customer.erased", "plan.created", "plan.updated", "subscription.created",
    "subscription.updated", "subscription.cancelled", "subscription.resumed", "subscription.suspended",
    "payment.recorded", "payment.failed", "payment.recovered", "payment.recovery_started", "payment.reminder",
    "payment.retry_due", "payment.retry_requested", "payment_method.expiring", "purchase.recorded",
    "purchase.returned", "purchase.updated", "event.recorded", "program.changed", "points.expiring", "tier.changed",
    "referral.qualified", "member.birthday", "member.anniversary", "cancel_request.opened", "cancel_request.decided",
    "cancel_request.saved", "cancel_request.cancelled", "cancel_request.withdrawn", "retention.desk_changed",
    "recovery.opened", "recovery.attempt_failed", "recovery.rescheduled", "recovery.retry_requested",
    "recovery.manual_retry", "recovery.recovered", "recovery.final_action", "recovery.closed", "winback.offered",
    "winback.reactivated", "case.opened", "case.assigned", "case.reply", "case.text", "case.new", "case.open",
    "case.waiting", "case.resolved", "case.closed", "compensation.granted", "compensation.coupon_used",
    "survey.invited", "survey.reminder", "survey.answered", "outreach.message", "segment.entered", "segment.left", "analytics.refreshed"};

json WebhookJson(const core::Webhook& w) {
  return {{"id", w.id}, {"url", w.url}, {"events", w.event_types}, {"active", w.active},
          {"created_by", w.created_by}, {"created_at", FormatTimestamp(w.created_at)}};
}

Result<int64_t> IdParam(const Request& req) {
  try {
    size_t used = 0;
    auto id = std::stoll(req.params.at("id"), &used);
    if (used == req.params.at("id").size()) return id;
  } catch (...) {
  }
  return InvalidArgument("must be a webhook id (a number)", "id");
}

}  // namespace

void AddWebhookRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  const std::string admin(staff::kStaffAdmin);

  router.Add({"GET", "/v1/webhooks", {"List webhook subscriptions", "webhooks", {}, "", "Webhooks", false, admin},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& s) {
                  auto hooks = s.webhooks().ListWebhooks();
                  if (!hooks) return ErrorResponse(hooks.error());
                  json data = json::array();
                  for (const auto& w : *hooks) data.push_back(WebhookJson(w));
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});

  router.Add({"POST", "/v1/webhooks",
              {"Subscribe a URL to event types; the signing secret is shown only in this reply", "webhooks", {},
               "NewWebhook", "Webhook", false, admin},
              [workers](Request req, Reply reply) {
                auto body = json::parse(req.body, nullptr, false);
                if (body.is_discarded() || !body.is_object()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "the body must be a JSON object", ""}));
                }
                core::Webhook w;
                if (!body.contains("url") || !body["url"].is_string()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required", "url"}));
                }
                w.url = body["url"].get<std::string>();
                if (!w.url.starts_with("http://") && !w.url.starts_with("https://")) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must start with http:// or https://", "url"}));
                }
                if (!body.contains("events") || !body["events"].is_array() || body["events"].empty()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "must list event types, or [\"*\"]", "events"}));
                }
                for (const auto& e : body["events"]) {
                  if (!e.is_string() || std::find(kEventTypes.begin(), kEventTypes.end(), e.get<std::string>()) == kEventTypes.end()) {
                    return reply(ErrorResponse({ErrorCode::kInvalidArgument,
                                                fmt::format("{} is not an event type", e.dump()), "events"}));
                  }
                  w.event_types.push_back(e.get<std::string>());
                }
                auto secret = RandomHex(24);
                if (!secret) return reply(ErrorResponse(secret.error()));
                w.secret = "whsec_" + *secret;
                w.created_by = req.principal->actor;
                w.created_at = Now();
                workers->Write([w](Stores& s) -> Result<Response> {
                  auto id = s.webhooks().CreateWebhook(w);
                  if (!id) return tl::unexpected(id.error());
                  core::Webhook created = w;
                  created.id = *id;
                  json out = WebhookJson(created);
                  out["secret"] = w.secret;
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit({created.created_at, w.created_by, "webhook.created",
                                                                  "webhooks", std::to_string(*id), "null",
                                                                  WebhookJson(created).dump()}));
                  return Json(201, out);
                }, std::move(reply));
              }});

  router.Add({"DELETE", "/v1/webhooks/{id}", {"Stop a webhook; queued deliveries are dropped", "webhooks", {}, "", "Webhook", false, admin},
              [workers](Request req, Reply reply) {
                auto id = IdParam(req);
                if (!id) return reply(ErrorResponse(id.error()));
                workers->Write([id = *id, actor = req.principal->actor](Stores& s) -> Result<Response> {
                  if (auto ok = s.webhooks().DeactivateWebhook(id); !ok) return ErrorResponse(ok.error());
                  auto w = s.webhooks().GetWebhook(id);
                  if (!w || !*w) return tl::unexpected(Error{ErrorCode::kInternal, "the webhook vanished", ""});
                  RETAIN_RETURN_IF_ERROR(s.records().AppendAudit(
                      {Now(), actor,
                       "webhook.stopped", "webhooks", std::to_string(id), "null", WebhookJson(**w).dump()}));
                  return Json(200, WebhookJson(**w));
                }, std::move(reply));
              }});

  router.Add({"GET", "/v1/webhooks/{id}/deliveries",
              {"A webhook's deliveries, newest first, with attempts and the last response", "webhooks", {}, "",
               "Deliveries", false, admin},
              [workers](Request req, Reply reply) {
                auto id = IdParam(req);
                if (!id) return reply(ErrorResponse(id.error()));
                workers->Read([id = *id](Stores& s) {
                  auto list = s.webhooks().ListDeliveries(id, 100);
                  if (!list) return ErrorResponse(list.error());
                  json data = json::array();
                  for (const auto& d : *list) {
                    data.push_back({{"id", d.id}, {"event", d.outbox_id}, {"status", core::DeliveryStatusName(d.status)},
                                    {"attempts", d.attempts}, {"next_attempt_at", FormatTimestamp(d.next_attempt_at)},
                                    {"last_response", d.last_response}, {"last_error", d.last_error}});
                  }
                  return Json(200, {{"data", data}});
                }, std::move(reply));
              }});
}

}  // namespace retain::server
