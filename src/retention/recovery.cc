#include "retention/recovery.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>

namespace retain::retention {
namespace {

using nlohmann::json;

json TimeOrNull(const std::optional<Timestamp>& t) { return t ? json(FormatTimestamp(*t)) : json(); }

Status Emit(core::WebhookStore& outbox, const std::string& type, const std::string& id, json data, Timestamp at) {
  json event = {{"type", type}, {"created_at", FormatTimestamp(at)}, {"data", std::move(data)}};
  return outbox.AppendOutbox({0, type, id, event.dump(), at});
}

Status Audit(core::RecordStore& records, const std::string& actor, std::string action, const Recovery& before,
             const Recovery& after, Timestamp at) {
  json b = before.id == 0 ? json() : RecoveryJson(before);
  return records.AppendAudit({at, actor, std::move(action), "payment_recoveries", std::to_string(after.id), b.dump(),
                              RecoveryJson(after).dump()});
}

// What the customer and the billing system hear at a step: the amount owed, the attempt, the
// final action's date.
json StepData(const Recovery& r, const RecoveryPolicy& policy, const BusinessZone& zone) {
  json d = RecoveryJson(r);
  d["retries_total"] = policy.retry_days.size();
  d["final_action"] = policy.final_action == FinalAction::kCancel ? "cancel" : "suspend";
  d["final_action_at"] = FormatTimestamp(GraceEnd(policy, r.opened_at, zone));
  return d;
}

std::string StageOf(const Recovery& r) {
  if (r.status == RecoveryStatus::kSuspended) return "suspended";
  if (r.status == RecoveryStatus::kGrace) return "grace";
  if (r.retries_done == 0) return "before_retry";
  return fmt::format("retry_{}", r.retries_done);
}

// The instant a card expiring in month "YYYY-MM" stops working: the next month's first local
// midnight. InvalidArgument naming `field`.
Result<Timestamp> ExpiryInstant(std::string_view text, const BusinessZone& zone, const std::string& field) {
  int y = 0;
  unsigned m = 0;
  if (text.size() != 7 || text[4] != '-' ||
      std::sscanf(std::string(text).c_str(), "%4d-%2u", &y, &m) != 2 || m < 1 || m > 12 || y < 2000 || y > 2200) {
    return InvalidArgument(fmt::format("'{}' is not a month; write YYYY-MM (the last month the card works)", text), field);
  }
  date::year_month_day next = date::year_month_day(date::year(y), date::month(m), date::day(1)) + date::months(1);
  return zone.StartOfDay(next);
}

}  // namespace

std::string_view RecoveryStatusName(RecoveryStatus status) {
  switch (status) {
    case RecoveryStatus::kRetrying: return "retrying";
    case RecoveryStatus::kGrace: return "grace";
    case RecoveryStatus::kSuspended: return "suspended";
    case RecoveryStatus::kRecovered: return "recovered";
    case RecoveryStatus::kLost: return "lost";
  }
  return "retrying";
}

std::optional<RecoveryStatus> ParseRecoveryStatus(std::string_view name) {
  for (auto s : {RecoveryStatus::kRetrying, RecoveryStatus::kGrace, RecoveryStatus::kSuspended,
                 RecoveryStatus::kRecovered, RecoveryStatus::kLost}) {
    if (RecoveryStatusName(s) == name) return s;
  }
  return std::nullopt;
}


Timestamp RetryAt(const RecoveryPolicy& policy, Timestamp opened, size_t step, const BusinessZone& zone) {
  return AddDays(opened, policy.retry_days.at(step), zone);
}

Timestamp GraceEnd(const RecoveryPolicy& policy, Timestamp opened, const BusinessZone& zone) {
  int last = policy.retry_days.empty() ? 0 : policy.retry_days.back();
  return AddDays(opened, last + policy.grace_days, zone);
}

NextStep PlanNextStep(const RecoveryPolicy& policy, const Recovery& r, Timestamp now, const BusinessZone& zone) {
  NextStep next;
  if (r.status == RecoveryStatus::kSuspended || !IsOpen(r.status)) return next;
  size_t total = policy.retry_days.size();
  size_t done = std::min(static_cast<size_t>(std::max(r.retries_done, 0)), total);
  size_t due = done;
  while (due < total && RetryAt(policy, r.opened_at, due, zone) <= now) ++due;
  Timestamp grace_end = GraceEnd(policy, r.opened_at, zone);
  if (due > done) {
    next.kind = NextStep::Kind::kRetry;
    next.retry = static_cast<int>(due);
    next.skipped = static_cast<int>(due - done - 1);
    next.next_action_at = due < total ? RetryAt(policy, r.opened_at, due, zone) : grace_end;
    // A recovery that the upkeep reaches after its grace ended goes straight to the final action.
    if (due == total && grace_end <= now) {
      next.kind = NextStep::Kind::kFinalAction;
      next.skipped = static_cast<int>(total - done);
      next.retry = 0;
      next.next_action_at.reset();
    }
    return next;
  }
  if (done >= total && grace_end <= now) {
    next.kind = NextStep::Kind::kFinalAction;
    return next;
  }
  next.next_action_at = done < total ? RetryAt(policy, r.opened_at, done, zone) : grace_end;
  return next;
}

json RecoveryJson(const Recovery& r) {
  return {{"id", r.id},
          {"customer", r.customer},
          {"subscription", r.subscription},
          {"failed_payment", r.failed_payment},
          {"last_failed_payment", r.last_failed_payment},
          {"amount_minor", r.amount_minor},
          {"currency", r.currency},
          {"failure_reason", r.failure_reason},
          {"status", RecoveryStatusName(r.status)},
          {"retries_done", r.retries_done},
          {"manual_retries", r.manual_retries},
          {"failed_attempts", r.failed_attempts},
          {"opened_at", FormatTimestamp(r.opened_at)},
          {"next_action_at", TimeOrNull(r.next_action_at)},
          {"closed_at", TimeOrNull(r.closed_at)},
          {"closed_by", r.closed_by},
          {"stage", r.stage},
          {"recovered_payment", r.recovered_payment},
          {"recovered_minor", r.recovered_minor}};
}

Status OnPayment(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                 const core::Payment& payment, core::WriteOutcome outcome, const RecoveryPolicy& policy,
                 const BusinessZone& zone, const std::string& actor) {
  if (outcome == core::WriteOutcome::kUnchanged || payment.subscription.empty()) return Ok();
  if (payment.status == core::PaymentStatus::kRefunded) return Ok();
  RETAIN_ASSIGN_OR_RETURN(auto open, store.OpenRecoveryFor(payment.subscription));
  Timestamp at = payment.occurred_at;
  if (payment.status == core::PaymentStatus::kFailed) {
    if (open) {
      // Another failed attempt (a retry's result); the same payment written again is not one.
      if (payment.external_id == open->failed_payment || payment.external_id == open->last_failed_payment) return Ok();
      Recovery after = *open;
      ++after.failed_attempts;
      after.last_failed_payment = payment.external_id;
      if (!payment.failure_reason.empty()) after.failure_reason = payment.failure_reason;
      RETAIN_ASSIGN_OR_RETURN(bool written, store.UpdateRecovery(after, open->status));
      if (!written) return Conflict(fmt::format("recovery {} changed meanwhile", open->id), "");
      return Audit(records, actor, "recovery.attempt_failed", *open, after, at);
    }
    Recovery r;
    r.customer = payment.customer;
    r.subscription = payment.subscription;
    r.failed_payment = payment.external_id;
    r.last_failed_payment = payment.external_id;
    r.amount_minor = payment.amount_minor;
    r.currency = payment.currency;
    r.failure_reason = payment.failure_reason;
    r.opened_at = at;
    r.next_action_at = policy.retry_days.empty() ? GraceEnd(policy, at, zone) : RetryAt(policy, at, 0, zone);
    if (policy.retry_days.empty()) r.status = RecoveryStatus::kGrace;
    RETAIN_ASSIGN_OR_RETURN(r.id, store.CreateRecovery(r));
    RETAIN_RETURN_IF_ERROR(Audit(records, actor, "recovery.opened", Recovery{}, r, at));
    RETAIN_RETURN_IF_ERROR(Emit(outbox, "payment.recovery_started", std::to_string(r.id), StepData(r, policy, zone), at));
    json reminder = StepData(r, policy, zone);
    reminder["step"] = "failed";
    return Emit(outbox, "payment.reminder", std::to_string(r.id), std::move(reminder), at);
  }
  // A successful payment after the failure settles it.
  if (!open || payment.occurred_at < open->opened_at) return Ok();
  Recovery after = *open;
  after.stage = StageOf(*open);
  after.status = RecoveryStatus::kRecovered;
  after.closed_at = at;
  after.closed_by = "payment";
  after.next_action_at.reset();
  after.recovered_payment = payment.external_id;
  after.recovered_minor = payment.amount_minor;
  RETAIN_ASSIGN_OR_RETURN(bool written, store.UpdateRecovery(after, open->status));
  if (!written) return Conflict(fmt::format("recovery {} changed meanwhile", open->id), "");
  RETAIN_RETURN_IF_ERROR(Audit(records, actor, "recovery.recovered", *open, after, at));
  RETAIN_RETURN_IF_ERROR(Emit(outbox, "payment.recovered", std::to_string(after.id), RecoveryJson(after), at));
  if (open->status == RecoveryStatus::kSuspended) {
    RETAIN_ASSIGN_OR_RETURN(auto sub, records.GetSubscription(open->subscription));
    if (sub && sub->status == core::SubscriptionStatus::kPaused && !sub->resume_at) {
      sub->status = core::SubscriptionStatus::kActive;
      sub->paused_at.reset();
      RETAIN_RETURN_IF_ERROR(records.PutSubscription(*sub));
      json data = {{"subscription", sub->external_id}, {"customer", sub->customer}, {"recovery", after.id}};
      RETAIN_RETURN_IF_ERROR(Emit(outbox, "subscription.resumed", sub->external_id, std::move(data), at));
    }
  }
  return Ok();
}

Status OnPaymentMethodEvent(RetentionStore& store, const core::Event& event, core::WriteOutcome outcome,
                            const BusinessZone& zone) {
  if (outcome == core::WriteOutcome::kUnchanged || event.type != "payment_method.updated") return Ok();
  auto payload = json::parse(event.payload_json, nullptr, false);
  if (!payload.is_object()) return InvalidArgument("must be a JSON object", "payload");
  PaymentMethod m;
  m.customer = event.customer;
  m.method = payload.value("method", "");
  if (!payload.contains("method") || !payload["method"].is_string() || m.method.empty()) {
    return InvalidArgument("is required: the billing system's id of the payment method", "payload.method");
  }
  if (!payload.contains("expires") || !payload["expires"].is_string()) {
    return InvalidArgument("is required: the last month the method works, YYYY-MM", "payload.expires");
  }
  m.expires = payload["expires"].get<std::string>();
  RETAIN_ASSIGN_OR_RETURN(m.expires_at, ExpiryInstant(m.expires, zone, "payload.expires"));
  if (payload.contains("label")) {
    if (!payload["label"].is_string()) return InvalidArgument("must be a text", "payload.label");
    m.label = payload["label"].get<std::string>();
  }
  m.updated_at = event.occurred_at;
  return store.PutPaymentMethod(m);
}

Result<RecoveryUpkeep> AdvanceRecoveries(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                                         const RecoveryPolicy& policy, const BusinessZone& zone, Timestamp now) {
  RecoveryUpkeep done;
  RETAIN_ASSIGN_OR_RETURN(auto due, store.DueRecoveries(now));
  for (const auto& before : due) {
    RETAIN_ASSIGN_OR_RETURN(auto sub, records.GetSubscription(before.subscription));
    Recovery after = before;
    std::string action;
    if (!sub || sub->status == core::SubscriptionStatus::kCancelled) {
      // Ended by other means (the billing system cancelled it, or the customer did).
      after.status = RecoveryStatus::kLost;
      after.stage = StageOf(before);
      after.closed_at = sub && sub->cancelled_at ? *sub->cancelled_at : now;
      after.closed_by = "subscription_ended";
      after.next_action_at.reset();
      action = "recovery.closed";
      ++done.closed;
    } else {
      NextStep step = PlanNextStep(policy, before, now, zone);
      if (step.kind == NextStep::Kind::kNothing) {
        after.next_action_at = step.next_action_at;
        if (after.next_action_at == before.next_action_at) continue;
        action = "recovery.rescheduled";
      } else if (step.kind == NextStep::Kind::kRetry) {
        after.retries_done = step.retry;
        after.next_action_at = step.next_action_at;
        if (static_cast<size_t>(step.retry) >= policy.retry_days.size()) after.status = RecoveryStatus::kGrace;
        action = "recovery.retry_requested";
        json data = StepData(after, policy, zone);
        data["attempt"] = step.retry;
        data["skipped"] = step.skipped;
        data["manual"] = false;
        RETAIN_RETURN_IF_ERROR(Emit(outbox, "payment.retry_due", std::to_string(after.id), data, now));
        data["step"] = step.retry == static_cast<int>(policy.retry_days.size()) ? "last_retry" : "retry";
        RETAIN_RETURN_IF_ERROR(Emit(outbox, "payment.reminder", std::to_string(after.id), std::move(data), now));
        ++done.retries_requested;
      } else {
        after.retries_done = static_cast<int>(policy.retry_days.size());
        after.next_action_at.reset();
        after.stage = StageOf(before);
        json data = {{"subscription", sub->external_id}, {"customer", sub->customer}, {"recovery", after.id}};
        if (policy.final_action == FinalAction::kCancel) {
          sub->status = core::SubscriptionStatus::kCancelled;
          sub->cancelled_at = now;
          sub->cancel_cause = core::CancelCause::kInvoluntary;
          sub->cancel_reason = "payment_failed";
          after.status = RecoveryStatus::kLost;
          after.closed_at = now;
          after.closed_by = "final_action";
          RETAIN_RETURN_IF_ERROR(Emit(outbox, "subscription.cancelled", sub->external_id, data, now));
        } else {
          sub->status = core::SubscriptionStatus::kPaused;
          sub->paused_at = now;
          sub->resume_at.reset();
          after.status = RecoveryStatus::kSuspended;
          RETAIN_RETURN_IF_ERROR(Emit(outbox, "subscription.suspended", sub->external_id, data, now));
        }
        RETAIN_RETURN_IF_ERROR(records.PutSubscription(*sub));
        json notice = StepData(after, policy, zone);
        notice["step"] = after.status == RecoveryStatus::kLost ? "cancelled" : "suspended";
        RETAIN_RETURN_IF_ERROR(Emit(outbox, "payment.reminder", std::to_string(after.id), std::move(notice), now));
        action = "recovery.final_action";
        ++done.final_actions;
      }
    }
    RETAIN_ASSIGN_OR_RETURN(bool written, store.UpdateRecovery(after, before.status));
    if (!written) continue;  // a payment settled it in between
    RETAIN_RETURN_IF_ERROR(Audit(records, "system:upkeep", action, before, after, now));
  }
  if (policy.expiry_reminder_days > 0) {
    RETAIN_ASSIGN_OR_RETURN(auto expiring, store.ExpiringMethods(AddDays(now, policy.expiry_reminder_days, zone)));
    for (const auto& m : expiring) {
      if (m.expires_at <= now) {
        // Expired before anyone could remind: mark it so it is not reminded of after the fact.
        RETAIN_RETURN_IF_ERROR(store.MarkMethodReminded(m.customer, m.method, m.expires));
        continue;
      }
      json data = {{"customer", m.customer}, {"method", m.method}, {"label", m.label}, {"expires", m.expires},
                   {"stops_working_at", FormatTimestamp(m.expires_at)}};
      RETAIN_RETURN_IF_ERROR(Emit(outbox, "payment_method.expiring", m.customer, std::move(data), now));
      RETAIN_RETURN_IF_ERROR(store.MarkMethodReminded(m.customer, m.method, m.expires));
      ++done.expiry_reminders;
    }
  }
  return done;
}

Result<Recovery> ManualRetry(core::RecordStore& records, RetentionStore& store, core::WebhookStore& outbox,
                             int64_t recovery_id, const std::string& actor, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto before, store.GetRecovery(recovery_id));
  if (!before) return NotFound(fmt::format("no payment recovery {}", recovery_id), "id");
  if (!IsOpen(before->status)) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     fmt::format("recovery {} is {} already; nothing is owed", recovery_id,
                                 RecoveryStatusName(before->status)), "id");
  }
  Recovery after = *before;
  ++after.manual_retries;
  RETAIN_ASSIGN_OR_RETURN(bool written, store.UpdateRecovery(after, before->status));
  if (!written) return Conflict(fmt::format("recovery {} changed meanwhile; reload it", recovery_id), "id");
  json data = RecoveryJson(after);
  data["manual"] = true;
  data["requested_by"] = actor;
  RETAIN_RETURN_IF_ERROR(Emit(outbox, "payment.retry_requested", std::to_string(after.id), std::move(data), now));
  RETAIN_RETURN_IF_ERROR(Audit(records, actor, "recovery.manual_retry", *before, after, now));
  return after;
}

