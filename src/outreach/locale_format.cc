#include "outreach/locale_format.h"

#include <algorithm>
#include <map>
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

// ICU's formatters cost far more to build than to use and may not be shared between threads, so
// each thread keeps the ones it built, by language (and currency or pattern); a cache that grows
// past a few hundred entries starts again.
template <typename T>
T* Cached(std::string_view key, auto make) {
  thread_local std::map<std::string, std::unique_ptr<T>, std::less<>> cache;
  auto it = cache.find(key);
  if (it != cache.end()) return it->second.get();
  if (cache.size() > 256) cache.clear();
  std::unique_ptr<T> made = make();
  T* out = made.get();
  if (made) cache.emplace(std::string(key), std::move(made));
  return out;
}

}  // namespace

std::string FormatNumber(double value, std::string_view locale) {
  icu::NumberFormat* nf = Cached<icu::NumberFormat>(locale, [&] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::NumberFormat> made(icu::NumberFormat::createInstance(LocaleOf(locale), status));
    if (U_FAILURE(status)) made.reset();
    if (made) made->setMaximumFractionDigits(2);
    return made;
  });
  if (!nf) return fmt::format("{}", value);
  icu::UnicodeString out;
  nf->format(value, out);
  return Utf8(out);
}

Result<std::string> FormatMoney(int64_t minor, std::string_view currency, std::string_view locale) {
  auto exponent = CurrencyExponent(currency);
  if (!exponent) return tl::unexpected(exponent.error());
  UErrorCode status = U_ZERO_ERROR;
  icu::NumberFormat* nf = Cached<icu::NumberFormat>(fmt::format("{}:{}", locale, currency), [&] {
    UErrorCode made_status = U_ZERO_ERROR;
    std::unique_ptr<icu::NumberFormat> made(icu::NumberFormat::createCurrencyInstance(LocaleOf(locale), made_status));
    if (U_FAILURE(made_status) || !made) return std::unique_ptr<icu::NumberFormat>();
    std::u16string code(currency.begin(), currency.end());
    made->setCurrency(code.c_str(), made_status);
    made->setMinimumFractionDigits(*exponent);
    made->setMaximumFractionDigits(*exponent);
    return made;
  });
  if (!nf) return MakeError(ErrorCode::kInternal, "ICU has no currency format for " + std::string(locale));
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
  icu::DateFormat* df = Cached<icu::DateFormat>(locale, [&] {
    std::unique_ptr<icu::DateFormat> made(icu::DateFormat::createDateInstance(icu::DateFormat::kLong, LocaleOf(locale)));
    if (made) made->adoptTimeZone(icu::TimeZone::createTimeZone("UTC"));
    return made;
  });
  if (!df) return date::format("%F", day);
  icu::UnicodeString out;
  df->format(DayToUDate(day), out);
  return Utf8(out);
}

Result<std::string> FormatPattern(std::string_view pattern, const std::map<std::string, PatternArg, std::less<>>& args,
                                  std::string_view locale) {
  // The pattern parsed once per thread and language: its argument names, and the formatter.
  struct Parsed {
    std::vector<std::string> names;
    std::unique_ptr<icu::MessageFormat> format;
    std::string error;
  };
  Parsed* parsed = Cached<Parsed>(fmt::format("{}\n{}", locale, pattern), [&] {
    auto out = std::make_unique<Parsed>();
    icu::UnicodeString text = Unicode(pattern);
    UErrorCode status = U_ZERO_ERROR;
    UParseError parse_error{};
    icu::MessagePattern parts(text, &parse_error, status);
    if (U_FAILURE(status)) {
      out->error = fmt::format("the format pattern does not parse at character {} ({})", parse_error.offset + 1,
                               u_errorName(status));
      return out;
    }
    for (int32_t i = 0; i < parts.countParts(); ++i) {
      const auto& part = parts.getPart(i);
      if (part.getType() != UMSGPAT_PART_TYPE_ARG_NAME) continue;
      std::string name = Utf8(parts.getSubstring(part));
      if (std::find(out->names.begin(), out->names.end(), name) == out->names.end()) out->names.push_back(name);
    }
    out->format = std::make_unique<icu::MessageFormat>(text, LocaleOf(locale), parse_error, status);
    if (U_FAILURE(status)) out->error = fmt::format("the format pattern does not parse ({})", u_errorName(status));
    return out;
  });
  if (!parsed->error.empty()) return MakeError(ErrorCode::kInvalidArgument, parsed->error);
  std::vector<icu::UnicodeString> names;
  std::vector<icu::Formattable> values;
  for (const auto& name : parsed->names) {
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
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString out;
  parsed->format->format(names.data(), values.data(), static_cast<int32_t>(names.size()), out, status);
  if (U_FAILURE(status)) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("the format pattern could not be applied ({})", u_errorName(status)));
  }
  return Utf8(out);
}

}  // namespace retain::outreach
