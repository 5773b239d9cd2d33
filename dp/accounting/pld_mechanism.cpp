// One step of the Poisson-subsampled Gaussian as a discrete PLD. The loss is monotone in the
// output x (increasing for remove, decreasing for add), so every event {a < L <= b} is an
// interval of x and its P- and Q-masses are differences of normal tails, computed without
// cancellation (normal_mass). Connect-the-dots masses come from exact cell masses, not from
// second differences of delta, so they keep ~1e-12 relative precision.
#include "dp/accounting/pld_mechanism.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/log_math.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSqrtHalf = 0.70710678118654752440;
// subsampled_gaussian_grid_bins saturates at INT64_MAX from here (no overflowing casts).
constexpr double kMaxGridBins = 0x1p62;
// subsampled_gaussian_prv refuses grids larger than this (its caller sizes the mesh first).
constexpr double kMaxPrvStepBins = 0x1p27;

// P(a < Z <= b) for Z ~ N(0, 1), a <= b (may be infinite), from the tail on the side of the interval.
double normal_mass(double a, double b) {
  if (!(a < b)) return 0.0;
  if (a >= 0.0) return 0.5 * (std::erfc(a * kSqrtHalf) - std::erfc(b * kSqrtHalf));
  if (b <= 0.0) return 0.5 * (std::erfc(-b * kSqrtHalf) - std::erfc(-a * kSqrtHalf));
  return 1.0 - 0.5 * std::erfc(-a * kSqrtHalf) - 0.5 * std::erfc(b * kSqrtHalf);
}

// The mechanism in one direction: P and Q are mixtures w0 N(0, s^2) + w1 N(1, s^2).
struct Loss {
  double q;
  double sigma;
  bool remove;
  double p0, p1, q0, q1;  // mixture weights of P and Q

  Loss(double q_, double sigma_, PldDirection d)
      : q(q_), sigma(sigma_), remove(d == PldDirection::kRemove) {
    if (remove) {
      p0 = 1.0 - q; p1 = q; q0 = 1.0; q1 = 0.0;
    } else {
      p0 = 1.0; p1 = 0.0; q0 = 1.0 - q; q1 = q;
    }
  }

  // log(1 - q + q e^{(2x-1)/(2 s^2)}): the remove-direction loss at x.
  double log_ratio(double x) const {
    const double z = (2.0 * x - 1.0) / (2.0 * sigma * sigma);
    return q < 1.0 ? log_add(std::log1p(-q), std::log(q) + z) : z;
  }
  double loss_at(double x) const { return remove ? log_ratio(x) : -log_ratio(x); }

  // The threshold t(l): remove: L > l <=> x > t; add: L > l <=> x < t. -inf/+inf at the ends.
  double threshold(double l) const {
    const double u = remove ? l : -l;  // log_ratio(x) > u (remove) or < u (add)
    // log(e^u - (1 - q)) = u + log1p(-(1 - q) e^{-u}), for e^u > 1 - q (no cancellation for
    // very negative u, where e^u - 1 + q would round to 0 when q = 1).
    // For q < 1/2, e^u - 1 + q = expm1(u) + q is the accurate form (no cancellation).
    double log_num = u;
    if (q < 1.0 && u > 1.0) {
      log_num = u + std::log1p((q - 1.0) * std::exp(-u));  // e^u > e > 1 - q: no cancellation
    } else if (q < 0.5) {
      const double num = std::expm1(u) + q;
      if (!(num > 0.0)) return -kInf;  // remove: every x has L > l; add: no x has L > l
      log_num = std::log(num);
    } else if (q < 1.0) {
      const double log_one_minus_q = std::log1p(-q);
      if (!(u > log_one_minus_q)) return -kInf;
      log_num = u + std::log1p(-std::exp(log_one_minus_q - u));
    }
    return sigma * sigma * (log_num - std::log(q)) + 0.5;
  }

