#include "outreach/letter.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

namespace retain::outreach {
namespace {

constexpr double kPointsPerMm = 72.0 / 25.4;
double Mm(double mm) { return mm * kPointsPerMm; }

struct PageGeometry {
  double width;
  double height;
  double left;             // the text's left edge
  double right;            // the text's right margin
  double address_left;     // the window
  double return_top;       // the return-address line
  double address_top;      // the recipient's first line
  double top;              // where continuation pages start
  double bottom;           // where text stops
};

PageGeometry GeometryOf(Paper paper) {
  if (paper == Paper::kLetter) {
    return {8.5 * 72, 11 * 72, Mm(25), Mm(20), 0.875 * 72, 1.7 * 72, 2.0 * 72, Mm(20), 11 * 72 - Mm(25)};
  }
  return {Mm(210), Mm(297), Mm(25), Mm(20), Mm(20), Mm(45) + Mm(4), Mm(45) + Mm(17.7), Mm(20), Mm(297) - Mm(25)};
}

struct CountryName {
  std::string_view code;
  std::string_view name;
};
constexpr CountryName kCountries[] = {
    {"PT", "PORTUGAL"}, {"DK", "DENMARK"},  {"US", "UNITED STATES"}, {"GB", "UNITED KINGDOM"}, {"ES", "SPAIN"},
    {"FR", "FRANCE"},   {"DE", "GERMANY"},  {"SE", "SWEDEN"},        {"NO", "NORWAY"},         {"BR", "BRAZIL"},
    {"IE", "IRELAND"},  {"NL", "NETHERLANDS"}, {"IT", "ITALY"},       {"FI", "FINLAND"},        {"CA", "CANADA"},
};

std::string CountryLine(std::string_view code) {
  for (const auto& c : kCountries) {
    if (c.code == code) return std::string(c.name);
  }
  return std::string(code);
}

struct Cairo {
  cairo_surface_t* surface = nullptr;
  cairo_t* cr = nullptr;
  ~Cairo() {
    if (cr) cairo_destroy(cr);
    if (surface) cairo_surface_destroy(surface);
  }
};

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

using Layout = std::unique_ptr<PangoLayout, decltype(&g_object_unref)>;

Layout MakeLayout(cairo_t* cr, std::string_view text, const char* font, double width, std::string_view locale) {
  Layout layout(pango_cairo_create_layout(cr), &g_object_unref);
  PangoFontDescription* desc = pango_font_description_from_string(font);
  pango_layout_set_font_description(layout.get(), desc);
  pango_font_description_free(desc);
  std::string lang(locale);
  pango_context_set_language(pango_layout_get_context(layout.get()), pango_language_from_string(lang.c_str()));
  pango_layout_context_changed(layout.get());
  pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
  return layout;
}

// Draws a layout at (x, y) and returns its height.
double Draw(cairo_t* cr, PangoLayout* layout, double x, double y) {
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout);
  int w = 0;
  int h = 0;
  pango_layout_get_size(layout, &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

std::string Joined(const std::vector<std::string>& lines, std::string_view separator) {
  std::string out;
  for (const auto& l : lines) {
    if (l.empty()) continue;
    if (!out.empty()) out += separator;
    out += l;
  }
  return out;
}

// Draws the body line by line from `y`, starting a new page when the bottom is reached.
void DrawBody(cairo_t* cr, const Letter& letter, const PageGeometry& g, double y) {
  double width = g.width - g.left - g.right;
  Layout layout = MakeLayout(cr, letter.body, "DejaVu Sans 10", width, letter.locale);
  pango_layout_set_spacing(layout.get(), static_cast<int>(2 * PANGO_SCALE));
  PangoLayoutIter* iter = pango_layout_get_iter(layout.get());
  double offset = 0;  // the layout's y where the current page began
  double page_y = y;
  do {
    PangoRectangle logical;
    pango_layout_iter_get_line_extents(iter, nullptr, &logical);
    double line_top = static_cast<double>(logical.y) / PANGO_SCALE - offset + page_y;
    double line_height = static_cast<double>(logical.height) / PANGO_SCALE;
    if (line_top + line_height > g.bottom) {
      cairo_show_page(cr);
      offset = static_cast<double>(logical.y) / PANGO_SCALE;
      page_y = g.top;
      line_top = page_y;
    }
    double baseline = static_cast<double>(pango_layout_iter_get_baseline(iter)) / PANGO_SCALE - offset + page_y;
    cairo_move_to(cr, g.left + static_cast<double>(logical.x) / PANGO_SCALE, baseline);
    pango_cairo_show_layout_line(cr, pango_layout_iter_get_line_readonly(iter));
  } while (pango_layout_iter_next_line(iter));
  pango_layout_iter_free(iter);
}

}  // namespace

Result<Paper> ParsePaper(std::string_view name) {
  if (name == "a4" || name == "A4") return Paper::kA4;
  if (name == "letter") return Paper::kLetter;
  return MakeError(ErrorCode::kInvalidArgument, "must be \"a4\" or \"letter\"", "paper");
}

std::vector<std::string> AddressBlock(const PostalAddress& a, std::string_view from_country) {
  std::vector<std::string> out;
  auto add = [&out](std::string line) {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (!line.empty()) out.push_back(std::move(line));
  };
  add(a.name);
  add(a.line1);
  add(a.line2);
  if (a.country == "US" || a.country == "CA") {
    add(fmt::format("{}{}{} {}", a.city, a.region.empty() ? "" : ", ", a.region, a.postal_code));
  } else if (a.country == "GB") {
    add(a.city);
    add(a.postal_code);
  } else {
    add(a.postal_code.empty() ? a.city : fmt::format("{} {}", a.postal_code, a.city));
  }
  if (!a.country.empty() && a.country != from_country) add(CountryLine(a.country));
  return out;
}

Status CheckPostalAddress(const PostalAddress& a) {
  if (a.name.empty()) return MakeError(ErrorCode::kInvalidArgument, "the postal address has no name", "name");
  if (a.line1.empty()) return MakeError(ErrorCode::kInvalidArgument, "the postal address has no street line", "address_line1");
  if (a.city.empty()) return MakeError(ErrorCode::kInvalidArgument, "the postal address has no city", "city");
  if (a.country.empty()) return MakeError(ErrorCode::kInvalidArgument, "the postal address has no country", "country");
  return {};
}

Result<std::string> RenderLetters(const std::vector<Letter>& letters, Paper paper) {
  if (letters.empty()) return MakeError(ErrorCode::kInvalidArgument, "there are no letters to print", "letters");
  // Pango starts fontconfig on a thread of its own ('[pango] FcInit') when it makes its first font
  // map, while this thread goes on into fontconfig as well: both load fontconfig's configuration at
  // once, which can corrupt it (ThreadSanitizer saw the two threads meet in the first letters a
  // server wrote). Loading it here first, once, makes both later loads return at once.
  static std::once_flag fonts;
  std::call_once(fonts, [] { FcInit(); });
  PageGeometry g = GeometryOf(paper);
  std::string pdf;
  {
    Cairo c;
    c.surface = cairo_pdf_surface_create_for_stream(Append, &pdf, g.width, g.height);
    cairo_pdf_surface_set_metadata(c.surface, CAIRO_PDF_METADATA_CREATOR, "Retain");
    c.cr = cairo_create(c.surface);
    if (cairo_status(c.cr) != CAIRO_STATUS_SUCCESS) {
      return MakeError(ErrorCode::kInternal, std::string("cairo: ") + cairo_status_to_string(cairo_status(c.cr)));
    }
    cairo_t* cr = c.cr;
    double text_width = g.width - g.left - g.right;
    for (size_t i = 0; i < letters.size(); ++i) {
      const Letter& letter = letters[i];
      if (i > 0) cairo_show_page(cr);
      cairo_set_source_rgb(cr, 0, 0, 0);
      // Letterhead: the sender's name large, the address small, at the top right.
      if (!letter.sender.empty()) {
        Layout name = MakeLayout(cr, letter.sender.front(), "DejaVu Sans Bold 14", text_width, letter.locale);
        pango_layout_set_alignment(name.get(), PANGO_ALIGN_RIGHT);
        double h = Draw(cr, name.get(), g.left, Mm(15));
        std::vector<std::string> rest(letter.sender.begin() + 1, letter.sender.end());
        Layout address = MakeLayout(cr, Joined(rest, "\n"), "DejaVu Sans 8", text_width, letter.locale);
        pango_layout_set_alignment(address.get(), PANGO_ALIGN_RIGHT);
        Draw(cr, address.get(), g.left, Mm(15) + h + 2);
        // The return address, one small line above the window.
        Layout back = MakeLayout(cr, Joined(letter.sender, " · "), "DejaVu Sans 6", Mm(85), letter.locale);
        pango_layout_set_ellipsize(back.get(), PANGO_ELLIPSIZE_END);
        Draw(cr, back.get(), g.address_left, g.return_top);
      }
      Layout to = MakeLayout(cr, Joined(letter.recipient, "\n"), "DejaVu Sans 10", Mm(80), letter.locale);
      Draw(cr, to.get(), g.address_left, g.address_top);
      double y = g.address_top + Mm(35);
      Layout when = MakeLayout(cr, letter.place_and_date, "DejaVu Sans 10", text_width, letter.locale);
      pango_layout_set_alignment(when.get(), PANGO_ALIGN_RIGHT);
      y += Draw(cr, when.get(), g.left, y) + Mm(8);
      Layout subject = MakeLayout(cr, letter.subject, "DejaVu Sans Bold 11", text_width, letter.locale);
      y += Draw(cr, subject.get(), g.left, y) + Mm(6);
      DrawBody(cr, letter, g, y);
    }
    cairo_surface_finish(c.surface);
    if (cairo_surface_status(c.surface) != CAIRO_STATUS_SUCCESS) {
      return MakeError(ErrorCode::kInternal, std::string("cairo: ") + cairo_status_to_string(cairo_surface_status(c.surface)));
    }
  }
  return pdf;
}

}  // namespace retain::outreach
