// format_rounded_up and eps_text (experiments/cli/accounting_output.hpp): a displayed epsilon is
// never below the computed one, and no double makes them throw (subnormals once threw
// std::out_of_range from std::stod: exit 3, internal error).
#include "experiments/cli/accounting_output.hpp"

#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

namespace {

// The double `text` reads back as (from_chars reads "inf" too); NaN if it does not read.
double read_back(const std::string& text) {
  double value = std::numeric_limits<double>::quiet_NaN();
  const std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), value);
  return r.ec == std::errc() && r.ptr == text.data() + text.size() ? value : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

TEST_CASE("format_rounded_up rounds up to the given significant digits") {
  CHECK(dpt::format_rounded_up(2.6003429386) == "2.60035");  // "{:.6g}" would print 2.60034
  CHECK(dpt::format_rounded_up(2.6003429386, 9) == "2.60034294");
  CHECK(dpt::format_rounded_up(0.5) == "0.5");  // exact values are kept
  CHECK(dpt::format_rounded_up(1.0) == "1");
  CHECK(dpt::format_rounded_up(1234567.0) == "1.23457e+06");
  CHECK(dpt::format_rounded_up(0.0) == "0");
}

TEST_CASE("format_rounded_up does not throw on subnormals and extremes, and never reads back below x") {
  const double denorm_min = std::numeric_limits<double>::denorm_min();
  const double min_normal = std::numeric_limits<double>::min();
  std::string text;
  CHECK_NOTHROW(text = dpt::format_rounded_up(denorm_min));
  CHECK(text == "4.94066e-324");
  CHECK_NOTHROW(text = dpt::format_rounded_up(min_normal));  // 2.2250738585072014e-308
  CHECK(text == "2.22508e-308");                              // 2.22507e-308 would be below it
  const std::vector<double> values = {denorm_min,      3 * denorm_min,   1e-320, 4.9e-319,     1.5e-310,
                                      min_normal / 3,  min_normal,       1e-300, 0.1,          2.6003429386,
                                      1.0 / 3.0,       123456.789,       1e300,  std::numeric_limits<double>::max()};
  for (const double x : values) {
    for (const int digits : {1, 6, 9}) {
      CAPTURE(x);
      CAPTURE(digits);
      CHECK_NOTHROW(text = dpt::format_rounded_up(x, digits));
      CAPTURE(text);
      CHECK(read_back(text) >= x);
    }
  }
}

TEST_CASE("eps_text prints inf for a non-finite epsilon") {
  CHECK(dpt::eps_text(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(dpt::eps_text(2.6003429386) == "2.60035");
  CHECK(dpt::eps_text(std::numeric_limits<double>::denorm_min()) == "4.94066e-324");
}
