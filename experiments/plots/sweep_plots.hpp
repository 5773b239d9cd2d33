// A sweep's privacy–utility frontier (frontier.svg): the selection metric (y) against each
// run's ε (x), one marker per run with its id as tooltip, the selected run marked, and the
// Pareto frontier — the best metric reachable at a given ε or less — as a step line.
#pragma once

#include <string>
#include <vector>

namespace dpt {

struct FrontierPoint {
  double epsilon;
  double metric;
  std::string label;  // the run's id (tooltip)
  bool best;          // the selected run
};

// The best-so-far points in increasing ε (ties in ε: the better metric), `higher_is_better`
// deciding which metric is better; non-finite points are left out.
std::vector<FrontierPoint> pareto_frontier(const std::vector<FrontierPoint>& points, bool higher_is_better);

std::string frontier_svg(const std::vector<FrontierPoint>& points, const std::string& metric_label, const std::string& title,
                         bool higher_is_better);

}  // namespace dpt
