#include "outreach/bounce.h"

#include <gtest/gtest.h>

namespace retain::outreach {
namespace {

// What Postfix sends back when the receiving server refused a message after accepting the
// session: the human part, the delivery-status part, and the original headers.
constexpr std::string_view kPostfixDsn =
    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "To: news@sandes.example\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\r\n"
    "\r\n"
    "--B1\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "I'm sorry to have to inform you that your message could not be delivered.\r\n"
    "Final-Recipient: this line is prose, not a field group\r\n"
    "\r\n"
    "--B1\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.example.net\r\n"
    "Arrival-Date: Wed,  2 Dec 2026 10:00:00 +0000 (UTC)\r\n"
    "\r\n"
    "Final-Recipient: rfc822; Ana.Silva@Example.com\r\n"
    "Original-Recipient: rfc822;ana.silva@example.com\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Remote-MTA: dns; mail.example.com\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <ana.silva@example.com>: Recipient address\r\n"
    "    rejected: User unknown in virtual mailbox table\r\n"
    "\r\n"
    "--B1\r\n"
    "Content-Type: text/rfc822-headers\r\n"
    "\r\n"
    "From: Sandes <news@sandes.example>\r\n"
    "Message-ID: <d4242@sandes.example>\r\n"
    "X-Retain-Delivery: 4242\r\n"
    "Subject: =?UTF-8?B?b2zDoQ==?=\r\n"
    "\r\n"
    "--B1--\r\n";

TEST(Bounce, ReadsAPostfixReport) {
  auto b = ParseDsn(kPostfixDsn);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->recipient, "ana.silva@example.com");
  EXPECT_EQ(b->action, "failed");
  EXPECT_EQ(b->status, "5.1.1");
  EXPECT_EQ(b->diagnostic, "550 5.1.1 <ana.silva@example.com>: Recipient address rejected: User unknown in virtual mailbox table");
  EXPECT_EQ(b->delivery_id, 4242);
  EXPECT_TRUE(b->permanent());
}

TEST(Bounce, ADelayIsNotPermanentAndTheMessageIdStandsInForTheHeader) {
  std::string dsn =
      "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; bo@example.dk\n"
      "Action: delayed\nStatus: 4.4.7 (queue timeout)\n\nMessage-ID: <d77@sandes.example>\n";
  auto b = ParseDsn(dsn);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->status, "4.4.7");
  EXPECT_EQ(b->delivery_id, 77);
  EXPECT_FALSE(b->permanent());
}

TEST(Bounce, OfSeveralRecipientsTheFailedOneIsRead) {
  std::string dsn =
      "Final-Recipient: rfc822; ok@example.com\nAction: delivered\nStatus: 2.0.0\n\n"
      "Final-Recipient: rfc822; gone@example.com\nAction: failed\nStatus: 5.2.1\n";
  auto b = ParseDsn(dsn);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->recipient, "gone@example.com");
  EXPECT_FALSE(b->delivery_id) << "no quoted headers: the address alone";
}

TEST(Bounce, AnythingElseIsRefusedSayingWhy) {
  for (std::string_view text : {std::string_view(""), std::string_view("Hello, this is a normal reply.\n"),
                                std::string_view("Action: failed\nStatus: 5.1.1\n"), std::string_view("Final-Recipient:\n")}) {
    auto b = ParseDsn(text);
    ASSERT_FALSE(b) << text;
    EXPECT_EQ(b.error().field, "message");
  }
}

}  // namespace
}  // namespace retain::outreach
