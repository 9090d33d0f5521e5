#include "outreach/locale_format.h"

#include <memory>
#include <vector>

#include <fmt/format.h>
#include <unicode/datefmt.h>
#include <unicode/gregocal.h>
#include <unicode/locid.h>
#include <unicode/messagepattern.h>
#include <unicode/msgfmt.h>
#include <unicode/numfmt.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include "common/money.h"

namespace retain::outreach {
namespace {

// Retain's three languages as the places its businesses are: British English, European
// Portuguese, Danish.
icu::Locale LocaleOf(std::string_view locale) {
  if (locale == "pt") return icu::Locale("pt", "PT");
  if (locale == "da") return icu::Locale("da", "DK");
  return icu::Locale("en", "GB");
}

std::string Utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

icu::UnicodeString Unicode(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

// Noon UTC of the day, so the day shows the same in any zone ICU might apply.
UDate DayToUDate(date::year_month_day day) {
  auto seconds = date::sys_days(day).time_since_epoch() + std::chrono::hours(12);
  return static_cast<UDate>(std::chrono::duration_cast<std::chrono::milliseconds>(seconds).count());
}

}  // namespace

std::string FormatNumber(double value, std::string_view locale) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::NumberFormat> nf(icu::NumberFormat::createInstance(LocaleOf(locale), status));
  if (U_FAILURE(status) || !nf) return fmt::format("{}", value);
  nf->setMaximumFractionDigits(2);
  icu::UnicodeString out;
  nf->format(value, out);
  return Utf8(out);
}

Result<std::string> FormatMoney(int64_t minor, std::string_view currency, std::string_view locale) {
  auto exponent = CurrencyExponent(currency);
  if (!exponent) return tl::unexpected(exponent.error());
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::NumberFormat> nf(icu::NumberFormat::createCurrencyInstance(LocaleOf(locale), status));
  if (U_FAILURE(status) || !nf) return MakeError(ErrorCode::kInternal, "ICU has no currency format for " + std::string(locale));
  std::u16string code(currency.begin(), currency.end());
  nf->setCurrency(code.c_str(), status);
  nf->setMinimumFractionDigits(*exponent);
  nf->setMaximumFractionDigits(*exponent);
  // The amount from its digits, so no binary fraction creeps in before ICU rounds.
  auto text = FormatAmount(minor, *exponent);
  icu::Formattable amount(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), status);
  if (U_FAILURE(status)) return MakeError(ErrorCode::kInternal, "ICU could not read the amount " + text);
  icu::UnicodeString out;
  icu::FieldPosition pos;
  nf->format(amount, out, pos, status);
  if (U_FAILURE(status)) return MakeError(ErrorCode::kInternal, "ICU could not format the amount " + text);
  return Utf8(out);
}

std::string FormatDate(date::year_month_day day, std::string_view locale) {
  std::unique_ptr<icu::DateFormat> df(icu::DateFormat::createDateInstance(icu::DateFormat::kLong, LocaleOf(locale)));
  if (!df) return date::format("%F", day);
  df->adoptTimeZone(icu::TimeZone::createTimeZone("UTC"));
  icu::UnicodeString out;
  df->format(DayToUDate(day), out);
  return Utf8(out);
}

Result<std::string> FormatPattern(std::string_view pattern, const std::map<std::string, PatternArg, std::less<>>& args,
                                  std::string_view locale) {
  icu::UnicodeString text = Unicode(pattern);
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error{};
  icu::MessagePattern parts(text, &parse_error, status);
  if (U_FAILURE(status)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("the format pattern does not parse at character {} ({})", parse_error.offset + 1,
                                 u_errorName(status)));
  }
  std::vector<icu::UnicodeString> names;
  std::vector<icu::Formattable> values;
  for (int32_t i = 0; i < parts.countParts(); ++i) {
    const auto& part = parts.getPart(i);
    if (part.getType() != UMSGPAT_PART_TYPE_ARG_NAME) continue;
    std::string name = Utf8(parts.getSubstring(part));
    bool seen = false;
    for (const auto& n : names) seen = seen || Utf8(n) == name;
    if (seen) continue;
    auto it = args.find(name);
    if (it == args.end()) {
      return MakeError(ErrorCode::kInvalidArgument, fmt::format("the format pattern names '{}', which has no number or date here", name));
    }
    names.push_back(Unicode(name));
    if (const double* number = std::get_if<double>(&it->second)) {
      values.emplace_back(*number);
    } else {
      values.emplace_back(DayToUDate(std::get<date::year_month_day>(it->second)), icu::Formattable::kIsDate);
    }
  }
  icu::MessageFormat format(text, LocaleOf(locale), parse_error, status);
  if (U_FAILURE(status)) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("the format pattern does not parse ({})", u_errorName(status)));
  }
  // Dates in the pattern show the calendar day given, whatever ICU's default zone.
  icu::UnicodeString out;
  format.format(names.data(), values.data(), static_cast<int32_t>(names.size()), out, status);
  if (U_FAILURE(status)) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("the format pattern could not be applied ({})", u_errorName(status)));
  }
  return Utf8(out);
}

}  // namespace retain::outreach
