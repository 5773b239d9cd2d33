// Reading an experiment config: JSON -> ExperimentConfig, validated against every rule of
// docs/config.md. The first violation throws ConfigError naming its JSON path
// ("training.batch_size: must be an integer, got \"64\""); checks run in a fixed order
// (section by section, keys in documentation order, then cross-field rules), so the same
// config always reports the same error. Nothing here touches data or models.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "experiments/config/config_error.hpp"
#include "experiments/config/experiment_config.hpp"

namespace dpt {

// Validates a parsed JSON document. JSON null means "absent" for the optional fields (seed,
// privacy.noise_multiplier, privacy.target_epsilon, privacy.delta) and is a type error
// elsewhere. Throws ConfigError.
ExperimentConfig parse_config(const nlohmann::json& j);

// Parses JSON text, then validates it. `origin` names the text in messages (a file name):
// "run.json:3:8: invalid JSON: ...", "run.json: empty file, expected a JSON object". Strict JSON
// (no comments), at most config_schema::kMaxJsonDepth nested arrays/objects, no duplicate keys.
ExperimentConfig parse_config_text(std::string_view text, const std::string& origin);

// The largest config file load_config reads (1 MiB; real configs are a few KiB).
inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{1} << 20;

// Reads `file` and parses it with parse_config_text. An unreadable file, one that is not a
// regular file (a directory, device or FIFO: refused before reading) or one larger than
// kMaxConfigFileBytes throws ConfigError with an empty path: "run.json: cannot read config
// file: No such file or directory", "/dev/zero: not a regular file (a character device); ...".
ExperimentConfig load_config(const std::string& file);

// The two halves of load_config, for files that hold configs (a sweep file): the bytes of a
// regular file of at most kMaxConfigFileBytes, and strict JSON text -> JSON (bounded nesting,
// duplicate keys refused, "file:line:column: invalid JSON: ..."). Both throw ConfigError.
std::string read_config_file(const std::string& file);
nlohmann::json parse_config_json(std::string_view text, const std::string& origin);

// What the model predicts, as the data implies it: "classification", "regression" or
// "language_model" (data.task for generated data, else data.source). A valid config's
// model.output is "auto" or this.
std::string_view resolved_output(const ExperimentConfig& config);

}  // namespace dpt
