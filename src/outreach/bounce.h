// Bounces that arrive after the message left: a delivery status notification (RFC 3464, a
// multipart/report whose message/delivery-status part says what happened to each recipient)
// that the receiving mail server sends back to the envelope sender hours later. Retain reads
// one from a mail pipe (POST /v1/bounces) and finds the delivery it is about from the original
// message's headers, which the report quotes (X-Retain-Delivery, or the Message-ID Retain wrote).
// Pure: parsing only.
#ifndef RETAIN_OUTREACH_BOUNCE_H_
#define RETAIN_OUTREACH_BOUNCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace retain::outreach {

struct Bounce {
  std::string recipient;     // Final-Recipient (or Original-Recipient) address, lower case
  std::string action;        // failed, delayed, delivered, relayed, expanded
  std::string status;        // e.g. 5.1.1
  std::string diagnostic;    // Diagnostic-Code, when given
  std::optional<int64_t> delivery_id;  // from the quoted headers
  // A permanent failure: action failed with a 5.x.x status. Only these suppress the address.
  bool permanent() const { return action == "failed" && !status.empty() && status[0] == '5'; }
};

// Reads the first failed (else the first) recipient of a delivery status notification.
// InvalidArgument when the text holds no delivery-status fields ("not a delivery status
// notification: no Final-Recipient and Action").
Result<Bounce> ParseDsn(std::string_view message);

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_BOUNCE_H_
