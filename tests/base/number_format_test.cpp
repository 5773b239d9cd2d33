// format_number: shortest decimal that reads back as the same double; integers in full.
#include "base/number_format.hpp"

#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

namespace dpt {
namespace {

// The double `text` reads back as (std::from_chars: no locale, subnormals allowed).
double read_back(const std::string& text) {
  double x = std::numeric_limits<double>::quiet_NaN();
  std::from_chars(text.data(), text.data() + text.size(), x);
  return x;
}

TEST_CASE("format_number prints the shortest decimal that reads back as the value") {
  CHECK(format_number(-1.0) == "-1");
  CHECK(format_number(0.1) == "0.1");
  CHECK(format_number(1.5) == "1.5");
  CHECK(format_number(1e-5) == "1e-05");
  CHECK(format_number(1e9) == "1e+09");
  CHECK(format_number(10000.5) == "10000.5");
  CHECK(format_number(0.004266666666666667) == "0.004266666666666667");
}

TEST_CASE("format_number never prints two different doubles alike, nor -0 as -0.000000") {
  const double a = 1.2530191;
  const double b = std::nextafter(a, 2.0);
  CHECK(format_number(a) != format_number(b));
  CHECK(read_back(format_number(b)) == b);
  CHECK(format_number(-0.0) == "-0");
  CHECK(format_number(0.0) == "0");
  CHECK(read_back(format_number(std::numeric_limits<double>::denorm_min())) ==
        std::numeric_limits<double>::denorm_min());
  CHECK(read_back(format_number(0.1 + 0.2)) == 0.1 + 0.2);
}

TEST_CASE("format_number spells the non-finite values inf, -inf and nan") {
  CHECK(format_number(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(format_number(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(format_number(std::numeric_limits<double>::quiet_NaN()) == "nan");
}

TEST_CASE("format_number prints integers in full, of any width") {
  CHECK(format_number(0) == "0");
  CHECK(format_number(int64_t{-3}) == "-3");
  CHECK(format_number(std::numeric_limits<int64_t>::max()) == "9223372036854775807");
  CHECK(format_number(std::size_t{16}) == "16");
}

}  // namespace
}  // namespace dpt

TEST_CASE("format_fixed_up: a privacy figure is never printed below its value") {
  CHECK(dpt::format_fixed_up(1.23454, 4) == "1.2346");  // "%.4f" gives 1.2345
  CHECK(dpt::format_fixed_up(1.23456, 4) == "1.2346");
  CHECK(dpt::format_fixed_up(0.5, 4) == "0.5000");
  CHECK(dpt::format_fixed_up(10.759499999, 4) == "10.7595");
  CHECK(dpt::format_fixed_up(0.0, 4) == "0.0000");
  for (double x = 0.0001; x < 50.0; x *= 1.37) CHECK(std::strtod(dpt::format_fixed_up(x, 4).c_str(), nullptr) >= x);
}
