// SVG text of line / scatter charts (see svg_chart.hpp).
#include "experiments/plots/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "experiments/plots/nice_ticks.hpp"

namespace dpt {
namespace {

constexpr double kLeft = 82, kRight = 24, kTop = 44, kNoteHeight = 16, kBottom = 52, kLegendRow = 20;
constexpr double kPi = 3.14159265358979323846;
constexpr const char* kAxisColour = "#333333";
constexpr const char* kGridColour = "#e3e3e3";

std::string num(double v) { return fmt::format("{:.2f}", v); }

bool drawable(const ChartPoint& p, bool log_y) {
  return std::isfinite(p.x) && std::isfinite(p.y) && (!log_y || p.y > 0.0);
}

// Position of v in [lo, hi] as a fraction, without overflow for ranges near a double's limits.
double fraction(double v, double lo, double hi) {
  const double span = hi / 2 - lo / 2;
  return span > 0.0 ? (v / 2 - lo / 2) / span : 0.5;
}

struct Frame {
  double x0, x1, y0, y1;  // plot area, pixels (y0 top)
  AxisTicks xt, yt;
  bool log_y;
  double px(double x) const { return x0 + fraction(x, xt.lo, xt.hi) * (x1 - x0); }
  double py(double y) const { return y1 - fraction(log_y ? std::log10(y) : y, yt.lo, yt.hi) * (y1 - y0); }
};

std::string marker_svg(Marker m, double x, double y, double r, const std::string& colour, const std::string& tip) {
  const std::string title = tip.empty() ? "" : "<title>" + xml_escape(tip) + "</title>";
  const std::string style = fmt::format("fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"0.8\"", colour);
  auto polygon = [&](const std::vector<std::pair<double, double>>& pts, const std::string& st) {
    std::string s = "<polygon points=\"";
    for (size_t i = 0; i < pts.size(); ++i) s += (i ? " " : "") + num(x + pts[i].first) + "," + num(y + pts[i].second);
    return s + "\" " + st + ">" + title + "</polygon>\n";
  };
  switch (m) {
    case Marker::kNone:
      return "";
    case Marker::kCircle:
      return fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" {}>{}</circle>\n", num(x), num(y), num(r), style, title);
    case Marker::kSquare:
      return fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {}>{}</rect>\n", num(x - r), num(y - r), num(2 * r),
                         num(2 * r), style, title);
    case Marker::kDiamond:
      return polygon({{0, -r * 1.3}, {r * 1.3, 0}, {0, r * 1.3}, {-r * 1.3, 0}}, style);
    case Marker::kTriangle:
      return polygon({{0, -r * 1.3}, {r * 1.2, r}, {-r * 1.2, r}}, style);
    case Marker::kStar: {
      std::vector<std::pair<double, double>> pts;
      for (int i = 0; i < 10; ++i) {
        const double a = -kPi / 2 + i * kPi / 5;
        const double rr = (i % 2 == 0 ? 1.0 : 0.45) * r;
        pts.emplace_back(rr * std::cos(a), rr * std::sin(a));
      }
      return polygon(pts, fmt::format("fill=\"{}\" stroke=\"#000000\" stroke-width=\"1\"", colour));
    }
  }
  return "";
}

// The path of a series' line: broken where a point cannot be drawn.
std::string line_path(const ChartSeries& s, const Frame& f) {
  std::string d;
  bool open = false;
  for (const ChartPoint& p : s.points) {
    if (!drawable(p, f.log_y)) {
      open = false;
      continue;
    }
    const double x = f.px(p.x), y = f.py(p.y);
    if (!open) {
      d += (d.empty() ? "M" : " M") + num(x) + " " + num(y);
    } else if (s.step) {
      d += " H" + num(x) + " V" + num(y);
    } else {
      d += " L" + num(x) + " " + num(y);
    }
    open = true;
  }
  return d;
}

std::string legend_sample(const ChartSeries& s, const std::string& colour, double x, double y) {
  std::string out;
  if (s.line) {
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n", num(x), num(y),
                       num(x + 26), num(y), colour, num(s.line_width), s.dashed ? " stroke-dasharray=\"6 4\"" : "");
  }
  out += marker_svg(s.marker, x + 13, y, std::min(s.marker_size, 6.0), colour, "");
  return out;
}

struct Rendered {
  std::string body;  // the children of the chart's <svg>
  double width, height;
};

