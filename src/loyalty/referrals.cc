// Referrals: every member has a code; a customer who signs up with it is registered as referred,
// and their first qualifying purchase rewards both sides. Self-referrals and rings (the same
// e-mail, phone or payment fingerprint on both sides, or a referee who referred the referrer) are
// refused with the reason, and the refusal is kept.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "loyalty/engine.h"

namespace retain::loyalty {
namespace {

using nlohmann::json;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A phone number's digits (so "+45 12 34" and "+451234" match).
std::string Digits(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

// The card on file as the payment processor identifies it: the free attribute
// "payment_fingerprint".
std::string Fingerprint(const core::Customer& c) {
  json attributes = json::parse(c.attributes_json, nullptr, false);
  if (!attributes.is_object() || !attributes.contains("payment_fingerprint")) return "";
  const json& f = attributes["payment_fingerprint"];
  return f.is_string() ? f.get<std::string>() : "";
}

// Why `referee` may not be referred by `referrer`, or empty.
std::string RefusalReason(const core::Customer& referrer, const core::Customer& referee) {
  if (referrer.external_id == referee.external_id) return "self-referral: the code is the customer's own";
  if (!referrer.email.empty() && Lower(referrer.email) == Lower(referee.email)) {
    return "the referee has the referrer's e-mail address";
  }
  if (Digits(referrer.phone).size() >= 6 && Digits(referrer.phone) == Digits(referee.phone)) {
    return "the referee has the referrer's phone number";
  }
  if (!Fingerprint(referrer).empty() && Fingerprint(referrer) == Fingerprint(referee)) {
    return "the referee pays with the referrer's card";
  }
  return "";
}

}  // namespace

Result<Referral> Engine::Invite(LoyaltyStore& loyalty, core::RecordStore& records, const std::string& referrer,
                                const std::string& email, Timestamp now) {
  if (email.find('@') == std::string::npos || email.size() > 254) {
    return InvalidArgument("must be an e-mail address", "email");
  }
  RETAIN_ASSIGN_OR_RETURN(auto who, records.GetCustomer(referrer));
  if (!who) return NotFound(fmt::format("no customer '{}'", referrer), "referrer");
  RETAIN_ASSIGN_OR_RETURN(auto made, loyalty.ReferralsBy(referrer));
  for (const auto& r : made) {
    if (Lower(r.email) == Lower(email)) return r;  // invited before: the same invitation
  }
  RETAIN_RETURN_IF_ERROR(loyalty.ReferralCode(referrer, true).map([](auto) {}));
  Referral r;
  r.referrer = referrer;
  r.email = email;
  r.status = ReferralStatus::kInvited;
  r.created_at = now;
  RETAIN_ASSIGN_OR_RETURN(r.id, loyalty.PutReferral(r));
  return r;
}

Result<ReferralOutcome> Engine::Register(LoyaltyStore& loyalty, core::RecordStore& records, const std::string& code,
                                         const std::string& referee, Timestamp now) {
  RETAIN_ASSIGN_OR_RETURN(auto referrer_id, loyalty.CustomerByReferralCode(code));
  if (!referrer_id) return NotFound(fmt::format("no member has the referral code {}", code), "code");
  RETAIN_ASSIGN_OR_RETURN(auto referrer, records.GetCustomer(*referrer_id));
  RETAIN_ASSIGN_OR_RETURN(auto customer, records.GetCustomer(referee));
  if (!customer) return NotFound(fmt::format("no customer '{}'", referee), "customer");
  if (!referrer) return Internal("a referral code belongs to no customer");

  RETAIN_ASSIGN_OR_RETURN(auto existing, loyalty.ReferralOf(referee));
  if (existing) {
    if (existing->referrer == *referrer_id) return ReferralOutcome{*existing, true};
    return Conflict(fmt::format("customer {} was referred by {} already", referee, existing->referrer), "customer");
  }
  std::string reason = RefusalReason(*referrer, *customer);
  if (reason.empty()) {
    // A ring: the referee is the referrer's referrer, or further up the chain.
    std::string up = *referrer_id;
    for (int depth = 0; depth < 16 && reason.empty(); ++depth) {
      RETAIN_ASSIGN_OR_RETURN(auto parent, loyalty.ReferralOf(up));
      if (!parent) break;
      if (parent->referrer == referee) reason = "a ring: the referee referred the referrer";
      up = parent->referrer;
    }
  }
  if (reason.empty()) {
    // Referral rewards are for new customers: one who bought before signing up is not referred.
    core::ListQuery q;
    q.customer = referee;
    q.limit = 1;
    RETAIN_ASSIGN_OR_RETURN(auto bought, records.ListPurchases(q));
    if (!bought.items.empty() && bought.items.front().occurred_at < now) {
      reason = "the referee was a customer before (a purchase on " + FormatTimestamp(bought.items.front().occurred_at) + ")";
    }
  }
  // An invitation to the referee's address becomes this referral.
  Referral r;
  RETAIN_ASSIGN_OR_RETURN(auto made, loyalty.ReferralsBy(*referrer_id));
  for (const auto& m : made) {
    if (m.status == ReferralStatus::kInvited && !customer->email.empty() && Lower(m.email) == Lower(customer->email)) {
      r = m;
      break;
    }
  }
  r.referrer = *referrer_id;
  r.referee = referee;
  if (r.email.empty()) r.email = customer->email;
  r.status = reason.empty() ? ReferralStatus::kRegistered : ReferralStatus::kRefused;
  r.reason = reason;
  r.registered_at = now;
  if (r.id == 0) {
    r.created_at = now;
    RETAIN_ASSIGN_OR_RETURN(r.id, loyalty.PutReferral(r));
  } else {
    RETAIN_RETURN_IF_ERROR(loyalty.UpdateReferral(r));
  }
  return ReferralOutcome{r, false};
}

Status Engine::Qualify(LoyaltyStore& loyalty, const ProgramSet::Entry& entry, const core::Purchase& sale,
                       const std::string& actor) {
  RETAIN_ASSIGN_OR_RETURN(auto referral, loyalty.ReferralOf(sale.customer));
  if (!referral || referral->status != ReferralStatus::kRegistered) return Ok();
  if (referral->registered_at && sale.occurred_at < *referral->registered_at) return Ok();
  const Program& p = entry.program;
  referral->status = ReferralStatus::kQualified;
  referral->qualified_at = sale.occurred_at;
  referral->program = p.id;
  RETAIN_RETURN_IF_ERROR(loyalty.UpdateReferral(*referral));
  const std::string source = "referral:" + sale.customer;
  if (p.referral.referrer_points > 0) {
    RETAIN_RETURN_IF_ERROR(Bonus(loyalty, entry, referral->referrer, p.referral.referrer_points, source,
                                 "referred " + sale.customer, sale.occurred_at, actor));
  }
  if (p.referral.referee_points > 0) {
    RETAIN_RETURN_IF_ERROR(Bonus(loyalty, entry, sale.customer, p.referral.referee_points, source,
                                 "referred by " + referral->referrer, sale.occurred_at, actor));
  }
  return Emit("referral.qualified", referral->referrer,
              {{"program", p.id}, {"referrer", referral->referrer}, {"referee", sale.customer},
               {"purchase", sale.external_id}, {"occurred_at", FormatTimestamp(sale.occurred_at)}},
              sale.occurred_at);
}

}  // namespace retain::loyalty
