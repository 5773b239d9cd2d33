// Checks of a resolved run before its first step: a gradient scale float can hold (refused with
// a ConfigError otherwise) and warnings for degenerate setups (tiny N, δ near 1/N, one class),
// which go to the log and into the report.
#pragma once

#include <string>
#include <vector>

#include "datasets/dataset.hpp"
#include "experiments/config/experiment_config.hpp"
#include "experiments/run/run_setup.hpp"

namespace dpt {

// The clipped sum is at most C per example and the noise has std σC, all in float: a scale float
// cannot hold, C·(q·N + 10σ) > 1e30, would train a model of Inf and NaN. Throws ConfigError on
// privacy.noise_multiplier or privacy.clip_norm, whichever dominates.
void check_gradient_scale(const PrivacyConfig& privacy, const Resolved& resolved);

// One sentence per degenerate property of the run (empty when there is none).
std::vector<std::string> run_warnings(const Dataset& data, const Resolved& resolved);

}  // namespace dpt
