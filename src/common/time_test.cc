#include "common/time.h"

#include <gtest/gtest.h>

namespace retain {
namespace {

BusinessZone Zone(const char* name) {
  auto z = BusinessZone::Load(name);
  EXPECT_TRUE(z) << name;
  return *z;
}

TEST(ParseTimestamp, ReadsTheIsoForms) {
  auto cph = Zone("Europe/Copenhagen");
  struct Case {
    const char* text;
    const char* utc;
  } cases[] = {
      {"2024-03-01", "2024-02-29T23:00:00Z"},            // local midnight, winter (UTC+1)
      {"2024-07-01", "2024-06-30T22:00:00Z"},            // local midnight, summer (UTC+2)
      {"2024-03-01T12:30", "2024-03-01T11:30:00Z"},
      {"2024-03-01 12:30:45", "2024-03-01T11:30:45Z"},
      {"2024-03-01T12:30:45.999Z", "2024-03-01T12:30:45Z"},
      {"2024-03-01T12:30:45+02:00", "2024-03-01T10:30:45Z"},
      {"2024-03-01T12:30:45-0330", "2024-03-01T16:00:45Z"},
      {"2024-03-31T02:30", "2024-03-31T01:00:00Z"},      // skipped by DST: the gap's end
      {"2024-10-27T02:30", "2024-10-27T00:30:00Z"},      // repeated by DST: the earlier
  };
  for (const auto& c : cases) {
    auto t = ParseTimestamp(c.text, cph);
    ASSERT_TRUE(t) << c.text << ": " << t.error().message;
    EXPECT_EQ(FormatTimestamp(*t), c.utc) << c.text;
  }
}

TEST(ParseTimestamp, RejectsWithAHint) {
  for (const char* text : {"", "2024-02-30", "01/03/2024", "2024-03-01T25:00", "2024-03-01T12",
                           "2024-03-01T12:00+5", "2024-03-01T12:00Zjunk", "yesterday"}) {
    auto t = ParseTimestamp(text, BusinessZone());
    EXPECT_FALSE(t) << text;
    if (!t) {
      EXPECT_NE(t.error().message.find("expected e.g."), std::string::npos) << t.error().message;
    }
  }
}

TEST(BusinessZone, DayBoundariesAreLocal) {
  auto sp = Zone("America/Sao_Paulo");
  // 02:00 UTC on 1 March is still 28 February in São Paulo (UTC-3).
  auto t = ParseTimestamp("2023-03-01T02:00:00Z", sp);
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatDate(sp.LocalDate(*t)), "2023-02-28");
  EXPECT_EQ(FormatLocal(*t, sp), "2023-02-28 23:00");
  EXPECT_FALSE(BusinessZone::Load("Mars/Olympus_Mons"));
}

}  // namespace
}  // namespace retain
