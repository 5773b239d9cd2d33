// Log-space arithmetic for the accountants: log-add/log-sub, a signed log-sum for
// alternating series, log(expm1), log(1 + e^x) and a log(erfc(x)) that does not underflow.
// Everything takes and returns natural logarithms; -inf stands for log(0).
#pragma once

#include <limits>

namespace dpt {

// log(e^a + e^b).
double log_add(double log_a, double log_b);

// log(e^a - e^b); requires a >= b (throws AccountingError otherwise).
double log_sub(double log_a, double log_b);

// log(e^x - 1) for x >= 0 (log(0) = -inf at x = 0), accurate for tiny and large x.
double log_expm1(double x);

// log(1 + e^x) (softplus), without overflow for large x nor loss of precision for very
// negative x.
double log1p_exp(double x);

// log(erfc(x)) for every finite x: std::erfc where it is representable (x < 20), the
// asymptotic expansion erfc(x) = e^{-x^2}/(x sqrt(pi)) * sum_n (-1)^n (2n-1)!!/(2x^2)^n
// beyond (Abramowitz & Stegun 7.1.23; truncated where the terms are < 1e-23).
double log_erfc(double x);

// A sum of signed terms given by their logarithms, for series summed in log space. Internally
// e^scale * (sum + compensation) with scale = the largest log term so far (rescaled as it grows)
// and Neumaier-compensated summation: the relative precision is that of a linear-space sum
// (~1e-16 per term), not that of log|S| (~1e-15 per term when |log S| ~ 10), and nothing
// overflows however large the terms.
class SignedLogSum {
 public:
  // Adds sign * e^log_term (sign is +1 or -1; log_term may be -inf, i.e. a zero term).
  void add(double log_term, int sign);
  // log |S| (-inf when S = 0, +inf if a term was +inf).
  double log_abs() const;
  // +1, -1, or 0 when S = 0.
  int sign() const;

 private:
  double scale_ = -std::numeric_limits<double>::infinity();
  double sum_ = 0.0;
  double compensation_ = 0.0;
  int infinite_sign_ = 0;  // a term was +-inf
};

}  // namespace dpt
