// experiments/plots: nice ticks, the SVG chart's edge cases (no data, one point, NaN and
// infinite points, equal values, log axes, XML escaping of < & " and control characters) and
// the run and sweep plots built on it. Every SVG a case builds is checked here for balanced
// tags, escaped text and finite coordinates; with DPT_PLOTS_DUMP_DIR set it is also written
// there, for plots_test.sh to parse with a real XML parser.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "experiments/plots/nice_ticks.hpp"
#include "experiments/plots/run_plots.hpp"
#include "experiments/plots/svg_chart.hpp"
#include "experiments/plots/sweep_plots.hpp"

namespace dpt {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Tags balanced, no raw '<' or stray '&' in text, every coordinate a finite number.
void check_svg(const std::string& svg, const std::string& name) {
  INFO("svg: " << name);
  REQUIRE(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  std::vector<std::string> open;
  for (size_t at = svg.find('<', 1); at != std::string::npos; at = svg.find('<', at + 1)) {
    const size_t end = svg.find('>', at);
    REQUIRE(end != std::string::npos);
    const std::string tag = svg.substr(at + 1, end - at - 1);
    REQUIRE(tag.find('<') == std::string::npos);
    if (tag[0] == '/') {
      REQUIRE(!open.empty());
      CHECK(open.back() == tag.substr(1));
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
  }
  CHECK(open.empty());
  const std::regex stray_amp("&(?!(amp|lt|gt|quot|apos);)");
  CHECK(!std::regex_search(svg, stray_amp));
  const std::regex coordinate(" (x|y|x1|x2|y1|y2|cx|cy|r|width|height)=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), coordinate); it != std::sregex_iterator(); ++it) {
    const std::string v = (*it)[2];
    INFO("attribute " << (*it)[1] << "=\"" << v << "\"");
    CHECK(std::isfinite(std::stod(v)));
  }
  const std::regex path_data(" (d|points)=\"([^\"]*)\"");
  const std::regex token("[-0-9.e+]+|[A-Za-z]+");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), path_data); it != std::sregex_iterator(); ++it) {
    const std::string v = (*it)[2];
    for (auto t = std::sregex_iterator(v.begin(), v.end(), token); t != std::sregex_iterator(); ++t) {
      const std::string s = t->str();
      if (s == "M" || s == "L" || s == "H" || s == "V") continue;
      INFO("path token " << s);
      CHECK(std::isfinite(std::stod(s)));
    }
  }
  if (const char* dir = std::getenv("DPT_PLOTS_DUMP_DIR")) std::ofstream(std::string(dir) + "/" + name + ".svg") << svg;
}

