#include "care/compensation.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "common/crypto.h"

namespace retain::care {
namespace {

using nlohmann::json;


// A coupon's code: "CMP-" and ten upper-case hex digits.
Result<std::string> CouponCode() {
  RETAIN_ASSIGN_OR_RETURN(std::string hex, RandomHex(5));
  for (auto& ch : hex) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return "CMP-" + hex;
}

// What granting does beyond recording it.
Status Apply(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox, Compensation& c,
             const BusinessZone& zone, Timestamp now) {
  std::string reason = fmt::format("complaint case {} compensation {}", c.case_id, c.id);
  if (c.kind == CompensationKind::kCredit || c.kind == CompensationKind::kFreeMonths) {
    RETAIN_ASSIGN_OR_RETURN(auto sub, records.GetSubscription(c.subscription));
    if (!sub) return NotFound(fmt::format("no subscription '{}'", c.subscription), "subscription");
    if (c.kind == CompensationKind::kCredit) {
      sub->discounts.push_back({0, c.value_minor, now, AddMonths(now, 1, zone), reason});
    } else {
      sub->discounts.push_back({10000, 0, now, AddMonths(now, c.months, zone), reason});
    }
    RETAIN_RETURN_IF_ERROR(records.PutSubscription(*sub));
  }
  if (c.kind == CompensationKind::kCoupon && c.code.empty()) {
    RETAIN_ASSIGN_OR_RETURN(c.code, CouponCode());
  }
  json event = {{"type", "compensation.granted"}, {"created_at", FormatTimestamp(now)}, {"data", CompensationJson(c)}};
  if (c.kind == CompensationKind::kApology) {
    // The letter itself, in the customer's language, for the e-mail or print channel to send.
    RETAIN_ASSIGN_OR_RETURN(auto customer, records.GetCustomer(c.customer));
    RETAIN_ASSIGN_OR_RETURN(auto k, store.GetCase(c.case_id));
    if (customer && k) event["data"]["letter"] = ApologyLetter(*customer, *k, c);
  }
  return outbox.AppendOutbox({0, "compensation.granted", std::to_string(c.id), event.dump(), now});
}

Status Audit(core::RecordStore& records, const std::string& actor, const std::string& action, const json& before,
             const Compensation& after, Timestamp now) {
  return records.AppendAudit({now, actor, action, "care_compensations", std::to_string(after.id), before.dump(),
                              CompensationJson(after).dump()});
}

}  // namespace

std::string_view CompensationKindName(CompensationKind kind) {
  switch (kind) {
    case CompensationKind::kCoupon: return "coupon";
    case CompensationKind::kRefund: return "refund";
    case CompensationKind::kCredit: return "credit";
    case CompensationKind::kFreeMonths: return "free_months";
    case CompensationKind::kApology: return "apology";
  }
  return "apology";
}

std::optional<CompensationKind> ParseCompensationKind(std::string_view name) {
  for (auto k : {CompensationKind::kCoupon, CompensationKind::kRefund, CompensationKind::kCredit,
                 CompensationKind::kFreeMonths, CompensationKind::kApology}) {
    if (CompensationKindName(k) == name) return k;
  }
  return std::nullopt;
}

bool IsCompensationCode(std::string_view code) {
  return code.size() == 14 && code.starts_with("CMP-") &&
         std::all_of(code.begin() + 4, code.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)) != 0; });
}

json ApologyLetter(const core::Customer& customer, const CaseRecord& k, const Compensation& c) {
  struct Words {
    const char* locale;
    const char* subject;
    const char* body;
    std::map<std::string, std::string, std::less<>> about;
  };
  static const std::array<Words, 3> kWords = {{
      {"en", "We are sorry (case {case})",
       "Dear {name},\n\nThank you for telling us about {about}. We are sorry: it should not have happened, and we have "
       "worked to put it right.{note}\n\nWe value you as a customer and hope to keep earning your trust.\n\n"
       "Yours sincerely,\nCustomer care",
       {{"billing", "your bill"}, {"technical", "the technical problem"}, {"product_quality", "the product"},
        {"staff", "how you were treated"}, {"delivery", "the delivery"}, {"other", "what went wrong"}}},
      {"pt", "Pedimos desculpa (caso {case})",
       "Caro(a) {name},\n\nObrigado por nos ter falado sobre {about}. Pedimos desculpa: não devia ter acontecido, e "
       "trabalhámos para o resolver.{note}\n\nValorizamos a sua preferência e esperamos continuar a merecer a sua "
       "confiança.\n\nCom os melhores cumprimentos,\nApoio ao cliente",
       {{"billing", "a sua fatura"}, {"technical", "o problema técnico"}, {"product_quality", "o produto"},
        {"staff", "a forma como foi atendido(a)"}, {"delivery", "a entrega"}, {"other", "o que correu mal"}}},
      {"da", "Vi beklager (sag {case})",
       "Kære {name},\n\nTak fordi du fortalte os om {about}. Vi beklager: det burde ikke være sket, og vi har arbejdet "
       "på at rette op på det.{note}\n\nVi sætter pris på dig som kunde og håber at bevare din tillid.\n\n"
       "Med venlig hilsen\nKundeservice",
       {{"billing", "din regning"}, {"technical", "det tekniske problem"}, {"product_quality", "produktet"},
        {"staff", "den måde, du blev behandlet på"}, {"delivery", "leveringen"}, {"other", "det, der gik galt"}}},
  }};
  const Words* w = &kWords[0];
  for (const auto& x : kWords) {
    if (customer.locale == x.locale) w = &x;
  }
  auto about = w->about.find(k.category);
  auto fill = [&](std::string text) {
    auto put = [&](std::string_view key, const std::string& value) {
      for (auto p = text.find(key); p != std::string::npos; p = text.find(key, p + value.size())) text.replace(p, key.size(), value);
    };
    put("{case}", std::to_string(k.id));
    put("{name}", customer.name.empty() ? customer.external_id : customer.name);
    put("{about}", about == w->about.end() ? w->about.at("other") : about->second);
    put("{note}", c.note.empty() ? "" : " " + c.note);
    return text;
  };
  return {{"locale", w->locale}, {"subject", fill(w->subject)}, {"body", fill(w->body)}};
}

