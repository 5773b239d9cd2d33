// DatasetError: a data file or the config's `data` section is wrong. Every message says where,
// compiler style: "<file>:<line>: <what>", "<file>: <what>" or "data.<field>: <what>"; range
// checks of config values go through base/check.hpp with the error type DatasetError and the
// field's path as the name: "data.window must be >= 1, but is 0." (docs/base.md).
// It derives from dpt::Error so callers can catch every dptrain error in one place.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace dpt {

class DatasetError : public Error {
 public:
  using Error::Error;

  // "<file>:<line>: <what>"; line is 1-based.
  static DatasetError at_line(const std::string& file, int64_t line, const std::string& what) {
    return DatasetError(file + ":" + std::to_string(line) + ": " + what);
  }
  // "<file>: <what>", for problems of the file as a whole (empty, unreadable, too short).
  static DatasetError in_file(const std::string& file, const std::string& what) {
    return DatasetError(file + ": " + what);
  }
  // "data.<field>: <what>", for config values.
  static DatasetError in_field(const std::string& field, const std::string& what) {
    return DatasetError("data." + field + ": " + what);
  }
};

}  // namespace dpt
