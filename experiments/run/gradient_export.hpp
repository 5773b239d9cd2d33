// `dptrain grads CONFIG --examples 0,5,9 --out FILE.safetensors`: the model's initial weights
// (the names of model.safetensors), and for each listed training example its unpadded input
// (`input/<i>`: token ids or features), its target (`target/<i>`) and the gradient of its own
// loss (`grad/<i>/<parameter>`) — so per-example gradients can be checked against another
// framework. Everything is F32; token ids and labels are exact in it (integers below 2^24).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/config/experiment_config.hpp"

namespace dpt {

void export_example_gradients(const ExperimentConfig& config, const std::vector<int64_t>& examples,
                              const std::string& out_file);

}  // namespace dpt
