#include "retention/self_serve.h"

#include <gtest/gtest.h>

namespace retain::retention {
namespace {

TEST(CancelLink, OnlyTheSignedSubscriptionUntilItExpires) {
  Timestamp now = FromUnixSeconds(1790000000);
  Timestamp expires = now + std::chrono::days(14);
  std::string token = SignCancelLink("secret-1", "C0000042-SUB1", expires);
  EXPECT_EQ(token.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"), std::string::npos) << token;

  auto ok = VerifyCancelLink("secret-1", token, now);
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(*ok, "C0000042-SUB1");

  std::string other = SignCancelLink("secret-1", "C0000043-SUB1", expires);
  std::string swapped = other.substr(0, other.find('_')) + token.substr(token.find('_'));  // another id, this signature
  std::string later = token.substr(0, token.find('_')) + "_" + std::to_string(ToUnixSeconds(expires) + 86400) +
                      token.substr(token.rfind('_'));  // the expiry moved, the signature kept
  std::string flipped = token;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  struct Case {
    std::string secret, token;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {"secret-2", token, ErrorCode::kNotFound},     // signed with another business's secret
      {"", token, ErrorCode::kNotFound},             // no secret yet
      {"secret-1", swapped, ErrorCode::kNotFound},
      {"secret-1", later, ErrorCode::kNotFound},
      {"secret-1", flipped, ErrorCode::kNotFound},
      {"secret-1", "", ErrorCode::kNotFound},
      {"secret-1", "zz_1_abc", ErrorCode::kNotFound},
      {"secret-1", "4142_notanumber_abc", ErrorCode::kNotFound},
      {"secret-1", "4142", ErrorCode::kNotFound},
  };
  for (const auto& c : cases) {
    auto r = VerifyCancelLink(c.secret, c.token, now);
    ASSERT_FALSE(r.has_value()) << c.token;
    EXPECT_EQ(r.error().code, c.code) << c.token;
  }
  auto expired = VerifyCancelLink("secret-1", token, expires);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
}

}  // namespace
}  // namespace retain::retention
