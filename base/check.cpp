// Message text of the base checks (one place, so every message has the same shape).
#include "base/check.hpp"

namespace dpt {

std::string must_be_message(std::string_view name, std::string_view requirement, std::string_view value) {
  std::string message;
  message.reserve(name.size() + requirement.size() + value.size() + 20);
  message.append(name).append(" must be ").append(requirement).append(", but is ").append(value).append(".");
  return message;
}

std::string Bounds::requirement() const {
  return std::string("in ") + (lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) +
         (hi_open ? ")" : "]");
}

}  // namespace dpt
