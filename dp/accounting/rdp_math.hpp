// Rényi DP of ONE step of the Poisson-subsampled Gaussian mechanism, add/remove-one adjacency
// (Mironov, Talwar & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
// Mechanism", Sec. 3.3): rdp(alpha) = log(A_alpha) / (alpha - 1), all in log space.
// Integer orders by the binomial expansion, fractional orders by the two-series expansion
// summed until the alternating tail is negligible (exact, unlike dp_accounting's
// absolute-value upper bound since its commit 0b109e9, April 2024). Conversions to
// (epsilon, delta) live in rdp_conversion.hpp.
#pragma once

#include <cstdint>
#include <vector>

namespace dpt {

// RDP of the Gaussian mechanism with sensitivity 1 and noise multiplier sigma (q = 1):
// alpha / (2 sigma^2); +inf for sigma = 0.
double rdp_gaussian(double noise_multiplier, double order);

// RDP at `order` of one step of the Poisson-subsampled Gaussian with sampling rate q in [0, 1]
// and noise multiplier sigma >= 0. q = 0 gives 0, q = 1 gives alpha / (2 sigma^2), sigma = 0
// (with q > 0) gives +inf. Throws AccountingError on invalid q, sigma or order (finite, > 1).
double rdp_poisson_subsampled_gaussian(double sampling_rate, double noise_multiplier, double order);

// The same at every order of `orders`.
std::vector<double> rdp_poisson_subsampled_gaussian(double sampling_rate, double noise_multiplier,
                                                    const std::vector<double>& orders);

// log(A_alpha) for an integer order alpha >= 2, 0 < q < 1, sigma > 0 (Mironov et al. 2019,
// Sec. 3.3, integer alpha):
//   A_alpha = sum_{k=0}^{alpha} C(alpha,k) q^k (1-q)^(alpha-k) exp((k^2 - k) / (2 sigma^2)).
// Summed as A_alpha - 1 = sum_{k>=2} C(alpha,k) q^k (1-q)^(alpha-k) expm1((k^2-k)/(2 sigma^2))
// (all terms positive; the binomial weights sum to 1), so tiny RDP keeps full relative precision.
double log_a_integer_order(double q, double sigma, int64_t alpha);

// log(A_alpha) for a fractional order alpha > 1, 0 < q < 1, sigma > 0 (Mironov et al. 2019,
// Sec. 3.3, fractional alpha; Opacus's _compute_log_a_frac): A_alpha = a0 + a1 with
//   a0 = sum_i C(alpha,i) q^i (1-q)^(alpha-i) e^{(i^2-i)/(2 sigma^2)} erfc((i - z0)/(sqrt2 sigma))/2,
//   a1 = sum_i C(alpha,i) q^(alpha-i) (1-q)^i e^{(j^2-j)/(2 sigma^2)} erfc((z0 - j)/(sqrt2 sigma))/2,
// j = alpha - i, z0 = sigma^2 log(1/q - 1) + 1/2. For q < 1/2 the sum is taken of A - 1 (the
// binomial weights sum to 1), so tiny RDP keeps its relative precision. Past i = floor(alpha)
// every series alternates with decreasing magnitudes, so summation stops once the terms are
// below 1e-14 relative, and the remainder's bound is added when it may be positive: the result
// is exact to ~1e-14 and never below the true value (up to rounding). If 200,000 tail terms do
// not suffice, the log-convexity (Hölder) bound from the neighbouring integer orders caps it.
double log_a_fractional_order(double q, double sigma, double alpha);

}  // namespace dpt
