// Money as integer minor units of an ISO 4217 currency. No floating point anywhere.
#ifndef RETAIN_COMMON_MONEY_H_
#define RETAIN_COMMON_MONEY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace retain {

// Returns the number of minor-unit digits of an ISO 4217 code (2 for EUR, 0 for JPY, 3 for KWD).
// Fails with InvalidArgument when `code` is not three upper-case letters.
Result<int> CurrencyExponent(std::string_view code);

// Parses a decimal amount in major units ("12.50", "-3", "1234.5") of `currency` into minor
// units (1250, -300, 123450). Fails with InvalidArgument when the text is not a plain decimal,
// has more decimals than the currency allows, or overflows 64 bits. Thread-safe.
Result<int64_t> ParseAmount(std::string_view text, std::string_view currency);

// Formats minor units as a decimal in major units ("12.50"). Thread-safe; never fails.
std::string FormatAmount(int64_t minor, int exponent);

}  // namespace retain

#endif  // RETAIN_COMMON_MONEY_H_
