// Rounding-error bounds that turn a computed per-example gradient norm into a CERTIFIED upper
// bound of the exact norm of that example's gradient G_i^T A_i (exact arithmetic on the
// recorded float A and G), so that clipping bounds each contribution by C whatever the
// cancellation inside the example (DESIGN.md, invariant 1; docs/dp.md, "The norm bound").
//
// The model is Higham, "Accuracy and Stability of Numerical Algorithms" (2nd ed., 2002):
//   fl(x op y) = (x op y)(1 + δ) + η,  |δ| ≤ u,  |η| ≤ η_min/2 (underflow, products only)
//   γ_k = k u / (1 − k u)                                                      (Lemma 3.1)
//   |fl(xᵀy) − xᵀy| ≤ γ_n |x|ᵀ|y|  for n-vectors, in ANY summation order      (eq. 3.4)
// and the sum of n non-negative terms has relative error ≤ γ_{n−1} (eq. 4.4). For a linear
// use, with α_t = ‖a_t‖, β_t = ‖g_t‖ over the example's rows and U = Σ_t α_t β_t (≥ ‖g_i‖ by
// the triangle inequality, itself a valid bound), every error below is a multiple of U or U².
// What it does not cover: the rounding of the batch GEMM that forms Σ_i c_i g_i (errors there
// mix examples; they are relative to the sum, not to one example).
#pragma once

#include <cmath>
#include <limits>

#include "core/tensor.hpp"

namespace dpt::norm_bounds {

// u: the unit roundoff of T (2^-24 for float, 2^-53 for double).
template <typename T>
constexpr double unit_roundoff() {
  return static_cast<double>(std::numeric_limits<T>::epsilon()) / 2.0;
}

// η_min of T: the smallest positive subnormal (the absolute error of an underflowing product
// is at most half of it).
template <typename T>
constexpr double underflow_unit() {
  return static_cast<double>(std::numeric_limits<T>::denorm_min());
}

// γ_k for the unit roundoff u; +inf when k u >= 1/2 (no useful bound).
inline double gamma(double k, double u) {
  const double ku = k * u;
  return ku < 0.5 ? ku / (1.0 - ku) : std::numeric_limits<double>::infinity();
}

// x computed in double with at most k roundings, rounded up to a value >= the exact one:
// x (1 + 2 γ_{k+2}) and one ulp more; +inf where γ_{k+2} has no bound (k near 2^52).
inline double round_up(double x, double k) {
  const double g = gamma(k + 2.0, unit_roundoff<double>());
  if (!(g < 1.0)) return std::isnan(x) ? x : std::numeric_limits<double>::infinity();
  return std::nextafter(x * (1.0 + 2.0 * g), std::numeric_limits<double>::infinity());
}

// Upper bounds of the squared norms of rows of d values of T: the row's squared norm in T
// (relative error <= γ_d, eq. 4.4, plus d η_T/2 for squares that underflow) inflated to
// (s + d η_T) / (1 − γ_{d+1}); a row whose squares overflow T, or rows too wide for γ_d to bound
// in T (beyond ~5.6 million floats), are summed in double instead (squares of floats are exact
// in double), so a finite input never gives Inf for T = float. Each result is an upper bound up
// to at most 4 roundings in double: callers sum the results (or their square roots) and round the
// sum up once, counting those.
template <typename T>
class RowSqNormBound {
 public:
  explicit RowSqNormBound(Eigen::Index d) : d_(static_cast<double>(d)) {
    const double g = gamma(d_ + 1.0, unit_roundoff<T>());
    bounded_in_T_ = g < 0.5;
    inflate_ = bounded_in_T_ ? 1.0 / (1.0 - g) : 0.0;
  }

  template <typename Row>
  double operator()(const Row& row) const {
    if (bounded_in_T_) {
      const T s = row.squaredNorm();
      if (std::isfinite(s)) return (static_cast<double>(s) + d_ * underflow_unit<T>()) * inflate_;
    }
    return round_up(row.template cast<double>().squaredNorm() + d_ * underflow_unit<double>(), d_);
  }

