#include "staff/roles.h"

#include <algorithm>

namespace retain::staff {
namespace {

constexpr std::array<std::string_view, 2> kAgentPermissions = {kRecordsRead, kRecordsWrite};
constexpr std::array<std::string_view, 6> kSupervisorPermissions = {kRecordsRead,      kRecordsWrite,    kLoyaltyAdjust,
                                                                    kRetentionApprove, kRetentionManage, kFeedbackManage};
constexpr std::array<std::string_view, 4> kMarketingPermissions = {kRecordsRead, kLoyaltyManage, kFeedbackManage,
                                                                   kOutreachManage};
constexpr std::array<std::string_view, 2> kAnalystPermissions = {kRecordsRead, kAnalyticsRefresh};

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAgent: return "agent";
    case Role::kSupervisor: return "supervisor";
    case Role::kMarketing: return "marketing";
    case Role::kAnalyst: return "analyst";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role r : kAllRoles) {
    if (RoleName(r) == name) return r;
  }
  return InvalidArgument("'" + std::string(name) +
                             "' is not a role; choose agent, supervisor, marketing, analyst or admin",
                         "role");
}

std::span<const std::string_view> RolePermissions(Role role) {
  switch (role) {
    case Role::kAgent: return kAgentPermissions;
    case Role::kSupervisor: return kSupervisorPermissions;
    case Role::kMarketing: return kMarketingPermissions;
    case Role::kAnalyst: return kAnalystPermissions;
    case Role::kAdmin: return kAllPermissions;
  }
  return {};
}

bool RoleAllows(Role role, std::string_view permission) {
  auto p = RolePermissions(role);
  return std::find(p.begin(), p.end(), permission) != p.end();
}

Status CheckPermissionName(std::string_view permission) {
  if (std::find(kAllPermissions.begin(), kAllPermissions.end(), permission) != kAllPermissions.end()) {
    return Ok();
  }
  std::string choices;
  for (auto p : kAllPermissions) {
    if (!choices.empty()) choices += ", ";
    choices += p;
  }
  return InvalidArgument("'" + std::string(permission) + "' is not a permission; choose " + choices, "scopes");
}

Authority DefaultAuthority(Role role) {
  switch (role) {
    case Role::kAgent: return {2000, 1, 5000, 2500};
    case Role::kSupervisor: return {5000, 3, 30000, 20000};
    case Role::kMarketing:
    case Role::kAnalyst: return {0, 0, 0, 0};
    case Role::kAdmin: return {10000, 12, 1000000, 1000000};
  }
  return {};
}

}  // namespace retain::staff
