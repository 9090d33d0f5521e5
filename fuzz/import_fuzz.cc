// Import files as `retain import` reads them: the input is a file's bytes, read once as CSV and
// once as NDJSON. Every malformed record is refused saying why, with its line (the importer names
// FILE:LINE from it), the reader always moves forward and ends, and every field of a good record
// reads back.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "common/record_reader.h"

namespace {

// One file per fuzzing process, rewritten for each input.
const std::string& Path() {
  static const std::string path = "/tmp/retain-fuzz-import-" + std::to_string(getpid());
  return path;
}

void ReadAll(retain::FileFormat format) {
  auto reader = retain::RecordReader::Open(Path(), format, {{"cust_no", "customer"}});
  if (!reader) return;  // a CSV file without a header row
  retain::SourceRecord record;
  int64_t last_line = 0;
  uint64_t last_position = 0;
  for (int i = 0; i < 10000; ++i) {
    auto next = (*reader)->Next(&record);
    if (next && !*next) return;
    if ((*reader)->position() < last_position || (*reader)->position() > (*reader)->size()) __builtin_trap();
    last_position = (*reader)->position();
    if (record.line() < last_line) __builtin_trap();  // lines only go forward
    last_line = record.line();
    if (!next) {
      if (next.error().code != retain::ErrorCode::kInvalidArgument || next.error().message.empty() || record.line() < 1) {
        __builtin_trap();
      }
      continue;
    }
    for (const auto& name : record.FieldNames()) {
      (void)record.Get(name);
      (void)record.GetJson(name);
    }
  }
  __builtin_trap();  // more records than a file this small can hold: the reader did not advance
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FILE* f = std::fopen(Path().c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  ReadAll(retain::FileFormat::kCsv);
  ReadAll(retain::FileFormat::kNdjson);
  return 0;
}
