// Exceptions and the always-on check of the accounting library, which must not depend on
// core/ (so it cannot use dpt::Error). Messages follow google/dp's shape:
// "noise_multiplier must be finite and non-negative, but is -1."
#pragma once

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <system_error>

namespace dpt {

// An argument of the accounting API is out of range, or a serialised event/ledger is malformed.
class AccountingError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The accountant cannot account for this event (e.g. Poisson sampling of a non-Gaussian
// mechanism in the RDP accountant). Nothing was composed.
class UnsupportedEventError : public AccountingError {
 public:
  using AccountingError::AccountingError;
};

// No parameter meets the privacy target (e.g. calibration with target_epsilon <= 0).
class UnreachableTargetError : public AccountingError {
 public:
  using AccountingError::AccountingError;
};

// Shortest decimal that reads back as `x` ("-1", "0.1", "1e-05", "inf", "nan").
inline std::string format_number(double x) {
  char buffer[64];
  const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, x);
  return r.ec == std::errc() ? std::string(buffer, r.ptr) : std::string("?");
}

inline std::string format_number(int64_t x) { return std::to_string(x); }

}  // namespace dpt

// Always-on precondition check: throws dpt::AccountingError with `message` (a std::string
// expression, evaluated only on failure).
#define DPT_ACCOUNTING_CHECK(condition, message)             \
  do {                                                       \
    if (!(condition)) throw ::dpt::AccountingError(message); \
  } while (false)
