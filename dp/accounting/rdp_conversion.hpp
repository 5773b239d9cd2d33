// From an RDP curve (orders alpha, total RDP r(alpha)) to (epsilon, delta)-DP, as
// dp_accounting's compute_epsilon / compute_delta: the improved conversion of Canonne,
// Kamath & Steinke 2020 (Prop. 12) = Balle et al. 2020 (Thm. 21), with the KL shortcut, or
// the classic one of Mironov 2017 (Prop. 3). Minimised over the given orders.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace dpt {

enum class RdpConversion {
  kImproved,  // eps = r + log1p(-1/alpha) - log(delta alpha)/(alpha - 1), alpha > 1.01; 0 by KL
  kClassic,   // eps = r + log(1/delta)/(alpha - 1)
};

// "improved" / "classic", and back (throws AccountingError on an unknown name).
std::string to_string(RdpConversion conversion);
RdpConversion rdp_conversion_from_string(const std::string& name);

// epsilon(delta) minimised over the orders, with the order that attains it.
struct RdpEpsilon {
  double epsilon = 0.0;        // >= 0; +inf when no order gives a finite bound
  double optimal_order = 0.0;  // the minimising order (the first, if several)
  // The optimal order is the smallest or largest of the grid while 0 < epsilon < inf: a
  // wider grid might give a smaller epsilon.
  bool order_at_grid_edge = false;
};

// delta(epsilon) minimised over the orders.
struct RdpDelta {
  double delta = 1.0;  // in [0, 1]
  double optimal_order = 0.0;
};

// Improved conversion, per order (dp_accounting compute_epsilon):
//   delta^2 + expm1(-r) > 0          -> eps = 0 (delta >= sqrt(1 - e^-KL) bounds total variation)
//   alpha > 1.01                      -> eps = r + log1p(-1/alpha) - log(delta alpha)/(alpha - 1)
//   otherwise                         -> inf
// Classic: eps = r + log(1/delta)/(alpha - 1). delta = 0 gives 0 if every r is 0, else inf.
// Requires orders > 1 (finite), r >= 0 (may be +inf), same sizes, delta in [0, 1].
RdpEpsilon epsilon_from_rdp(const std::vector<double>& orders, const std::vector<double>& rdp, double delta,
                            RdpConversion conversion = RdpConversion::kImproved);

// dp_accounting compute_delta, in log space: per order the smaller of the KL bound
// 0.5 log1p(-e^-r) and, for alpha > 1.01, (alpha-1)(r - eps + log1p(-1/alpha)) - log(alpha);
// delta = min(1, exp(min over orders)). Requires epsilon finite and >= 0.
RdpDelta delta_from_rdp(const std::vector<double>& orders, const std::vector<double>& rdp, double epsilon);

}  // namespace dpt
