#include "outreach/journey.h"

#include <gtest/gtest.h>

namespace retain::outreach {
namespace {

using nlohmann::json;

TEST(Journey, DocumentsAreCheckedFieldByField) {
  struct Case {
    const char* document;
    std::string field;
  };
  const Case cases[] = {
      {R"({"steps": [{"template": "t"}]})", "trigger"},
      {R"({"trigger": "customer.born", "steps": [{"template": "t"}]})", "trigger"},
      {R"({"trigger": "customer.created"})", "steps"},
      {R"({"trigger": "customer.created", "steps": [{"wait_days": 3}]})", "steps[0].template"},
      {R"({"trigger": "customer.created", "steps": [{"template": "t", "wait_days": 400}]})", "steps[0].wait_days"},
      {R"({"trigger": "customer.created", "steps": [{"template": "t", "wait_days": 5}, {"template": "t", "wait_days": 2}]})",
       "steps[1].wait_days"},
      {R"({"trigger": "customer.created", "condition": "teir = 1", "steps": [{"template": "t"}]})", "condition"},
      {R"({"trigger": "customer.created", "channel": "fax", "steps": [{"template": "t"}]})", "channel"},
      {R"({"trigger": "customer.created", "active": "yes", "steps": [{"template": "t"}]})", "active"},
  };
  for (const auto& c : cases) {
    auto j = ParseJourney("k", json::parse(c.document));
    ASSERT_FALSE(j) << c.document;
    EXPECT_EQ(j.error().field, c.field) << c.document << ": " << j.error().message;
  }
  auto ok = ParseJourney("welcome", json::parse(R"({"trigger": "customer.created", "condition": "locale = \"pt\"",
      "steps": [{"template": "a"}, {"template": "b", "wait_days": 3}], "holdout_percent": 0})"));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->steps[1].wait_days, 3);
  EXPECT_EQ(ParseJourney("welcome", JourneyDocument(*ok))->steps.size(), 2u) << "the document reads back";
}

TEST(Journey, EventsNameTheirCustomerAndGiveTheirValues) {
  json payment = {{"type", "payment.failed"},
                  {"data", {{"id", "P1"}, {"customer", "C7"}, {"amount", "12.50"}, {"amount_minor", 1250}, {"currency", "EUR"},
                            {"occurred_at", "2026-05-01T10:00:00Z"}, {"status", "failed"}}}};
  EXPECT_EQ(EventCustomer("payment.failed", "P1", payment), "C7");
  json v = EventValues("payment.failed", payment);
  EXPECT_EQ(v["amount"], (json{{"minor", 1250}, {"currency", "EUR"}}));
  EXPECT_EQ(v["occurred_at"], (json{{"date", "2026-05-01"}}));
  EXPECT_EQ(v["status"], "failed");
  EXPECT_FALSE(v.contains("amount_minor"));
  json created = {{"type", "customer.created"}, {"data", {{"id", "C9"}, {"name", "Ana"}}}};
  EXPECT_EQ(EventCustomer("customer.created", "C9", created), "C9");
  EXPECT_FALSE(EventCustomer("program.changed", "loyalty", {{"data", {{"program", "p"}}}}));
  json expiring = {{"data", {{"customer", "C1"}, {"points", 120}, {"first_expiry", "2027-01-31T23:59:59Z"}}}};
  json e = EventValues("points.expiring", expiring);
  EXPECT_EQ(e["expiring_points"], 120);
  EXPECT_EQ(e["expires_on"], (json{{"date", "2027-01-31"}}));
}

TEST(Journey, TheHeldOutAreTheSamePeopleEveryTime) {
  Journey j;
  j.seed = "abc";
  j.holdout_percent = 30;
  int held = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string id = "c" + std::to_string(i);
    bool h = HeldOutOfJourney(j, id);
    EXPECT_EQ(h, HeldOutOfJourney(j, id));
    held += h;
  }
  EXPECT_NEAR(held, 3000, 200);
}

}  // namespace
}  // namespace retain::outreach
