// frontier.svg of a sweep (see sweep_plots.hpp).
#include "experiments/sweep/sweep_plots.hpp"

#include <cmath>

#include "base/number_format.hpp"
#include "experiments/plots/sweep_plots.hpp"

namespace dpt {

std::string sweep_frontier_svg(const SweepSpec& spec, const SweepResult& result) {
  std::vector<FrontierPoint> points;
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    const SweepRow& row = result.rows[i];
    if (!row.outcome.complete || !row.metric || !std::isfinite(row.epsilon)) continue;
    points.push_back(FrontierPoint{row.epsilon, *row.metric, row.point->id, result.best == i});
  }
  const std::string title = "Sweep " + spec.name + ": " + spec.selection.metric + " against ε (δ = " +
                            format_number(result.price.delta) + ")";
  return frontier_svg(points, spec.selection.metric, title, spec.selection.maximize);
}

}  // namespace dpt
