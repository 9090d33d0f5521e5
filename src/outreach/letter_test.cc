#include "outreach/letter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <unistd.h>

namespace retain::outreach {
namespace {

// The text of a PDF as poppler's pdftotext reads it back, pages separated by form feeds.
std::string PdfText(const std::string& pdf, const std::string& options = "-layout") {
  char path[] = "/tmp/retain-letter-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, pdf.data(), pdf.size()), static_cast<ssize_t>(pdf.size()));
  close(fd);
  std::string text;
  FILE* p = popen(fmt::format("pdftotext {} {} - 2>&1", options, path).c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  pclose(p);
  unlink(path);
  return text;
}

Letter Example(std::string locale) {
  Letter l;
  l.sender = {"Sandes & Café", "Rua Augusta 10", "1100-053 Lisboa"};
  l.recipient = AddressBlock({"Søren Ærø", "Nørregade 7, 2. th.", "", "1165", "København K", "", "DK"}, "PT");
  l.place_and_date = "Lisboa, 2 de dezembro de 2026";
  l.subject = "Os seus pontos: não os perca";
  l.body = "Caro Søren,\n\nTem 1 500 pontos à sua espera. Não os perca: expiram em janeiro.\n\nAté breve,\nJoão Conceição";
  l.locale = std::move(locale);
  return l;
}

TEST(Letter, AddressBlocksFollowThePostOfEachCountry) {
  EXPECT_EQ(AddressBlock({"Ana Sá", "Rua A 1", "", "1000-001", "Lisboa", "", "PT"}, "PT"),
            (std::vector<std::string>{"Ana Sá", "Rua A 1", "1000-001 Lisboa"}));
  EXPECT_EQ(AddressBlock({"Ana Sá", "Rua A 1", "", "1000-001", "Lisboa", "", "PT"}, "DK"),
            (std::vector<std::string>{"Ana Sá", "Rua A 1", "1000-001 Lisboa", "PORTUGAL"}));
  EXPECT_EQ(AddressBlock({"Jo Doe", "1 Main St", "Apt 2", "02139", "Cambridge", "MA", "US"}, "US"),
            (std::vector<std::string>{"Jo Doe", "1 Main St", "Apt 2", "Cambridge, MA 02139"}));
  EXPECT_EQ(AddressBlock({"Jo Doe", "1 High St", "", "SW1A 1AA", "London", "", "GB"}, "GB"),
            (std::vector<std::string>{"Jo Doe", "1 High St", "London", "SW1A 1AA"}));
  EXPECT_FALSE(CheckPostalAddress({"Jo", "1 Main St", "", "", "", "", "US"}));
  EXPECT_EQ(CheckPostalAddress({"Jo", "", "", "", "X", "", "US"}).error().field, "address_line1");
  EXPECT_TRUE(CheckPostalAddress({"Jo", "1 Main St", "", "", "Boston", "", "US"}));
}

TEST(Letter, TextComesBackFromThePdfWithItsLettersIntact) {
  auto pdf = RenderLetters({Example("pt")}, Paper::kA4);
  ASSERT_TRUE(pdf) << pdf.error().message;
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
  std::string text = PdfText(*pdf);
  for (const char* part : {"Søren Ærø", "Nørregade 7, 2. th.", "1165 København K", "DENMARK", "Os seus pontos: não os perca",
                           "Tem 1 500 pontos à sua espera.", "João Conceição", "Lisboa, 2 de dezembro de 2026", "Sandes & Café"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " not in:\n" << text;
  }
}

TEST(Letter, TheAddressSitsInTheWindow) {
  // pdftotext's bounding boxes in points: the recipient's first line starts inside the window of
  // each paper (DIN 5008 B on A4: x 20 mm, y from 62.7 mm; #10 on US Letter: x 7/8 in, y 2 in).
  struct Case {
    Paper paper;
    double x_min, x_max, y_min, y_max;
  };
  for (const auto& c : {Case{Paper::kA4, 56, 60, 175, 195}, Case{Paper::kLetter, 62, 66, 142, 160}}) {
    auto pdf = RenderLetters({Example("da")}, c.paper);
    ASSERT_TRUE(pdf);
    std::string boxes = PdfText(*pdf, "-bbox");
    auto at = boxes.find(">Søren<");
    ASSERT_NE(at, std::string::npos) << boxes.substr(0, 2000);
    auto tag = boxes.rfind("<word", at);
    double x = std::stod(boxes.substr(boxes.find("xMin=\"", tag) + 6));
    double y = std::stod(boxes.substr(boxes.find("yMin=\"", tag) + 6));
    EXPECT_GE(x, c.x_min);
    EXPECT_LE(x, c.x_max);
    EXPECT_GE(y, c.y_min);
    EXPECT_LE(y, c.y_max);
  }
}

TEST(Letter, ManyLettersMakeOneFileAndLongOnesFlowOntoMorePages) {
  std::vector<Letter> letters = {Example("pt"), Example("da"), Example("en")};
  letters[1].recipient = {"Anne Ågård", "Vej 1", "8000 Aarhus C"};
  std::string longer;
  for (int i = 0; i < 120; ++i) longer += fmt::format("Paragraph {} of a long letter that goes on.\n\n", i);
  letters[2].body = longer + "The very end.";
  auto pdf = RenderLetters(letters, Paper::kLetter);
  ASSERT_TRUE(pdf);
  std::string text = PdfText(*pdf);
  auto pages = std::count(text.begin(), text.end(), '\f');
  EXPECT_GE(pages, 4) << "two one-page letters and one of several pages";
  EXPECT_LT(text.find("Søren Ærø"), text.find("Anne Ågård"));
  EXPECT_NE(text.find("Paragraph 119 of a long letter"), std::string::npos);
  EXPECT_NE(text.find("The very end."), std::string::npos);
  EXPECT_FALSE(RenderLetters({}, Paper::kA4));
}

}  // namespace
}  // namespace retain::outreach