  // Mass of x in (lo, hi] under the mixture (w0, w1).
  double mass(double w0, double w1, double lo, double hi) const {
    double m = 0.0;
    if (w0 > 0.0) m += w0 * normal_mass(lo / sigma, hi / sigma);
    if (w1 > 0.0) m += w1 * normal_mass((lo - 1.0) / sigma, (hi - 1.0) / sigma);
    return m;
  }
  // The x-interval (lo, hi] of {l_a < L <= l_b} (remove: (t(l_a), t(l_b)]; add: [t(l_b), t(l_a)),
  // the same mass for a continuous x). t = -inf: remove, every x; add, no x.
  void interval_of(double la, double lb, double& lo, double& hi) const {
    if (remove) {
      lo = la == -kInf ? -kInf : threshold(la);
      hi = lb == kInf ? kInf : threshold(lb);
    } else {
      lo = lb == kInf ? -kInf : threshold(lb);
      hi = la == -kInf ? kInf : threshold(la);
    }
  }
  double p_between(double la, double lb) const {
    double lo, hi;
    interval_of(la, lb, lo, hi);
    return mass(p0, p1, lo, hi);
  }
  double q_between(double la, double lb) const {
    double lo, hi;
    interval_of(la, lb, lo, hi);
    return mass(q0, q1, lo, hi);
  }
  double p_above(double l) const { return p_between(l, kInf); }
  double q_above(double l) const { return q_between(l, kInf); }

  // Loss range holding all but ~1e-23 of P.
  void loss_range(double& lmin, double& lmax) const {
    const double xlo = -kTailSigmas * sigma;
    const double xhi = (remove ? 1.0 : 0.0) + kTailSigmas * sigma;
    lmin = std::min(loss_at(xlo), loss_at(xhi));
    lmax = std::min(std::max(loss_at(xlo), loss_at(xhi)), kMaxGridLoss);
  }
};

void check_args(double q, double sigma, double interval) {
  check_in<AccountingError>(q, Bounds::closed(0.0, 1.0), "sampling_rate");
  check_finite_non_negative<AccountingError>(sigma, "noise_multiplier");
  check_finite_positive<AccountingError>(interval, "value_discretization_interval");
}

}  // namespace

std::string to_string(PldDirection direction) { return direction == PldDirection::kRemove ? "remove" : "add"; }

std::string to_string(PldDiscretisation d) {
  return d == PldDiscretisation::kConnectTheDots ? "connect_the_dots" : "pessimistic_rounding";
}

namespace {

// Bins of the grid of step h spanning [lmin, lmax], in double: +inf when the range is not finite
// (sigma so small that sigma^2 underflows, q = 1), and never an overflowing integer cast.
double grid_bins(double lmin, double lmax, double h) {
  const double bins = std::ceil(lmax / h) - std::floor(lmin / h) + 1.0;
  return std::isnan(bins) ? kInf : bins;
}

// The loss grid l_i = i h for i in [lo, hi] covering [lmin, lmax], at least two points.
struct LossGrid {
  double h;
  int64_t lo, hi;
  size_t n;  // hi - lo + 1 points
  double l(int64_t i) const { return static_cast<double>(i) * h; }  // l_i
  double l_at(size_t k) const { return l(lo + static_cast<int64_t>(k)); }  // l_{lo + k}, the k-th point
};

// lo = floor(lmin / h), hi = max(lo + 1, ceil(lmax / h)).
LossGrid loss_grid(double lmin, double lmax, double h) {
  const int64_t lo = static_cast<int64_t>(std::floor(lmin / h));
  const int64_t hi = std::max(lo + 1, static_cast<int64_t>(std::ceil(lmax / h)));
  return {h, lo, hi, static_cast<size_t>(hi - lo + 1)};
}

}  // namespace

int64_t subsampled_gaussian_grid_bins(double q, double sigma, PldDirection direction, double interval) {
  check_args(q, sigma, interval);
  if (q == 0.0 || sigma == 0.0) return 1;
  double lmin, lmax;
  Loss(q, sigma, direction).loss_range(lmin, lmax);
  const double bins = grid_bins(lmin, lmax, interval);
  return bins < kMaxGridBins ? static_cast<int64_t>(bins) : std::numeric_limits<int64_t>::max();
}

