#include "outreach/email.h"

#include <gtest/gtest.h>

#include "common/crypto.h"

namespace retain::outreach {
namespace {

Email Example() {
  Email e;
  e.from = {"Café Sandes", "news@sandes.example"};
  e.to = {"João Ærø", "joao@example.com"};
  e.subject = "Olá João, os seus pontos estão à espera — não os perca antes do fim do mês";
  e.text = "Olá João\n\nTem 1 500 pontos.";
  e.html = "<p>Olá João</p>";
  e.message_id = "d42.c7@sandes.example";
  e.unsubscribe_url = "https://sandes.example/u/abc";
  e.unsubscribe_mailto = "unsubscribe@sandes.example";
  e.date = FromUnixSeconds(1796212800);  // 2026-12-02 12:00:00 UTC
  e.headers = {{"X-Retain-Delivery", "42"}};
  return e;
}

TEST(Email, HeadersForUnsubscribeAndEncodedWords) {
  std::string m = ComposeEmail(Example());
  EXPECT_NE(m.find("List-Unsubscribe: <https://sandes.example/u/abc>, <mailto:unsubscribe@sandes.example>\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), std::string::npos);
  EXPECT_NE(m.find("Message-ID: <d42.c7@sandes.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Date: Wed, 02 Dec 2026 12:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(m.find("From: =?UTF-8?B?" + Base64("Café Sandes") + "?= <news@sandes.example>\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("X-Retain-Delivery: 42\r\n"), std::string::npos);
  // The long subject is folded into encoded words that each stay under 76 characters.
  auto start = m.find("Subject: ");
  auto end = m.find("\r\nDate:");
  std::string subject = m.substr(start, end - start);
  EXPECT_NE(subject.find("\r\n =?UTF-8?B?"), std::string::npos) << subject;
  size_t line_start = 0;
  while (line_start < m.size()) {
    size_t line_end = m.find("\r\n", line_start);
    if (line_end == std::string::npos) break;
    EXPECT_LE(line_end - line_start, 998u);
    line_start = line_end + 2;
  }
}

TEST(Email, MultipartAlternativeWithBothPartsInBase64) {
  std::string m = ComposeEmail(Example());
  EXPECT_NE(m.find("Content-Type: multipart/alternative; boundary="), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
  EXPECT_NE(m.find(Base64("<p>Olá João</p>")), std::string::npos);
  EXPECT_EQ(m, ComposeEmail(Example())) << "the same e-mail composes to the same bytes";
  Email text_only = Example();
  text_only.html.clear();
  EXPECT_EQ(ComposeEmail(text_only).find("multipart"), std::string::npos);
}

TEST(Email, ValuesCannotAddHeaders) {
  Email e = Example();
  e.subject = "hi\r\nBcc: everyone@example.com";
  e.to.name = "x\r\nBcc: a@b.c";
  std::string m = ComposeEmail(e);
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos) << m;
}

TEST(Email, AddressesThatCannotBeDelivered) {
  for (const char* good : {"a@b.co", "first.last+tag@mail.example.dk"}) EXPECT_TRUE(IsValidAddress(good)) << good;
  for (const char* bad : {"", "a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@b.co>", "a@.co", "a@b.", "a@b.co,c@d.co"}) {
    EXPECT_FALSE(IsValidAddress(bad)) << bad;
  }
}

}  // namespace
}  // namespace retain::outreach