Rendered render(const ChartSpec& c) {
  const auto& palette = chart_palette();
  std::vector<std::string> colours;
  size_t next = 0;
  for (const ChartSeries& s : c.series) colours.push_back(s.color.empty() ? palette[next++ % palette.size()] : s.color);

  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  std::vector<size_t> legend;
  for (size_t i = 0; i < c.series.size(); ++i) {
    bool any = false;
    for (const ChartPoint& p : c.series[i].points) {
      if (!drawable(p, c.log_y)) continue;
      any = true;
      xmin = std::min(xmin, p.x);
      xmax = std::max(xmax, p.x);
      ymin = std::min(ymin, p.y);
      ymax = std::max(ymax, p.y);
    }
    if (any && !c.series[i].name.empty()) legend.push_back(i);
  }
  const bool empty = !(xmin <= xmax);
  const double top = kTop + (c.note.empty() ? 0 : kNoteHeight);
  const double width = std::max(c.width, 240.0), height = std::max(c.height, top + kBottom + 60);
  Frame f{kLeft, width - kRight, top, height - kBottom, {}, {}, c.log_y};
  if (!empty) {
    f.xt = linear_ticks(xmin, xmax, 6, c.integer_x);
    f.yt = c.log_y ? log_ticks(ymin, ymax) : linear_ticks(ymin, ymax, 5);
  }
  std::string b;
  b += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", num(width),
                   num(height + static_cast<double>(legend.size()) * kLegendRow + (legend.empty() ? 0 : 8)));
  b += fmt::format("<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
                   num(width / 2), xml_escape(c.title));
  if (!c.note.empty()) {
    b += fmt::format("<text x=\"{}\" y=\"42\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555555\">{}</text>\n", num(width / 2),
                     xml_escape(c.note));
  }
  // Grid and ticks.
  for (size_t i = 0; i < f.xt.at.size() && !empty; ++i) {
    const double x = f.x0 + fraction(f.xt.at[i], f.xt.lo, f.xt.hi) * (f.x1 - f.x0);
    b += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\"/>\n", num(x), num(f.y0), num(f.y1), kGridColour);
    b += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\"/>\n", num(x), num(f.y1), num(f.y1 + 5), kAxisColour);
    b += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num(x), num(f.y1 + 18), xml_escape(f.xt.labels[i]));
  }
  for (size_t i = 0; i < f.yt.at.size() && !empty; ++i) {
    const double y = f.y1 - fraction(f.yt.at[i], f.yt.lo, f.yt.hi) * (f.y1 - f.y0);
    b += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\"/>\n", num(f.x0), num(y), num(f.x1), kGridColour);
    b += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\"/>\n", num(f.x0 - 5), num(y), num(f.x0), kAxisColour);
    b += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", num(f.x0 - 8), num(y + 4), xml_escape(f.yt.labels[i]));
  }
  b += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{}\"/>\n", num(f.x0), num(f.y0),
                   num(f.x1 - f.x0), num(f.y1 - f.y0), kAxisColour);
  b += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num((f.x0 + f.x1) / 2), num(f.y1 + 40),
                   xml_escape(c.x_label));
  const double ly = (f.y0 + f.y1) / 2;
  b += fmt::format("<text x=\"18\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {0})\">{1}</text>\n", num(ly),
                   xml_escape(c.y_label + (c.log_y ? " (log scale)" : "")));
  if (empty) {
    b += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\" fill=\"#777777\">no data</text>\n",
                     num((f.x0 + f.x1) / 2), num(ly));
    return {b, width, height};
  }
  // Series: lines first, then markers on top.
  for (size_t i = 0; i < c.series.size(); ++i) {
    const ChartSeries& s = c.series[i];
    if (!s.line) continue;
    const std::string d = line_path(s, f);
    if (d.empty()) continue;
    b += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-linejoin=\"round\"{}/>\n", d, colours[i],
                     num(s.line_width), s.dashed ? " stroke-dasharray=\"6 4\"" : "");
  }
  for (size_t i = 0; i < c.series.size(); ++i) {
    const ChartSeries& s = c.series[i];
    if (s.marker == Marker::kNone) continue;
    for (const ChartPoint& p : s.points) {
      if (!drawable(p, c.log_y)) continue;
      const std::string tip = p.tip.empty() ? fmt::format("{}{}{:.6g}, {:.6g}", s.name, s.name.empty() ? "" : ": ", p.x, p.y) : p.tip;
      b += marker_svg(s.marker, f.px(p.x), f.py(p.y), s.marker_size, colours[i], tip);
    }
  }
  // Legend, one row per series under the x axis label.
  for (size_t k = 0; k < legend.size(); ++k) {
    const size_t i = legend[k];
    const double y = height + static_cast<double>(k) * kLegendRow + 4;
    b += legend_sample(c.series[i], colours[i], f.x0, y);
    b += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(f.x0 + 34), num(y + 4), xml_escape(c.series[i].name));
  }
  return {b, width, height + static_cast<double>(legend.size()) * kLegendRow + (legend.empty() ? 0 : 8)};
}

constexpr const char* kDocumentStart = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

std::string root_open(double width, double height) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" fill=\"#222222\">\n",
      num(width), num(height));
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') break;  // not allowed in XML 1.0
        if (u == 0x7f) break;
        out += ch;
    }
  }
  return out;
}

const std::vector<std::string>& chart_palette() {
  static const std::vector<std::string> p{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return p;
}

std::string chart_svg(const ChartSpec& chart) {
  const Rendered r = render(chart);
  return kDocumentStart + root_open(r.width, r.height) + r.body + "</svg>\n";
}

std::string stacked_charts_svg(const std::vector<ChartSpec>& charts) {
  std::vector<Rendered> parts;
  double width = 0.0, height = 0.0;
  for (const ChartSpec& c : charts) {
    parts.push_back(render(c));
    width = std::max(width, parts.back().width);
    height += parts.back().height;
  }
  std::string out = kDocumentStart + root_open(width, height);
  double y = 0.0;
  for (const Rendered& r : parts) {
    out += fmt::format("<svg x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\">\n", num(y), num(r.width), num(r.height));
    out += r.body + "</svg>\n";
    y += r.height;
  }
  return out + "</svg>\n";
}

}  // namespace dpt
