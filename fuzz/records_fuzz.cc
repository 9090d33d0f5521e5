// JSON request bodies as the record routes read them (POST /v1/customers, /v1/plans,
// /v1/subscriptions, /v1/payments, /v1/purchases, /v1/events, one object or an NDJSON line): the
// bytes are parsed as JSON and, when they make an object, read as each kind of record. A bad body
// is refused with InvalidArgument naming the field (or the record's line) and a message; nothing
// crashes, and a record that is accepted has the id it was given (trimmed).
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/record_reader.h"
#include "common/time.h"
#include "core/parse.h"

namespace {

template <typename T>
void Check(const retain::Result<T>& parsed, const retain::SourceRecord& rec) {
  if (parsed) {
    // An accepted record has an id (the one given, without surrounding spaces).
    auto id = rec.Get("id");
    if (!id || parsed->external_id.empty() || id->find(parsed->external_id) == std::string_view::npos) __builtin_trap();
    return;
  }
  const auto& e = parsed.error();
  if (e.code != retain::ErrorCode::kInvalidArgument && e.code != retain::ErrorCode::kNotFound) __builtin_trap();
  if (e.message.empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return 0;  // the route answers "not a JSON object"
  static const auto zone = retain::BusinessZone::Load("Europe/Lisbon");
  if (!zone) __builtin_trap();
  auto rec = retain::SourceRecord::FromJson(std::move(doc));
  Check(retain::core::ParseCustomer(rec, *zone), rec);
  Check(retain::core::ParseProduct(rec), rec);
  Check(retain::core::ParseSubscription(rec, *zone), rec);
  Check(retain::core::ParsePayment(rec, *zone), rec);
  Check(retain::core::ParsePurchase(rec, *zone), rec);
  Check(retain::core::ParseEvent(rec, *zone), rec);
  return 0;
}
