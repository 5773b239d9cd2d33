// epsilon.svg and training.svg of a run (see run_plots.hpp).
#include "experiments/plots/run_plots.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "base/number_format.hpp"
#include "experiments/plots/svg_chart.hpp"

namespace dpt {
namespace {

using nlohmann::json;

// A number of `j[key]`; null (an infinity or NaN written by nlohmann) and anything else: NaN.
double number_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return std::nan("");
  const json& v = j[key];
  return v.is_number() ? v.get<double>() : std::nan("");
}

// Rounded up: a labelled epsilon is never below the computed one.
std::string eps_text(double e) { return std::isfinite(e) ? format_fixed_up(e, 4) : "∞"; }

// What the validation object of a task measures beside its loss: (key, label with unit).
std::optional<std::pair<std::string, std::string>> validation_metric(const json& v) {
  if (!v.is_object()) return std::nullopt;
  if (v.contains("accuracy")) return std::make_pair(std::string("accuracy"), std::string("validation accuracy (fraction correct)"));
  if (v.contains("rmse_original_units")) {
    return std::make_pair(std::string("rmse_original_units"), std::string("validation RMSE (original units of the target)"));
  }
  if (v.contains("bits_per_byte")) return std::make_pair(std::string("bits_per_byte"), std::string("validation bits per byte"));
  return std::nullopt;
}

std::string loss_label(const json& v) {
  if (v.is_object() && v.contains("per_class")) return "loss (cross-entropy, nats per example)";
  if (v.is_object() && v.contains("mse")) return "loss (MSE, standardised target)";
  if (v.is_object() && v.contains("bits_per_byte")) return "loss (cross-entropy, nats)";
  return "loss (the training objective)";
}

}  // namespace

std::string epsilon_svg(const EpsilonPlotInput& in) {
  ChartSpec c;
  c.title = "Privacy spent: " + in.run_name;
  c.x_label = "step (DP-SGD steps charged)";
  c.y_label = "ε at δ = " + format_number(in.delta);
  c.integer_x = true;
  c.note = "ε after each epoch; the reported ε is the smallest valid upper bound (approximations never count)";
  ChartSeries reported = named_series("reported ε (smallest valid upper bound)");
  reported.color = "#000000";
  reported.line_width = 2.6;
  reported.marker = Marker::kSquare;
  reported.marker_size = 3.2;
  for (const json& e : in.epsilon_history) {
    const double step = number_at(e, "step");
    double eps = number_at(e, "epsilon");
    if (e.is_object() && e.contains("epsilon") && e["epsilon"].is_null()) eps = std::numeric_limits<double>::infinity();
    reported.points.push_back({step, eps, fmt::format("epoch {}, step {}: reported ε = {}", e.is_object() ? e.value("epoch", int64_t{-1}) + 1 : 0,
                                                      static_cast<int64_t>(step), eps_text(eps))});
  }
  const std::vector<Marker> markers{Marker::kCircle, Marker::kDiamond, Marker::kTriangle, Marker::kCircle};
  std::vector<ChartSeries> curves;
  for (size_t i = 0; i < in.accountants.size(); ++i) {
    const EpsilonCurve& a = in.accountants[i];
    ChartSeries s = named_series(a.accountant + (a.upper_bound ? " (upper bound)" : " (approximation, NOT a bound)"));
    s.dashed = !a.upper_bound;
    s.line_width = 1.4;
    s.marker = markers[i % markers.size()];
    s.marker_size = 3.0;
    for (const auto& [step, eps] : a.points) {
      s.points.push_back({step, eps, fmt::format("{}, step {}: ε = {}", a.accountant, static_cast<int64_t>(step), eps_text(eps))});
    }
    curves.push_back(std::move(s));
  }
  c.series.push_back(std::move(reported));  // under the accountants it equals
  for (ChartSeries& s : curves) c.series.push_back(std::move(s));
  if (in.target_epsilon && std::isfinite(*in.target_epsilon)) {
    ChartSeries t = named_series(fmt::format("target ε = {}", format_number(*in.target_epsilon)));
    t.color = "#B00020";
    t.dashed = true;
    t.marker = Marker::kNone;
    t.line_width = 1.2;
    t.points = {{0.0, *in.target_epsilon, ""}, {static_cast<double>(in.steps_planned), *in.target_epsilon, ""}};
    if (!in.epsilon_history.empty()) c.series.push_back(std::move(t));  // not alone: no data yet says "no data"
  }
  return chart_svg(c);
}

std::string training_svg(const std::string& run_name, const std::vector<json>& epoch_lines) {
  json last_validation = nullptr;
  for (const json& line : epoch_lines) {
    if (line.is_object() && line.contains("validation") && line["validation"].is_object()) last_validation = line["validation"];
  }
  ChartSpec loss;
  loss.title = "Training: " + run_name;
  loss.x_label = "epoch";
  loss.y_label = loss_label(last_validation);
  loss.integer_x = true;
  loss.note = "training loss: mean over the epoch's Poisson batches (before clipping and noise); validation: after the epoch";
  ChartSeries train = named_series("training loss");
  ChartSeries validation = named_series("validation loss");
  validation.marker = Marker::kDiamond;
  const auto metric = validation_metric(last_validation);
  ChartSeries metric_series = named_series(metric ? metric->second : "");
  metric_series.color = "#009E73";
  for (const json& line : epoch_lines) {
    if (!line.is_object() || line.value("kind", "") != "epoch") continue;
    const double epoch = number_at(line, "epoch") + 1;  // epochs completed
    const double t = number_at(line, "train_loss");
    train.points.push_back({epoch, t, fmt::format("epoch {}: training loss {:.4g}", epoch, t)});
    if (!line.contains("validation") || !line["validation"].is_object()) continue;
    const json& v = line["validation"];
    const double vl = number_at(v, "loss");
    validation.points.push_back({epoch, vl, fmt::format("epoch {}: validation loss {:.4g}", epoch, vl)});
    if (metric) {
      const double m = number_at(v, metric->first.c_str());
      metric_series.points.push_back({epoch, m, fmt::format("epoch {}: {} {:.4g}", epoch, metric->first, m)});
    }
  }
  loss.series = {train, validation};
  if (!metric) return chart_svg(loss);
  ChartSpec second;
  second.title = "Validation " + metric->first;
  second.x_label = "epoch";
  second.y_label = metric->second;
  second.integer_x = true;
  second.height = 320;
  second.series = {metric_series};
  return stacked_charts_svg({loss, second});
}

}  // namespace dpt
