// Checks of a resolved run before its first step: a gradient scale float can hold (refused with
// a ConfigError otherwise) and warnings for degenerate setups (tiny N, δ near 1/N, one class),
// which go to the log and into the report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/parameter.hpp"

#include "datasets/dataset.hpp"
#include "experiments/config/experiment_config.hpp"
#include "experiments/run/run_setup.hpp"

namespace dpt {

// The clipped sum is at most C per example and the noise has std σC, all in float: a scale float
// cannot hold, C·(q·N + 10σ) > 1e30, would train a model of Inf and NaN. Throws ConfigError on
// privacy.noise_multiplier or privacy.clip_norm, whichever dominates.
void check_gradient_scale(const PrivacyConfig& privacy, const Resolved& resolved);

// One sentence per degenerate property of the run (empty when there is none), among them
// truncation to data.max_length cutting more than kMaxTruncatedShare of the texts.
inline constexpr double kMaxTruncatedShare = 0.05;
std::vector<std::string> run_warnings(const Dataset& data, const DataConfig& config, const Resolved& resolved);

// After a step (docs/run_folders.md, "no silent garbage"): why the run must stop — its weights
// became NaN or Inf, or its loss did without an example to blame (`nonfinite_examples` == 0) —
// or nothing.
std::optional<std::string> divergence(const ParameterList<float>& params, double loss_sum, int nonfinite_examples);

// At an epoch's end: why the run must stop when more than kMaxDroppedShare of the epoch's
// `examples` were dropped for NaN/Inf gradients (it would train on what is left of its data
// without saying so), or nothing.
inline constexpr double kMaxDroppedShare = 0.5;
std::optional<std::string> dropped_share_problem(int64_t dropped, int64_t examples);

}  // namespace dpt
