// A sweep's privacy–utility frontier as SVG (frontier.svg): the selection metric against each
// run's epsilon, one marker per finished run, the selected run marked (experiments/plots).
#pragma once

#include <string>

#include "experiments/sweep/sweep_spec.hpp"
#include "experiments/sweep/sweep_summary.hpp"

namespace dpt {

std::string sweep_frontier_svg(const SweepSpec& spec, const SweepResult& result);

}  // namespace dpt