ChartSpec chart_with(std::vector<ChartPoint> points, bool log_y = false) {
  ChartSpec c;
  c.title = "t";
  c.x_label = "x (units)";
  c.y_label = "y (units)";
  c.log_y = log_y;
  ChartSeries s = named_series("series");
  s.points = std::move(points);
  c.series = {s};
  return c;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_CASE("linear ticks step by 1, 2 or 5 times a power of ten over a range widened to whole steps") {
  const AxisTicks a = linear_ticks(0.0, 1.0);
  CHECK(a.lo == 0.0);
  CHECK(a.hi == doctest::Approx(1.0));
  CHECK(a.labels == std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"});
  const AxisTicks b = linear_ticks(0.13, 7.3);
  CHECK(b.lo == 0.0);
  CHECK(b.hi == 8.0);
  CHECK(b.labels == std::vector<std::string>{"0", "2", "4", "6", "8"});
  const AxisTicks c = linear_ticks(-0.3, 0.3);
  CHECK(c.labels == std::vector<std::string>{"-0.4", "-0.2", "0.0", "0.2", "0.4"});  // no "-0.0"
  CHECK(linear_ticks(1.0, 3.0, 6, true).labels == std::vector<std::string>{"1", "2", "3"});  // no half steps
}

TEST_CASE("degenerate ranges still give an axis: one value, zero, the limits of a double, below resolution") {
  const AxisTicks one = linear_ticks(3.0, 3.0);
  CHECK(one.lo < 3.0);
  CHECK(one.hi > 3.0);
  CHECK(!one.at.empty());
  const AxisTicks zero = linear_ticks(0.0, 0.0);
  CHECK(zero.lo == -1.0);
  CHECK(zero.hi == 1.0);
  const AxisTicks wide = linear_ticks(-std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
  CHECK(wide.at.size() >= 2);
  CHECK(wide.at.size() <= 60);
  const AxisTicks fine = linear_ticks(1e16, 1e16 + 2);  // a step below the values' resolution
  CHECK(fine.at.size() <= 60);
  CHECK(fine.hi > fine.lo);
  CHECK(linear_ticks(kNaN, 1.0).at.empty());
}

TEST_CASE("log ticks are decades, with 2 and 5 inside a narrow range") {
  const AxisTicks a = log_ticks(0.5, 30);
  CHECK(a.lo == -1.0);
  CHECK(a.hi == 2.0);
  CHECK(a.labels.front() == "0.1");
  CHECK(a.labels.back() == "100");
  const AxisTicks b = log_ticks(2, 5);
  CHECK(b.labels == std::vector<std::string>{"1", "2", "5", "10"});
  const AxisTicks wide = log_ticks(1e-300, 1e300);
  CHECK(wide.at.size() <= 12);
  CHECK(log_ticks(0.0, 1.0).at.empty());
}

TEST_CASE("tick labels carry no float noise and no negative zero") {
  CHECK(tick_label(0.30000000000000004, 0.1) == "0.3");
  CHECK(tick_label(-1e-17, 0.1) == "0.0");
  CHECK(tick_label(1e7, 1e6) == "1e+07");
  CHECK(tick_label(25, 5) == "25");
}

TEST_CASE("a chart without drawable points says no data") {
  const std::string none = chart_svg(chart_with({}));
  check_svg(none, "chart_empty");
  CHECK(none.find(">no data</text>") != std::string::npos);
  CHECK(none.find("<path") == std::string::npos);
  const std::string nan_only = chart_svg(chart_with({{kNaN, 1.0, ""}, {1.0, kInf, ""}, {-kInf, 2.0, ""}}));
  check_svg(nan_only, "chart_nan_only");
  CHECK(nan_only.find(">no data</text>") != std::string::npos);
  ChartSpec no_series = chart_with({});
  no_series.series.clear();
  check_svg(chart_svg(no_series), "chart_no_series");
}

TEST_CASE("one point and all-equal values get an axis around them") {
  const std::string one = chart_svg(chart_with({{5.0, 2.0, "the point"}}));
  check_svg(one, "chart_one_point");
  CHECK(count(one, "<circle") == 2);  // the point and its legend sample
  CHECK(one.find("<title>the point</title>") != std::string::npos);
  const std::string equal = chart_svg(chart_with({{1.0, 7.0, ""}, {2.0, 7.0, ""}, {3.0, 7.0, ""}}));
  check_svg(equal, "chart_equal_values");
  const std::string same_x = chart_svg(chart_with({{1.0, 1.0, ""}, {1.0, 2.0, ""}}));
  check_svg(same_x, "chart_equal_x");
  const std::string zero = chart_svg(chart_with({{0.0, 0.0, ""}, {0.0, 0.0, ""}}));
  check_svg(zero, "chart_zeros");
}

TEST_CASE("NaN and infinite points are skipped and break the line there") {
  const std::string svg = chart_svg(chart_with({{1, 1, ""}, {2, 2, ""}, {3, kNaN, ""}, {4, 3, ""}, {5, kInf, ""}, {6, 1, ""}}));
  check_svg(svg, "chart_nan_gaps");
  const size_t d = svg.find("<path d=\"");
  REQUIRE(d != std::string::npos);
  const std::string path = svg.substr(d, svg.find('"', d + 9) - d);
  CHECK(count(path, "M") == 3);  // 1-2, 4, 6
  CHECK(count(svg, "<circle") == 4 + 1);
}

TEST_CASE("a log y axis skips values <= 0 and says it is a log scale") {
  const std::string svg = chart_svg(chart_with({{1, 0.0, ""}, {2, -1.0, ""}, {3, 0.01, ""}, {4, 100.0, ""}}, true));
  check_svg(svg, "chart_log_y");
  CHECK(svg.find("(log scale)") != std::string::npos);
  CHECK(count(svg, "<circle") == 2 + 1);
  check_svg(chart_svg(chart_with({{1, -1.0, ""}}, true)), "chart_log_y_no_data");
}

TEST_CASE("text is escaped for XML: < & \" ' > and control characters") {
  CHECK(xml_escape("a<b & \"c\" 'd' >") == "a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt;");
  CHECK(xml_escape(std::string("x\x01y\x7fz\tw")) == "xyz\tw");
  CHECK(xml_escape("ε δ ≤") == "ε δ ≤");  // UTF-8 passes through
  ChartSpec c = chart_with({{1, 1, "tip <&\">"}});
  c.title = "title <&\"";
  c.x_label = "x <b>";
  c.y_label = "y & z";
  c.note = "note \"quoted\"";
  c.series[0].name = "series <&\" one";
  const std::string svg = chart_svg(c);
  check_svg(svg, "chart_escaping");
  CHECK(svg.find("title &lt;&amp;&quot;") != std::string::npos);
  CHECK(svg.find("series &lt;&amp;&quot; one") != std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);
}

TEST_CASE("several series: a legend row each, palette colours in turn, step lines, the same bytes every time") {
  ChartSpec c = chart_with({{0, 1, ""}, {1, 2, ""}, {2, 2.5, ""}});
  ChartSeries b = named_series("second");
  b.points = {{0, 3, ""}, {2, 1, ""}};
  b.step = true;
  b.marker = Marker::kDiamond;
  ChartSeries hidden;  // no name: drawn, not in the legend
  hidden.points = {{1, 1, ""}};
  hidden.marker = Marker::kStar;
  c.series.push_back(b);
  c.series.push_back(hidden);
  const std::string svg = chart_svg(c);
  check_svg(svg, "chart_series");
  CHECK(svg.find(">series</text>") != std::string::npos);
  CHECK(svg.find(">second</text>") != std::string::npos);
  CHECK(svg.find(chart_palette()[0]) != std::string::npos);
  CHECK(svg.find(chart_palette()[1]) != std::string::npos);
  CHECK(svg.find(" H") != std::string::npos);  // the step line
  CHECK(svg == chart_svg(c));
  check_svg(stacked_charts_svg({c, chart_with({})}), "chart_stacked");
}

TEST_CASE("the Pareto frontier keeps the best metric reachable at each epsilon or less") {
  const std::vector<FrontierPoint> points{
      {2.0, 0.7, "b", false}, {1.0, 0.6, "a", false}, {3.0, 0.65, "c", false}, {4.0, 0.8, "d", true}, {kNaN, 0.9, "e", false},
      {1.0, 0.62, "a2", false}};
  std::vector<std::string> ids;
  for (const FrontierPoint& p : pareto_frontier(points, true)) ids.push_back(p.label);
  CHECK(ids == std::vector<std::string>{"a2", "b", "d"});
  ids.clear();
  for (const FrontierPoint& p : pareto_frontier(points, false)) ids.push_back(p.label);
  CHECK(ids == std::vector<std::string>{"a"});
  const std::string svg = frontier_svg(points, "validation.accuracy", "Sweep <s>: accuracy against ε (δ = 1e-05)", true);
  check_svg(svg, "frontier");
  CHECK(svg.find("ε (privacy loss, δ as in title)") != std::string::npos);
  CHECK(svg.find(">selected run</text>") != std::string::npos);
  CHECK(svg.find("<title>d (selected): ε = 4.0000, validation.accuracy = 0.8</title>") != std::string::npos);
  CHECK(svg.find("<title>a: ε = 1.0000") != std::string::npos);
  CHECK(svg.find("Sweep &lt;s&gt;") != std::string::npos);
  const std::string empty = frontier_svg({}, "validation.loss", "empty", false);
  check_svg(empty, "frontier_empty");
  CHECK(empty.find(">no data</text>") != std::string::npos);
  check_svg(frontier_svg({{1.0, 0.5, "only", true}}, "validation.loss", "one run", false), "frontier_one");
}

TEST_CASE("epsilon.svg: one curve per accountant, the reported epsilon, the target; no data before the first epoch") {
  EpsilonPlotInput in;
  in.run_name = "run <1>";
  in.delta = 1e-5;
  in.target_epsilon = 3.0;
  in.steps_planned = 30;
  in.epsilon_history = nlohmann::json::array({{{"epoch", 0}, {"step", 10}, {"epsilon", 1.5}},
                                              {{"epoch", 1}, {"step", 20}, {"epsilon", 2.2}},
                                              {{"epoch", 2}, {"step", 30}, {"epsilon", nullptr}}});  // +inf read back
  in.accountants = {{"rdp", true, {{10, 1.8}, {20, 2.6}, {30, kInf}}}, {"gdp", false, {{10, 1.2}, {20, kNaN}, {30, 2.0}}}};
  const std::string svg = epsilon_svg(in);
  check_svg(svg, "epsilon");
  CHECK(svg.find("ε at δ = 1e-05") != std::string::npos);
  CHECK(svg.find(">rdp (upper bound)</text>") != std::string::npos);
  CHECK(svg.find(">gdp (approximation, NOT a bound)</text>") != std::string::npos);
  CHECK(svg.find(">target ε = 3</text>") != std::string::npos);
  CHECK(svg.find("run &lt;1&gt;") != std::string::npos);
  EpsilonPlotInput start;
  start.run_name = "fresh";
  start.delta = 1e-5;
  start.target_epsilon = 3.0;
  const std::string empty = epsilon_svg(start);
  check_svg(empty, "epsilon_empty");
  CHECK(empty.find(">no data</text>") != std::string::npos);
}

TEST_CASE("training.svg: losses per epoch above the validation metric; NaN losses skipped; no epochs: no data") {
  std::vector<nlohmann::json> lines;
  lines.push_back({{"kind", "step"}, {"step", 0}, {"loss", 0.9}});  // ignored
  lines.push_back({{"kind", "epoch"}, {"epoch", 0}, {"step", 10}, {"train_loss", 0.7},
                   {"validation", {{"loss", 0.72}, {"examples", 40}, {"accuracy", 0.5}, {"per_class", nlohmann::json::array()}}}});
  lines.push_back({{"kind", "epoch"}, {"epoch", 1}, {"step", 20}, {"train_loss", nullptr}});  // NaN written as null
  lines.push_back({{"kind", "epoch"}, {"epoch", 2}, {"step", 30}, {"train_loss", 0.6},
                   {"validation", {{"loss", 0.65}, {"examples", 40}, {"accuracy", 0.6}, {"per_class", nlohmann::json::array()}}}});
  const std::string svg = training_svg("tiny", lines);
  check_svg(svg, "training");
  CHECK(svg.find("loss (cross-entropy, nats per example)") != std::string::npos);
  CHECK(svg.find("validation accuracy (fraction correct)") != std::string::npos);
  CHECK(count(svg, "<svg") == 3);  // two stacked charts
  const std::string empty = training_svg("none", {});
  check_svg(empty, "training_empty");
  CHECK(empty.find(">no data</text>") != std::string::npos);
  std::vector<nlohmann::json> regression{{{"kind", "epoch"}, {"epoch", 0}, {"step", 5}, {"train_loss", 0.2},
                                          {"validation", {{"loss", 0.3}, {"mse", 0.3}, {"rmse_original_units", 12.5}}}}};
  const std::string r = training_svg("reg", regression);
  check_svg(r, "training_regression");
  CHECK(r.find("RMSE (original units") != std::string::npos);
}

}  // namespace
}  // namespace dpt