Result<Compensation> UseCompensationCoupon(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox,
                                           const std::string& code, const std::string& ref, const std::string& actor,
                                           Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto found, store.CompensationByCode(code));
  if (!found || found->kind != CompensationKind::kCoupon) return NotFound(fmt::format("no coupon has the code {}", code), "code");
  if (found->redeemed_at) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     fmt::format("coupon {} was used on {} ({})", code, FormatTimestamp(*found->redeemed_at), found->redeemed_ref),
                     "code");
  }
  if (found->status != "granted") {
    return MakeError(ErrorCode::kFailedPrecondition, fmt::format("coupon {} is {}, not granted", code, found->status), "code");
  }
  RETAIN_ASSIGN_OR_RETURN(bool used, store.RedeemCoupon(code, ref, now));
  if (!used) return MakeError(ErrorCode::kFailedPrecondition, fmt::format("coupon {} was used just now", code), "code");
  Compensation c = *found;
  c.redeemed_at = now;
  c.redeemed_ref = ref;
  RETAIN_RETURN_IF_ERROR(store.AddCaseEvent({c.case_id, now, actor, "coupon_used", json({{"code", code}, {"ref", ref}}).dump()}));
  RETAIN_RETURN_IF_ERROR(Audit(records, actor, "compensation.coupon_used", CompensationJson(*found), c, now));
  json event = {{"type", "compensation.coupon_used"}, {"created_at", FormatTimestamp(now)}, {"data", CompensationJson(c)}};
  RETAIN_RETURN_IF_ERROR(outbox.AppendOutbox({0, "compensation.coupon_used", std::to_string(c.id), event.dump(), now}));
  return c;
}

json CompensationJson(const Compensation& c) {
  return {{"id", c.id}, {"case", c.case_id}, {"customer", c.customer}, {"kind", CompensationKindName(c.kind)},
          {"value_minor", c.value_minor}, {"currency", c.currency}, {"product", c.product}, {"months", c.months},
          {"subscription", c.subscription}, {"note", c.note}, {"status", c.status}, {"requested_by", c.requested_by},
          {"decided_by", c.decided_by}, {"code", c.code}, {"created_at", FormatTimestamp(c.created_at)},
          {"decided_at", c.decided_at ? json(FormatTimestamp(*c.decided_at)) : json()},
          {"redeemed_at", c.redeemed_at ? json(FormatTimestamp(*c.redeemed_at)) : json()},
          {"redeemed_ref", c.redeemed_ref}};
}

