// Axis ticks a reader can take in at a glance: steps of 1, 2 or 5 times a power of ten over a
// range widened to whole steps (linear axes), or powers of ten (log axes). Degenerate ranges
// (one value, all values equal, a range too wide for a double) still give a usable axis.
#pragma once

#include <string>
#include <vector>

namespace dpt {

struct AxisTicks {
  double lo = 0.0, hi = 1.0;  // the axis range (for a log axis: of log10 of the value)
  std::vector<double> at;     // tick positions, in the axis' units (log axes: log10 of the value)
  std::vector<std::string> labels;  // one per tick, as the value prints
};

// Linear ticks over [lo, hi] (finite, lo <= hi), about `target` of them. `integer`: steps of at
// least 1 (an axis of steps or epochs).
AxisTicks linear_ticks(double lo, double hi, int target = 5, bool integer = false);
// Log ticks over [lo, hi] (finite, 0 < lo <= hi): decades, with 2 and 5 inside a narrow range.
AxisTicks log_ticks(double lo, double hi);

// A tick value as a label: no "-0", no float noise (0.30000000000000004 prints "0.3").
std::string tick_label(double value, double step);

}  // namespace dpt
