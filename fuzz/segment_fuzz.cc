// The segment language, as typed into the builder or sent to POST /v1/segments/count: any text is
// either refused with a position or parsed, and what parses writes back (canonical form) to text
// that parses to the same form, and evaluates on a customer with every fact null.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "outreach/segment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = retain::outreach::ParseSegment(text);
  if (!parsed) {
    if (parsed.error().field.empty() || parsed.error().message.empty()) __builtin_trap();  // an error says where and what
    return 0;
  }
  std::string canonical = retain::outreach::Canonical(*parsed->root);
  auto again = retain::outreach::ParseSegment(canonical);
  if (!again || retain::outreach::Canonical(*again->root) != canonical) __builtin_trap();
  retain::outreach::Facts nothing;
  (void)retain::outreach::Matches(*parsed->root, nothing);
  return 0;
}