namespace {

// sigma = 0: with probability q the output reveals the record (loss +inf); otherwise the loss is
// log(1 - q) (remove) or -log(1 - q) (add), rounded up here to max(0, -log(1 - q)).
PldPmf noiseless_pld(double q, double interval) {
  PldPmf pmf = identity_pmf(interval);
  pmf.infinity_mass = q;
  pmf.probs = {1.0 - q};
  pmf.offset = q < 1.0 ? static_cast<int64_t>(std::ceil(-std::log1p(-q) / interval)) : 0;
  if (q == 1.0) pmf.probs.clear();
  return pmf;
}

// An empty PMF whose interval is `interval` doubled until [lmin, lmax] spans at most max_bins bins.
PldPmf coarsened_to_fit(double lmin, double lmax, double interval, int64_t max_bins) {
  PldPmf pmf;
  pmf.interval = interval;
  while (grid_bins(lmin, lmax, pmf.interval) > static_cast<double>(max_bins)) {
    pmf.interval *= 2.0;
    ++pmf.coarsenings;
  }
  return pmf;
}

// Pessimistic rounding: p_0 = P(L <= l_lo), p_k = P(l_{k-1} < L <= l_k) (each loss rounded up).
std::vector<double> rounded_up_masses(const Loss& loss, const LossGrid& grid) {
  std::vector<double> p(grid.n, 0.0);  // (n,) masses at l_lo .. l_hi
  p[0] = 1.0 - loss.p_above(grid.l(grid.lo));
  for (size_t k = 1; k < grid.n; ++k) p[k] = loss.p_between(grid.l_at(k - 1), grid.l_at(k));
  return p;
}

// Per cell j = (l_j, l_{j+1}]: its Q-mass Q(cell_j) and the chord correction
// c_j = max(0, (P(cell_j) e^{-l_j} - Q(cell_j)) / expm1(h)).
struct ChordCells {
  std::vector<double> q_cell;  // (n - 1,) Q(cell_j)
  std::vector<double> c;       // (n - 1,) c_j >= 0
};
ChordCells chord_cells(const Loss& loss, const LossGrid& grid) {
  const double h = grid.h;
  const double em1 = std::expm1(h);
  ChordCells cells{std::vector<double>(grid.n - 1), std::vector<double>(grid.n - 1)};
  for (size_t j = 0; j + 1 < grid.n; ++j) {
    const double la = grid.l_at(j);
    const double pc = loss.p_between(la, la + h);
    cells.q_cell[j] = loss.q_between(la, la + h);
    cells.c[j] = std::max(0.0, (pc * std::exp(-la) - cells.q_cell[j]) / em1);
  }
  return cells;
}

// Connect the dots. On segment j = [l_j, l_{j+1}] the discrete delta is A_j - e^eps B_j with
// B_j = Q(L > l_{j+1}) + c_j, so that it equals the true delta at both ends; then
// p_i = e^{l_i} (B_{i-1} - B_i) = e^{l_i} (Q(cell_i) + c_{i-1} - c_i), the end points taking the tails.
std::vector<double> connect_the_dots_masses(const Loss& loss, const LossGrid& grid) {
  const auto [q_cell, c] = chord_cells(loss, grid);
  const size_t n = grid.n;
  std::vector<double> p(n, 0.0);  // (n,) masses at l_lo .. l_hi
  const double l_lo = grid.l(grid.lo);
  p[0] = (1.0 - loss.p_above(l_lo)) + std::exp(l_lo) * (q_cell[0] - c[0]);
  for (size_t i = 1; i + 1 < n; ++i) p[i] = std::exp(grid.l_at(i)) * (q_cell[i] + c[i - 1] - c[i]);
  p[n - 1] = std::exp(grid.l(grid.hi)) * (loss.q_above(grid.l(grid.hi)) + c[n - 2]);
  for (double& p_i : p) {
    if (std::isnan(p_i)) p_i = kInf;  // fail closed: pmf_epsilon_for_delta then certifies nothing
    p_i = std::max(p_i, 0.0);         // round-off only; raising a mass is pessimistic
  }
  return p;
}

}  // namespace

