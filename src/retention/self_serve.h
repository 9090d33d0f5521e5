// The self-serve cancel page's signed links. A link names one subscription and when it stops
// working, signed with the business's secret (HMAC-SHA256), so a customer can open their own
// cancel page without signing in and nobody can forge one for another subscription. Pure;
// thread-safe.
#ifndef RETAIN_RETENTION_SELF_SERVE_H_
#define RETAIN_RETENTION_SELF_SERVE_H_

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace retain::retention {

// The token for `subscription`, valid until `expires`: letters, digits and '_' only, so it can
// stand in a URL path (/cancel/TOKEN).
std::string SignCancelLink(std::string_view secret, std::string_view subscription, Timestamp expires);

// The subscription a token names. NotFound (naming "token") when the token is malformed, forged
// or signed with another secret, which tells a prober nothing; FailedPrecondition when it has expired (ask for a new link).
Result<std::string> VerifyCancelLink(std::string_view secret, std::string_view token, Timestamp now);

}  // namespace retain::retention

#endif  // RETAIN_RETENTION_SELF_SERVE_H_
