// K for a private hyperparameter search: Poisson or truncated negative binomial (Papernot &
// Steinke 2022, Definition 1) by the inverse CDF of one uniform, with a bounded support check.
#include "dp/random/tuning_trials.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/repeat_and_select.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// log P[K = k] for K ~ Poisson(mu), k >= 0.
double log_poisson_pmf(double mu, std::int64_t k) {
  const double kd = static_cast<double>(k);
  return -mu + kd * std::log(mu) - std::lgamma(kd + 1.0);
}

// log P[K = k] for K ~ D_{eta,gamma}, k >= 1 (Definition 1):
//   eta != 0: (1-gamma)^k / (gamma^-eta - 1) * prod_{l=0}^{k-1} (l + eta)/(l + 1),
//             the product being Gamma(k + eta) / (Gamma(eta) Gamma(k + 1));
//   eta = 0:  (1-gamma)^k / (k log(1/gamma)).
// For eta in (-1, 0) the product and gamma^-eta - 1 are both negative: their absolute values
// (lgamma is log|Gamma|) give the same ratio.
double log_tnb_pmf(double gamma, double eta, std::int64_t k) {
  const double kd = static_cast<double>(k);
  const double log_1m_gamma = std::log1p(-gamma);
  if (eta == 0.0) return kd * log_1m_gamma - std::log(kd) - std::log(-std::log(gamma));
  return kd * log_1m_gamma + std::lgamma(kd + eta) - std::lgamma(eta) - std::lgamma(kd + 1.0) -
         std::log(std::fabs(std::expm1(-eta * std::log(gamma))));
}

}  // namespace

double trial_count_tail_bound(double mean, double shape, std::int64_t max_count) {
  check_repeat_and_select_parameters(mean, shape);
  const double k = static_cast<double>(max_count) + 1.0;  // P[K >= k]
  if (shape == kInf) {
    // Chernoff: P[K >= k] <= e^-mu (e mu / k)^k for k > mu.
    const double mu = mean;
    if (!(k > mu)) return 1.0;
    return std::min(1.0, std::exp(-mu + k * (1.0 + std::log(mu) - std::log(k))));
  }
  const double eta = shape;
  const double gamma = truncated_negative_binomial_gamma(mean, eta);
  // p_{j+1} / p_j = (1 - gamma)(j + eta)/(j + 1) <= r for all j >= k: (j + eta)/(j + 1) is
  // decreasing in j when eta > 1 and <= 1 otherwise. Then sum_{j >= k} p_j <= p_k / (1 - r).
  const double r = (1.0 - gamma) * std::max(1.0, (k + eta) / (k + 1.0));
  if (!(r < 1.0)) return 1.0;
  const double log_p_k = log_tnb_pmf(gamma, eta, max_count + 1);
  return std::min(1.0, std::exp(log_p_k - std::log1p(-r)));
}

std::int64_t draw_trial_count(double mean, double shape, BitStream& bits, std::int64_t max_count) {
  check_that<AccountingError>(max_count >= 1 && max_count <= kMaxTrialCount, "max_count", "in [1, 10000]", static_cast<double>(max_count));
  const double tail = trial_count_tail_bound(mean, shape, max_count);
  if (!(tail <= kMaxTrialTailProbability)) {
    throw AccountingError("mean " + format_number(mean) + " (shape " +
                          (shape == kInf ? std::string("inf") : format_number(shape)) +
                          ") needs more than " + format_number(max_count) +
                          " runs too often: P[K > " + format_number(max_count) + "] may be " +
                          format_number(tail) + ", more than " + format_number(kMaxTrialTailProbability) + ".");
  }
  const double u = bits.uniform();  // [0, 1)
  const bool poisson = shape == kInf;
  const double gamma = poisson ? 0.0 : truncated_negative_binomial_gamma(mean, shape);
  double cdf = 0.0;
  for (std::int64_t k = poisson ? 0 : 1; k <= max_count; ++k) {
    cdf += std::exp(poisson ? log_poisson_pmf(mean, k) : log_tnb_pmf(gamma, shape, k));
    if (u < cdf) return k;
  }
  throw AccountingError("the number of runs drawn exceeds " + format_number(max_count) +
                        " (probability below 1e-11): K is not truncated, which would change the distribution the accounting assumes.");
}

}  // namespace dpt