PldPmf subsampled_gaussian_pld(double q, double sigma, PldDirection direction, double interval,
                               PldDiscretisation discretisation, int64_t max_bins) {
  check_args(q, sigma, interval);
  check_at_least<AccountingError>(max_bins, 16, "max_bins");
  if (q == 0.0) return identity_pmf(interval);
  if (sigma == 0.0) return noiseless_pld(q, interval);
  const Loss loss(q, sigma, direction);
  double lmin, lmax;
  loss.loss_range(lmin, lmax);
  DPT_ACCOUNTING_CHECK(std::isfinite(lmin) && std::isfinite(lmax),
                       "no grid holds the privacy loss of sampling_rate " + format_number(q) + ", noise_multiplier " +
                           format_number(sigma) + " (loss range not finite).");
  PldPmf pmf = coarsened_to_fit(lmin, lmax, interval, max_bins);
  const LossGrid grid = loss_grid(lmin, lmax, pmf.interval);
  pmf.offset = grid.lo;
  pmf.infinity_mass = loss.p_above(grid.l(grid.hi));  // >= delta(l_hi): pessimistic
  pmf.probs = discretisation == PldDiscretisation::kPessimisticRounding ? rounded_up_masses(loss, grid)
                                                                         : connect_the_dots_masses(loss, grid);
  return pmf;
}

namespace {

// One PRV step's privacy loss and its range [lmin, lmax], after the checks both PRV functions share.
struct PrvStepLoss {
  Loss loss;
  double lmin = 0.0, lmax = 0.0;
};

PrvStepLoss prv_step_loss(double q, double sigma, PldDirection direction, double mesh) {
  check_args(q, sigma, mesh);
  DPT_ACCOUNTING_CHECK(q > 0.0 && sigma > 0.0, "internal error: PRV step needs q > 0 and sigma > 0.");
  PrvStepLoss s{Loss(q, sigma, direction)};
  s.loss.loss_range(s.lmin, s.lmax);
  return s;
}

// Y = clamp(L, a, b) on cells (t_i - h/2, t_i + h/2] put at their centres t_i = l_i (the end cells
// hold the clamped atoms at a = l_lo and b = l_hi); shift not yet set.
PldPmf cell_centred_pmf(const Loss& loss, const LossGrid& grid) {
  const double h = grid.h;
  const size_t n = grid.n;
  PldPmf pmf;
  pmf.interval = h;
  pmf.offset = grid.lo;
  pmf.probs.assign(n, 0.0);
  pmf.probs[0] = 1.0 - loss.p_above(grid.l(grid.lo) + 0.5 * h);
  for (size_t i = 1; i + 1 < n; ++i) pmf.probs[i] = loss.p_between(grid.l_at(i) - 0.5 * h, grid.l_at(i) + 0.5 * h);
  pmf.probs[n - 1] = loss.p_above(grid.l(grid.hi) - 0.5 * h);  // the clamped atom at b included
  return pmf;
}

// clamp(L(x), a, b), with L(x) = +-log1p(q expm1(z)), z = (2x - 1) / (2 sigma^2), for z < 30.
double clamped_loss(const Loss& loss, double x, double a, double b) {
  const double q = loss.q;
  const double z = (2.0 * x - 1.0) / (2.0 * loss.sigma * loss.sigma);
  double l = q == 1.0 ? z : (z < 30.0 ? std::log1p(q * std::expm1(z)) : loss.log_ratio(x));
  if (!loss.remove) l = -l;
  return std::clamp(l, a, b);
}

// Composite Simpson in z over [-12, 12]: `points` intervals of width `step` (points divisible by 4).
struct SimpsonGrid {
  int64_t points;
  double step;
};
// dz = max(min(1e-3, sigma / 200), 24 / 2e6): resolves the loss's transition (width ~sigma in z).
SimpsonGrid simpson_grid(double sigma) {
  const double dz = std::max(std::min(1e-3, sigma / 200.0), 24.0 / 2e6);
  const int64_t points = 4 * static_cast<int64_t>(std::ceil(6.0 / dz));  // intervals: even at stride 2
  return {points, 24.0 / static_cast<double>(points)};
}

// S(stride dz) of E[Y] = sum over the components (w, m) of P of w E[clamp(L(m + sigma Z), a, b)].
double simpson_mean(const Loss& loss, double a, double b, const SimpsonGrid& grid, int64_t stride) {
  const auto [points, step] = grid;
  double total = 0.0;
  for (const auto& [w, m] : {std::pair<double, double>{loss.p0, 0.0}, std::pair<double, double>{loss.p1, 1.0}}) {
    if (w == 0.0) continue;
    const double hz = step * static_cast<double>(stride);
    double sum = 0.0;
    for (int64_t i = 0; i <= points; i += stride) {
      const double z = -12.0 + step * static_cast<double>(i);
      const double coefficient = (i == 0 || i == points) ? 1.0 : ((i / stride) % 2 == 1 ? 4.0 : 2.0);
      sum += coefficient * std::exp(-0.5 * z * z) * clamped_loss(loss, m + loss.sigma * z, a, b);
    }
    total += w * sum * hz / 3.0 / std::sqrt(2.0 * 3.14159265358979323846);
  }
  return total;
}

// sum_i p_i t_i / sum_i p_i: the mean of the cell-centred PMF on `grid` before its shift.
double grid_mean(const PldPmf& pmf, const LossGrid& grid) {
  double mass = 0.0;
  double mean_d = 0.0;
  for (size_t i = 0; i < grid.n; ++i) {
    mass += pmf.probs[i];
    mean_d += pmf.probs[i] * grid.l_at(i);
  }
  return mean_d / mass;
}

}  // namespace

