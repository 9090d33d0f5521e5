// /healthz, /metrics, /openapi.json and /v1/stats, and the OpenAPI description itself.
#include <fmt/format.h>

#include "server/api.h"
#include "server/json_mapping.h"
#include "staff/roles.h"

#ifndef RETAIN_VERSION
#define RETAIN_VERSION "0.0.0"
#endif

namespace retain::server {
namespace {

using nlohmann::json;

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json Str() { return {{"type", "string"}}; }
json NullableStr() { return {{"type", {"string", "null"}}}; }
json Int() { return {{"type", "integer"}}; }
json Bool() { return {{"type", "boolean"}}; }
json Time() { return {{"type", "string"}, {"format", "date-time"}}; }
json NullableTime() { return {{"type", {"string", "null"}}, {"format", "date-time"}}; }
json Money() { return {{"type", "string"}, {"description", "decimal in major units, e.g. \"12.50\""}}; }
json Object(json properties, std::vector<std::string> required = {}) {
  json o = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) o["required"] = required;
  return o;
}

json Schemas() {
  json s;
  s["Error"] = Object({{"error", Object({{"code", {{"type", "string"},
                                                     {"enum", {"invalid_argument", "unauthenticated", "not_found", "conflict",
                                                               "permission_denied", "failed_precondition",
                                                               "unavailable", "internal"}}}},
                                          {"message", Str()},
                                          {"field", Str()}},
                                         {"code", "message"})}},
                      {"error"});
  s["Customer"] = Object({{"id", Str()}, {"name", Str()}, {"email", Str()}, {"phone", Str()},
                          {"address", Object({{"line1", Str()}, {"line2", Str()}, {"postal_code", Str()},
                                              {"city", Str()}, {"region", Str()}, {"country", Str()}})},
                          {"locale", {{"type", "string"}, {"enum", {"en", "pt", "da"}}}},
                          {"consent", Object({{"email", Bool()}, {"sms", Bool()}, {"post", Bool()}, {"phone", Bool()}})},
                          {"first_contact_at", NullableTime()},
                          {"attributes", {{"type", "object"}}},
                          {"erased_at", {{"type", "string"}, {"format", "date-time"},
                                         {"description", "present once the personal data was erased on request"}}}},
                         {"id"});
  s["Plan"] = Object({{"id", Str()}, {"name", Str()},
                      {"kind", {{"type", "string"}, {"enum", {"item", "plan", "addon"}}}},
                      {"price", Money()}, {"price_minor", Int()}, {"currency", Str()},
                      {"billing", {{"type", "string"}, {"enum", {"one_off", "monthly", "yearly"}}}},
                      {"category", Str()}, {"active", Bool()}},
                     {"id", "name", "price", "currency"});
  s["Subscription"] = Object({{"id", Str()}, {"customer", Str()}, {"plan", Str()},
                              {"status", {{"type", "string"}, {"enum", {"active", "paused", "cancel_requested", "cancelled"}}}},
                              {"started_at", Time()}, {"paused_at", NullableTime()}, {"resume_at", NullableTime()},
                              {"cancel_requested_at", NullableTime()}, {"cancelled_at", NullableTime()},
                              {"cancel_cause", {{"type", {"string", "null"}}, {"enum", {"voluntary", "involuntary", nullptr}}}},
                              {"cancel_reason", Str()},
                              {"addons", {{"type", "array"}, {"items", Str()}}},
                              {"discounts", {{"type", "array"}, {"items", {{"type", "object"}}}}}},
                             {"id", "customer", "plan", "started_at"});
  s["Payment"] = Object({{"id", Str()}, {"customer", Str()}, {"subscription", NullableStr()},
                         {"amount", Money()}, {"amount_minor", Int()}, {"currency", Str()},
                         {"status", {{"type", "string"}, {"enum", {"succeeded", "failed", "refunded"}}}},
                         {"failure_reason", NullableStr()}, {"occurred_at", Time()}},
                        {"id", "customer", "amount", "currency", "occurred_at"});
  s["PurchaseLine"] = Object({{"product", NullableStr()}, {"description", Str()}, {"quantity", Int()},
                              {"unit_price", Money()}, {"amount", Money()}});
  s["Purchase"] = Object({{"id", Str()}, {"customer", Str()},
                          {"kind", {{"type", "string"}, {"enum", {"sale", "return"}}}},
                          {"original", NullableStr()}, {"occurred_at", Time()}, {"store", Str()},
                          {"total", Money()}, {"total_minor", Int()}, {"currency", Str()},
                          {"lines", {{"type", "array"}, {"items", Ref("PurchaseLine")}}}},
                         {"id", "customer", "occurred_at", "currency"});
  s["Event"] = Object({{"id", Str()}, {"customer", Str()}, {"type", Str()}, {"occurred_at", Time()},
                       {"payload", {{"type", "object"}}}},
                      {"id", "customer", "type", "occurred_at"});
  for (const char* name : {"Customer", "Plan", "Subscription", "Payment", "Purchase", "Event"}) {
    s[std::string(name) + "Page"] = Object({{"data", {{"type", "array"}, {"items", Ref(name)}}},
                                            {"next_cursor", NullableStr()}},
                                           {"data", "next_cursor"});
  }
  s["WriteResult"] = {{"description", "One record: {result, data}. An NDJSON batch: counts and errors by line."},
                      {"type", "object"},
                      {"properties", {{"result", {{"type", "string"}, {"enum", {"inserted", "updated", "unchanged"}}}},
                                      {"data", {{"type", "object"}}},
                                      {"read", Int()}, {"inserted", Int()}, {"updated", Int()},
                                      {"unchanged", Int()}, {"rejected", Int()},
                                      {"errors", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}};
  s["Timeline"] = Object({{"customer", Str()},
                          {"data", {{"type", "array"},
                                    {"items", Object({{"at", Time()}, {"kind", Str()}, {"id", Str()}, {"action", Str()},
                                                      {"subject", Str()}, {"status", Str()}, {"detail", Str()},
                                                      {"amount", Money()}, {"amount_minor", Int()}, {"currency", Str()},
                                                      {"lines", Int()}, {"payload", {{"type", "object"}}},
                                                      {"summary", {{"type", "string"}, {"description", "in English"}}}})}}}});
  s["PersonalDataExport"] = Object(
      {{"customer", Str()}, {"exported_at", Time()}, {"rows", Int()},
       {"tables", {{"type", "array"},
                   {"items", Object({{"table", Str()}, {"holds", Str()},
                                     {"rows", {{"type", "array"}, {"items", {{"type", "object"}}}}}})}}}});
  s["Erasure"] = Object({{"customer", Str()},
                         {"result", {{"type", "string"}, {"enum", {"erased", "already_erased"}}}},
                         {"erased_at", Time()},
                         {"cleared", {{"type", "object"}, {"description", "rows changed per table"}}}});
  s["Stats"] = Object({{"customers", Int()}, {"plans", Int()}, {"subscriptions", Int()}, {"payments", Int()},
                       {"purchases", Int()}, {"purchase_lines", Int()}, {"events", Int()}});
  s["Health"] = Object({{"status", Str()}});
  s["SignIn"] = Object({{"username", Str()}, {"password", Str()}}, {"username", "password"});
  s["User"] = Object({{"id", Int()}, {"username", Str()}, {"display_name", Str()},
                      {"role", {{"type", "string"}, {"enum", {"agent", "supervisor", "marketing", "analyst", "admin"}}}},
                      {"locale", {{"type", "string"}, {"enum", {"en", "pt", "da"}}}}, {"active", Bool()}});
  s["Users"] = Object({{"data", {{"type", "array"}, {"items", Ref("User")}}}});
  s["NewUser"] = Object({{"username", Str()}, {"password", Str()}, {"role", Str()}, {"display_name", Str()},
                         {"locale", Str()}}, {"username", "password", "role"});
  s["Me"] = Object({{"locale", Str()}, {"display_name", Str()}});
  s["Session"] = Object({{"user", Ref("User")}, {"csrf_token", Str()}, {"permissions", {{"type", "array"}, {"items", Str()}}}});
  s["Authority"] = Object({{"max_discount_percent", {{"type", "number"}}}, {"max_free_months", Int()},
                           {"max_offer_cost_minor", Int()}, {"max_compensation_minor", Int()}});
  s["Role"] = Object({{"role", Str()}, {"permissions", {{"type", "array"}, {"items", Str()}}}, {"authority", Ref("Authority")}});
  s["Roles"] = Object({{"data", {{"type", "array"}, {"items", Ref("Role")}}}});
  s["NewApiKey"] = Object({{"name", Str()}, {"scopes", {{"type", "array"}, {"items", Str()}}}}, {"name", "scopes"});
  s["ApiKey"] = Object({{"id", Str()}, {"name", Str()}, {"scopes", {{"type", "array"}, {"items", Str()}}},
                        {"created_by", Str()}, {"created_at", Time()}, {"revoked_at", NullableTime()},
                        {"key", {{"type", "string"}, {"description", "only when created"}}}});
  s["ApiKeys"] = Object({{"data", {{"type", "array"}, {"items", Ref("ApiKey")}}}});
  s["Webhook"] = Object({{"id", Int()}, {"url", Str()}, {"events", {{"type", "array"}, {"items", Str()}}},
                         {"active", Bool()}, {"created_by", Str()}, {"created_at", Time()},
                         {"secret", {{"type", "string"}, {"description", "only when created"}}}});
  s["Webhooks"] = Object({{"data", {{"type", "array"}, {"items", Ref("Webhook")}}}});
  s["NewWebhook"] = Object({{"url", Str()}, {"events", {{"type", "array"}, {"items", Str()}}}}, {"url", "events"});
  s["Deliveries"] = Object({{"data", {{"type", "array"}, {"items", {{"type", "object"}}}}}});
  s["AuditEntry"] = Object({{"at", Time()}, {"actor", Str()}, {"action", Str()}, {"record_type", Str()},
                            {"record_id", Str()}, {"before", {}}, {"after", {}}});
  s["AuditPage"] = Object({{"data", {{"type", "array"}, {"items", Ref("AuditEntry")}}}, {"next_cursor", NullableStr()}});
  s["LoyaltyProgramDocument"] = {
      {"type", "object"},
      {"description", "a program document: {\"id\", \"kind\": \"punch_card\" | \"points\", \"name\", \"currency\", "
                      "\"qualifying\", \"punches\", \"per_item\", \"one_per_day\", \"reward\", \"earn\", "
                      "\"expiry\", \"pending_days\", \"caps\", \"rewards\", \"tiers\", \"promotions\", "
                      "\"budget\", \"referral\", \"enrollment\", \"expiry_warning_days\", \"bonuses\"}; JSON, or "
                      "TOML with Content-Type application/toml; see docs/LOYALTY.md"},
      {"required", {"id", "kind"}}};
  s["LoyaltyProgram"] = Object({{"id", Str()}, {"kind", {{"type", "string"}, {"enum", {"punch_card", "points", "frequent_shopper"}}}},
                                {"name", {{"type", "object"}}}, {"version", Int()}, {"effective_at", Time()},
                                {"created_by", Str()}, {"created_at", Time()}, {"document", Ref("LoyaltyProgramDocument")},
                                {"version_in_effect", {{"type", {"integer", "null"}}}},
                                {"versions", {{"type", "array"}, {"items", {{"type", "object"}}}}}});
  s["LoyaltyPrograms"] = Object({{"data", {{"type", "array"}, {"items", Ref("LoyaltyProgram")}}}});
  s["Coupon"] = Object({{"code", Str()}, {"customer", Str()}, {"program", Str()}, {"reward", {{"type", "object"}}},
                        {"status", {{"type", "string"}, {"enum", {"active", "used", "expired"}}}},
                        {"issued_at", Time()}, {"expires_at", NullableTime()}, {"redeemed_at", NullableTime()},
                        {"redeemed_ref", Str()}});
  json num = {{"type", "number"}}, nullable_num = {{"type", {"number", "null"}}};
  json part = {{"type", "object"}, {"description", "the part's results, or {\"error\": \"why it was not computed\"}"}};
  json reason = Object({{"feature", Str()}, {"value", nullable_num}, {"contribution", num}});
  s["Analytics"] = Object(
      {{"run", Int()}, {"computed_at", Time()}, {"took_ms", Int()}, {"currency", Str()}, {"customers", Int()},
       {"subscriptions", Int()}, {"sales", Int()},
       {"kpis", {{"type", "array"}, {"items", Object({{"month", Str()}, {"active_start", Int()}, {"new", Int()},
                                                     {"churned", Int()}, {"voluntary", Int()}, {"involuntary", Int()},
                                                     {"unspecified", Int()}, {"churn_rate", num}, {"retention_rate", num},
                                                     {"mrr_start_minor", Int()}, {"mrr_churned_minor", Int()},
                                                     {"revenue_churn_rate", num}})}}},
       {"cohorts", part}, {"subscription_cohorts", {{"type", "array"}}}, {"survival", part}, {"clv", part},
       {"rfm", part}, {"churn_model", part}},
      {"computed_at", "kpis", "cohorts", "survival", "clv", "rfm", "churn_model"});
  s["AnalyticsRefresh"] = Object({{"run", Int()}, {"computed_at", Time()}, {"took_ms", Int()}, {"customers_scored", Int()}});
  s["CustomerAnalytics"] = Object(
      {{"customer", Str()}, {"scored", Bool()}, {"computed_at", Time()},
       {"clv", Object({{"frequency", num}, {"recency_weeks", num}, {"age_weeks", num}, {"mean_spend_minor", Int()},
                       {"p_alive", num}, {"expected_purchases_13w", num}, {"expected_spend_minor", Int()},
                       {"clv_minor", Int()}})},
       {"rfm", Object({{"recency_days", num}, {"frequency", num}, {"monetary_minor", Int()}, {"r", Int()}, {"f", Int()},
                       {"m", Int()}, {"segment", Str()}})},
       {"churn", Object({{"risk", num}, {"reasons", {{"type", "array"}, {"items", reason}}}})}},
      {"customer", "scored"});
  s["Membership"] = Object({{"customer", Str()},
                            {"memberships", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                            {"coupons", {{"type", "array"}, {"items", Ref("Coupon")}}},
                            {"referral", {{"type", "object"}, {"description", "code, referred_by, referrals by status"}}}});
  s["TierStatus"] = Object({{"tier", NullableStr()}, {"reached", NullableStr()}, {"manual", NullableStr()},
                            {"measure", {{"type", "string"}, {"enum", {"points", "spend"}}}}, {"value", Int()},
                            {"window_days", Int()}, {"next", NullableStr()}, {"to_next", Int()},
                            {"below_since", NullableTime()}, {"downgrade_at", NullableTime()},
                            {"downgrade_to", NullableStr()}});
  s["ManualTier"] = Object({{"program", Str()}, {"tier", {{"type", {"string", "null"}}, {"description", "null clears it"}}},
                            {"reason", Str()}},
                           {"program", "tier", "reason"});
  s["PromotionClaim"] = Object({{"program", Str()}, {"promotion", Str()}, {"customer", Str()}},
                               {"program", "promotion", "customer"});
  s["ReferralCode"] = Object({{"customer", Str()}, {"code", Str()}});
  s["Referral"] = Object({{"id", Int()}, {"referrer", Str()}, {"referee", NullableStr()}, {"email", Str()},
                          {"status", {{"type", "string"}, {"enum", {"invited", "registered", "qualified", "refused"}}}},
                          {"reason", NullableStr()}, {"program", NullableStr()}, {"created_at", Time()},
                          {"registered_at", NullableTime()}, {"qualified_at", NullableTime()}});
  s["Referrals"] = Object({{"data", {{"type", "array"}, {"items", Ref("Referral")}}}});
  s["ReferralInvitation"] = Object({{"referrer", Str()}, {"email", Str()}}, {"referrer", "email"});
  s["ReferralSignUp"] = Object({{"code", Str()}, {"customer", Str()}}, {"code", "customer"});
  s["LedgerEntry"] = Object({{"id", Int()}, {"kind", Str()}, {"points", Int()}, {"source", Str()}, {"ref", Str()},
                             {"reason", Str()}, {"actor", Str()}, {"program_version", Int()}, {"occurred_at", Time()}});
  s["LedgerPage"] = Object({{"data", {{"type", "array"}, {"items", Ref("LedgerEntry")}}}, {"next_cursor", NullableStr()}});
  s["NewRedemption"] = Object({{"program", Str()}, {"customer", Str()}, {"reward", Str()}}, {"program", "customer", "reward"});
  s["NewAdjustment"] = Object({{"program", Str()}, {"customer", Str()}, {"points", Int()}, {"reason", Str()}},
                              {"program", "customer", "points", "reason"});
  s["CouponUse"] = Object({{"ref", {{"type", "string"}, {"description", "the purchase or visit the coupon is used on"}}}},
                          {"ref"});
  s["ExpiryRun"] = Object({{"expired_points", Int()}, {"tier_changes", Int()}, {"expiry_warnings", Int()},
                          {"celebrations", Int()}});
  s["LoyaltyReport"] = Object({{"program", Str()}, {"from", Time()}, {"to", Time()},
                               {"months", {{"type", "array"}, {"items", {{"type", "object"}}}}}, {"members", Int()},
                               {"outstanding_points", Int()}, {"liability_minor", {{"type", {"integer", "null"}}}},
                               {"currency", Str()},
                               {"retention", {{"type", "object"},
                                              {"description", "members' and non-members' repeat purchase in the last 90 "
                                                              "days of those who bought in the 90 before"}}}});
  s["LoyaltyPreview"] = Object({{"program", {{"type", {"object", "string"}}, {"description", "a document, or the id of a stored program"}}},
                                {"document_text", {{"type", "string"}, {"description", "instead of program: a document in JSON or TOML"}}},
                                {"purchase", Ref("Purchase")}},
                               {"purchase"});
  s["Basket"] = Object({{"program", Str()}, {"kind", Str()}, {"qualifying_minor", Int()}, {"items", Int()},
                        {"points", Int()}, {"punches", Int()},
                        {"by_tier", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                        {"promotions", {{"type", "array"}, {"items", {{"type", "object"}}}}}});
  json terms = Object({{"discount_bp", Int()}, {"free_months", Int()}, {"cost_minor", Int()}});
  json offer = Object({{"id", Str()}, {"name", Str()}, {"kind", {{"type", "string"}, {"enum", {"discount", "credit", "free_addon", "pause", "downgrade", "other"}}}},
                       {"terms", terms}, {"p_accept", num}, {"value_minor", Int()}, {"expected_net_minor", Int()},
                       {"needs_approval", Bool()}, {"exceeds", {{"type", "array"}, {"items", Str()}}}});
  json reasons = {{"type", "string"}, {"enum", {"too_expensive", "not_using", "moving", "competitor", "service_quality",
                                               "technical", "billing", "other"}}};
  s["RetentionDeskDocument"] = {{"type", "object"}, {"description", "offers, policies, control_share, prior, thompson, "
                                                                      "cancel_when, value_months, value_bands, risk_bands, "
                                                                      "talk_tracks (docs/RETENTION.md)"}};
  s["RetentionDesk"] = Object({{"version", Int()}, {"document", Ref("RetentionDeskDocument")}, {"created_by", Str()},
                               {"created_at", Time()}}, {"version", "document"});
  s["RetentionOffers"] = Object({{"subscription", Str()}, {"customer", Str()}, {"reason", reasons}, {"plan", Str()},
                                 {"monthly_minor", Int()}, {"tenure_days", Int()}, {"value_minor", Int()},
                                 {"value_band", Str()}, {"risk", nullable_num}, {"risk_band", Str()},
                                 {"talk_track", Str()}, {"offers", {{"type", "array"}, {"items", offer}}},
                                 {"ineligible", {{"type", "array"}, {"items", {{"type", "object"}}}}}});
  s["CancelRequestInput"] = Object({{"subscription", Str()}, {"reason", reasons},
                                    {"channel", {{"type", "string"}, {"enum", {"phone", "chat", "web", "api"}}}},
                                    {"note", Str()}},
                                   {"subscription", "reason"});
  s["CancelRequest"] = Object(
      {{"id", Int()}, {"customer", Str()}, {"subscription", Str()}, {"channel", Str()}, {"reason", reasons},
       {"note", Str()}, {"opened_by", Str()},
       {"status", {{"type", "string"}, {"enum", {"open", "pending_approval", "saved", "withdrawn", "cancelled"}}}},
       {"control", Bool()}, {"desk_version", Int()}, {"value_band", Str()}, {"risk_band", Str()},
       {"monthly_minor", Int()}, {"value_minor", Int()}, {"offers", {{"type", "array"}, {"items", offer}}},
       {"offer", NullableStr()}, {"cost_minor", Int()}, {"presented", {{"type", "array"}, {"items", Str()}}},
       {"decided_by", NullableStr()}, {"created_at", Time()}, {"decided_at", NullableTime()},
       {"cancel_effective_at", NullableTime()}, {"talk_track", Str()},
       {"approvals", {{"type", "array"}, {"items", Ref("Approval")}}}},
      {"id", "status", "offers"});
  s["CancelRequests"] = Object({{"data", {{"type", "array"}, {"items", Ref("CancelRequest")}}}, {"next_before", Int()}});
  s["CancelOutcome"] = Object({{"outcome", {{"type", "string"}, {"enum", {"accepted", "declined", "withdrawn"}}}},
                               {"offer", Str()}, {"presented", {{"type", "array"}, {"items", Str()}}}},
                              {"outcome"});
  s["ApprovalInput"] = Object({{"offer", Str()}, {"note", Str()}}, {"offer"});
  s["Approval"] = Object({{"id", Int()}, {"request", Int()}, {"offer", Str()}, {"terms", {{"type", "object"}}},
                          {"requested_by", Str()}, {"requester_role", Str()}, {"note", Str()},
                          {"status", {{"type", "string"}, {"enum", {"pending", "approved", "declined"}}}},
                          {"decided_by", NullableStr()}, {"decision_note", Str()}, {"requested_at", Time()},
                          {"decided_at", NullableTime()}});
  s["Approvals"] = Object({{"data", {{"type", "array"}, {"items", Ref("Approval")}}}});
  s["ApprovalDecision"] = Object({{"decision", {{"type", "string"}, {"enum", {"approve", "decline"}}}}, {"note", Str()}},
                                 {"decision"});
  s["RetentionReport"] = {{"type", "object"},
                          {"description", "requests, decided, saved, save_rate, kept_30_days, kept_90_days (each a rate "
                                          "with a 95 % Wilson interval), revenue_saved_minor, incentive_cost_minor, "
                                          "return_on_incentive; offered, control, incremental_save_rate; by_offer, "
                                          "by_reason, by_agent, by_channel"}};
  s["RetentionUpkeep"] = Object({{"subscriptions_changed", Int()}, {"retries_requested", Int()}, {"final_actions", Int()},
                                 {"recoveries_closed", Int()}, {"expiry_reminders", Int()}, {"winback_offered", Int()},
                                 {"winback_held_out", Int()}, {"winback_expired", Int()}});
  s["Recovery"] = Object(
      {{"id", Int()}, {"customer", Str()}, {"subscription", Str()}, {"failed_payment", Str()},
       {"last_failed_payment", Str()}, {"amount_minor", Int()}, {"currency", Str()}, {"failure_reason", Str()},
       {"status", {{"type", "string"}, {"enum", {"retrying", "grace", "suspended", "recovered", "lost"}}}},
       {"retries_done", Int()}, {"manual_retries", Int()}, {"failed_attempts", Int()}, {"opened_at", Time()},
       {"next_action_at", NullableTime()}, {"closed_at", NullableTime()}, {"closed_by", Str()}, {"stage", Str()},
       {"recovered_payment", Str()}, {"recovered_minor", Int()}},
      {"id", "status"});
  s["Recoveries"] = Object({{"data", {{"type", "array"}, {"items", Ref("Recovery")}}}, {"next_before", Int()}});
  s["RecoveryReport"] = {{"type", "object"},
                         {"description", "opened, recovered, lost, open, recovery_rate (of those decided, with a 95 % "
                                         "Wilson interval), at_risk_minor, recovered_minor, lost_minor, manual_retries, "
                                         "median_days_to_recover, recovered_by_stage, by_reason, by_month"}};
  s["PaymentMethods"] = Object({{"data", {{"type", "array"}, {"items", Object({{"method", Str()}, {"label", Str()},
                                                                             {"expires", Str()},
                                                                             {"stops_working_at", Time()}})}}}});
  s["CancelLink"] = Object({{"subscription", Str()}, {"token", Str()}, {"path", Str()}, {"expires_at", Time()}});
  s["SelfServeRequest"] = Object({{"id", Int()}, {"status", Str()},
                                  {"offer", {{"type", {"object", "null"}}, {"description", "id, name (by language), kind"}}},
                                  {"accepted_offer", Str()}, {"cancel_effective_at", NullableTime()}});
  s["SelfServeCancel"] = Object({{"subscription", Str()}, {"plan", Str()}, {"status", Str()}, {"monthly_minor", Int()},
                                 {"currency", Str()}, {"first_name", Str()}, {"locale", Str()},
                                 {"reasons", {{"type", "array"}, {"items", reasons}}}, {"cancelled_at", NullableTime()},
                                 {"request", {{"oneOf", {Ref("SelfServeRequest"), {{"type", "null"}}}}}}});
  s["SelfServeCancelInput"] = Object({{"reason", reasons}, {"note", Str()}}, {"reason"});
  s["SelfServeOutcome"] = Object({{"request", Int()}, {"outcome", {{"type", "string"}, {"enum", {"accepted", "declined"}}}}},
                                 {"request", "outcome"});
  s["CareDocument"] = {{"type", "object"},
                       {"description", "{\"calendar\": {\"hours\": {\"mon\": [\"09:00-17:00\"]}, \"holidays\": "
                                       "[\"2026-12-25\"]}, \"policies\": [{\"id\", \"categories\", \"severities\", "
                                       "\"value_bands\", \"channels\", \"first_response_minutes\", \"resolution_minutes\", "
                                       "\"warn_at\", \"escalate_after_minutes\"}]}"}};
  json sla_clock = {{"type", {"object", "null"}},
                    {"description", "target_minutes, elapsed_minutes (business), due_at, stopped, met, state "
                                    "(on_time, warned, breached, escalated)"}};
  s["CaseInput"] = Object({{"customer", Str()}, {"channel", {{"type", "string"}, {"enum", {"phone", "email", "letter", "web", "social", "survey"}}}},
                           {"category", {{"type", "string"}, {"enum", {"billing", "technical", "product_quality", "staff", "delivery", "other"}}}},
                           {"severity", {{"type", "string"}, {"enum", {"low", "medium", "high"}}}}, {"text", Str()},
                           {"purchase", Str()}, {"subscription", Str()}, {"assignee", Str()}, {"received_at", Time()}},
                          {"customer", "category", "text"});
  s["Case"] = Object({{"id", Int()}, {"customer", Str()}, {"channel", Str()}, {"category", Str()}, {"severity", Str()},
                      {"text", Str()}, {"purchase", Str()}, {"subscription", Str()}, {"assignee", Str()},
                      {"status", {{"type", "string"}, {"enum", {"new", "open", "waiting", "resolved", "closed"}}}},
                      {"priority", Int()}, {"policy", Str()}, {"value_band", Str()}, {"opened_at", Time()},
                      {"first_response_at", NullableTime()}, {"resolved_at", NullableTime()}, {"closed_at", NullableTime()},
                      {"reopened", Int()}, {"pauses", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                      {"sla", Object({{"first_response", sla_clock}, {"resolution", sla_clock}})},
                      {"history", {{"type", "array"}, {"items", {{"type", "object"}}}}}},
                     {"id", "status", "sla"});
  s["Cases"] = Object({{"data", {{"type", "array"}, {"items", Ref("Case")}}}, {"next_before", Int()}});
  s["CaseStatusChange"] = Object({{"status", {{"type", "string"}, {"enum", {"open", "waiting", "resolved", "closed"}}}},
                                  {"note", Str()}}, {"status"});
  s["CaseReply"] = Object({{"text", Str()}}, {"text"});
  s["CaseAssign"] = Object({{"assignee", Str()}}, {"assignee"});
  s["CareUpkeep"] = Object({{"cases_escalated", Int()}});
  s["CareReport"] = {{"type", "object"},
                     {"description", "cases, open, customers, per_1000_customers, first_response_minutes and "
                                     "resolution_minutes (median, p90; business minutes), first_response_met, "
                                     "resolution_met, reopen_rate, compensation_cost_minor, compensation_by_kind, "
                                     "by_month, by_category, top_problems"}};
  json local_text = {{"type", "object"}, {"description", "a text per language: {\"en\", \"pt\", \"da\"}; en is required"}};
  s["SurveyDocument"] = Object(
      {{"kind", {{"type", "string"}, {"enum", {"nps", "csat", "ces", "custom"}}}},
       {"trigger", {{"type", "string"}, {"enum", {"manual", "case_closed", "conversation"}}}}, {"active", Bool()},
       {"title", local_text}, {"intro", local_text}, {"thanks", local_text}, {"throttle_days", Int()},
       {"reminder_days", {{"type", "array"}, {"items", Int()}}}, {"expires_days", Int()}, {"follow_up", Bool()},
       {"questions", {{"type", "array"},
                      {"items", Object({{"id", Str()},
                                        {"type", {{"type", "string"}, {"enum", {"nps", "csat", "ces", "rating", "choice", "text"}}}},
                                        {"area", Str()}, {"text", local_text}, {"optional", Bool()},
                                        {"options", {{"type", "array"}, {"items", {{"type", "object"}}}}}},
                                       {"id", "type", "text"})}}}},
      {"title", "questions"});
  s["Survey"] = Object({{"key", Str()}, {"version", Int()}, {"kind", Str()}, {"trigger", Str()}, {"active", Bool()},
                        {"title", Str()}, {"missing_translations", {{"type", "array"}, {"items", Str()}}},
                        {"updated_by", Str()}, {"updated_at", Time()}, {"document", Ref("SurveyDocument")}},
                       {"key", "version", "document"});
  s["Surveys"] = Object({{"data", {{"type", "array"}, {"items", Ref("Survey")}}}, {"example", Ref("SurveyDocument")}});
  s["SurveyPreviewInput"] = Object({{"document", Ref("SurveyDocument")}, {"locale", Str()}}, {"document"});
  s["SurveyPage"] = Object({{"kind", Str()}, {"title", Str()}, {"intro", Str()}, {"thanks", Str()}, {"locale", Str()},
                            {"status", {{"type", "string"}, {"enum", {"waiting", "answered", "expired", "preview"}}}},
                            {"expires_at", Time()},
                            {"questions", {{"type", "array"},
                                           {"items", Object({{"id", Str()}, {"type", Str()}, {"text", Str()},
                                                             {"optional", Bool()}, {"min", Int()}, {"max", Int()},
                                                             {"options", {{"type", "array"}, {"items", {{"type", "object"}}}}}})}}}},
                           {"questions", "status"});
  s["InvitationInput"] = Object({{"customers", {{"type", "array"}, {"items", Str()}}},
                                 {"channel", {{"type", "string"}, {"enum", {"email", "print", "link"}}}}},
                                {"customers"});
  s["InvitationResult"] = Object(
      {{"invited", {{"type", "array"}, {"items", Object({{"customer", Str()}, {"invitation", Int()}, {"token", Str()},
                                                        {"path", Str()}, {"expires_at", Time()}})}}},
       {"skipped", {{"type", "array"}, {"items", Object({{"customer", Str()}, {"reason", Str()}})}}}});
  s["Invitation"] = Object({{"id", Int()}, {"survey", Str()}, {"customer", Str()}, {"locale", Str()}, {"channel", Str()},
                            {"source", Str()}, {"case", {{"type", {"integer", "null"}}}}, {"agent", Str()},
                            {"created_at", Time()}, {"expires_at", Time()}, {"reminders", Int()},
                            {"answered_at", NullableTime()},
                            {"status", {{"type", "string"}, {"enum", {"waiting", "answered", "expired"}}}}});
  s["Invitations"] = Object({{"data", {{"type", "array"}, {"items", Ref("Invitation")}}}, {"next_before", Int()}});
  s["SurveyTrigger"] = Object({{"trigger", {{"type", "string"}, {"enum", {"conversation", "case_closed"}}}},
                               {"customer", Str()}, {"agent", Str()}}, {"customer"});
  s["SurveyTriggered"] = Object({{"sent", Bool()}, {"invitation", Int()}, {"path", Str()}, {"reason", Str()}}, {"sent"});
  s["SurveyAnswer"] = Object({{"answers", {{"type", "object"}, {"description", "{\"question id\": score, option id or text}"}}}},
                             {"answers"});
  s["SurveyAnswered"] = Object({{"status", Str()}, {"thanks", Str()}, {"band", Str()}});
  s["SurveyResponse"] = Object({{"id", Int()}, {"survey", Str()}, {"customer", Str()}, {"kind", Str()},
                                {"score", {{"type", {"integer", "null"}}}}, {"band", Str()}, {"agent", Str()},
                                {"answers", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                                {"follow_up_case", {{"type", {"integer", "null"}}}}, {"answered_at", Time()}});
  s["CustomerSurveys"] = Object({{"invitations", {{"type", "array"}, {"items", Ref("Invitation")}}},
                                 {"responses", {{"type", "array"}, {"items", Ref("SurveyResponse")}}}});
  s["FeedbackReport"] = {{"type", "object"},
                         {"description", "responses, nps (score, low, high, promoters, passives, detractors and their "
                                         "shares), csat and ces (share, low, high, mean), negative, follow_ups, "
                                         "by_period, drivers (area, rated, mean, mean_negative, mean_other, "
                                         "low_share_negative, low_share_other, gap, correlation), agents, invited, "
                                         "answered, response_rate"}};
  s["FeedbackUpkeep"] = Object({{"reminders_sent", Int()}});
  s["RecoveryOutcomes"] = {{"type", "object"},
                           {"description", "complainants, not_subscribers, horizons: [{days, complainants, comparable, "
                                           "difference, compensated, not_compensated}] with rates as {n, k, rate, low, "
                                           "high} (95 % Wilson) and the difference with Newcombe's interval"}};
  s["SegmentFields"] = Object({{"data", {{"type", "array"}, {"items", Object({{"name", Str()}, {"type", Str()}, {"help", Str()}})}}}});
  s["SegmentInput"] = Object({{"segment", Str()}}, {"segment"});
  s["SegmentCount"] = Object({{"count", Int()}, {"customers", Int()}, {"sample", {{"type", "array"}, {"items", Str()}}},
                              {"canonical", Str()}, {"fields", {{"type", "array"}, {"items", Str()}}}, {"facts_as_of", Time()}},
                             {"count", "customers"});
  s["OutreachSettings"] = Object(
      {{"sender", Object({{"business_name", Str()}, {"from_email", Str()}, {"reply_to", Str()},
                          {"postal_address", {{"type", "array"}, {"items", Str()}}}, {"country", Str()}, {"city", Str()},
                          {"currency", Str()}, {"paper", {{"type", "string"}, {"enum", {"a4", "letter"}}}}})},
       {"policy", Object({{"caps", {{"type", "object"}, {"description", "by channel: {\"max\": messages, \"days\": period}"}}},
                          {"quiet_start_hour", Int()}, {"quiet_end_hour", Int()}})}});
  s["TemplateDocument"] = Object({{"name", Str()}, {"purpose", {{"type", "string"}, {"enum", {"marketing", "transactional"}}}},
                                  {"subject", local_text}, {"text", local_text}, {"html", local_text}},
                                 {"subject", "text"});
  s["Template"] = Object({{"key", Str()}, {"name", Str()}, {"purpose", Str()}, {"subject", local_text}, {"text", local_text},
                          {"html", local_text}, {"updated_by", Str()}, {"updated_at", Time()},
                          {"missing_translations", {{"type", "array"}, {"items", Str()}}},
                          {"unknown_variables", {{"type", "array"}, {"items", Str()}}}});
  s["Templates"] = Object({{"data", {{"type", "array"}, {"items", Ref("Template")}}},
                           {"variables", {{"type", "array"}, {"items", Object({{"name", Str()}, {"help", Str()}})}}},
                           {"example", Ref("TemplateDocument")}});
  s["TemplatePreviewInput"] = Object({{"customer", Str()}, {"locale", Str()}, {"template", Ref("TemplateDocument")},
                                      {"values", {{"type", "object"}}}},
                                     {"customer"});
  s["TemplatePreview"] = Object({{"locale", Str()}, {"subject", Str()}, {"text", Str()}, {"html", Str()},
                                 {"values", {{"type", "object"}}}, {"missing_translations", {{"type", "array"}, {"items", Str()}}},
                                 {"unknown_variables", {{"type", "array"}, {"items", Str()}}}});
  const json variants = {{"type", "array"}, {"items", Object({{"name", Str()}, {"template", Str()}, {"share", Int()}})}};
  s["CampaignDocument"] = Object({{"name", Str()}, {"segment", Str()},
                                  {"channel", {{"type", "string"}, {"enum", {"email", "print", "webhook"}}}},
                                  {"variants", variants}, {"holdout_percent", Int()}, {"outcome_days", Int()},
                                  {"send_at", Str()}},
                                 {"segment", "variants"});
  s["Campaign"] = Object({{"key", Str()}, {"name", Str()}, {"segment", Str()}, {"channel", Str()}, {"variants", variants},
                          {"holdout_percent", Int()}, {"outcome_days", Int()},
                          {"status", {{"type", "string"}, {"enum", {"draft", "scheduled", "sending", "sent", "cancelled"}}}},
                          {"seed", Str()}, {"audience", Int()}, {"send_at", NullableTime()}, {"audience_at", NullableTime()},
                          {"created_by", Str()}, {"created_at", Time()}, {"updated_at", Time()},
                          {"deliveries", {{"type", "object"}, {"description", "how many deliveries are in each status"}}}},
                         {"key", "status"});
  s["Campaigns"] = Object({{"data", {{"type", "array"}, {"items", Ref("Campaign")}}}});
  s["ScheduleInput"] = Object({{"send_at", Str()}});
  const json steps = {{"type", "array"}, {"items", Object({{"wait_days", Int()}, {"template", Str()}})}};
  s["JourneyDocument"] = Object({{"name", Str()}, {"trigger", Str()}, {"segment", Str()}, {"condition", Str()},
                                 {"channel", {{"type", "string"}, {"enum", {"email", "print", "webhook"}}}}, {"steps", steps},
                                 {"holdout_percent", Int()}, {"outcome_days", Int()}, {"active", Bool()}},
                                {"trigger", "steps"});
  s["Journey"] = Object({{"key", Str()}, {"name", Str()}, {"trigger", Str()}, {"segment", Str()}, {"condition", Str()}, {"channel", Str()},
                         {"steps", steps}, {"holdout_percent", Int()}, {"outcome_days", Int()}, {"active", Bool()},
                         {"seed", Str()}, {"since_event", Int()}, {"created_by", Str()}, {"updated_at", Time()},
                         {"deliveries", {{"type", "object"}}}},
                        {"key", "trigger"});
  s["SavedSegmentInput"] = Object({{"name", Str()}, {"segment", Str()}}, {"segment"});
  s["SavedSegment"] = Object({{"key", Str()}, {"name", Str()}, {"segment", Str()}, {"members", Int()},
                              {"refreshed_at", NullableTime()}, {"created_by", Str()}, {"updated_at", Time()},
                              {"sample", {{"type", "array"}, {"items", Str()}}}},
                             {"key", "segment", "members"});
  s["SavedSegments"] = Object({{"data", {{"type", "array"}, {"items", Ref("SavedSegment")}}}});
  s["BounceResult"] = Object({{"recipient", Str()}, {"action", Str()}, {"status", Str()}, {"permanent", Bool()},
                              {"suppressed", Bool()}, {"changed", Bool()}, {"delivery", {{"type", {"integer", "null"}}}}},
                             {"recipient", "permanent"});
  s["ContestDocument"] = Object({{"name", Str()}, {"rules", Str()}, {"prize", Str()}, {"eligibility", Str()},
                                 {"opens_at", Str()}, {"closes_at", Str()}, {"winners", Int()},
                                 {"channel", {{"type", "string"}, {"enum", {"email", "print", "webhook"}}}}, {"template", Str()}},
                                {"prize", "opens_at", "closes_at"});
  const json entry = Object({{"customer", Str()}, {"entry_code", Str()}, {"entered_at", Time()}, {"via", Str()},
                             {"winner_rank", {{"type", {"integer", "null"}}}}});
  s["ContestEntryInput"] = Object({{"customer", Str()}}, {"customer"});
  s["ContestEntry"] = entry;
  s["ContestEntries"] = Object({{"data", {{"type", "array"}, {"items", entry}}}});
  s["Contest"] = Object({{"key", Str()}, {"name", Str()}, {"rules", Str()}, {"prize", Str()}, {"eligibility", Str()},
                         {"opens_at", Time()}, {"closes_at", Time()}, {"winners", Int()}, {"channel", Str()}, {"template", Str()},
                         {"status", {{"type", "string"}, {"enum", {"open", "drawn", "cancelled"}}}},
                         {"phase", {{"type", "string"}, {"enum", {"upcoming", "open", "closed", "drawn", "cancelled"}}}},
                         {"commitment", Str()}, {"seed", {{"type", {"string", "null"}}, {"description", "public once drawn"}}},
                         {"drawn_at", NullableTime()}, {"entries", Int()}, {"winners_drawn", {{"type", "array"}, {"items", entry}}},
                         {"deliveries", {{"type", "object"}}}, {"created_by", Str()}, {"created_at", Time()}, {"updated_at", Time()}},
                        {"key", "status", "commitment"});
  s["Contests"] = Object({{"data", {{"type", "array"}, {"items", Ref("Contest")}}}});
  s["ContestAudit"] = {{"type", "object"},
                       {"description", "key, name, rules, prize, opens_at, closes_at, winners, phase, commitment, committed_at, "
                                       "entries (a count), recipe; entry_codes once closed; seed once drawn or cancelled; "
                                       "drawn: [{rank, entry_code, ticket}] once drawn"}};
  s["Journeys"] = Object({{"data", {{"type", "array"}, {"items", Ref("Journey")}}},
                          {"triggers", {{"type", "array"}, {"items", Object({{"event", Str()}, {"help", Str()}})}}}});
  s["CampaignResults"] = {{"type", "object"},
                          {"description", "campaign, from, to, outcome_days, complete, currency; groups: [{group, customers, sent, "
                                          "purchase_rate, cancel_rate ({n, k, rate, low, high}), revenue_per_customer_minor "
                                          "({n, mean, low, high})}]; lifts: [{group, purchase_rate, cancel_rate, "
                                          "revenue_per_customer_minor ({estimate, low, high} against held out, or null)}]"}};
  s["Delivery"] = Object({{"id", Int()}, {"source", Str()}, {"customer", Str()}, {"channel", Str()}, {"template", Str()},
                          {"variant", Str()}, {"purpose", Str()},
                          {"status", {{"type", "string"}, {"enum", {"queued", "sending", "sent", "held_out", "skipped", "failed", "bounced"}}}},
                          {"reason", Str()}, {"due_at", Time()}, {"sent_at", NullableTime()}, {"attempts", Int()},
                          {"address", Str()}, {"subject", Str()}});
  s["Deliveries"] = Object({{"data", {{"type", "array"}, {"items", Ref("Delivery")}}}});
  s["SuppressionInput"] = Object({{"channel", Str()}, {"address", Str()}, {"reason", Str()}}, {"channel", "address"});
  s["Suppression"] = Object({{"channel", Str()}, {"address", Str()}, {"suppressed", Bool()}});
  s["Unsubscribe"] = Object({{"first_name", Str()}, {"locale", Str()}, {"channel", Str()}, {"business_name", Str()},
                             {"subscribed", Bool()}, {"changed", Bool()}});
  s["CompensationInput"] = Object(
      {{"kind", {{"type", "string"}, {"enum", {"coupon", "refund", "credit", "free_months", "apology"}}}},
       {"amount_minor", Int()}, {"currency", Str()}, {"product", Str()}, {"months", Int()}, {"subscription", Str()},
       {"note", Str()}, {"ask", Bool()}},
      {"kind"});
  s["Compensation"] = Object({{"id", Int()}, {"case", Int()}, {"customer", Str()}, {"kind", Str()}, {"value_minor", Int()},
                              {"currency", Str()}, {"product", Str()}, {"months", Int()}, {"subscription", Str()},
                              {"note", Str()},
                              {"status", {{"type", "string"}, {"enum", {"granted", "pending_approval", "declined"}}}},
                              {"requested_by", Str()}, {"decided_by", Str()}, {"code", Str()}, {"created_at", Time()},
                              {"decided_at", NullableTime()}},
                             {"id", "status", "value_minor"});
  s["Compensations"] = Object({{"data", {{"type", "array"}, {"items", Ref("Compensation")}}}});
  s["WinbackEntry"] = Object(
      {{"id", Int()}, {"customer", Str()}, {"subscription", Str()}, {"offer", Str()}, {"control", Bool()},
       {"status", {{"type", "string"}, {"enum", {"open", "reactivated", "expired"}}}}, {"cancel_cause", Str()},
       {"locale", Str()}, {"entered_at", Time()}, {"expires_at", Time()}, {"reactivated_at", NullableTime()},
       {"reactivated_subscription", Str()}, {"monthly_minor", Int()}, {"currency", Str()}},
      {"id", "status"});
  s["WinbackEntries"] = Object({{"data", {{"type", "array"}, {"items", Ref("WinbackEntry")}}}, {"next_before", Int()}});
  s["WinbackReport"] = {{"type", "object"},
                        {"description", "entered, reactivated, reactivation_rate, revenue_reactivated_minor; offered and "
                                        "control (held out) alike, incremental_reactivation_rate with Newcombe's "
                                        "interval; by_cause, by_month"}};
  s["OpenApi"] = {{"type", "object"}};
  s["Metrics"] = {{"type", "string"}};
  return s;
}

}  // namespace

json OpenApi(const Router& router) {
  json paths = json::object();
  for (const auto& r : router.routes()) {
    json op = {{"summary", r.doc.summary}, {"tags", {r.doc.tag}}};
    json params = json::array();
    for (size_t open = r.pattern.find('{'); open != std::string::npos; open = r.pattern.find('{', open + 1)) {
      auto close = r.pattern.find('}', open);
      params.push_back({{"name", r.pattern.substr(open + 1, close - open - 1)}, {"in", "path"}, {"required", true},
                        {"schema", Str()}});
    }
    for (const auto& q : r.doc.query) {
      params.push_back({{"name", q.name}, {"in", "query"}, {"description", q.description}, {"schema", Str()}});
    }
    if (r.method == "POST") {
      params.push_back({{"name", "Idempotency-Key"}, {"in", "header"},
                        {"description", "a retry with the same key replays the first response"},
                        {"schema", Str()}});
    }
    if (!params.empty()) op["parameters"] = params;
    if (!r.doc.permission.empty()) {
      op["security"] = {{{"session", json::array()}}, {{"apiKey", json::array()}}};
      op["x-retain-permission"] = r.doc.permission;
    }
    if (!r.doc.request_schema.empty()) {
      json content = {{"application/json", {{"schema", Ref(r.doc.request_schema)}}}};
      if (r.doc.accepts_ndjson) {
        content["application/x-ndjson"] = {{"schema", {{"type", "string"}, {"description", "one JSON object per line"}}}};
      }
      op["requestBody"] = {{"required", true}, {"content", content}};
    }
    json ok = {{"description", "success"}};
    if (r.doc.response_schema == "Metrics") {
      ok["content"] = {{"text/plain", {{"schema", Ref("Metrics")}}}};
    } else if (!r.doc.response_schema.empty()) {
      ok["content"] = {{"application/json", {{"schema", Ref(r.doc.response_schema)}}}};
    }
    op["responses"] = {{"200", ok},
                       {"default", {{"description", "an error"}, {"content", {{"application/json", {{"schema", Ref("Error")}}}}}}}};
    if (r.method == "POST") op["responses"]["201"] = ok;
    std::string method = r.method;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    paths[r.pattern][method] = op;
  }
  return {{"openapi", "3.1.0"},
          {"info", {{"title", "Retain API"}, {"version", RETAIN_VERSION},
                    {"description", "Customer retention management: records, imports and the programs built on them."}}},
          {"paths", paths},
          {"components", {{"schemas", Schemas()},
                          {"securitySchemes",
                           {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "retain_session"},
                                         {"description", "from POST /v1/session; unsafe methods also need X-CSRF-Token"}}},
                            {"apiKey", {{"type", "http"}, {"scheme", "bearer"},
                                        {"description", "an API key rk_<prefix>_<secret> with scopes"}}}}}}}};
}

void AddServiceRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  Metrics* metrics = ctx.metrics;
  router.Add({"GET", "/healthz", {"Liveness and database reachability", "service", {}, "", "Health"},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& stores) {
                  core::RecordStore& store = stores.records();
                  auto ok = store.GetSetting("timezone");
                  if (!ok) return ErrorResponse(Error{ErrorCode::kUnavailable, "database: " + ok.error().message, ""});
                  return Json(200, {{"status", "ok"}});
                }, std::move(reply));
              }});
  router.Add({"GET", "/metrics", {"Metrics in the Prometheus text format", "service", {}, "", "Metrics"},
              [metrics](Request, Reply reply) {
                Response r;
                r.content_type = "text/plain; version=0.0.4";
                r.body = metrics->Render();
                reply(std::move(r));
              }});
  const Router* self = &router;
  router.Add({"GET", "/openapi.json", {"This API's OpenAPI 3.1 description", "service", {}, "", "OpenApi"},
              [self](Request, Reply reply) { reply(Json(200, OpenApi(*self))); }});
  router.Add({"GET", "/v1/stats", {"How many of each record the database holds", "service", {}, "", "Stats",
                                    false, std::string(staff::kRecordsRead)},
              [workers](Request, Reply reply) {
                workers->Read([](Stores& stores) {
                  core::RecordStore& store = stores.records();
                  auto c = store.Counts();
                  if (!c) return ErrorResponse(c.error());
                  return Json(200, ToJson(*c));
                }, std::move(reply));
              }});
}

}  // namespace retain::server
