// Log-space arithmetic for the accountants (see log_math.hpp). The erfc asymptotic series is
// Abramowitz & Stegun 7.1.23.
#include "dp/accounting/log_math.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "dp/accounting/accounting_error.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Beyond this, erfc(x) < 6e-176 and the asymptotic expansion (12 terms) is exact to 1e-23.
constexpr double kErfcAsymptoticFrom = 20.0;
constexpr int kErfcAsymptoticTerms = 12;

}  // namespace

double log_add(double log_a, double log_b) {
  const double hi = std::max(log_a, log_b);
  const double lo = std::min(log_a, log_b);
  if (lo == -kInf) return hi;
  if (hi == kInf) return kInf;
  return hi + std::log1p(std::exp(lo - hi));
}

double log_sub(double log_a, double log_b) {
  if (log_b == -kInf) return log_a;
  if (!(log_a >= log_b)) {
    throw AccountingError("log_sub: the result of the subtraction must be non-negative, but log_a = " +
                          format_number(log_a) + " < log_b = " + format_number(log_b) + ".");
  }
  if (log_a == log_b) return -kInf;
  if (log_a == kInf) return kInf;
  return log_a + std::log(-std::expm1(log_b - log_a));
}

double log_expm1(double x) {
  if (x > 40.0) return x + std::log1p(-std::exp(-x));  // e^x - 1 = e^x (1 - e^-x)
  return std::log(std::expm1(x));
}

double log1p_exp(double x) {
  if (x > 0.0) return x + std::log1p(std::exp(-x));
  return std::log1p(std::exp(x));
}

double log_erfc(double x) {
  if (x < kErfcAsymptoticFrom) return std::log(std::erfc(x));
  // erfc(x) = e^{-x^2} / (x sqrt(pi)) * (1 - 1/(2x^2) + 3/(2x^2)^2 - 15/(2x^2)^3 + ...)
  const double inv_two_x2 = 1.0 / (2.0 * x * x);
  double term = 1.0;
  double series = 1.0;
  for (int n = 1; n <= kErfcAsymptoticTerms; ++n) {
    term *= -(2.0 * n - 1.0) * inv_two_x2;
    series += term;
  }
  return -x * x - std::log(x) - 0.5 * std::log(std::numbers::pi) + std::log(series);
}

void SignedLogSum::add(double log_term, int sign) {
  if (log_term == -kInf || sign == 0 || infinite_sign_ != 0) return;
  if (log_term == kInf) {
    infinite_sign_ = sign;
    return;
  }
  if (log_term > scale_) {                              // rescale so every term and the sum stay <= O(1) in magnitude
    const double factor = std::exp(scale_ - log_term);  // 0 on the first term
    sum_ *= factor;
    compensation_ *= factor;
    scale_ = log_term;
  }
  const double x = sign * std::exp(log_term - scale_);
  const double t = sum_ + x;  // Neumaier's compensated summation
  compensation_ += std::abs(sum_) >= std::abs(x) ? (sum_ - t) + x : (x - t) + sum_;
  sum_ = t;
}

double SignedLogSum::log_abs() const {
  if (infinite_sign_ != 0) return kInf;
  const double total = sum_ + compensation_;
  return total == 0.0 ? -kInf : scale_ + std::log(std::abs(total));
}

int SignedLogSum::sign() const {
  if (infinite_sign_ != 0) return infinite_sign_;
  const double total = sum_ + compensation_;
  return total > 0.0 ? 1 : (total < 0.0 ? -1 : 0);
}

}  // namespace dpt
