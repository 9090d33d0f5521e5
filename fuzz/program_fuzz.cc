// Loyalty program documents (POST /v1/loyalty/programs, `retain loyalty define`), in JSON or in
// TOML: a document is either a program or refused with InvalidArgument and a message (naming the
// field, or the line and column of a TOML syntax error); nothing crashes or hangs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "loyalty/program.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = retain::loyalty::ProgramDocumentFromText(text);
  if (!doc) {
    if (doc.error().code != retain::ErrorCode::kInvalidArgument || doc.error().message.empty()) __builtin_trap();
    return 0;
  }
  auto program = retain::loyalty::ParseProgramDocument(*doc);
  if (program) {
    if (program->id.empty()) __builtin_trap();
    return 0;
  }
  if (program.error().code != retain::ErrorCode::kInvalidArgument || program.error().message.empty()) __builtin_trap();
  return 0;
}
