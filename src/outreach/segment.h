// The segment language: which customers a campaign or journey speaks to, as a condition over
// customer fields and computed values, for example
//
//   tier = "gold" and churn_risk > 0.6 and days_since_last_purchase between 30 and 90
//     and locale in ("pt", "da")
//
// with and, or, not and parentheses; comparisons = != < <= > >=, between ... and ..., in (...)
// and not in (...), is null and is not null. Text in double quotes (\" and \\ inside), numbers
// with an optional fraction, true and false. Keywords are case-insensitive; field names are
// not. Parse errors and type errors give the line and column and say what was expected. Pure
// functions, no storage; evaluation here is over one customer's facts in memory.
#ifndef RETAIN_OUTREACH_SEGMENT_H_
#define RETAIN_OUTREACH_SEGMENT_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace retain::outreach {

enum class FieldType { kText, kNumber, kBool };

struct FieldInfo {
  std::string_view name;
  FieldType type;
  std::string_view help;
};

// Every field a segment may name, in a fixed order (a field's index is its place here).
inline constexpr std::array<FieldInfo, 20> kFields = {{
    {"id", FieldType::kText, "the customer's id"},
    {"name", FieldType::kText, "the customer's name"},
    {"email", FieldType::kText, "e-mail address"},
    {"locale", FieldType::kText, "language: en, pt or da"},
    {"country", FieldType::kText, "ISO country code, e.g. PT"},
    {"city", FieldType::kText, "city of the postal address"},
    {"tier", FieldType::kText, "loyalty tier (null when none)"},
    {"rfm_segment", FieldType::kText, "RFM segment, e.g. champions, at_risk"},
    {"plan", FieldType::kText, "the plan of an active subscription (null when none)"},
    {"email_consent", FieldType::kBool, "may be e-mailed"},
    {"post_consent", FieldType::kBool, "may be sent letters"},
    {"sms_consent", FieldType::kBool, "may be sent text messages"},
    {"active_subscriber", FieldType::kBool, "has an active subscription"},
    {"churn_risk", FieldType::kNumber, "probability of leaving in 90 days, 0 to 1"},
    {"clv", FieldType::kNumber, "expected value of the next year, in major units"},
    {"days_since_last_purchase", FieldType::kNumber, "days since the last purchase (null when none)"},
    {"purchases_90", FieldType::kNumber, "purchases in the last 90 days"},
    {"points", FieldType::kNumber, "loyalty points available"},
    {"tenure_days", FieldType::kNumber, "days since the first contact"},
    {"complaints_365", FieldType::kNumber, "complaint cases in the last year"},
}};

// The index of a field in kFields; nullopt for an unknown name.
std::optional<size_t> FieldIndex(std::string_view name);

// A value: null, a number, a text or a truth.
using Value = std::variant<std::monostate, double, std::string, bool>;

// One customer's facts, indexed as kFields.
struct Facts {
  std::array<Value, kFields.size()> values;
};

enum class Op { kAnd, kOr, kNot, kEq, kNe, kLt, kLe, kGt, kGe, kBetween, kIn, kNotIn, kIsNull, kIsNotNull };

struct Node {
  Op op = Op::kEq;
  size_t field = 0;                        // comparisons
  std::vector<Value> values;               // the right-hand side (two for between, a list for in)
  std::vector<std::unique_ptr<Node>> children;  // and, or (two or more), not (one)
  int line = 1;
  int column = 1;
};

struct Segment {
  std::unique_ptr<Node> root;
  std::vector<size_t> fields;  // the fields it reads, each once, in order of first use
};

// Parses and type-checks a segment. InvalidArgument whose field is "line L, column C" and whose
// message says what was found and what was expected ("unknown field 'teir'; did you mean
// 'tier'?"). At most 10,000 characters and 64 levels of nesting.
Result<Segment> ParseSegment(std::string_view text);

// Whether the customer belongs. A comparison with a null fact is false (so `not` of it is true),
// except `is null`.
bool Matches(const Node& node, const Facts& facts);

// The segment written back in canonical form (keywords in lower case, one space between tokens,
// parentheses only where needed); parsing it gives the same tree.
std::string Canonical(const Node& node);

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_SEGMENT_H_
