// RDP of one step of the Poisson-subsampled Gaussian (Mironov, Talwar & Zhang 2019, Sec. 3.3),
// integer and fractional orders, in log space. See rdp_math.hpp for the equations and
// docs/accounting.md for the convergence argument of the fractional series.
#include "dp/accounting/rdp_math.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/log_math.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Stop the fractional series when a term is below kSeriesRelTol * A * log(A) (its effect on
// rdp = log(A)/(alpha-1) is then < kSeriesRelTol relative).
constexpr double kSeriesRelTol = 1e-14;
// At most this many terms past floor(alpha); then the remainder bound is added (still an
// upper bound, only less tight).
constexpr int64_t kMaxTailTerms = 200000;
// Orders are treated as integers up to here (the binomial sum has alpha + 1 terms).
constexpr double kMaxIntegerOrder = 1e6;

void check_sampling_rate(double q) { check_in<AccountingError>(q, Bounds::closed(0.0, 1.0), "sampling_rate"); }

void check_noise_multiplier(double sigma) { check_finite_non_negative<AccountingError>(sigma, "noise_multiplier"); }

void check_order(double alpha) { check_finite_above<AccountingError>(alpha, 1.0, "order"); }

bool is_integer_order(double alpha) { return alpha == std::floor(alpha) && alpha <= kMaxIntegerOrder; }

// log(A_alpha) by either expansion.
double log_a(double q, double sigma, double alpha) {
  return is_integer_order(alpha) ? log_a_integer_order(q, sigma, static_cast<int64_t>(alpha))
                                 : log_a_fractional_order(q, sigma, alpha);
}

// Upper bound on log A_alpha from the integer orders around alpha: alpha -> log A_alpha is
// convex (Hölder), and log A_1 = 0. Used only if the fractional series did not converge.
double log_a_convex_bound(double q, double sigma, double alpha) {
  const double lo = std::floor(alpha);
  const double hi = lo + 1.0;
  const double log_a_lo = lo < 2.0 ? 0.0 : log_a_integer_order(q, sigma, static_cast<int64_t>(lo));
  const double log_a_hi = log_a_integer_order(q, sigma, static_cast<int64_t>(hi));
  return (hi - alpha) * log_a_lo + (alpha - lo) * log_a_hi;
}

}  // namespace

double rdp_gaussian(double noise_multiplier, double order) {
  check_noise_multiplier(noise_multiplier);
  check_order(order);
  if (noise_multiplier == 0.0) return kInf;
  return order / (2.0 * noise_multiplier * noise_multiplier);
}

double log_a_integer_order(double q, double sigma, int64_t alpha) {
  const double a = static_cast<double>(alpha);
  const double log_q = std::log(q);
  const double log_1mq = std::log1p(-q);
  const double two_sigma2 = 2.0 * sigma * sigma;
  // log C(alpha, k), by the recursion C(alpha, k+1) = C(alpha, k) (alpha - k) / (k + 1).
  double log_coef = std::log(a) + std::log(a - 1.0) - std::log(2.0);  // k = 2
  SignedLogSum a_minus_1;
  for (int64_t k = 2; k <= alpha; ++k) {
    const double kd = static_cast<double>(k);
    a_minus_1.add(log_coef + kd * log_q + (a - kd) * log_1mq + log_expm1((kd * kd - kd) / two_sigma2), 1);
    log_coef += std::log(a - kd) - std::log(kd + 1.0);
  }
  return log1p_exp(a_minus_1.log_abs());  // log(1 + (A - 1))
}

namespace {

// log Phi(u), the standard normal CDF, accurate in both tails.
double log_ndtr(double u) {
  const double x = u / std::numbers::sqrt2;
  if (u > -1.0) return std::log1p(-0.5 * std::erfc(x));  // Phi(u) = 1 - erfc(x)/2
  return -std::numbers::ln2 + log_erfc(-x);              // Phi(u) = erfc(-x)/2
}

// The terms of the two series at index i (Mironov et al. 2019, Sec. 3.3), in log space.
struct FractionalTerms {
  double log_b;   // log |C(alpha,i)| + i log q + (alpha-i) log(1-q): the binomial weight
  double log_s0;  // log |i-th term of a0| = log_b + (i^2-i)/(2 sigma^2) + log Phi((z0-i)/sigma)
  double log_s1;  // log |i-th term of a1|, j = alpha - i:
                  //   log |C(alpha,i)| + j log q + i log(1-q) + (j^2-j)/(2 sigma^2) + log Phi((j-z0)/sigma)
  double v;       // (i^2-i)/(2 sigma^2) + log Phi((z0-i)/sigma): s0 = b e^v
};

class FractionalSeries {
 public:
  FractionalSeries(double q, double sigma, double alpha)
      : alpha_(alpha),
        log_q_(std::log(q)),
        log_1mq_(std::log1p(-q)),
        two_sigma2_(2.0 * sigma * sigma),
        sigma_(sigma),
        z0_(sigma * sigma * (std::log1p(-q) - std::log(q)) + 0.5) {}

  FractionalTerms at(double i, double log_coef) const {
    const double j = alpha_ - i;
    FractionalTerms t{};
    t.log_b = log_coef + i * log_q_ + j * log_1mq_;
    t.v = (i * i - i) / two_sigma2_ + log_ndtr((z0_ - i) / sigma_);
    t.log_s0 = t.log_b + t.v;
    t.log_s1 = log_coef + j * log_q_ + i * log_1mq_ + (j * j - j) / two_sigma2_ + log_ndtr((j - z0_) / sigma_);
    return t;
  }

