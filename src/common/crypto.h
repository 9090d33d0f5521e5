// Small cryptographic helpers over libargon2 and OpenSSL's libcrypto. Thread-safe.
#ifndef RETAIN_COMMON_CRYPTO_H_
#define RETAIN_COMMON_CRYPTO_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace retain {

// `bytes` cryptographically random bytes as lower-case hex (2 * bytes characters). Fails with
// Internal only if the kernel's random source fails.
Result<std::string> RandomHex(size_t bytes);

// SHA-256 of `data` as lower-case hex.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256 of `data` under `key`, as lower-case hex.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// `data` in base64 (RFC 4648, with padding, no line breaks).
std::string Base64(std::string_view data);

// Compares two strings in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// An argon2id hash of `password` in the PHC string format ("$argon2id$v=19$m=19456,t=2,p=1$...")
// with a random salt (OWASP's recommended parameters). Fails with InvalidArgument for an empty
// password.
Result<std::string> HashPassword(std::string_view password);

// Whether `password` matches `encoded` (a HashPassword result). False for a malformed hash.
bool VerifyPassword(std::string_view password, const std::string& encoded);

}  // namespace retain

#endif  // RETAIN_COMMON_CRYPTO_H_