json RecoveryReport(const std::vector<Recovery>& rows, Timestamp now, const BusinessZone& zone) {
  struct Group {
    int64_t opened = 0, recovered = 0, lost = 0, open = 0;
    int64_t at_risk_minor = 0, recovered_minor = 0, lost_minor = 0, manual_retries = 0;
    std::vector<double> days_to_recover;
    void Add(const Recovery& r) {
      ++opened;
      at_risk_minor += r.amount_minor;
      manual_retries += r.manual_retries;
      if (r.status == RecoveryStatus::kRecovered) {
        ++recovered;
        recovered_minor += r.recovered_minor;
        if (r.closed_at) days_to_recover.push_back(std::chrono::duration<double>(*r.closed_at - r.opened_at).count() / 86400.0);
      } else if (r.status == RecoveryStatus::kLost) {
        ++lost;
        lost_minor += r.amount_minor;
      } else {
        ++open;
      }
    }
    json ToJson() {
      json out = {{"opened", opened}, {"recovered", recovered}, {"lost", lost}, {"open", open},
                  {"at_risk_minor", at_risk_minor}, {"recovered_minor", recovered_minor}, {"lost_minor", lost_minor},
                  {"manual_retries", manual_retries}};
      // The rate among those decided; open ones may still go either way.
      int64_t decided = recovered + lost;
      if (decided > 0) {
        Rate r = WilsonRate(recovered, decided);
        out["recovery_rate"] = {{"rate", r.rate}, {"low", r.low}, {"high", r.high}, {"n", decided}};
      } else {
        out["recovery_rate"] = json();
      }
      if (!days_to_recover.empty()) {
        std::sort(days_to_recover.begin(), days_to_recover.end());
        size_t n = days_to_recover.size();
        double median = n % 2 ? days_to_recover[n / 2] : (days_to_recover[n / 2 - 1] + days_to_recover[n / 2]) / 2;
        out["median_days_to_recover"] = median;
      } else {
        out["median_days_to_recover"] = json();
      }
      return out;
    }
  };
  Group all;
  std::map<std::string, Group> by_reason, by_month;
  std::map<std::string, int64_t> by_stage;
  std::map<std::string, int> currencies;
  for (const auto& r : rows) {
    all.Add(r);
    by_reason[r.failure_reason.empty() ? "(unknown)" : r.failure_reason].Add(r);
    auto day = zone.LocalDate(r.opened_at);
    by_month[fmt::format("{:04}-{:02}", static_cast<int>(day.year()), static_cast<unsigned>(day.month()))].Add(r);
    if (r.status == RecoveryStatus::kRecovered) ++by_stage[r.stage];
    ++currencies[r.currency];
  }
  json out = all.ToJson();
  auto most = std::max_element(currencies.begin(), currencies.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  out["currency"] = most == currencies.end() ? "" : most->first;
  auto list = [](std::map<std::string, Group>& groups) {
    json a = json::array();
    for (auto& [k, g] : groups) {
      json j = g.ToJson();
      j["key"] = k;
      a.push_back(std::move(j));
    }
    return a;
  };
  out["by_reason"] = list(by_reason);
  out["by_month"] = list(by_month);
  json stages = json::array();
  for (const auto& [k, n] : by_stage) stages.push_back({{"stage", k}, {"recovered", n}});
  out["recovered_by_stage"] = stages;
  out["as_of"] = FormatTimestamp(now);
  return out;
}

}  // namespace retain::retention
