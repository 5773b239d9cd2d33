// Typed exceptions for core and the always-on check macro.
// Messages follow google/dp's shape: "what must hold, but is <value>."
#pragma once

#include <stdexcept>
#include <string>

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
// expression, evaluated only on failure).
#define DPT_CHECK(condition, message)                  \
  do {                                                 \
    if (!(condition)) throw ::dpt::InvalidArgument(message); \
  } while (false)
