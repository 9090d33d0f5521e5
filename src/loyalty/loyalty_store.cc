#include "loyalty/loyalty_store.h"

#include <algorithm>

namespace retain::loyalty {

ProgramSet::ProgramSet(std::vector<Entry> entries) : entries_(std::move(entries)) {
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.meta.program != b.meta.program ? a.meta.program < b.meta.program : a.meta.version < b.meta.version;
  });
}

const ProgramSet::Entry* ProgramSet::InEffect(std::string_view program, Timestamp at) const {
  const Entry* best = nullptr;
  for (const auto& e : entries_) {
    if (e.meta.program != program) continue;
    // A later version that took effect earlier still wins over an older one: versions are
    // ordered by number, and the newest one in effect applies.
    if (e.meta.effective_at <= at) best = &e;
  }
  return best;
}

std::vector<const ProgramSet::Entry*> ProgramSet::Latest() const {
  std::vector<const Entry*> out;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i + 1 == entries_.size() || entries_[i + 1].meta.program != entries_[i].meta.program) out.push_back(&entries_[i]);
  }
  return out;
}

std::vector<const ProgramSet::Entry*> ProgramSet::Versions(std::string_view program) const {
  std::vector<const Entry*> out;
  for (const auto& e : entries_) {
    if (e.meta.program == program) out.push_back(&e);
  }
  return out;
}

std::vector<std::string> ProgramSet::Ids() const {
  std::vector<std::string> out;
  for (const auto* e : Latest()) out.push_back(e->meta.program);
  return out;
}

std::string_view ReferralStatusName(ReferralStatus status) {
  switch (status) {
    case ReferralStatus::kInvited: return "invited";
    case ReferralStatus::kRegistered: return "registered";
    case ReferralStatus::kQualified: return "qualified";
    case ReferralStatus::kRefused: return "refused";
  }
  return "?";
}

}  // namespace retain::loyalty
