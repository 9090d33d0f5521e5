#include "core/parse.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace retain::core {
namespace {

// Reads the single record of a small CSV file made of `header` and `row`.
class OneRecord {
 public:
  OneRecord(const std::string& header, const std::string& row, FileFormat format = FileFormat::kCsv) {
    path_ = (std::filesystem::temp_directory_path() /
             ("retain_parse_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++)))
                .string();
    std::ofstream(path_) << (format == FileFormat::kCsv ? header + "\n" : "") << row << "\n";
    reader_ = std::move(*RecordReader::Open(path_, format, {}));
    auto ok = reader_->Next(&rec_);
    EXPECT_TRUE(ok && *ok);
  }
  ~OneRecord() { std::filesystem::remove(path_); }
  const SourceRecord& operator*() const { return rec_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
  std::unique_ptr<RecordReader> reader_;
  SourceRecord rec_;
};

const BusinessZone kUtc;

TEST(ParseCustomer, FieldsConsentAndAttributes) {
  OneRecord r("id,name,email,locale,country,consent_email,consent_post,first_contact_at,tier",
              "C1,Søren Ås,soren@example.dk,da-DK,dk,ja,nej,2024-01-05,gold");
  auto c = ParseCustomer(*r, kUtc);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->name, "Søren Ås");
  EXPECT_EQ(c->locale, "da");
  EXPECT_EQ(c->country, "DK");
  EXPECT_TRUE(c->consent.email);
  EXPECT_FALSE(c->consent.post);
  EXPECT_EQ(FormatTimestamp(*c->first_contact_at), "2024-01-05T00:00:00Z");
  EXPECT_EQ(c->attributes_json, R"({"tier":"gold"})");
}

struct BadCase {
  RecordKind kind;
  std::string header;
  std::string row;
  std::string field;  // the field the error must name
};

Result<int> ParseAny(RecordKind kind, const SourceRecord& rec) {
  auto done = [](auto&& r) -> Result<int> {
    if (!r) return tl::unexpected(r.error());
    return 1;
  };
  switch (kind) {
    case RecordKind::kCustomer: return done(ParseCustomer(rec, kUtc));
    case RecordKind::kProduct: return done(ParseProduct(rec));
    case RecordKind::kSubscription: return done(ParseSubscription(rec, kUtc));
    case RecordKind::kPayment: return done(ParsePayment(rec, kUtc));
    case RecordKind::kPurchase: return done(ParsePurchase(rec, kUtc));
    case RecordKind::kEvent: return done(ParseEvent(rec, kUtc));
  }
  return 0;
}

TEST(Parse, BadRowsNameTheField) {
  const BadCase cases[] = {
      {RecordKind::kCustomer, "id,name", ",Ann", "id"},
      {RecordKind::kCustomer, "id,email", "C1,not-an-email", "email"},
      {RecordKind::kCustomer, "id,locale", "C1,fr", "locale"},
      {RecordKind::kCustomer, "id,consent_email", "C1,maybe", "consent_email"},
      {RecordKind::kCustomer, "id,first_contact_at", "C1,31/12/2024", "first_contact_at"},
      {RecordKind::kProduct, "id,name,price,currency", "P1,Sub,6.505,EUR", "price"},
      {RecordKind::kProduct, "id,name,price,currency", "P1,Sub,6.50,EURO", "currency"},
      {RecordKind::kProduct, "id,name,price,currency,billing", "P1,Sub,6.50,EUR,weekly", "billing"},
      {RecordKind::kSubscription, "id,customer,plan,status,started_at", "S1,C1,TV,cancelled,2024-01-01", "cancelled_at"},
      {RecordKind::kSubscription, "id,customer,plan,started_at,cancelled_at", "S1,C1,TV,2024-01-01,2024-02-01", "cancelled_at"},
      {RecordKind::kSubscription, "id,customer,plan,status,started_at,cancelled_at", "S1,C1,TV,cancelled,2024-01-01,2023-12-01", "cancelled_at"},
      {RecordKind::kSubscription, "id,customer,plan,started_at,discount_percent", "S1,C1,TV,2024-01-01,150", "discount_percent"},
      {RecordKind::kPayment, "id,customer,amount,currency,occurred_at", "X1,C1,-5,EUR,2024-01-01", "amount"},
      {RecordKind::kPayment, "id,customer,amount,currency,status,occurred_at", "X1,C1,5,EUR,lost,2024-01-01", "status"},
      {RecordKind::kPurchase, "id,customer,currency,occurred_at", "P1,C1,EUR,2024-01-01", "total"},
      {RecordKind::kPurchase, "id,customer,total,currency,occurred_at,kind", "P1,C1,5,EUR,2024-01-01,return", "original"},
      {RecordKind::kPurchase, "id,customer,total,currency", "P1,C1,5,EUR", "occurred_at"},
      {RecordKind::kPurchase, "id,customer,currency,occurred_at,product,quantity,unit_price", "P1,C1,EUR,2024-01-01,SUB,0,6.50", "quantity"},
      {RecordKind::kEvent, "id,customer,type,occurred_at", "E1,C1,has space,2024-01-01", "type"},
      {RecordKind::kEvent, "id,customer,type,occurred_at,payload", "E1,C1,x,2024-01-01,[1]", "payload"},
  };
  for (const auto& c : cases) {
    OneRecord r(c.header, c.row);
    auto got = ParseAny(c.kind, *r);
    ASSERT_FALSE(got) << c.row;
    EXPECT_EQ(got.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(got.error().field, c.field) << c.row << ": " << got.error().ToString();
  }
}

TEST(ParsePurchase, LinesFromJsonAndTotals) {
  OneRecord r("", R"({"id":"P1","customer":"C1","currency":"EUR","occurred_at":"2024-05-01T12:00:00+02:00",)"
                  R"("lines":[{"product":"SUB","quantity":2,"unit_price":"6.50"},{"product":"DRINK","unit_price":2}]})",
              FileFormat::kNdjson);
  auto p = ParsePurchase(*r, kUtc);
  ASSERT_TRUE(p) << p.error().ToString();
  ASSERT_EQ(p->lines.size(), 2u);
  EXPECT_EQ(p->lines[0].amount_minor, 1300);
  EXPECT_EQ(p->lines[1].amount_minor, 200);
  EXPECT_EQ(p->total_minor, 1500);
  EXPECT_EQ(FormatTimestamp(p->occurred_at), "2024-05-01T10:00:00Z");
}

TEST(ContentHash, ChangesWithAnyField) {
  OneRecord r("id,customer,total,currency,occurred_at", "P1,C1,5.00,EUR,2024-01-01");
  auto a = ParsePurchase(*r, kUtc);
  ASSERT_TRUE(a);
  auto b = *a;
  EXPECT_EQ(ContentHash(*a), ContentHash(b));
  b.total_minor += 1;
  EXPECT_NE(ContentHash(*a), ContentHash(b));
  b = *a;
  b.store = "Baixa";
  EXPECT_NE(ContentHash(*a), ContentHash(b));
}

}  // namespace
}  // namespace retain::core
