// Message templates as a marketer writes them (PUT /v1/templates/{key}): the input is the English
// text of a template (the first line its subject). Any text is refused naming its part, line and
// column, or parsed; what parses renders in the three languages for a customer's values without
// crashing, and names the values it does not know.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "outreach/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto newline = input.find('\n');
  std::string subject = newline == std::string::npos ? input : input.substr(0, newline);
  std::string text = newline == std::string::npos ? std::string() : input.substr(newline + 1);
  nlohmann::json document;
  try {
    document = {{"subject", {{"en", subject}}}, {"text", {{"en", text}, {"da", text}}}, {"html", {{"en", text}}}};
    (void)document.dump();  // the API only ever hands the parser valid UTF-8
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  auto parsed = retain::outreach::ParseTemplate("fuzz", document);
  if (!parsed) {
    if (parsed.error().field.empty()) __builtin_trap();
    return 0;
  }
  nlohmann::json values = {{"first_name", "Åse"},
                           {"points", 1234},
                           {"tier", "gold"},
                           {"balance", {{"minor", 1250}, {"currency", "EUR"}}},
                           {"expires_on", {{"date", "2026-12-31"}}},
                           {"unsubscribe_url", "https://example.invalid/u/1"}};
  for (const char* locale : {"en", "pt", "da"}) (void)retain::outreach::Render(*parsed, locale, values);
  (void)retain::outreach::UnknownVariables(*parsed);
  return 0;
}
