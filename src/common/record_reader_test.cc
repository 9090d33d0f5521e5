#include "common/record_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace retain {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  auto path = (std::filesystem::temp_directory_path() / ("retain_rr_" + std::to_string(::getpid()) + name)).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(CsvReader, QuotesLineNumbersAndErrors) {
  auto path = WriteTemp("a.csv",
                        "\xEF\xBB\xBFid,name,note\r\n"
                        "1,Ann,plain\r\n"
                        "\r\n"
                        "2,\"Smith, Bo\",\"two\nlines\"\r\n"
                        "3,\"say \"\"hi\"\"\",x\n"
                        "4,too,many,fields\n"
                        "5,\"bad\"quote,x\n"
                        "6,Eve,\n");
  auto reader = RecordReader::Open(path, FileFormat::kCsv, {{"note", "remark"}});
  ASSERT_TRUE(reader) << reader.error().message;
  SourceRecord rec;
  struct Want {
    int64_t line;
    bool ok;
    const char* id;
    const char* name;
    const char* remark;
  } wants[] = {
      {2, true, "1", "Ann", "plain"},
      {4, true, "2", "Smith, Bo", "two\nlines"},
      {6, true, "3", "say \"hi\"", "x"},
      {7, false, "", "", ""},
      {8, false, "", "", ""},
      {9, true, "6", "Eve", nullptr},
  };
  for (const auto& w : wants) {
    auto next = (*reader)->Next(&rec);
    ASSERT_EQ(static_cast<bool>(next), w.ok) << "line " << w.line;
    EXPECT_EQ(rec.line(), w.line);
    if (!w.ok) continue;
    ASSERT_TRUE(*next);
    EXPECT_EQ(rec.Get("id").value_or(""), w.id);
    EXPECT_EQ(rec.Get("name").value_or(""), w.name);
    if (w.remark == nullptr) EXPECT_FALSE(rec.Get("remark"));
    else EXPECT_EQ(rec.Get("remark").value_or(""), w.remark);
  }
  auto end = (*reader)->Next(&rec);
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
  EXPECT_EQ((*reader)->header(), "id,name,note");
  std::filesystem::remove(path);
}

TEST(CsvReader, SemicolonSpreadsheetsAndUnclosedQuotes) {
  auto path = WriteTemp("b.csv", "id;amount\n1;12,50\n2;\"open\n");
  auto reader = RecordReader::Open(path, FileFormat::kCsv, {});
  ASSERT_TRUE(reader);
  SourceRecord rec;
  ASSERT_TRUE((*reader)->Next(&rec));
  EXPECT_EQ(rec.Get("amount").value_or(""), "12,50");
  auto bad = (*reader)->Next(&rec);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("never closes"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(NdjsonReader, ObjectsPerLine) {
  auto path = WriteTemp("c.ndjson",
                        "{\"id\":\"a\",\"n\":12.5,\"lines\":[{\"x\":1}]}\n\n"
                        "not json\n"
                        "[1,2]\n"
                        "{\"id\":\"b\",\"n\":null}\n");
  auto reader = RecordReader::Open(path, FileFormat::kNdjson, {{"n", "total"}});
  ASSERT_TRUE(reader);
  SourceRecord rec;
  ASSERT_TRUE((*reader)->Next(&rec));
  EXPECT_EQ(rec.line(), 1);
  EXPECT_EQ(rec.Get("total").value_or(""), "12.5");
  auto lines = rec.GetJson("lines");
  ASSERT_TRUE(lines && *lines);
  EXPECT_TRUE((*lines)->is_array());
  auto bad = (*reader)->Next(&rec);
  EXPECT_FALSE(bad);
  EXPECT_EQ(rec.line(), 3);
  EXPECT_FALSE((*reader)->Next(&rec));
  EXPECT_EQ(rec.line(), 4);
  ASSERT_TRUE((*reader)->Next(&rec));
  EXPECT_EQ(rec.line(), 5);
  EXPECT_FALSE(rec.Get("total"));
  std::filesystem::remove(path);
}

TEST(RecordReader, MissingFileAndFormats) {
  auto r = RecordReader::Open("/nonexistent/x.csv", FileFormat::kCsv, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*FormatFromPath("a/b.CSV"), FileFormat::kCsv);
  EXPECT_EQ(*FormatFromPath("b.jsonl"), FileFormat::kNdjson);
  EXPECT_FALSE(FormatFromPath("b.xlsx"));
  FieldMap m;
  EXPECT_FALSE(AddFieldMapping("nomapping", &m));
  EXPECT_TRUE(AddFieldMapping("cust_no=customer", &m));
  EXPECT_EQ(m["cust_no"], "customer");
}

}  // namespace
}  // namespace retain
