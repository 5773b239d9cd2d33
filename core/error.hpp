// Typed exceptions for core and the always-on check macro.
// Messages follow google/dp's shape, "<name> must be <requirement>, but is <value>.": prefer the
// named checks of base/check.hpp (check_at_least<InvalidArgument>(n, 1, "count")); DPT_CHECK is
// for requirements they lack.
#pragma once

#include <stdexcept>
#include <string>

#include "base/check.hpp"

namespace dpt {

// Base of every dptrain error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A caller passed something out of range or of the wrong shape.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A file could not be read or written, or its content is malformed.
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace dpt

// Always-on precondition check: throws dpt::InvalidArgument with `message` (a std::string
// expression, evaluated only on failure). DPT_BASE_CHECK with core's exception type.
#define DPT_CHECK(condition, message) DPT_BASE_CHECK(::dpt::InvalidArgument, condition, message)
