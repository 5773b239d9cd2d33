// Shortest round-trip formatting (std::to_chars without a precision).
#include "base/number_format.hpp"

#include <array>
#include <charconv>
#include <system_error>

namespace dpt {

std::string format_number(double x) {
  std::array<char, 64> buffer{};
  const std::to_chars_result r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
  return r.ec == std::errc() ? std::string(buffer.data(), r.ptr) : std::string("?");
}

}  // namespace dpt
