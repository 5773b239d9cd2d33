// Warm start from given weights (model.init_from, model.init_select; docs/config.md, "Warm
// start"): the file is read once, hashed (the run key covers its sha256, not its path) and
// parsed from the same bytes; after the model's own initialisation the selected tensors are
// overwritten, bit for bit, before the first step. A resume never reads the file: its
// checkpoint holds the weights. The privacy report records the file and states the assumption
// that the weights are independent of the private data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/io/safetensors.hpp"
#include "core/parameter.hpp"
#include "experiments/config/experiment_config.hpp"

namespace dpt {

struct WarmStartFile {
  std::string path;    // absolute
  std::string sha256;  // of the file's bytes, 64 hex digits
  SafetensorsFile file;
};

// Reads model.init_from (relative paths from the working directory, like data.path) and
// records in `model` its absolute path and sha256. Throws ConfigError naming model.init_from
// when the file is missing, unreadable or not a valid safetensors file, and naming
// model.init_sha256 when a pinned hash differs. Without model.init_from: nullopt.
std::optional<WarmStartFile> read_warm_start(ModelConfig& model);

// Whether `select` takes the tensor called `name`.
bool init_selected(const InitSelect& select, const std::string& name);

// The names of the model's parameters `select` takes, in the model's order. Throws
// ConfigError naming model.init_select when it takes none.
std::vector<std::string> init_tensor_names(const InitSelect& select, const ParameterList<float>& params);

// The strict check, then the overwrite: every prefix of `select` starts the name of a tensor
// of the model or of the file (a misspelt prefix is refused); every selected tensor of the file is a parameter of
// the model with the same shape, is F32 and finite; every selected parameter is in the file.
// Throws ConfigError naming model.init_from, the tensor and both shapes, before any parameter
// changes. Returns init_tensor_names(select, params).
std::vector<std::string> apply_warm_start(const WarmStartFile& init, const InitSelect& select, const ParameterList<float>& params);

// {"path", "sha256", "tensors", "assumption"} for manifest.json and privacy.json; null without
// model.init_from. From the resolved config alone (config.json), so a resume reports it too.
nlohmann::ordered_json warm_start_json(const ModelConfig& model, const ParameterList<float>& params);

// The report's sentence on the assumption a warm start makes.
std::string warm_start_statement(const std::string& path, const std::string& sha256);

}  // namespace dpt
