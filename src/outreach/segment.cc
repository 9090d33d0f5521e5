#include "outreach/segment.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "outreach/facts_store.h"

namespace retain::outreach {
namespace {

constexpr size_t kMaxSegmentText = 10000;
constexpr int kMaxDepth = 64;

enum class Tok { kIdent, kNumber, kString, kLParen, kRParen, kComma, kCompare, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier, operator, or the string's contents
  double number = 0;
  int line = 1;
  int column = 1;
};

Error At(int line, int column, std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), fmt::format("line {}, column {}", line, column)};
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Tok::kIdent: return fmt::format("'{}'", t.text);
    case Tok::kNumber: return fmt::format("the number {}", t.text);
    case Tok::kString: return fmt::format("the text \"{}\"", t.text);
    case Tok::kLParen: return "'('";
    case Tok::kRParen: return "')'";
    case Tok::kComma: return "','";
    case Tok::kCompare: return fmt::format("'{}'", t.text);
    case Tok::kEnd: return "the end";
  }
  return "?";
}

Result<std::vector<Token>> Lex(std::string_view text) {
  std::vector<Token> out;
  int line = 1, column = 1;
  size_t i = 0;
  auto advance = [&](size_t n) {
    for (size_t k = 0; k < n && i < text.size(); ++k, ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        ++column;  // a column is a character, not a byte
      }
    }
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance(1);
      continue;
    }
    Token t;
    t.line = line;
    t.column = column;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
      t.kind = Tok::kIdent;
      t.text = std::string(text.substr(i, j - i));
      advance(j - i);
    } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '-' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      size_t j = i + 1;
      while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) ++j;
      t.kind = Tok::kNumber;
      t.text = std::string(text.substr(i, j - i));
      auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), t.number);
      if (ec != std::errc() || end != t.text.data() + t.text.size() || !std::isfinite(t.number)) {
        return tl::unexpected(At(t.line, t.column, fmt::format("'{}' is not a number", t.text)));
      }
      advance(j - i);
    } else if (c == '"') {
      size_t j = i + 1;
      std::string value;
      bool closed = false;
      while (j < text.size()) {
        if (text[j] == '\\' && j + 1 < text.size() && (text[j + 1] == '"' || text[j + 1] == '\\')) {
          value += text[j + 1];
          j += 2;
        } else if (text[j] == '"') {
          closed = true;
          ++j;
          break;
        } else if (text[j] == '\n') {
          break;
        } else {
          value += text[j++];
        }
      }
      if (!closed) return tl::unexpected(At(t.line, t.column, "this text has no closing \" on its line"));
      t.kind = Tok::kString;
      t.text = std::move(value);
      advance(j - i);
    } else if (c == '(' || c == ')' || c == ',') {
      t.kind = c == '(' ? Tok::kLParen : c == ')' ? Tok::kRParen : Tok::kComma;
      t.text = std::string(1, c);
      advance(1);
    } else if (c == '=' || c == '<' || c == '>' || c == '!') {
      size_t len = i + 1 < text.size() && (text[i + 1] == '=' || (c == '<' && text[i + 1] == '>')) ? 2 : 1;
      std::string raw(text.substr(i, len));
      if (raw == "!") return tl::unexpected(At(t.line, t.column, "'!' alone is not an operator; write != or not"));
      t.kind = Tok::kCompare;
      t.text = raw == "==" ? "=" : raw == "<>" ? "!=" : raw;
      advance(len);
    } else {
      // Name the character as written (a whole UTF-8 sequence).
      size_t n = 1;
      while (i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) ++n;
      return tl::unexpected(At(t.line, t.column, fmt::format("'{}' is not allowed here", text.substr(i, n))));
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.line = line;
  end.column = column;
  out.push_back(end);
  return out;
}

size_t Distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

