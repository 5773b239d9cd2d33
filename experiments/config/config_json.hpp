// ExperimentConfig -> JSON: the resolved config a run folder stores as config.json. Every field
// is written, in documentation order (docs/config.md); absent optionals are written as null,
// so the file lists every key. parse_config(to_json(c)) == c for every valid config.
#pragma once

#include <nlohmann/json.hpp>

#include "experiments/config/experiment_config.hpp"

namespace dpt {

// Serialises as is: it does not validate (parse the result to do that).
nlohmann::ordered_json to_json(const ExperimentConfig& config);

}  // namespace dpt
