// A run's plots, from what its report and metrics.jsonl hold (no accounting here: the caller
// gives each accountant's ε): epsilon.svg, ε against steps per reported accountant with the
// reported ε and the target; training.svg, the training and validation loss per epoch above
// the validation metric (accuracy, RMSE or bits per byte).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace dpt {

struct EpsilonCurve {
  std::string accountant;                          // "rdp", "pld", "prv", "gdp"
  bool upper_bound = true;                         // false: an approximation (gdp)
  std::vector<std::pair<double, double>> points;   // (steps, ε at the run's δ)
};

struct EpsilonPlotInput {
  std::string run_name;
  double delta = 0.0;
  std::optional<double> target_epsilon;
  int64_t steps_planned = 0;
  nlohmann::json epsilon_history = nlohmann::json::array();  // privacy.json's [{"epoch", "step", "epsilon"}]
  std::vector<EpsilonCurve> accountants;
};

std::string epsilon_svg(const EpsilonPlotInput& input);

// `epoch_lines`: metrics.jsonl's {"kind": "epoch", ...} lines in order (others are ignored).
std::string training_svg(const std::string& run_name, const std::vector<nlohmann::json>& epoch_lines);

}  // namespace dpt