std::string_view TypeName(FieldType t) {
  switch (t) {
    case FieldType::kText: return "a text";
    case FieldType::kNumber: return "a number";
    case FieldType::kBool: return "true or false";
  }
  return "?";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Segment> Parse() {
    Segment s;
    RETAIN_ASSIGN_OR_RETURN(s.root, Or(0));
    if (Peek().kind != Tok::kEnd) {
      return tl::unexpected(At(Peek().line, Peek().column,
                               fmt::format("expected and, or or the end, found {}", Describe(Peek()))));
    }
    s.fields = std::move(fields_);
    return s;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool IsKeyword(const Token& t, std::string_view k) const { return t.kind == Tok::kIdent && Lower(t.text) == k; }
  bool Accept(std::string_view keyword) {
    if (!IsKeyword(Peek(), keyword)) return false;
    Next();
    return true;
  }

  Result<std::unique_ptr<Node>> Or(int depth) {
    RETAIN_ASSIGN_OR_RETURN(auto left, And(depth));
    if (!IsKeyword(Peek(), "or")) return left;
    auto node = std::make_unique<Node>();
    node->op = Op::kOr;
    node->line = left->line;
    node->column = left->column;
    node->children.push_back(std::move(left));
    while (Accept("or")) {
      RETAIN_ASSIGN_OR_RETURN(auto right, And(depth));
      node->children.push_back(std::move(right));
    }
    return node;
  }

  Result<std::unique_ptr<Node>> And(int depth) {
    RETAIN_ASSIGN_OR_RETURN(auto left, Unary(depth));
    if (!IsKeyword(Peek(), "and")) return left;
    auto node = std::make_unique<Node>();
    node->op = Op::kAnd;
    node->line = left->line;
    node->column = left->column;
    node->children.push_back(std::move(left));
    while (Accept("and")) {
      RETAIN_ASSIGN_OR_RETURN(auto right, Unary(depth));
      node->children.push_back(std::move(right));
    }
    return node;
  }

  Result<std::unique_ptr<Node>> Unary(int depth) {
    const Token& t = Peek();
    if (depth >= kMaxDepth) return tl::unexpected(At(t.line, t.column, "nested more than 64 levels deep"));
    if (IsKeyword(t, "not")) {
      auto node = std::make_unique<Node>();
      node->op = Op::kNot;
      node->line = t.line;
      node->column = t.column;
      Next();
      RETAIN_ASSIGN_OR_RETURN(auto child, Unary(depth + 1));
      node->children.push_back(std::move(child));
      return node;
    }
    if (t.kind == Tok::kLParen) {
      Next();
      RETAIN_ASSIGN_OR_RETURN(auto inner, Or(depth + 1));
      if (Peek().kind != Tok::kRParen) {
        return tl::unexpected(At(Peek().line, Peek().column, fmt::format("expected ')', found {}", Describe(Peek()))));
      }
      Next();
      return inner;
    }
    return Comparison();
  }

  Result<Value> Literal(FieldType type, const std::string& field) {
    const Token& t = Peek();
    Value v;
    if (t.kind == Tok::kNumber) {
      v = t.number;
    } else if (t.kind == Tok::kString) {
      v = t.text;
    } else if (IsKeyword(t, "true") || IsKeyword(t, "false")) {
      v = IsKeyword(t, "true");
    } else if (IsKeyword(t, "null")) {
      return tl::unexpected(At(t.line, t.column, fmt::format("compare with null as '{} is null' or '{} is not null'", field, field)));
    } else if (t.kind == Tok::kIdent && type == FieldType::kText) {
      return tl::unexpected(At(t.line, t.column, fmt::format("a text goes in double quotes: \"{}\"", t.text)));
    } else {
      return tl::unexpected(At(t.line, t.column, fmt::format("expected {} to compare {} with, found {}", TypeName(type), field,
                                                             Describe(t))));
    }
    bool ok = (type == FieldType::kNumber && std::holds_alternative<double>(v)) ||
              (type == FieldType::kText && std::holds_alternative<std::string>(v)) ||
              (type == FieldType::kBool && std::holds_alternative<bool>(v));
    if (!ok) {
      std::string hint = type == FieldType::kText && t.kind != Tok::kString ? fmt::format(" (in double quotes: \"{}\")", t.text) : "";
      return tl::unexpected(At(t.line, t.column, fmt::format("{} is {}; {} does not compare with it{}", field, TypeName(type),
                                                             Describe(t), hint)));
    }
    Next();
    return v;
  }

  Result<std::unique_ptr<Node>> Comparison() {
    const Token& t = Peek();
    if (t.kind != Tok::kIdent || IsKeyword(t, "and") || IsKeyword(t, "or") || IsKeyword(t, "in") ||
        IsKeyword(t, "between") || IsKeyword(t, "is")) {
      return tl::unexpected(At(t.line, t.column, fmt::format("expected a field name, not or '(', found {}", Describe(t))));
    }
    auto index = FieldIndex(t.text);
    if (!index) {
      std::string best;
      size_t best_distance = 3;
      for (const auto& f : kFields) {
        size_t d = Distance(Lower(t.text), f.name);
        if (d < best_distance) {
          best_distance = d;
          best = std::string(f.name);
        }
      }
      return tl::unexpected(At(t.line, t.column, best.empty() ? fmt::format("unknown field '{}'", t.text)
                                                              : fmt::format("unknown field '{}'; did you mean '{}'?", t.text, best)));
    }
    const FieldInfo& info = kFields[*index];
    std::string field(info.name);
    if (std::find(fields_.begin(), fields_.end(), *index) == fields_.end()) fields_.push_back(*index);
    auto node = std::make_unique<Node>();
    node->field = *index;
    node->line = t.line;
    node->column = t.column;
    Next();
    const Token& o = Peek();
    if (o.kind == Tok::kCompare) {
      static const std::array<std::pair<std::string_view, Op>, 6> kOps = {
          {{"=", Op::kEq}, {"!=", Op::kNe}, {"<", Op::kLt}, {"<=", Op::kLe}, {">", Op::kGt}, {">=", Op::kGe}}};
      for (auto [text, op] : kOps) {
        if (o.text == text) node->op = op;
      }
      if (info.type != FieldType::kNumber && node->op != Op::kEq && node->op != Op::kNe) {
        return tl::unexpected(At(o.line, o.column, fmt::format("{} is {}: compare it with = or !=, not {}", field,
                                                               TypeName(info.type), o.text)));
      }
      Next();
      RETAIN_ASSIGN_OR_RETURN(auto v, Literal(info.type, field));
      node->values.push_back(std::move(v));
      return node;
    }
    if (IsKeyword(o, "between")) {
      if (info.type != FieldType::kNumber) {
        return tl::unexpected(At(o.line, o.column, fmt::format("{} is {}; between is for numbers", field, TypeName(info.type))));
      }
      Next();
      node->op = Op::kBetween;
      RETAIN_ASSIGN_OR_RETURN(auto lo, Literal(info.type, field));
      if (!IsKeyword(Peek(), "and")) {
        return tl::unexpected(At(Peek().line, Peek().column, fmt::format("expected 'and' after 'between {}', found {}",
                                                                         std::get<double>(lo), Describe(Peek()))));
      }
      const Token& and_token = Next();
      RETAIN_ASSIGN_OR_RETURN(auto hi, Literal(info.type, field));
      if (std::get<double>(hi) < std::get<double>(lo)) {
        return tl::unexpected(At(and_token.line, and_token.column, fmt::format("between {} and {} is empty: put the smaller first",
                                                                               std::get<double>(lo), std::get<double>(hi))));
      }
      node->values = {std::move(lo), std::move(hi)};
      return node;
    }
    if (IsKeyword(o, "is")) {
      Next();
      node->op = Accept("not") ? Op::kIsNotNull : Op::kIsNull;
      if (!Accept("null")) {
        return tl::unexpected(At(Peek().line, Peek().column, fmt::format("expected 'null' after 'is', found {}", Describe(Peek()))));
      }
      return node;
    }
    bool negated = false;
    if (IsKeyword(o, "not")) {
      Next();
      negated = true;
      if (!IsKeyword(Peek(), "in")) {
        return tl::unexpected(At(Peek().line, Peek().column, fmt::format("expected 'in' after '{} not', found {}", field,
                                                                         Describe(Peek()))));
      }
    }
    if (IsKeyword(Peek(), "in")) {
      Next();
      node->op = negated ? Op::kNotIn : Op::kIn;
      if (Peek().kind != Tok::kLParen) {
        return tl::unexpected(At(Peek().line, Peek().column, fmt::format("expected '(' and a list after 'in', found {}",
                                                                         Describe(Peek()))));
      }
      Next();
      while (true) {
        RETAIN_ASSIGN_OR_RETURN(auto v, Literal(info.type, field));
        node->values.push_back(std::move(v));
        if (Peek().kind == Tok::kComma) {
          Next();
          continue;
        }
        if (Peek().kind == Tok::kRParen) {
          Next();
          break;
        }
        return tl::unexpected(At(Peek().line, Peek().column, fmt::format("expected ',' or ')' in the list, found {}",
                                                                         Describe(Peek()))));
      }
      return node;
    }
    return tl::unexpected(At(o.line, o.column, fmt::format("expected =, !=, <, <=, >, >=, between, in or is after {}, found {}",
                                                           field, Describe(o))));
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::vector<size_t> fields_;
};

bool Equal(const Value& a, const Value& b) { return a == b; }

std::string ValueText(const Value& v) {
  if (std::holds_alternative<double>(v)) {
    // The shortest text that reads back as the same number, without an exponent (the language
    // has none): 1e+66 is written out in digits.
    std::string shortest = fmt::format("{}", std::get<double>(v));
    auto e = shortest.find_first_of("eE");
    if (e == std::string::npos) return shortest;
    std::string mantissa = shortest.substr(0, e);
    int exponent = std::stoi(shortest.substr(e + 1));
    std::string sign;
    if (mantissa.front() == '-') {
      sign = "-";
      mantissa.erase(0, 1);
    }
    auto dot = mantissa.find('.');
    std::string digits = mantissa;
    if (dot != std::string::npos) digits.erase(dot, 1);
    // Where the decimal point falls in `digits` once the exponent is applied.
    int point = static_cast<int>(dot == std::string::npos ? mantissa.size() : dot) + exponent;
    if (point <= 0) return sign + "0." + std::string(static_cast<size_t>(-point), '0') + digits;
    if (static_cast<size_t>(point) >= digits.size()) return sign + digits + std::string(static_cast<size_t>(point) - digits.size(), '0');
    return sign + digits.substr(0, static_cast<size_t>(point)) + "." + digits.substr(static_cast<size_t>(point));
  }
  if (std::holds_alternative<bool>(v)) return std::get<bool>(v) ? "true" : "false";
  if (std::holds_alternative<std::string>(v)) {
    std::string out = "\"";
    for (char c : std::get<std::string>(v)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  return "null";
}

int Precedence(Op op) { return op == Op::kOr ? 1 : op == Op::kAnd ? 2 : 3; }

}  // namespace

std::optional<size_t> FieldIndex(std::string_view name) {
  for (size_t i = 0; i < kFields.size(); ++i) {
    if (kFields[i].name == name) return i;
  }
  return std::nullopt;
}

Result<Segment> ParseSegment(std::string_view text) {
  if (text.size() > kMaxSegmentText) return InvalidArgument("is longer than 10,000 characters", "segment");
  RETAIN_ASSIGN_OR_RETURN(auto tokens, Lex(text));
  if (tokens.size() == 1) return tl::unexpected(At(1, 1, "the segment is empty; write a condition such as tier = \"gold\""));
  return Parser(std::move(tokens)).Parse();
}

bool Matches(const Node& n, const Facts& facts) {
  switch (n.op) {
    case Op::kAnd:
      return std::all_of(n.children.begin(), n.children.end(), [&](const auto& c) { return Matches(*c, facts); });
    case Op::kOr:
      return std::any_of(n.children.begin(), n.children.end(), [&](const auto& c) { return Matches(*c, facts); });
    case Op::kNot:
      return !Matches(*n.children.front(), facts);
    default:
      break;
  }
  const Value& v = facts.values[n.field];
  bool null = std::holds_alternative<std::monostate>(v);
  if (n.op == Op::kIsNull) return null;
  if (n.op == Op::kIsNotNull) return !null;
  if (null) return false;
  switch (n.op) {
    case Op::kEq: return Equal(v, n.values[0]);
    case Op::kNe: return !Equal(v, n.values[0]);
    case Op::kIn: return std::any_of(n.values.begin(), n.values.end(), [&](const Value& x) { return Equal(v, x); });
    case Op::kNotIn: return std::none_of(n.values.begin(), n.values.end(), [&](const Value& x) { return Equal(v, x); });
    default:
      break;
  }
  if (!std::holds_alternative<double>(v)) return false;
  double x = std::get<double>(v);
  double a = std::get<double>(n.values[0]);
  switch (n.op) {
    case Op::kLt: return x < a;
    case Op::kLe: return x <= a;
    case Op::kGt: return x > a;
    case Op::kGe: return x >= a;
    case Op::kBetween: return x >= a && x <= std::get<double>(n.values[1]);
    default: return false;
  }
}

std::string Canonical(const Node& n) {
  auto child = [&](const Node& c) {
    std::string text = Canonical(c);
    return Precedence(c.op) < Precedence(n.op) || (n.op == Op::kNot && Precedence(c.op) < 3) ? "(" + text + ")" : text;
  };
  std::string field(kFields[n.field].name);
  switch (n.op) {
    case Op::kAnd:
    case Op::kOr: {
      std::string out;
      for (const auto& c : n.children) {
        if (!out.empty()) out += n.op == Op::kAnd ? " and " : " or ";
        out += child(*c);
      }
      return out;
    }
    case Op::kNot: return "not " + child(*n.children.front());
    case Op::kEq: return field + " = " + ValueText(n.values[0]);
    case Op::kNe: return field + " != " + ValueText(n.values[0]);
    case Op::kLt: return field + " < " + ValueText(n.values[0]);
    case Op::kLe: return field + " <= " + ValueText(n.values[0]);
    case Op::kGt: return field + " > " + ValueText(n.values[0]);
    case Op::kGe: return field + " >= " + ValueText(n.values[0]);
    case Op::kBetween: return field + " between " + ValueText(n.values[0]) + " and " + ValueText(n.values[1]);
    case Op::kIsNull: return field + " is null";
    case Op::kIsNotNull: return field + " is not null";
    case Op::kIn:
    case Op::kNotIn: {
      std::vector<std::string> items;
      for (const auto& v : n.values) items.push_back(ValueText(v));
      return fmt::format("{} {}in ({})", field, n.op == Op::kNotIn ? "not " : "", fmt::join(items, ", "));
    }
  }
  return "";
}

SegmentCount CountSegment(const Segment& segment, const std::vector<CustomerFacts>& customers, size_t sample) {
  SegmentCount out;
  out.customers = static_cast<int64_t>(customers.size());
  for (const auto& c : customers) {
    if (!Matches(*segment.root, c.facts)) continue;
    ++out.matched;
    if (out.sample.size() < sample) out.sample.push_back(c.id);
  }
  return out;
}

SegmentChanges DiffMembers(const Segment& segment, const std::vector<CustomerFacts>& customers,
                           const std::vector<std::string>& members) {
  SegmentChanges out;
  for (const auto& c : customers) {
    bool now = Matches(*segment.root, c.facts);
    bool was = std::binary_search(members.begin(), members.end(), c.id);
    if (now && !was) out.entered.push_back(c.id);
    if (!now && was) out.left.push_back(c.id);
  }
  return out;
}

}  // namespace retain::outreach