 private:
  double d_;
  bool bounded_in_T_ = true;
  double inflate_ = 1.0;
};

// An upper bound of ‖x‖_F² for a block of T values (any shape), its rows summed in double.
template <typename Derived>
double sq_norm_up(const Eigen::MatrixBase<Derived>& x) {
  const RowSqNormBound<typename Derived::Scalar> bound(x.cols());
  double total = 0.0;
  for (Eigen::Index r = 0; r < x.rows(); ++r) total += bound(x.row(r));
  return round_up(total, 5.0 * static_cast<double>(x.rows()));
}

// An upper bound of the Euclidean norm of a block of T values.
template <typename Derived>
double norm_up(const Eigen::MatrixBase<Derived>& x) {
  return round_up(std::sqrt(sq_norm_up(x)), 1.0);
}

// U = Σ_t √(a_t² b_t²) from upper bounds of the rows' squared norms (RowSqNormBound): each term
// adds at most 2 roundings to their 4 + 4 and the sum n more, so round_up counts 11 n.
inline double triangle_bound(const double* a2, const double* b2, Eigen::Index n) {
  double U = 0.0;
  for (Eigen::Index t = 0; t < n; ++t) U += std::sqrt(a2[t] * b2[t]);
  return round_up(U, 11.0 * static_cast<double>(n));
}

// The bound on ‖g‖² from a norm bound N (>= ‖g‖ if the analysis holds) and the triangle bound
// U (>= ‖g‖ always): min(N, U)². A NaN or Inf U (a non-finite input row) gives a non-finite
// result, so the example is dropped; an N that is NaN, Inf or negative falls back to U
// (fail closed).
inline double sq_from_norm_bounds(double N, double U) {
  if (!std::isfinite(U)) return U * U;
  const double b = (N >= 0.0 && N < U) ? N : U;
  return round_up(b * b, 1.0);
}

// Ghost norm of a linear use: Ŝ = Σ_{t,t'} P̂_{tt'} Q̂_{tt'} with P̂ = fl(A_i A_iᵀ) and
// Q̂ = fl(G_i G_iᵀ), all in double, for an example of n rows. From eq. 3.4 per Gram entry,
// |P̂ − P| ≤ γ_{d_in} α_t α_t' and |Q̂ − Q| ≤ γ_{d_out} β_t β_t' (plus d η_min for underflow),
// so with γ_a = γ_{d_in + d_out} ≥ γ_{d_in} + γ_{d_out} + γ_{d_in} γ_{d_out} (Lemma 3.3):
//   |Ŝ − S| ≤ [γ_a + γ_{n²+1} (1 + γ_a)(1 + u)] U²
//             + η_min (d_in (Σβ)² + d_out (Σα)² + n²)
// S ≤ Ŝ + that, and S ≤ U². `sum_alpha`, `sum_beta` are Σ_t α_t, Σ_t β_t (rounded up).
inline double ghost_sq_bound(double S_hat, double U, double sum_alpha, double sum_beta, double n, double d_in,
                             double d_out) {
  if (!std::isfinite(U)) return U * U;
  const double u = unit_roundoff<double>();
  const double gamma_a = gamma(d_in + d_out, u);
  const double E = round_up((gamma_a + gamma(n * n + 1.0, u) * (1.0 + gamma_a) * (1.0 + u)) * round_up(U * U, 1.0) +
                                underflow_unit<double>() * (d_in * sum_beta * sum_beta + d_out * sum_alpha * sum_alpha + n * n),
                            8.0);
  const double U2 = round_up(U * U, 1.0);
  const double S = round_up(S_hat + E, 1.0);
  return (S >= 0.0 && S < U2) ? S : U2;  // S < 0 would contradict the analysis: fail closed
}

// Materialised gradient ĝ = fl_T(G_iᵀ A_i) (a GEMM with inner dimension n, in T) whose norm was
// accumulated in double as `ghat_norm_up` (rounded up). Per entry (eq. 3.4 with underflow)
// |ĝ_jk − g_jk| ≤ γ^T_n Σ_t |g_tj| |a_tk| + n η_T, so over the m = d_out d_in entries
//   ‖g‖ ≤ ‖ĝ‖ + γ^T_n U + n η_T √m.
template <typename T>
double materialised_sq_bound(double ghat_norm_up, double U, double n, double m) {
  const double err = gamma(n, unit_roundoff<T>()) * U + n * underflow_unit<T>() * std::sqrt(m);
  return sq_from_norm_bounds(round_up(ghat_norm_up + round_up(err, 4.0), 1.0), U);
}

// A direct sum (bias, embedding) accumulated in T: ŝ = fl(Σ_t g_t) over n rows, so
// ‖ŝ − s‖ ≤ γ^T_n Σ_t β_t (additions do not underflow); here U = Σ_t β_t is also the triangle
// bound.
template <typename T>
double direct_sq_bound(double s_hat_norm_up, double U, double n) {
  const double err = gamma(n, unit_roundoff<T>()) * U;
  return sq_from_norm_bounds(round_up(s_hat_norm_up + round_up(err, 4.0), 1.0), U);
}

}  // namespace dpt::norm_bounds
