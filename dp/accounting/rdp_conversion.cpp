// RDP -> (epsilon, delta): Canonne, Kamath & Steinke 2020 Prop. 12 / Balle et al. 2020 Thm. 21
// (improved, with the KL shortcut) and Mironov 2017 Prop. 3 (classic), exactly as
// dp_accounting's compute_epsilon / compute_delta (rdp_privacy_accountant.py).
#include "dp/accounting/rdp_conversion.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dp/accounting/accounting_error.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Below this order the improved bound is numerically unstable (and useless); dp_accounting's cut.
constexpr double kMinImprovedOrder = 1.01;

void check_curve(const std::vector<double>& orders, const std::vector<double>& rdp) {
  DPT_ACCOUNTING_CHECK(!orders.empty(), "orders must not be empty.");
  DPT_ACCOUNTING_CHECK(orders.size() == rdp.size(), "orders and rdp must have the same size, but have " +
                                                        format_number(static_cast<int64_t>(orders.size())) + " and " +
                                                        format_number(static_cast<int64_t>(rdp.size())) + ".");
  for (size_t k = 0; k < orders.size(); ++k) {
    check_finite_above<AccountingError>(orders[k], 1.0, "order");
    DPT_ACCOUNTING_CHECK(rdp[k] >= 0.0, "rdp must be non-negative, but is " + format_number(rdp[k]) + " at order " +
                                            format_number(orders[k]) + ".");
  }
}

double improved_epsilon(double alpha, double r, double delta) {
  if (delta * delta + std::expm1(-r) > 0.0) return 0.0;  // KL: TV <= sqrt(1 - e^-KL) <= delta
  if (alpha > kMinImprovedOrder) return r + std::log1p(-1.0 / alpha) - std::log(delta * alpha) / (alpha - 1.0);
  return kInf;
}

double classic_epsilon(double alpha, double r, double delta) { return r - std::log(delta) / (alpha - 1.0); }

}  // namespace

std::string to_string(RdpConversion conversion) {
  return conversion == RdpConversion::kClassic ? "classic" : "improved";
}

RdpConversion rdp_conversion_from_string(const std::string& name) {
  if (name == "improved") return RdpConversion::kImproved;
  if (name == "classic") return RdpConversion::kClassic;
  throw AccountingError("conversion must be \"improved\" or \"classic\", but is \"" + name + "\".");
}

RdpEpsilon epsilon_from_rdp(const std::vector<double>& orders, const std::vector<double>& rdp, double delta,
                            RdpConversion conversion) {
  check_curve(orders, rdp);
  check_in<AccountingError>(delta, Bounds::closed(0.0, 1.0), "delta");
  RdpEpsilon out;
  out.optimal_order = orders.front();
  if (delta == 0.0) {
    out.epsilon = std::all_of(rdp.begin(), rdp.end(), [](double r) { return r == 0.0; }) ? 0.0 : kInf;
    return out;
  }
  double best = kInf;
  size_t best_k = 0;
  for (size_t k = 0; k < orders.size(); ++k) {
    const double eps = conversion == RdpConversion::kClassic ? classic_epsilon(orders[k], rdp[k], delta)
                                                             : improved_epsilon(orders[k], rdp[k], delta);
    if (eps < best) {
      best = eps;
      best_k = k;
    }
  }
  out.epsilon = std::max(0.0, best);
  out.optimal_order = orders[best_k];
  const auto [lo, hi] = std::minmax_element(orders.begin(), orders.end());
  out.order_at_grid_edge =
      out.epsilon > 0.0 && std::isfinite(out.epsilon) && (out.optimal_order == *lo || out.optimal_order == *hi);
  return out;
}

RdpDelta delta_from_rdp(const std::vector<double>& orders, const std::vector<double>& rdp, double epsilon) {
  check_curve(orders, rdp);
  check_finite_non_negative<AccountingError>(epsilon, "epsilon");
  double best_log_delta = kInf;
  size_t best_k = 0;
  for (size_t k = 0; k < orders.size(); ++k) {
    const double alpha = orders[k];
    const double r = rdp[k];
    double log_delta = 0.0;  // r = inf: no bound (delta = 1)
    if (r == 0.0) {
      log_delta = -kInf;
    } else if (std::isfinite(r)) {
      log_delta = 0.5 * std::log1p(-std::exp(-r));  // KL bound
      if (alpha > kMinImprovedOrder) {
        const double rdp_bound = (alpha - 1.0) * (r - epsilon + std::log1p(-1.0 / alpha)) - std::log(alpha);
        log_delta = std::min(log_delta, rdp_bound);
      }
    }
    if (log_delta < best_log_delta) {
      best_log_delta = log_delta;
      best_k = k;
    }
  }
  return RdpDelta{std::min(std::exp(best_log_delta), 1.0), orders[best_k]};
}

}  // namespace dpt
