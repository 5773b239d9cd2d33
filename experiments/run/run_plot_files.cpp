// epsilon.svg and training.svg of a run folder (see run_plot_files.hpp).
#include "experiments/run/run_plot_files.hpp"

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "experiments/run/atomic_file.hpp"

namespace dpt {

EpsilonPlotInput epsilon_plot_input(const PrivacyReport& r, const RunAccounting& accounting) {
  EpsilonPlotInput in;
  in.run_name = r.run_name;
  in.delta = r.delta;
  in.target_epsilon = r.target_epsilon;
  in.steps_planned = r.steps_planned;
  in.epsilon_history = r.epsilon_history;
  std::map<std::string, size_t> index;  // accountant -> its curve, in the order first reported
  for (const nlohmann::json& e : r.epsilon_history) {
    if (!e.is_object() || !e.contains("step") || !e["step"].is_number_integer()) continue;
    const int64_t step = e["step"].get<int64_t>();
    for (const EpsilonEstimate& x : accounting.estimates_at(step)) {
      auto [it, added] = index.emplace(x.accountant, in.accountants.size());
      if (added) in.accountants.push_back(EpsilonCurve{x.accountant, x.upper_bound, {}});
      // An invalid estimate (domain exceeded, failed) is not a number to plot: a gap.
      in.accountants[it->second].points.emplace_back(static_cast<double>(step), x.valid ? x.epsilon : std::nan(""));
    }
  }
  return in;
}

void write_run_plots(const std::string& dir, const PrivacyReport& report, const RunAccounting* accounting,
                     const std::vector<nlohmann::json>& epoch_lines) {
  const std::filesystem::path d(dir);
  if (accounting != nullptr) write_file_atomic((d / "epsilon.svg").string(), epsilon_svg(epsilon_plot_input(report, *accounting)));
  write_file_atomic((d / "training.svg").string(), training_svg(report.run_name, epoch_lines));
}

std::vector<nlohmann::json> epoch_lines_of(const std::string& metrics_text) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(metrics_text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("\"kind\":\"epoch\"") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("kind", "") == "epoch") out.push_back(std::move(j));
  }
  return out;
}

}  // namespace dpt