double subsampled_gaussian_prv_tail_floor(double q, double sigma, PldDirection direction, double max_mesh) {
  const auto [loss, lmin, lmax] = prv_step_loss(q, sigma, direction, max_mesh);
  if (!(std::isfinite(lmin) && std::isfinite(lmax))) return 0.0;
  const double tail = (1.0 - loss.p_above(lmin - max_mesh)) + loss.p_above(lmax + max_mesh);
  return std::max(0.0, tail * (1.0 - 1e-9));
}

PrvStep subsampled_gaussian_prv(double q, double sigma, PldDirection direction, double mesh) {
  const auto [loss, lmin, lmax] = prv_step_loss(q, sigma, direction, mesh);
  DPT_ACCOUNTING_CHECK(grid_bins(lmin, lmax, mesh) <= kMaxPrvStepBins,
                       "the PRV mesh " + format_number(mesh) + " needs more than 2^27 bins for sampling_rate " +
                           format_number(q) + ", noise_multiplier " + format_number(sigma) + ".");
  const LossGrid grid = loss_grid(lmin, lmax, mesh);
  const double a = grid.l(grid.lo);
  const double b = grid.l(grid.hi);
  PrvStep out;
  out.tail_mass = (1.0 - loss.p_above(a)) + loss.p_above(b);  // P(Y != L)
  out.pmf = cell_centred_pmf(loss, grid);
  // E[Y] by composite Simpson; its error is estimated as |S(dz) - S(2 dz)| (Richardson without its
  // 1/15, as a safety margin). (Integrating P(L > s) over the loss grid instead fails when one
  // step's loss is much narrower than the mesh: tiny q or huge sigma.)
  const SimpsonGrid simpson = simpson_grid(sigma);
  const double mean_y = simpson_mean(loss, a, b, simpson, 1);
  const double quadrature_error =
      std::abs(mean_y - simpson_mean(loss, a, b, simpson, 2)) + 1e-30 * (std::abs(a) + std::abs(b));
  out.pmf.shift = mean_y - grid_mean(out.pmf, grid);
  out.mean_error = quadrature_error + 1e-15 * (std::abs(a) + std::abs(b));
  return out;
}

}  // namespace dpt
