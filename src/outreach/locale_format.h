// Numbers, money, dates and plurals written the way a reader of each language expects, with ICU:
// 1,234.5 / 1.234,5 / 1.234,5; €12.50 / 12,50 € / 12,50 €; 2 December 2026 / 2 de dezembro de
// 2026 / 2. december 2026; and ICU MessageFormat patterns for plurals ("{points, plural, one {#
// point} other {# points}}"). Thread-safe: every call builds its own formatter.
#ifndef RETAIN_OUTREACH_LOCALE_FORMAT_H_
#define RETAIN_OUTREACH_LOCALE_FORMAT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include <date/date.h>

#include "common/status.h"

namespace retain::outreach {

// A number with the locale's grouping and decimal marks (at most two decimals).
std::string FormatNumber(double value, std::string_view locale);
// Minor units of an ISO 4217 currency, with the currency's symbol where the locale puts it.
// InvalidArgument for a currency that is not three capital letters.
Result<std::string> FormatMoney(int64_t minor, std::string_view currency, std::string_view locale);
// A calendar day in the locale's long form.
std::string FormatDate(date::year_month_day day, std::string_view locale);

// An argument of a MessageFormat pattern: a number or a calendar day.
using PatternArg = std::variant<double, date::year_month_day>;
// Formats an ICU MessageFormat pattern with named arguments in `locale`. InvalidArgument naming
// the problem when the pattern does not parse or names an argument that is not given.
Result<std::string> FormatPattern(std::string_view pattern, const std::map<std::string, PatternArg, std::less<>>& args,
                                  std::string_view locale);

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_LOCALE_FORMAT_H_
