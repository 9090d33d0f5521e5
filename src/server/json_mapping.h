// Records as JSON for the API. Amounts appear twice: as a decimal string in major units
// ("total": "12.50", the form requests use) and as integer minor units ("total_minor": 1250).
#ifndef RETAIN_SERVER_JSON_MAPPING_H_
#define RETAIN_SERVER_JSON_MAPPING_H_

#include <nlohmann/json.hpp>

#include "core/records.h"
#include "core/store.h"

namespace retain::server {

nlohmann::json ToJson(const core::Customer& c);
nlohmann::json ToJson(const core::Product& p);
nlohmann::json ToJson(const core::Subscription& s);
nlohmann::json ToJson(const core::Payment& p);
nlohmann::json ToJson(const core::Purchase& p);
nlohmann::json ToJson(const core::Event& e);
nlohmann::json ToJson(const core::TimelineEntry& e);
nlohmann::json ToJson(const core::RecordCounts& c);

// {"data":[...], "next_cursor": "..." or null}
template <typename T>
nlohmann::json PageToJson(const core::Page<T>& page) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& item : page.items) data.push_back(ToJson(item));
  return {{"data", std::move(data)},
          {"next_cursor", page.next_cursor.empty() ? nlohmann::json() : nlohmann::json(page.next_cursor)}};
}

}  // namespace retain::server

#endif  // RETAIN_SERVER_JSON_MAPPING_H_
