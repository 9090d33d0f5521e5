// One rule a Retain database always keeps, and how often it is broken (storage/integrity.h runs
// them; `retain check` prints them).
#ifndef RETAIN_CORE_INTEGRITY_H_
#define RETAIN_CORE_INTEGRITY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace retain::core {

struct IntegrityCheck {
  std::string name;         // "loyalty.balance"
  std::string description;  // what must hold, in a sentence
  int64_t violations = 0;   // rows that break it
  std::vector<std::string> examples;  // up to five, naming the customer and program
};

}  // namespace retain::core

#endif  // RETAIN_CORE_INTEGRITY_H_
