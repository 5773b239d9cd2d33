// A line / scatter chart as SVG text: a title, axis labels (with their units), 1-2-5 ticks and a
// grid, an optional log y axis, several named series (lines, step lines, markers, a tooltip
// per point) and a legend under the plot. Text is escaped for XML; NaN and infinite points (and
// points <= 0 on a log axis) are skipped, breaking a line there; a chart without a drawable
// point says "no data"; one point or all-equal values get an axis around them. The output
// depends on the input only (no time, no randomness), so a plot is reproducible byte for byte.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace dpt {

enum class Marker { kNone, kCircle, kSquare, kDiamond, kTriangle, kStar };

struct ChartPoint {
  double x = 0.0, y = 0.0;
  std::string tip;  // the marker's tooltip (<title>); empty: "x, y"
};

struct ChartSeries {
  std::string name;               // in the legend; empty: not in the legend
  std::vector<ChartPoint> points;  // in drawing order
  bool line = true;               // join the points
  bool step = false;              // ... as a step line: level until the next point's x
  bool dashed = false;
  Marker marker = Marker::kCircle;
  double marker_size = 3.5;       // radius in pixels
  std::string color;              // CSS colour; empty: the palette's next one
  double line_width = 1.8;
};

// A series of that name with the defaults above.
inline ChartSeries named_series(std::string name) {
  ChartSeries s;
  s.name = std::move(name);
  return s;
}

struct ChartSpec {
  std::string title;
  std::string x_label;  // with the unit, e.g. "step" or "ε (privacy loss)"
  std::string y_label;
  bool log_y = false;
  bool integer_x = false;  // x is a count (steps, epochs): ticks at whole numbers
  double width = 720, height = 420;  // of the plot with its axes; the legend adds rows below
  std::vector<ChartSeries> series;
  std::string note;  // one line of small text under the title (empty: none)
};

// A complete SVG document (XML declaration and <svg> root).
std::string chart_svg(const ChartSpec& chart);
// Several charts one above the other in one SVG document.
std::string stacked_charts_svg(const std::vector<ChartSpec>& charts);

// `text` safe inside XML text and attribute values: & < > " ' as entities, control characters
// XML 1.0 forbids dropped.
std::string xml_escape(const std::string& text);

// The palette colours series take in turn (colour-blind friendly, Okabe–Ito).
const std::vector<std::string>& chart_palette();

}  // namespace dpt