 private:
  double alpha_, log_q_, log_1mq_, two_sigma2_, sigma_, z0_;
};

// log(e^v - 1) with its sign.
std::pair<double, int> log_abs_expm1(double v) {
  if (v > 0.0) return {log_expm1(v), 1};
  if (v < 0.0) return {std::log(-std::expm1(v)), -1};
  return {-kInf, 0};
}

// Adds the i-th terms (sign = sign of C(alpha, i)): b_i (e^{v_i} - 1) + s1_i (minus_one), else s0_i + s1_i.
void add_series_terms(SignedLogSum& sum, const FractionalTerms& t, int sign, bool minus_one) {
  if (minus_one) {
    const auto [log_e, e_sign] = log_abs_expm1(t.v);
    sum.add(t.log_b + log_e, sign * e_sign);
  } else {
    sum.add(t.log_s0, sign);
  }
  sum.add(t.log_s1, sign);
}

// Past floor(alpha) each series (a0, a1, and the binomial weights) alternates with decreasing
// magnitudes, so its remainder has the sign of its next term and is smaller than this term
// (docs/accounting.md): whether that term is below kSeriesRelTol of the sum (of A log A when not minus_one).
bool remainder_negligible(const SignedLogSum& sum, const FractionalTerms& t, bool minus_one, double log_tol) {
  const double log_big = std::max({t.log_s0, t.log_s1, minus_one ? t.log_b : -kInf});
  double log_scale = -kInf;  // what the remainder must be small against
  if (sum.sign() > 0) {
    log_scale = minus_one ? sum.log_abs() : sum.log_abs() + std::log(std::max(sum.log_abs(), 1e-300));
  }
  return log_big < log_tol + log_scale;
}

// Upper bound on the remainder after term i: the positive parts of the next terms (next_sign =
// sign of C(alpha, i + 1)).
void add_remainder_bound(SignedLogSum& sum, const FractionalTerms& t, int next_sign, bool minus_one) {
  if (next_sign > 0) {
    sum.add(t.log_s0, 1);
    sum.add(t.log_s1, 1);
  } else if (minus_one) {
    sum.add(t.log_b, 1);  // - b_{i+1} > 0
  }
}

}  // namespace

double log_a_fractional_order(double q, double sigma, double alpha) {
  // For q < 1/2 the binomial weights sum to 1 ((1-q)^alpha (1 + q/(1-q))^alpha, a convergent
  // binomial series), so A - 1 = sum_i b_i (e^{v_i} - 1) + a1 is summed directly: tiny RDP keeps
  // its relative precision. For q >= 1/2 (RDP not tiny) A = a0 + a1 is summed.
  const bool minus_one = q < 0.5;
  const FractionalSeries series(q, sigma, alpha);
  const double floor_alpha = std::floor(alpha);
  const double log_tol = std::log(kSeriesRelTol);
  SignedLogSum sum;       // A - 1 (minus_one) or A
  double log_coef = 0.0;  // log |C(alpha, i)|
  int sign = 1;           // sign of C(alpha, i)
  const int64_t last = static_cast<int64_t>(floor_alpha) + kMaxTailTerms;
  for (int64_t i = 0;; ++i) {
    const double id = static_cast<double>(i);
    const FractionalTerms t = series.at(id, log_coef);
    add_series_terms(sum, t, sign, minus_one);
    const int next_sign = (alpha - id) > 0.0 ? sign : -sign;  // C(alpha,i+1) = C(alpha,i)(alpha-i)/(i+1)
    if (id > floor_alpha) {
      const bool converged = remainder_negligible(sum, t, minus_one, log_tol);
      if (converged || i >= last) {
        add_remainder_bound(sum, t, next_sign, minus_one);
        if (sum.sign() <= 0) break;  // numerically failed: fall back below
        const double log_a_value = minus_one ? log1p_exp(sum.log_abs()) : sum.log_abs();
        if (converged) return log_a_value;
        return std::min(log_a_value, log_a_convex_bound(q, sigma, alpha));
      }
    }
    log_coef += std::log(std::abs(alpha - id)) - std::log(id + 1.0);
    sign = next_sign;
  }
  return log_a_convex_bound(q, sigma, alpha);
}

double rdp_poisson_subsampled_gaussian(double sampling_rate, double noise_multiplier, double order) {
  check_sampling_rate(sampling_rate);
  check_noise_multiplier(noise_multiplier);
  check_order(order);
  const double q = sampling_rate;
  const double sigma = noise_multiplier;
  if (q == 0.0) return 0.0;
  if (sigma == 0.0) return kInf;
  if (q == 1.0) return order / (2.0 * sigma * sigma);
  // log A >= 0 mathematically; a rounding below 0 would undercount, so it is an error.
  const double log_a_value = log_a(q, sigma, order);
  if (!(log_a_value >= 0.0)) {
    throw AccountingError("internal error: log A_alpha = " + format_number(log_a_value) + " for sampling_rate " +
                          format_number(q) + ", noise_multiplier " + format_number(sigma) + ", order " +
                          format_number(order) + ".");
  }
  return log_a_value / (order - 1.0);
}

std::vector<double> rdp_poisson_subsampled_gaussian(double sampling_rate, double noise_multiplier,
                                                    const std::vector<double>& orders) {
  check_sampling_rate(sampling_rate);
  check_noise_multiplier(noise_multiplier);
  for (const double alpha : orders) check_order(alpha);
  std::vector<double> rdp(orders.size());
  for (size_t k = 0; k < orders.size(); ++k) {
    rdp[k] = rdp_poisson_subsampled_gaussian(sampling_rate, noise_multiplier, orders[k]);
  }
  return rdp;
}

}  // namespace dpt
