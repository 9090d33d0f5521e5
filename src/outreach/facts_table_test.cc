#include "outreach/facts_table.h"

#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace retain::outreach {
namespace {

// Random customers with every kind of fact, nulls included.
std::vector<CustomerFacts> RandomCustomers(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const std::vector<std::string> tiers = {"", "silver", "gold"}, locales = {"en", "pt", "da"}, cities = {"", "Lisboa", "København", "Porto"};
  std::vector<CustomerFacts> out;
  for (size_t i = 0; i < n; ++i) {
    CustomerFacts c;
    c.id = fmt::format("C{:06d}", (i * 7919) % 1000003);  // not in id order
    auto& v = c.facts.values;
    v[*FieldIndex("id")] = c.id;
    v[*FieldIndex("name")] = fmt::format("Customer with a long name number {}", i);
    v[*FieldIndex("email")] = fmt::format("c{}@example.com", i);
    v[*FieldIndex("locale")] = locales[i % 3];
    if (const auto& city = cities[rng() % cities.size()]; !city.empty()) v[*FieldIndex("city")] = city;
    if (const auto& tier = tiers[rng() % tiers.size()]; !tier.empty()) v[*FieldIndex("tier")] = tier;
    v[*FieldIndex("email_consent")] = u(rng) < 0.7;
    if (u(rng) < 0.9) v[*FieldIndex("churn_risk")] = u(rng);
    if (u(rng) < 0.8) v[*FieldIndex("days_since_last_purchase")] = std::floor(u(rng) * 400);
    v[*FieldIndex("points")] = std::floor(u(rng) * 500);
    out.push_back(std::move(c));
  }
  return out;
}

TEST(FactsTable, CountsWhatTheRowByRowEvaluationCounts) {
  auto rows = RandomCustomers(5000, 1);
  FactsTable table(rows, Timestamp{});
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const char* text : {"tier = \"gold\" and churn_risk > 0.6", "days_since_last_purchase between 30 and 90 or tier is null",
                           "locale in (\"pt\", \"da\") and not email_consent = true", "city = \"København\"",
                           "name = \"Customer with a long name number 17\"", "id = \"C007919\"", "points >= 0",
                           "churn_risk is null and city is not null"}) {
    auto segment = ParseSegment(text);
    ASSERT_TRUE(segment) << text;
    auto expected = CountSegment(*segment, rows, 10);
    auto got = table.Count(*segment, 10);
    EXPECT_EQ(got.matched, expected.matched) << text;
    EXPECT_EQ(got.customers, expected.customers) << text;
    EXPECT_EQ(got.sample, expected.sample) << text << ": the first ten by id";
    EXPECT_EQ(table.Matching(*segment).size(), static_cast<size_t>(expected.matched)) << text;
  }
}

TEST(FactsTable, PutReplacesOneCustomerOrAddsOne) {
  auto rows = RandomCustomers(100, 2);
  FactsTable table(rows, Timestamp{});
  auto gold = ParseSegment("tier = \"gold\" and email_consent = true");
  ASSERT_TRUE(gold);
  int64_t before = table.Count(*gold, 0).matched;
  CustomerFacts changed = rows[5];
  bool was = Matches(*gold->root, changed.facts);
  changed.facts.values[*FieldIndex("tier")] = was ? Value() : Value(std::string("gold"));
  changed.facts.values[*FieldIndex("email_consent")] = true;
  table.Put(changed);
  EXPECT_EQ(table.Count(*gold, 0).matched, before + (was ? -1 : 1));
  EXPECT_EQ(table.size(), 100u);
  CustomerFacts fresh = rows[0];
  fresh.id = "NEW";
  fresh.facts.values[*FieldIndex("id")] = std::string("NEW");
  table.Put(fresh);
  EXPECT_EQ(table.size(), 101u);
  Facts back;
  ASSERT_TRUE(table.Get("NEW", &back));
  EXPECT_EQ(back.values, fresh.facts.values) << "every fact reads back as it was put";
  EXPECT_FALSE(table.Get("nobody", &back));
}

// The columns take less than half of what a row of facts per customer does (which is what a
// million customers would cost the server otherwise).
TEST(FactsTable, HoldsFactsInLessMemoryThanRows) {
  auto rows = RandomCustomers(20000, 3);
  FactsTable table(rows, Timestamp{});
  size_t per_customer = table.MemoryBytes() / rows.size();
  EXPECT_LT(per_customer * 2, sizeof(CustomerFacts)) << per_customer << " bytes a customer";
  EXPECT_GT(per_customer, 100u) << "the estimate counts the columns and the texts";
}

}  // namespace
}  // namespace retain::outreach
