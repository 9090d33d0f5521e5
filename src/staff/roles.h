// Staff roles, what each may do (permissions), and how much each may give a customer without a
// supervisor (authority). Pure data and functions; thread-safe.
#ifndef RETAIN_STAFF_ROLES_H_
#define RETAIN_STAFF_ROLES_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace retain::staff {

enum class Role { kAgent, kSupervisor, kMarketing, kAnalyst, kAdmin };

inline constexpr std::array<Role, 5> kAllRoles = {Role::kAgent, Role::kSupervisor, Role::kMarketing,
                                                  Role::kAnalyst, Role::kAdmin};

std::string_view RoleName(Role role);
// Fails with InvalidArgument listing the roles.
Result<Role> ParseRole(std::string_view name);

// Permissions, named "area:verb". Routes require one; roles and API key scopes grant them.
inline constexpr std::string_view kRecordsRead = "records:read";
inline constexpr std::string_view kRecordsWrite = "records:write";
inline constexpr std::string_view kStaffAdmin = "staff:admin";
inline constexpr std::string_view kAuditRead = "audit:read";
inline constexpr std::string_view kLoyaltyManage = "loyalty:manage";  // define and change programs
inline constexpr std::string_view kLoyaltyAdjust = "loyalty:adjust";  // correct a member's points by hand
inline constexpr std::string_view kAnalyticsRefresh = "analytics:refresh";  // recompute the analytics now
inline constexpr std::string_view kRetentionApprove = "retention:approve";  // decide offers beyond an agent's authority
inline constexpr std::string_view kRetentionManage = "retention:manage";    // change the desk's offers and policies
inline constexpr std::string_view kFeedbackManage = "feedback:manage";      // define surveys
inline constexpr std::string_view kOutreachManage = "outreach:manage";      // templates, campaigns, sending rules
inline constexpr std::string_view kPrivacyManage = "privacy:manage";  // export and erase a customer's personal data
inline constexpr std::array<std::string_view, 12> kAllPermissions = {
    kRecordsRead,     kRecordsWrite,   kStaffAdmin,     kAuditRead,      kLoyaltyManage,  kLoyaltyAdjust,
    kAnalyticsRefresh, kRetentionApprove, kRetentionManage, kFeedbackManage, kOutreachManage, kPrivacyManage};

// The permissions a role grants.
std::span<const std::string_view> RolePermissions(Role role);
bool RoleAllows(Role role, std::string_view permission);
// Fails with InvalidArgument naming an unknown permission.
Status CheckPermissionName(std::string_view permission);

// What a role may give a customer without a supervisor's approval. Amounts are minor units of
// the business's currency; percentages are basis points (2000 = 20 %).
struct Authority {
  int32_t max_discount_bp = 0;
  int32_t max_free_months = 0;
  int64_t max_offer_cost_minor = 0;
  int64_t max_compensation_minor = 0;
  friend bool operator==(const Authority&, const Authority&) = default;
};

// The authority a role starts with (until an admin changes it).
Authority DefaultAuthority(Role role);

}  // namespace retain::staff

#endif  // RETAIN_STAFF_ROLES_H_
