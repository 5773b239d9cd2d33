// How `dptrain epsilon` and `dptrain calibrate` fail: UsageError (a flag's value is invalid,
// exit 2, the message names the flag) and `guarded`, which turns a command's errors into its
// exit code and one line on stderr.
#pragma once

#include <fmt/core.h>

#include <stdexcept>
#include <string>

#include "dp/accounting/accounting_error.hpp"

namespace dpt {

// A flag's value is invalid: exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws UsageError("<flag>: <what>").
[[noreturn]] inline void usage_error(const std::string& flag, const std::string& what) {
  throw UsageError(flag + ": " + what);
}

// body()'s exit code; UsageError and AccountingError exit 2, UnreachableTargetError (a target no
// noise multiplier reaches) exits 1, each printed as "dptrain <command>: <message>".
template <typename F>
int guarded(const char* command, F&& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    fmt::print(stderr, "dptrain {}: {}\n", command, e.what());
    return 2;
  } catch (const UnreachableTargetError& e) {
    fmt::print(stderr, "dptrain {}: {}\n", command, e.what());
    return 1;
  } catch (const AccountingError& e) {
    fmt::print(stderr, "dptrain {}: {}\n", command, e.what());
    return 2;
  }
}

}  // namespace dpt
