// Shortest round-trip formatting (std::to_chars without a precision).
#include "base/number_format.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <system_error>

namespace dpt {

std::string format_number(double x) {
  std::array<char, 64> buffer{};
  const std::to_chars_result r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
  return r.ec == std::errc() ? std::string(buffer.data(), r.ptr) : std::string("?");
}

std::string format_fixed_up(double x, int decimals) {
  const auto print = [decimals](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return std::string(buf);
  };
  std::string text = print(x);
  if (!(std::strtod(text.c_str(), nullptr) < x)) return text;
  // Rounded down: one unit of the last digit up (the rounding error was below half a unit).
  text = print(std::strtod(text.c_str(), nullptr) + std::pow(10.0, -decimals));
  return text;
}

}  // namespace dpt
