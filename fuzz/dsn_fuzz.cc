// Bounce reports as a mail pipe posts them (POST /v1/bounces): any bytes are refused or read as a
// recipient with an action, never more than that.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "outreach/bounce.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bounce = retain::outreach::ParseDsn(text);
  if (bounce && (bounce->recipient.empty() || bounce->action.empty())) __builtin_trap();
  if (!bounce && bounce.error().field != "message") __builtin_trap();
  return 0;
}
