// Printed letters as PDF, drawn with cairo and laid out with pango (DejaVu Sans, which covers
// Latin with æøå and ãç, Greek and Cyrillic): the sender's letterhead, the recipient's address
// where a window envelope shows it, the place and date, a subject line and the body, flowing onto
// further pages when long. Many letters make one file, each starting on a new page, for a mailing
// house; one letter makes a file of its own.
//
// Window positions: A4 follows DIN 5008 form B (the address field 20 mm from the left edge and
// 45 mm from the top: a 17.7 mm zone for the return address, then the address), which fits the
// C5 and DL window envelopes used in Portugal and Denmark; US Letter puts the address where a #10
// window envelope shows it after folding in three (7/8 inch from the left, 2 inches from the top).
// Thread-safe: each call has its own surface and layout context.
#ifndef RETAIN_OUTREACH_LETTER_H_
#define RETAIN_OUTREACH_LETTER_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace retain::outreach {

enum class Paper { kA4, kLetter };
// "a4" or "letter"; InvalidArgument otherwise.
Result<Paper> ParsePaper(std::string_view name);

struct Letter {
  std::vector<std::string> sender;     // the business's name and address, printed as the letterhead
  std::vector<std::string> recipient;  // the address block, a line each (see AddressBlock)
  std::string place_and_date;          // "Lisboa, 2 de dezembro de 2026"
  std::string subject;
  std::string body;                    // paragraphs separated by blank lines
  std::string locale = "en";           // the language the text is in
};

struct PostalAddress {
  std::string name;
  std::string line1;
  std::string line2;
  std::string postal_code;
  std::string city;
  std::string region;
  std::string country;  // ISO 3166-1 alpha-2
};

// The address as printed for the post of `from_country`: the postal code before the city (PT, DK
// and most of Europe), after the city and region in the United States, on its own line in the
// United Kingdom; the country's name in capitals on the last line only when the letter crosses a
// border. Empty lines are left out.
std::vector<std::string> AddressBlock(const PostalAddress& address, std::string_view from_country);

// Whether an address can be printed: a name, a first line, a city and a country. Names the
// missing part ("city") when not.
Status CheckPostalAddress(const PostalAddress& address);

// One PDF with every letter, each from a new page. InvalidArgument for no letters; Internal when
// cairo fails.
Result<std::string> RenderLetters(const std::vector<Letter>& letters, Paper paper);

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_LETTER_H_
