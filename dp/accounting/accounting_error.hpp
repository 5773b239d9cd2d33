// Exceptions and the always-on check of the accounting library, which must not depend on
// core/ (so it cannot use dpt::Error). The checks and the number format are base/'s
// (base/check.hpp, base/number_format.hpp), thrown as AccountingError:
//   check_finite_non_negative<AccountingError>(sigma, "noise_multiplier");
//   → "noise_multiplier must be finite and non-negative, but is -1."
#pragma once

#include <stdexcept>

#include "base/check.hpp"
#include "base/number_format.hpp"

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

}  // namespace dpt

// Always-on precondition check: throws dpt::AccountingError with `message` (a std::string
// expression, evaluated only on failure).
#define DPT_ACCOUNTING_CHECK(condition, message) DPT_BASE_CHECK(::dpt::AccountingError, condition, message)
