// frontier.svg of a sweep: runs, selected run and Pareto frontier (see sweep_plots.hpp).
#include "experiments/plots/sweep_plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "experiments/plots/svg_chart.hpp"

namespace dpt {
namespace {

std::string tip(const FrontierPoint& p, const std::string& metric_label) {
  return fmt::format("{}{}: ε = {:.4f}, {} = {:.4g}", p.label, p.best ? " (selected)" : "", p.epsilon, metric_label, p.metric);
}

}  // namespace

std::vector<FrontierPoint> pareto_frontier(const std::vector<FrontierPoint>& points, bool higher_is_better) {
  std::vector<FrontierPoint> sorted;
  for (const FrontierPoint& p : points) {
    if (std::isfinite(p.epsilon) && std::isfinite(p.metric)) sorted.push_back(p);
  }
  const auto better = [&](double a, double b) { return higher_is_better ? a > b : a < b; };
  std::stable_sort(sorted.begin(), sorted.end(), [&](const FrontierPoint& a, const FrontierPoint& b) {
    return a.epsilon < b.epsilon || (a.epsilon == b.epsilon && better(a.metric, b.metric));
  });
  std::vector<FrontierPoint> frontier;
  for (const FrontierPoint& p : sorted) {
    if (frontier.empty() || better(p.metric, frontier.back().metric)) frontier.push_back(p);
  }
  return frontier;
}

std::string frontier_svg(const std::vector<FrontierPoint>& points, const std::string& metric_label, const std::string& title,
                         bool higher_is_better) {
  ChartSpec c;
  c.title = title;
  c.x_label = "ε (privacy loss, δ as in title)";
  c.y_label = metric_label;
  c.note = fmt::format("{} is better; the step line is the best {} reached at ε or less", higher_is_better ? "higher" : "lower",
                       metric_label);
  ChartSeries runs = named_series("runs");
  runs.line = false;
  ChartSeries selected = named_series("selected run");
  selected.line = false;
  selected.marker = Marker::kStar;
  selected.marker_size = 9;
  selected.color = "#E69F00";
  for (const FrontierPoint& p : points) {
    (p.best ? selected : runs).points.push_back({p.epsilon, p.metric, tip(p, metric_label)});
  }
  ChartSeries frontier = named_series("Pareto frontier (best " + metric_label + " at ≤ ε)");
  frontier.step = true;
  frontier.marker = Marker::kNone;
  frontier.color = "#009E73";
  const std::vector<FrontierPoint> best = pareto_frontier(points, higher_is_better);
  for (const FrontierPoint& p : best) frontier.points.push_back({p.epsilon, p.metric, ""});
  if (!best.empty()) {  // level to the largest ε of the sweep
    double largest = best.back().epsilon;
    for (const FrontierPoint& p : points) {
      if (std::isfinite(p.epsilon) && std::isfinite(p.metric)) largest = std::max(largest, p.epsilon);
    }
    if (largest > best.back().epsilon) frontier.points.push_back({largest, best.back().metric, ""});
  }
  runs.color = "#0072B2";
  c.series = {frontier, runs, selected};
  return chart_svg(c);
}

}  // namespace dpt
