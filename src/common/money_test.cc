#include "common/money.h"

#include <gtest/gtest.h>

namespace retain {
namespace {

struct AmountCase {
  const char* text;
  const char* currency;
  int64_t minor;
};

TEST(ParseAmount, AcceptsPlainDecimals) {
  const AmountCase cases[] = {
      {"12.50", "EUR", 1250}, {"12.5", "EUR", 1250},   {"12", "EUR", 1200},
      {"-3", "DKK", -300},    {"0.01", "USD", 1},      {"1234", "JPY", 1234},
      {"1.234", "KWD", 1234}, {"+7.05", "BRL", 705},   {".5", "EUR", 50},
      {"92233720368547758.07", "EUR", INT64_MAX},
  };
  for (const auto& c : cases) {
    auto got = ParseAmount(c.text, c.currency);
    ASSERT_TRUE(got) << c.text << ": " << got.error().message;
    EXPECT_EQ(*got, c.minor) << c.text;
  }
}

TEST(ParseAmount, RejectsWhatIsNotAnAmount) {
  const AmountCase cases[] = {
      {"12.505", "EUR", 0}, {"1.5", "JPY", 0}, {"12,50", "EUR", 0}, {"", "EUR", 0},
      {"1e3", "EUR", 0},    {"1.2.3", "EUR", 0}, {"-", "EUR", 0},   {"10", "euro", 0},
      {"92233720368547758.08", "EUR", 0}, {"268.28000000000003", "EUR", 0},
  };
  for (const auto& c : cases) {
    auto got = ParseAmount(c.text, c.currency);
    EXPECT_FALSE(got) << c.text << " parsed as " << (got ? *got : 0);
    if (!got) {
      EXPECT_EQ(got.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(FormatAmount, RoundTrips) {
  EXPECT_EQ(FormatAmount(1250, 2), "12.50");
  EXPECT_EQ(FormatAmount(-5, 2), "-0.05");
  EXPECT_EQ(FormatAmount(1234, 0), "1234");
  EXPECT_EQ(FormatAmount(1, 3), "0.001");
  EXPECT_EQ(FormatAmount(INT64_MIN, 2), "-92233720368547758.08");
}

}  // namespace
}  // namespace retain
