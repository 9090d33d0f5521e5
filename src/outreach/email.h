// An e-mail as the bytes an SMTP server receives (RFC 5322 with MIME): multipart/alternative with
// a plain-text and an HTML part, both UTF-8 in base64; non-ASCII subjects and names as RFC 2047
// encoded words; List-Unsubscribe with both a one-click HTTPS address (RFC 8058) and a mailto.
// Pure functions, no I/O; thread-safe.
#ifndef RETAIN_OUTREACH_EMAIL_H_
#define RETAIN_OUTREACH_EMAIL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"

namespace retain::outreach {

struct Mailbox {
  std::string name;     // may be empty; any script
  std::string address;  // local@domain
};

struct Email {
  Mailbox from;
  Mailbox to;
  std::string reply_to;        // may be empty
  std::string subject;
  std::string text;            // the plain part
  std::string html;            // the rich part; empty sends text only
  std::string message_id;      // without angle brackets: "d123.c7@retain.example"
  std::string unsubscribe_url;     // https address a mail client POSTs to; empty for none
  std::string unsubscribe_mailto;  // an address to write to; empty for none
  Timestamp date{};
  std::vector<std::pair<std::string, std::string>> headers;  // more headers, e.g. X-Retain-Delivery
};

// Whether `address` looks deliverable: one @, a non-empty local part without spaces or angle
// brackets, and a domain with a dot. Not a full RFC 5321 check; the server's answer is final.
bool IsValidAddress(std::string_view address);

// The message, lines ending in CRLF, no line longer than 78 characters outside the headers'
// folded values. The boundary is derived from the message id, so the same email composes to the
// same bytes.
std::string ComposeEmail(const Email& email);

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_EMAIL_H_
