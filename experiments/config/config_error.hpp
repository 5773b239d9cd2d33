// ConfigError: an experiment config is unreadable, is not valid JSON, or breaks a rule of
// docs/config.md. what() is "<path>: <message>" with the JSON path of the offending value
// ("privacy.clip_norm: must be > 0, got -1"); file-level errors have an empty path and a
// message that starts with the file name ("run.json:3:8: invalid JSON: ...").
#pragma once

#include <string>
#include <utility>

#include "core/error.hpp"

namespace dpt {

class ConfigError : public Error {
 public:
  ConfigError(std::string path, std::string message)
      : Error(path.empty() ? message : path + ": " + message),
        path_(std::move(path)),
        message_(std::move(message)) {}

  // The JSON path of the offending value: "name", "model.lstm[1].hidden"; "" for the file.
  const std::string& path() const noexcept { return path_; }
  // what() without the path.
  const std::string& message() const noexcept { return message_; }

 private:
  std::string path_;
  std::string message_;
};

}  // namespace dpt
