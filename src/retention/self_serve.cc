#include "retention/self_serve.h"

#include <charconv>

#include <fmt/format.h>

#include "common/crypto.h"

namespace retain::retention {
namespace {

constexpr size_t kSignatureChars = 40;  // 160 bits of the HMAC

std::string Signature(std::string_view secret, std::string_view subscription, int64_t expires) {
  return HmacSha256Hex(secret, fmt::format("cancel-link|{}|{}", subscription, expires)).substr(0, kSignatureChars);
}

std::string Hex(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char c : text) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return out;
}

bool Unhex(std::string_view hex, std::string* out) {
  if (hex.empty() || hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return false;
    out->push_back(static_cast<char>(value));
  }
  return true;
}

}  // namespace

std::string SignCancelLink(std::string_view secret, std::string_view subscription, Timestamp expires) {
  int64_t at = ToUnixSeconds(expires);
  return fmt::format("{}_{}_{}", Hex(subscription), at, Signature(secret, subscription, at));
}

Result<std::string> VerifyCancelLink(std::string_view secret, std::string_view token, Timestamp now) {
  auto bad = [] { return NotFound("this cancel link is not valid; ask for a new one", "token"); };
  auto first = token.find('_');
  auto second = first == std::string_view::npos ? first : token.find('_', first + 1);
  if (second == std::string_view::npos || secret.empty()) return bad();
  std::string subscription;
  if (!Unhex(token.substr(0, first), &subscription)) return bad();
  std::string_view expires_text = token.substr(first + 1, second - first - 1);
  int64_t expires = 0;
  auto [end, ec] = std::from_chars(expires_text.data(), expires_text.data() + expires_text.size(), expires);
  if (ec != std::errc() || end != expires_text.data() + expires_text.size()) return bad();
  if (!ConstantTimeEquals(token.substr(second + 1), Signature(secret, subscription, expires))) return bad();
  if (FromUnixSeconds(expires) <= now) {
    return FailedPrecondition("this cancel link has expired; ask for a new one or call us");
  }
  return subscription;
}

}  // namespace retain::retention
