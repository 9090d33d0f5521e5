#include "outreach/contest.h"

#include <algorithm>
#include <map>
#include <random>

#include <gtest/gtest.h>

namespace retain::outreach {
namespace {

using nlohmann::json;

TEST(Contest, DocumentsAreCheckedFieldByField) {
  struct Case {
    const char* document;
    std::string field;
  };
  const Case cases[] = {
      {R"({"opens_at": "2026-01-01", "closes_at": "2026-02-01"})", "prize"},
      {R"({"prize": "a bike", "closes_at": "2026-02-01"})", "opens_at"},
      {R"({"prize": "a bike", "opens_at": "2026-01-01", "closes_at": "soon"})", "closes_at"},
      {R"({"prize": "a bike", "opens_at": "2026-02-01", "closes_at": "2026-01-01"})", "closes_at"},
      {R"({"prize": "a bike", "opens_at": "2026-01-01", "closes_at": "2026-02-01", "winners": 0})", "winners"},
      {R"({"prize": "a bike", "opens_at": "2026-01-01", "closes_at": "2026-02-01", "winners": 2.5})", "winners"},
      {R"({"prize": "a bike", "opens_at": "2026-01-01", "closes_at": "2026-02-01", "eligibility": "teir = 1"})", "eligibility"},
      {R"({"prize": "a bike", "opens_at": "2026-01-01", "closes_at": "2026-02-01", "channel": "fax"})", "channel"},
      {R"({"prize": 5, "opens_at": "2026-01-01", "closes_at": "2026-02-01"})", "prize"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseContest("k", json::parse(c.document), BusinessZone());
    ASSERT_FALSE(parsed) << c.document;
    EXPECT_EQ(parsed.error().field, c.field) << c.document << ": " << parsed.error().message;
  }
  auto ok = ParseContest("summer", json::parse(R"({"name": "Summer draw", "prize": "a year of subs", "winners": 3,
      "eligibility": "points >= 100", "opens_at": "2026-06-01", "closes_at": "2026-07-01", "template": "won"})"),
                         BusinessZone());
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->winners, 3);
  EXPECT_EQ(Phase(*ok, ok->opens_at - std::chrono::seconds(1)), "upcoming");
  EXPECT_EQ(Phase(*ok, ok->opens_at), "open");
  EXPECT_EQ(Phase(*ok, ok->closes_at), "closed");
}

TEST(Contest, TheSeedIsPublishedOnlyOnceDrawn) {
  Contest c;
  c.key = "k";
  c.seed = "secret-seed";
  c.commitment = Commitment(c.seed);
  EXPECT_TRUE(ContestDocument(c)["seed"].is_null());
  EXPECT_EQ(ContestDocument(c)["commitment"], c.commitment);
  c.status = "drawn";
  EXPECT_EQ(ContestDocument(c)["seed"], "secret-seed");
}

// The published recipe, checked against sha256sum: printf 'seed-1' | sha256sum and
// printf 'seed-1:A7' | sha256sum.
TEST(Contest, CommitmentAndTicketsAreSha256AnyoneCanRecompute) {
  EXPECT_EQ(Commitment("seed-1"), "0eb026731d9ea3f870511f8c18daeb814eaa2c9e276082b204f2a962212fb5bd");
  EXPECT_EQ(Ticket("seed-1", "A7"), "1f7dc8520c5a4044fae7a1da926dff8094eabee4f23a0af0c7ae77a8e38ab48a");
}

TEST(Contest, WinnersAreTheLowestTicketsWhateverTheOrderOfEntries) {
  std::vector<std::string> codes;
  for (int i = 0; i < 500; ++i) codes.push_back("code" + std::to_string(i));
  auto winners = DrawWinners("s33d", codes, 5);
  ASSERT_EQ(winners.size(), 5u);
  std::vector<std::string> tickets;
  for (const auto& code : codes) tickets.push_back(Ticket("s33d", code));
  std::sort(tickets.begin(), tickets.end());
  for (size_t i = 0; i < winners.size(); ++i) {
    EXPECT_EQ(winners[i].ticket, tickets[i]);
    EXPECT_EQ(winners[i].rank, static_cast<int>(i) + 1);
  }
  std::mt19937 rng(7);
  std::shuffle(codes.begin(), codes.end(), rng);
  auto again = DrawWinners("s33d", codes, 5);
  for (size_t i = 0; i < winners.size(); ++i) EXPECT_EQ(again[i].entry_code, winners[i].entry_code);
  EXPECT_NE(DrawWinners("other", codes, 1)[0].entry_code, winners[0].entry_code) << "another seed, another winner";
  EXPECT_EQ(DrawWinners("s33d", {"only"}, 3).size(), 1u) << "fewer entries than prizes: everyone wins";
  EXPECT_TRUE(DrawWinners("s33d", {}, 3).empty());
}

// Over many seeds, every entry wins about equally often: the draw favours no entry code.
TEST(Contest, TheDrawIsFair) {
  std::vector<std::string> codes = {"a", "b", "c", "d"};
  std::map<std::string, int> wins;
  for (int seed = 0; seed < 4000; ++seed) ++wins[DrawWinners(std::to_string(seed), codes, 1)[0].entry_code];
  for (const auto& code : codes) {
    EXPECT_GT(wins[code], 880) << code;  // 1000 expected; 4 standard deviations is about 110
    EXPECT_LT(wins[code], 1120) << code;
  }
}

}  // namespace
}  // namespace retain::outreach
