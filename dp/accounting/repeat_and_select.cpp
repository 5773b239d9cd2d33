// RDP of repeat-and-select (Papernot & Steinke 2022, ICLR; arXiv:2110.03620v2): Theorem 6
// (Poisson number of runs) and Theorem 2 (truncated negative binomial, Definition 1). Written
// from the paper's statements; the variable names follow its symbols (lambda, eps, lambda_hat,
// eps_hat, delta_hat, eta, gamma, mu).
#include "dp/accounting/repeat_and_select.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/rdp_conversion.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_curve(const std::vector<double>& orders, const std::vector<double>& base_rdp) {
  DPT_ACCOUNTING_CHECK(!orders.empty(), "orders must not be empty.");
  DPT_ACCOUNTING_CHECK(orders.size() == base_rdp.size(),
                       "orders and base_rdp must have the same size, but have " +
                           format_number(static_cast<int64_t>(orders.size())) + " and " +
                           format_number(static_cast<int64_t>(base_rdp.size())) + ".");
  for (size_t k = 0; k < orders.size(); ++k) {
    check_finite_above<AccountingError>(orders[k], 1.0, "order");
    DPT_ACCOUNTING_CHECK(base_rdp[k] >= 0.0, "base_rdp must be non-negative (or +inf), but is " +
                                                 format_number(base_rdp[k]) + " at order " +
                                                 format_number(orders[k]) + ".");
  }
}

// Theorem 6 (K ~ Poisson(mu)), at every order lambda:
//   Q is (lambda, eps)-RDP and (eps_hat, delta_hat)-DP with e^eps_hat <= 1 + 1/(lambda - 1)
//   => A is (lambda, eps + mu delta_hat + log(mu)/(lambda - 1))-RDP.
// delta_hat shrinks as eps_hat grows, so eps_hat is taken at the condition's edge,
// log1p(1/(lambda - 1)), one ulp lower so that rounding cannot put it past the edge (a smaller
// eps_hat only raises delta_hat: conservative).
std::vector<double> poisson_rdp(const std::vector<double>& orders, const std::vector<double>& base_rdp, double mu) {
  std::vector<double> out(orders.size(), kInf);
  for (size_t i = 0; i < orders.size(); ++i) {
    const double lambda = orders[i];
    const double eps = base_rdp[i];
    if (!std::isfinite(eps)) continue;
    const double eps_hat = std::nextafter(std::log1p(1.0 / (lambda - 1.0)), 0.0);
    // (eps_hat, delta_hat)-DP of Q from its whole RDP curve (improved conversion with the KL
    // bound; delta_hat = 1 when no order gives a bound, which is still a valid DP statement).
    const double delta_hat = delta_from_rdp(orders, base_rdp, eps_hat).delta;
    out[i] = eps + mu * delta_hat + std::log(mu) / (lambda - 1.0);
  }
  return out;
}

// Theorem 2 (K ~ D_{eta,gamma}, eta > -1, gamma in (0, 1)), at every order lambda:
//   Q is (lambda, eps)-RDP and (lambda_hat, eps_hat)-RDP, lambda > 1, lambda_hat >= 1
//   => A is (lambda, eps')-RDP with
//   eps' = eps + (1 + eta)(1 - 1/lambda_hat) eps_hat + (1 + eta) log(1/gamma)/lambda_hat
//          + log(E[K])/(lambda - 1).
// The lambda_hat terms do not depend on lambda: their minimum over lambda_hat (the given orders
// and lambda_hat = 1) is one constant c.
std::vector<double> tnb_rdp(const std::vector<double>& orders, const std::vector<double>& base_rdp, double mean,
                            double eta) {
  const double gamma = truncated_negative_binomial_gamma(mean, eta);
  const double log_inv_gamma = -std::log(gamma);
  // E[K] of the distribution actually used (gamma may be a hair below the exact one, so its
  // mean a hair above `mean`).
  const double expected_k = std::max(mean, truncated_negative_binomial_mean(gamma, eta));
  const double log_expected_k = std::log(expected_k);

  const bool any_finite = std::any_of(base_rdp.begin(), base_rdp.end(), [](double r) { return std::isfinite(r); });
  // lambda_hat = 1: (1 - 1/1) eps_hat = 0, term log(1/gamma); needs a finite KL divergence, which
  // a finite RDP at any order > 1 implies (Rényi divergences grow with the order).
  double min_term = any_finite ? log_inv_gamma : kInf;
  for (size_t j = 0; j < orders.size(); ++j) {
    const double lambda_hat = orders[j];
    const double eps_hat = base_rdp[j];
    if (!std::isfinite(eps_hat)) continue;
    min_term = std::min(min_term, (1.0 - 1.0 / lambda_hat) * eps_hat + log_inv_gamma / lambda_hat);
  }
  const double c = (1.0 + eta) * min_term;

  std::vector<double> out(orders.size(), kInf);
  for (size_t i = 0; i < orders.size(); ++i) {
    const double lambda = orders[i];
    const double eps = base_rdp[i];
    if (!std::isfinite(eps) || !std::isfinite(c)) continue;
    out[i] = eps + c + log_expected_k / (lambda - 1.0);
  }
  return out;
}

}  // namespace

