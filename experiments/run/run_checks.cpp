// Pre-flight checks and warnings of a run (see run_checks.hpp).
#include "experiments/run/run_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "experiments/config/config_error.hpp"

namespace dpt {
namespace {

constexpr double kMaxGradientScale = 1e30;  // float holds up to 3.4e38

}  // namespace

void check_gradient_scale(const PrivacyConfig& privacy, const Resolved& resolved) {
  const double C = privacy.clip_norm;
  const double expected_batch = resolved.sampling_rate * static_cast<double>(resolved.dataset_size);  // q·N
  const double scale = C * (expected_batch + 10.0 * resolved.noise_multiplier);
  if (scale <= kMaxGradientScale) return;
  const bool noise = 10.0 * resolved.noise_multiplier > expected_batch;
  throw ConfigError(noise ? "privacy.noise_multiplier" : "privacy.clip_norm",
                    fmt::format("clip_norm x (expected batch size + 10 noise_multiplier) must be <= {:g} "
                                "(float gradients), got {:g} (clip_norm {:g}, noise_multiplier {:g})",
                                kMaxGradientScale, scale, C, resolved.noise_multiplier));
}

std::vector<std::string> run_warnings(const Dataset& data, const DataConfig& config, const Resolved& resolved) {
  std::vector<std::string> warnings;
  const auto texts = data.stats.find("texts");
  const auto truncated = data.stats.find("truncated_texts");
  if (texts != data.stats.end() && truncated != data.stats.end() && texts->second > 0 &&
      static_cast<double>(truncated->second) > kMaxTruncatedShare * static_cast<double>(texts->second)) {
    warnings.push_back(fmt::format("data.max_length = {} cut {} of {} texts ({:.1f}%) to their first {} bytes: raise "
                                   "data.max_length to train on more of each text",
                                   config.max_length, truncated->second, texts->second,
                                   100.0 * static_cast<double>(truncated->second) / static_cast<double>(texts->second),
                                   config.max_length));
  }
  const int64_t N = resolved.dataset_size;
  if (N < 10) {
    warnings.push_back(fmt::format("the training split has only {} examples: with so few, (ε, δ) says little, and δ = {:g} is "
                                   "{} in {} odds of releasing one example outright",
                                   N, resolved.delta, 1, static_cast<int64_t>(std::llround(1.0 / resolved.delta))));
  }
  if (resolved.delta > 0.1 / static_cast<double>(N)) {
    warnings.push_back(fmt::format("privacy.delta = {:g} is above 1/(10 N) = {:g}: a guarantee that fails with probability near "
                                   "1/N for a dataset of N examples",
                                   resolved.delta, 0.1 / static_cast<double>(N)));
  }
  if (data.task == TaskKind::kClassification && !data.train.empty()) {
    const int32_t first = data.train.front().label;
    const bool one_class = std::all_of(data.train.begin(), data.train.end(), [&](const Example& e) { return e.label == first; });
    if (one_class) warnings.push_back(fmt::format("every training example has the same label ({}): nothing to learn", first));
  }
  return warnings;
}

std::optional<std::string> divergence(const ParameterList<float>& params, double loss_sum, int nonfinite_examples) {
  bool finite = true;
  for (const Parameter<float>* p : params) finite = finite && p->value.allFinite();
  if (!finite) return "the weights became NaN or Inf (the run diverged)";
  if (!std::isfinite(loss_sum) && nonfinite_examples == 0) return "the training loss became NaN or Inf (the run diverged)";
  return std::nullopt;
}

std::optional<std::string> dropped_share_problem(int64_t dropped, int64_t examples) {
  if (examples > 0 && static_cast<double>(dropped) > kMaxDroppedShare * static_cast<double>(examples)) {
    return fmt::format("{} of the epoch's {} examples had NaN or Inf gradients and were dropped (more than {:.0f}%)", dropped,
                       examples, 100.0 * kMaxDroppedShare);
  }
  return std::nullopt;
}

}  // namespace dpt
