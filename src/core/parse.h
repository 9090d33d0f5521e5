// Turning one record of an import file (or an API body) into a validated record. Pure functions:
// no I/O, thread-safe. Every failure is InvalidArgument and names the offending field.
#ifndef RETAIN_CORE_PARSE_H_
#define RETAIN_CORE_PARSE_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "common/record_reader.h"
#include "common/status.h"
#include "common/time.h"
#include "core/records.h"

namespace retain::core {

// The field names a record kind understands, for --help and for reporting ignored columns.
std::span<const std::string_view> KnownFields(RecordKind kind);

// Each parser reads the fields listed by KnownFields(kind). Times without a zone or offset are in
// `zone`. Amounts are decimals in major units of the record's currency ("12.50").
Result<Customer> ParseCustomer(const SourceRecord& rec, const BusinessZone& zone);
Result<Product> ParseProduct(const SourceRecord& rec);
Result<Subscription> ParseSubscription(const SourceRecord& rec, const BusinessZone& zone);
Result<Payment> ParsePayment(const SourceRecord& rec, const BusinessZone& zone);
Result<Purchase> ParsePurchase(const SourceRecord& rec, const BusinessZone& zone);
Result<Event> ParseEvent(const SourceRecord& rec, const BusinessZone& zone);

// A 64-bit digest of every stored field of a record, so an import can tell an unchanged row
// from a changed one with a single lookup. Equal records give equal digests.
uint64_t ContentHash(const Customer& c);
uint64_t ContentHash(const Product& p);
uint64_t ContentHash(const Subscription& s);
uint64_t ContentHash(const Payment& p);
uint64_t ContentHash(const Purchase& p);
uint64_t ContentHash(const Event& e);

// Parses a yes/no flag: true/false, yes/no, y/n, 1/0 (any case; also the Portuguese sim/não and
// the Danish ja/nej). Fails with InvalidArgument.
Result<bool> ParseFlag(std::string_view text);

}  // namespace retain::core

#endif  // RETAIN_CORE_PARSE_H_
