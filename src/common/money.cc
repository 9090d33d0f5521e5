#include "common/money.h"

#include <array>
#include <limits>

namespace retain {
namespace {

struct CurrencyDigits {
  std::string_view code;
  int exponent;
};

// ISO 4217 currencies whose minor unit is not two digits.
constexpr std::array<CurrencyDigits, 25> kNonTwoDigit = {{
    {"BHD", 3}, {"BIF", 0}, {"CLF", 4}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"IQD", 3},
    {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KMF", 0}, {"KRW", 0}, {"KWD", 3}, {"LYD", 3},
    {"OMR", 3}, {"PYG", 0}, {"RWF", 0}, {"TND", 3}, {"UGX", 0}, {"UYI", 0}, {"UYW", 4},
    {"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0},
}};

}  // namespace

Result<int> CurrencyExponent(std::string_view code) {
  if (code.size() != 3 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' ||
      code[2] < 'A' || code[2] > 'Z') {
    return InvalidArgument("currency must be a three-letter ISO 4217 code such as EUR, got '" +
                           std::string(code) + "'");
  }
  for (const auto& c : kNonTwoDigit) {
    if (c.code == code) return c.exponent;
  }
  return 2;
}

Result<int64_t> ParseAmount(std::string_view text, std::string_view currency) {
  RETAIN_ASSIGN_OR_RETURN(int exponent, CurrencyExponent(currency));
  auto bad = [&](std::string why) {
    return InvalidArgument("'" + std::string(text) + "' is not an amount in " +
                           std::string(currency) + ": " + why);
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return bad("no digits");
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t value = 0;
  int decimals = -1;  // -1 until the decimal point is seen
  bool any_digit = false;
  for (char c : s) {
    if (c == '.') {
      if (decimals >= 0) return bad("more than one decimal point");
      decimals = 0;
      continue;
    }
    if (c < '0' || c > '9') return bad("unexpected character '" + std::string(1, c) + "'");
    any_digit = true;
    if (decimals >= 0 && ++decimals > exponent) {
      return bad("more than " + std::to_string(exponent) + " decimals");
    }
    if (value > (kMax - (c - '0')) / 10) return bad("too large");
    value = value * 10 + (c - '0');
  }
  if (!any_digit) return bad("no digits");
  for (int i = decimals < 0 ? 0 : decimals; i < exponent; ++i) {
    if (value > kMax / 10) return bad("too large");
    value *= 10;
  }
  return negative ? -value : value;
}

std::string FormatAmount(int64_t minor, int exponent) {
  bool negative = minor < 0;
  // Work in unsigned to format INT64_MIN correctly.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string digits = std::to_string(magnitude);
  if (exponent > 0) {
    auto width = static_cast<size_t>(exponent) + 1;
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    digits.insert(digits.size() - static_cast<size_t>(exponent), 1, '.');
  }
  return negative ? "-" + digits : digits;
}

}  // namespace retain