void check_repeat_and_select_parameters(double mean, double shape, const std::string& mean_name,
                                        const std::string& shape_name) {
  check_that<AccountingError>(!std::isnan(shape) && shape > -1.0, shape_name, "> -1 (or inf for Poisson)", shape);
  if (shape == kInf) {
    check_finite_positive<AccountingError>(mean, mean_name);
  } else {
    // D_{eta,gamma} has K >= 1, so E[K] > 1 for every gamma < 1 (Theorem 2 needs gamma in (0, 1)).
    check_that<AccountingError>(std::isfinite(mean) && mean > 1.0, mean_name,
                                "finite and > 1 for a truncated negative binomial number of runs", mean);
  }
}

double truncated_negative_binomial_mean(double gamma, double shape) {
  const double eta = shape;
  if (eta == 0.0) return (1.0 - gamma) / (gamma * -std::log(gamma));  // logarithmic
  // eta (1 - gamma) / (gamma (1 - gamma^eta)), with 1 - gamma^eta = -expm1(eta log gamma)
  return eta * (1.0 - gamma) / (gamma * -std::expm1(eta * std::log(gamma)));
}

double truncated_negative_binomial_gamma(double mean, double shape) {
  check_repeat_and_select_parameters(mean, shape);
  DPT_ACCOUNTING_CHECK(std::isfinite(shape), "shape must be finite for a truncated negative binomial.");
  // Invariant: mean(lo) >= mean > mean(hi) (mean(1) = 1 < mean), the mean decreasing in gamma.
  double lo = 0.5;
  double hi = 1.0;
  while (!(truncated_negative_binomial_mean(lo, shape) >= mean)) {
    hi = lo;
    lo *= 0.5;
    DPT_ACCOUNTING_CHECK(lo > 0.0, "mean " + format_number(mean) + " is too large for shape " +
                                       format_number(shape) + ": gamma underflows.");
  }
  for (int iteration = 0; iteration < 2000; ++iteration) {
    const double mid = lo + 0.5 * (hi - lo);
    if (mid <= lo || mid >= hi) break;  // adjacent doubles
    if (truncated_negative_binomial_mean(mid, shape) >= mean) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::vector<double> repeat_and_select_rdp(const std::vector<double>& orders, const std::vector<double>& base_rdp,
                                          double mean, double shape) {
  check_curve(orders, base_rdp);
  check_repeat_and_select_parameters(mean, shape);
  std::vector<double> out = shape == kInf ? poisson_rdp(orders, base_rdp, mean) : tnb_rdp(orders, base_rdp, mean, shape);
  // RDP is non-decreasing in the order (van Erven & Harremoës 2014, Thm. 3): a bound at a larger
  // order bounds every smaller one. And it is >= 0.
  std::vector<double> monotone(out.size());
  for (size_t i = 0; i < orders.size(); ++i) {
    double best = out[i];
    for (size_t j = 0; j < orders.size(); ++j) {
      if (orders[j] >= orders[i]) best = std::min(best, out[j]);
    }
    monotone[i] = std::max(0.0, best);
  }
  return monotone;
}

}  // namespace dpt
