// Reading one flag's text as a number or a count (see flag_values.hpp).
#include "experiments/cli/flag_values.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cmath>
#include <system_error>

#include "experiments/cli/command_errors.hpp"

namespace dpt {

double parse_number(const std::string& flag, const std::string& text) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  const std::from_chars_result r = std::from_chars(text.data(), end, value);
  if (text.empty() || r.ec != std::errc() || r.ptr != end)
    usage_error(flag, fmt::format("expected a number, got '{}'", text));
  if (!std::isfinite(value)) usage_error(flag, fmt::format("must be finite, got {}", text));
  return value;
}

int64_t parse_count(const std::string& flag, const std::string& text) {
  const auto too_large = [&] { usage_error(flag, fmt::format("must be <= {} (2^53), got {}", kMaxCount, text)); };
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    uint64_t exact = 0;
    const std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), exact);
    if (r.ec == std::errc::result_out_of_range || exact > static_cast<uint64_t>(kMaxCount)) too_large();
  }
  const double value = parse_number(flag, text);
  if (!(value >= 1.0 && value == std::floor(value))) {
    usage_error(flag, fmt::format("must be a whole number >= 1, got {}", text));
  }
  if (!(value <= static_cast<double>(kMaxCount))) too_large();
  return static_cast<int64_t>(value);
}

}  // namespace dpt
