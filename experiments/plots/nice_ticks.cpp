// 1-2-5 ticks for linear axes and decade ticks for log axes (see nice_ticks.hpp).
#include "experiments/plots/nice_ticks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace dpt {
namespace {

constexpr int kMaxTicks = 25;

// The 1, 2 or 5 times a power of ten nearest above `raw` (raw > 0, finite).
double nice_step(double raw) {
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double nice = norm <= 1.0 ? 1.0 : norm <= 2.0 ? 2.0 : norm <= 5.0 ? 5.0 : 10.0;
  return nice * mag;
}

// A range of zero width widened around its value: ±10% of it, or ±1 around 0.
void widen(double& lo, double& hi) {
  if (hi > lo) return;
  const double pad = lo == 0.0 ? 1.0 : std::abs(lo) * 0.1;
  lo -= pad;
  hi += pad;
}

}  // namespace

std::string tick_label(double value, double step) {
  if (std::abs(value) < std::abs(step) * 1e-9) value = 0.0;  // -0 and 1e-17 print "0"
  const double a = std::abs(value);
  if (a != 0.0 && (a >= 1e6 || a < 1e-4)) return fmt::format("{:.3g}", value);
  const int decimals = step >= 1.0 ? 0 : std::min(12, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  return fmt::format("{:.{}f}", value, decimals);
}

AxisTicks linear_ticks(double lo, double hi, int target, bool integer) {
  AxisTicks t;
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) return t;  // [0, 1], no ticks
  widen(lo, hi);
  const double span = hi / 2 - lo / 2;  // halved: hi - lo may overflow
  const double raw = span * 2 / std::max(1, target);
  if (!std::isfinite(raw) || raw <= 0.0 || !std::isfinite(span * 2)) {  // wider than a double: the ends only
    t.lo = lo;
    t.hi = hi;
    t.at = {lo, hi};
    t.labels = {fmt::format("{:.3g}", lo), fmt::format("{:.3g}", hi)};
    return t;
  }
  double step = nice_step(raw);
  if (integer) step = std::max(step, 1.0);
  t.lo = std::floor(lo / step) * step;
  t.hi = std::ceil(hi / step) * step;
  if (!(t.hi > t.lo)) {  // the step is below the values' resolution (1e16 + 2): the ends only
    t.lo = lo;
    t.hi = hi;
    t.at = {lo, hi};
    t.labels = {fmt::format("{:.6g}", lo), fmt::format("{:.6g}", hi)};
    return t;
  }
  const double first = t.lo;
  for (int i = 0; i <= kMaxTicks * 2; ++i) {
    const double v = first + i * step;
    if (v > t.hi + step * 1e-9) break;
    t.at.push_back(v);
    t.labels.push_back(tick_label(v, step));
  }
  return t;
}

AxisTicks log_ticks(double lo, double hi) {
  AxisTicks t;
  if (!(lo > 0.0) || !std::isfinite(lo) || !std::isfinite(hi) || lo > hi) return t;
  double a = std::floor(std::log10(lo));
  double b = std::ceil(std::log10(hi));
  if (b <= a) b = a + 1;
  t.lo = a;
  t.hi = b;
  const double decades = b - a;
  const double every = std::max(1.0, std::ceil(decades / 10));  // at most about 10 decade ticks
  for (double d = a; d <= b + 1e-9; d += every) {
    const double v = std::pow(10.0, d);
    t.at.push_back(d);
    t.labels.push_back(tick_label(v, std::min(v, 1.0)));
    if (decades <= 2) {  // a narrow range: 2 and 5 inside each decade
      for (const double m : {2.0, 5.0}) {
        if (d + std::log10(m) < b) {
          t.at.push_back(d + std::log10(m));
          t.labels.push_back(tick_label(m * v, std::min(v, 1.0)));
        }
      }
    }
  }
  return t;
}

}  // namespace dpt