Result<Compensation> Compensate(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox,
                                int64_t case_id, const CompensationInput& in, const Approver& caller,
                                const BusinessZone& zone, Timestamp now) {
  auto kind = ParseCompensationKind(in.kind);
  if (!kind) return InvalidArgument(fmt::format("'{}' is not a kind; use coupon, refund, credit, free_months, apology", in.kind), "kind");
  RETAIN_ASSIGN_OR_RETURN(auto k, store.GetCase(case_id));
  if (!k) return NotFound(fmt::format("no case {}", case_id), "id");
  Compensation c;
  c.case_id = case_id;
  c.customer = k->customer;
  c.kind = *kind;
  c.note = in.note;
  c.currency = in.currency.empty() ? "EUR" : in.currency;
  c.created_at = now;
  c.requested_by = caller.actor;
  c.requester_role = caller.role;
  if (in.amount_minor < 0) return InvalidArgument("must not be negative", "amount_minor");
  switch (*kind) {
    case CompensationKind::kCoupon:
      if (!in.product.empty()) {
        RETAIN_ASSIGN_OR_RETURN(auto p, records.GetProduct(in.product));
        if (!p) return NotFound(fmt::format("no product '{}'", in.product), "product");
        c.product = in.product;
        c.value_minor = p->price_minor;
        c.currency = p->currency;
      } else {
        if (in.amount_minor <= 0) return InvalidArgument("a coupon names a product or an amount off", "amount_minor");
        c.value_minor = in.amount_minor;
      }
      break;
    case CompensationKind::kRefund:
    case CompensationKind::kCredit:
      if (in.amount_minor <= 0) return InvalidArgument("is required (minor units above 0)", "amount_minor");
      c.value_minor = in.amount_minor;
      break;
    case CompensationKind::kFreeMonths:
      if (in.months < 1 || in.months > 24) return InvalidArgument("must be 1 to 24", "months");
      c.months = in.months;
      break;
    case CompensationKind::kApology:
      break;
  }
  if (*kind == CompensationKind::kCredit || *kind == CompensationKind::kFreeMonths) {
    if (in.subscription.empty()) return InvalidArgument("is required for a credit or free months", "subscription");
    RETAIN_ASSIGN_OR_RETURN(auto sub, records.GetSubscription(in.subscription));
    if (!sub || sub->customer != k->customer) {
      return NotFound(fmt::format("no subscription '{}' of this customer", in.subscription), "subscription");
    }
    c.subscription = in.subscription;
    if (*kind == CompensationKind::kFreeMonths) {
      RETAIN_ASSIGN_OR_RETURN(auto plan, records.GetProduct(sub->plan));
      int64_t monthly = plan ? (plan->billing == core::Billing::kYearly ? plan->price_minor / 12 : plan->price_minor) : 0;
      c.value_minor = monthly * c.months;
      if (plan) c.currency = plan->currency;
    }
  }
  bool beyond = c.value_minor > caller.authority.max_compensation_minor;
  if (beyond && !in.ask) {
    return PermissionDenied(fmt::format(
        "a compensation worth {} minor units is beyond your limit of {}; ask a supervisor (\"ask\": true)",
        c.value_minor, caller.authority.max_compensation_minor));
  }
  c.status = beyond ? "pending_approval" : "granted";
  if (!beyond) c.decided_at = now;
  if (!beyond && c.kind == CompensationKind::kCoupon) {
    RETAIN_ASSIGN_OR_RETURN(c.code, CouponCode());
  }
  RETAIN_ASSIGN_OR_RETURN(c.id, store.CreateCompensation(c));
  if (!beyond) {
    RETAIN_RETURN_IF_ERROR(Apply(records, store, outbox, c, zone, now));
  }
  RETAIN_RETURN_IF_ERROR(store.AddCaseEvent({case_id, now, caller.actor, beyond ? "compensation_asked" : "compensation",
                                             CompensationJson(c).dump()}));
  RETAIN_RETURN_IF_ERROR(Audit(records, caller.actor, beyond ? "compensation.asked" : "compensation.granted", json(), c, now));
  return c;
}

Result<Compensation> DecideCompensation(core::RecordStore& records, CareStore& store, core::WebhookStore& outbox,
                                        int64_t id, bool approve, const std::string& note, const Approver& caller,
                                        const BusinessZone& zone, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto found, store.GetCompensation(id));
  if (!found) return NotFound(fmt::format("no compensation {}", id), "id");
  Compensation c = *found;
  if (c.status != "pending_approval") return Conflict(fmt::format("compensation {} was {} already", id, c.status), "id");
  if (c.requested_by == caller.actor) return PermissionDenied("a supervisor other than the one who asked decides");
  if (approve && c.value_minor > caller.authority.max_compensation_minor) {
    return PermissionDenied(fmt::format("a compensation worth {} minor units is beyond your limit of {}", c.value_minor,
                                        caller.authority.max_compensation_minor));
  }
  json before = CompensationJson(c);
  c.status = approve ? "granted" : "declined";
  c.decided_by = caller.actor;
  c.decided_at = now;
  if (!note.empty()) c.note = c.note.empty() ? note : c.note + " — " + note;
  if (approve) {
    RETAIN_RETURN_IF_ERROR(Apply(records, store, outbox, c, zone, now));
  }
  RETAIN_ASSIGN_OR_RETURN(bool written, store.DecideCompensation(c));
  if (!written) return Conflict(fmt::format("compensation {} was decided already", id), "id");
  RETAIN_RETURN_IF_ERROR(store.AddCaseEvent({c.case_id, now, caller.actor, approve ? "compensation" : "compensation_declined",
                                             CompensationJson(c).dump()}));
  RETAIN_RETURN_IF_ERROR(Audit(records, caller.actor, approve ? "compensation.approved" : "compensation.declined", before,
                               c, now));
  return c;
}

}  // namespace retain::care
