// PLD grids: FFT convolution (Eigen's kissfft backend, real-input half spectrum), repeated
// squaring, pessimistic truncation/coarsening, and the hockey-stick divergence of a discrete PLD.
#include "dp/accounting/pld_pmf.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <optional>
#include <unsupported/Eigen/FFT>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/log_math.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Largest |grid index| of a self-composition's window (its int64 arithmetic stays exact below 2^62).
constexpr double kMaxSumIndex = 0x1p60;
// exp(x) is exactly 0 for x below this (the smallest subnormal is e^-744.4).
constexpr double kExpUnderflow = -746.0;

int64_t floor_div2(int64_t i) { return i >= 0 ? i / 2 : -((-i + 1) / 2); }
int64_t ceil_div2(int64_t i) { return -floor_div2(-i); }

// The smallest 2^a 3^b 5^c >= n with a >= 2 (kissfft's fast sizes; a multiple of 4 enables its
// real-input optimisation).
int64_t fft_size(int64_t n) {
  int64_t best = int64_t{4};
  while (best < n) best *= 2;
  for (int64_t p5 = 1; p5 <= best; p5 *= 5) {
    for (int64_t p35 = p5; p35 <= best; p35 *= 3) {
      int64_t v = p35 * 4;
      while (v < n) v *= 2;
      best = std::min(best, v);
    }
  }
  return best;
}

// Linear convolution of a and b (a == b squares with one forward transform). Negative round-off
// is clamped to 0 (adds at most ~1e-16 relative mass: never removes any).
std::vector<double> fft_convolve(const std::vector<double>& a, const std::vector<double>& b, bool square,
                                 PldCompositionStatus& status) {
  const int64_t n = static_cast<int64_t>(a.size() + b.size()) - 1;
  if (a.size() < 64 || b.size() < 64) {  // direct product is cheaper and exact
    std::vector<double> out(static_cast<size_t>(n), 0.0);
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] == 0.0) continue;
      for (size_t j = 0; j < b.size(); ++j) out[i + j] += a[i] * b[j];
    }
    ++status.convolutions;
    return out;
  }
  const int64_t nfft = fft_size(n);
  status.largest_fft = std::max(status.largest_fft, nfft);
  ++status.convolutions;
  Eigen::FFT<double> fft;
  fft.SetFlag(Eigen::FFT<double>::HalfSpectrum);
  std::vector<double> buffer(static_cast<size_t>(nfft), 0.0);  // (nfft,) zero-padded input
  std::copy(a.begin(), a.end(), buffer.begin());
  std::vector<std::complex<double>> fa;  // (nfft/2 + 1,) half spectrum
  fft.fwd(fa, buffer);
  if (square) {
    for (auto& z : fa) z *= z;
  } else {
    std::fill(buffer.begin(), buffer.end(), 0.0);
    std::copy(b.begin(), b.end(), buffer.begin());
    std::vector<std::complex<double>> fb;
    fft.fwd(fb, buffer);
    for (size_t k = 0; k < fa.size(); ++k) fa[k] *= fb[k];
  }
  fft.inv(buffer, fa, nfft);
  buffer.resize(static_cast<size_t>(n));
  double negative = 0.0;
  for (double& x : buffer) {
    negative += std::max(-x, 0.0);
    x = std::max(x, 0.0);
  }
  status.roundoff += 4.0 * negative + 2.2e-16 * std::log2(static_cast<double>(nfft));
  return buffer;
}

// Brings a and b to the same interval (coarsening the finer one, however many doublings apart).
void align_intervals(PldPmf& a, PldPmf& b) {
  if (a.interval == b.interval) return;
  PldPmf& fine = a.interval < b.interval ? a : b;
  const double coarse = std::max(a.interval, b.interval);
  int exponent = 0;
  DPT_ACCOUNTING_CHECK(std::frexp(coarse / fine.interval, &exponent) == 0.5,
                       "internal error: PLD intervals " + format_number(a.interval) + " and " +
                           format_number(b.interval) + " are not a power of two apart.");
  while (fine.interval < coarse) fine = coarsen_pmf(fine);
}

PldPmf convolve(PldPmf a, PldPmf b, bool square, double tail_mass, const PldCompositionOptions& options,
                PldCompositionStatus& status) {
  align_intervals(a, b);
  while (static_cast<int64_t>(a.probs.size() + b.probs.size()) - 1 > options.max_bins) {
    if (!options.allow_coarsening) {
      status.exceeded = true;
      return a;
    }
    a = coarsen_pmf(a);
    b = square ? a : coarsen_pmf(b);
  }
  PldPmf out;
  out.interval = a.interval;
  out.offset = a.offset + b.offset;
  out.shift = a.shift + b.shift;
  const double roundoff_before = status.roundoff;
  out.probs = fft_convolve(a.probs, b.probs, square, status);
  const double roundoff = status.roundoff - roundoff_before;
  // P(inf in the composition) = 1 - (1 - a_inf)(1 - b_inf).
  out.infinity_mass =
      std::min(1.0, a.infinity_mass + b.infinity_mass - a.infinity_mass * b.infinity_mass + roundoff);
  out.truncated_mass = a.truncated_mass + b.truncated_mass + roundoff;
  out.coarsenings = std::max(a.coarsenings, b.coarsenings);
  truncate_pmf_tails(out, tail_mass);
  return out;
}

}  // namespace

PldPmf identity_pmf(double interval) {
  PldPmf pmf;
  pmf.interval = interval;
  pmf.probs = {1.0};
  return pmf;
}

PldPmf coarsen_pmf(const PldPmf& pmf) {
  PldPmf out = pmf;
  out.interval = 2.0 * pmf.interval;
  ++out.coarsenings;
  if (pmf.probs.empty()) return out;
  const int64_t first = ceil_div2(pmf.offset);
  const int64_t last = ceil_div2(pmf.offset + static_cast<int64_t>(pmf.probs.size()) - 1);
  out.offset = first;
  out.probs.assign(static_cast<size_t>(last - first + 1), 0.0);
  for (size_t k = 0; k < pmf.probs.size(); ++k) {
    out.probs[static_cast<size_t>(ceil_div2(pmf.offset + static_cast<int64_t>(k)) - first)] += pmf.probs[k];
  }
  return out;
}

void truncate_pmf_tails(PldPmf& pmf, double tail_mass) {
  std::vector<double>& p = pmf.probs;
  size_t lo = 0;
  double cut_lo = 0.0;
  while (lo + 1 < p.size() && cut_lo + p[lo] <= tail_mass) cut_lo += p[lo++];
  size_t hi = p.size();
  double cut_hi = 0.0;
  while (hi > lo + 1 && cut_hi + p[hi - 1] <= tail_mass) cut_hi += p[--hi];
  if (lo == 0 && hi == p.size()) return;
  std::vector<double> kept(p.begin() + static_cast<std::ptrdiff_t>(lo), p.begin() + static_cast<std::ptrdiff_t>(hi));
  if (!kept.empty()) kept.front() += cut_lo;  // lower tail: loss rounded up to the lowest kept bin
  pmf.infinity_mass = std::min(1.0, pmf.infinity_mass + cut_hi);  // upper tail: loss +infinity
  pmf.truncated_mass += cut_lo + cut_hi;
  pmf.offset += static_cast<int64_t>(lo);
  p = std::move(kept);
}

PldPmf compose_pmfs(const PldPmf& a, const PldPmf& b, const PldCompositionOptions& options,
                    PldCompositionStatus& status) {
  return convolve(a, b, false, options.tail_mass_truncation, options, status);
}

namespace {

// log sum_k p_k e^{lambda J_k}, J_k = offset + k (the grid index), given log_p[k] = log p_k.
double log_mgf(const std::vector<double>& log_p, int64_t offset, double lambda) {
  double m = -kInf;
  for (size_t k = 0; k < log_p.size(); ++k) m = std::max(m, log_p[k] + lambda * static_cast<double>(k));
  if (m == -kInf) return -kInf;
  double sum = 0.0;
  for (size_t k = 0; k < log_p.size(); ++k) {
    const double x = log_p[k] + lambda * static_cast<double>(k) - m;
    if (x > kExpUnderflow) sum += std::exp(x);  // below, exp(x) is exactly 0 (and slow to compute)
  }
  return m + std::log(sum) + lambda * static_cast<double>(offset);
}

// Chernoff bounds on the grid index of the count-fold sum: P(sum > upper) <= tail and
// P(sum < lower) <= tail (for the finite, sub-probability part), over a geometric grid of
// exponents lambda in [1e-3, 2e3] per unit of loss.
void chernoff_window(const PldPmf& pmf, int64_t count, double tail, double& lower, double& upper) {
  const double n = static_cast<double>(count);
  upper = n * static_cast<double>(pmf.offset + static_cast<int64_t>(pmf.probs.size()) - 1);  // trivial bounds
  lower = n * static_cast<double>(pmf.offset);
  std::vector<double> log_p(pmf.probs.size());
  for (size_t k = 0; k < log_p.size(); ++k) log_p[k] = pmf.probs[k] > 0.0 ? std::log(pmf.probs[k]) : -kInf;
  const double log_tail = std::log(tail);
  // The best exponent is near sqrt(2 log(1/tail) / (count var)) (Gaussian approximation); the
  // grid reaches 100 times below it so that huge counts or variances still get a finite window.
  const double var = pmf_variance(pmf);
  const double lambda_star = var > 0.0 ? std::sqrt(-2.0 * log_tail / (n * var)) : 1e-3;
  // Each bound, (n K(+-lambda) - log tail) / lambda with K the log-MGF (convex), has a single
  // minimum in lambda (its derivative's numerator n (lambda K' - K) + log tail increases), so its
  // scan stops at the first grid point where it gets worse: the later ones are worse still.
  bool up_done = false;
  bool down_done = false;
  double last_up = kInf;
  double last_down = -kInf;
  for (double lambda_loss = std::min(1e-3, lambda_star / 100.0); lambda_loss <= 2e3 && !(up_done && down_done);
       lambda_loss *= 1.6) {
    const double lambda = lambda_loss * pmf.interval;
    if (!up_done) {
      const double up = (n * log_mgf(log_p, pmf.offset, lambda) - log_tail) / lambda;
      if (std::isfinite(up)) {
        upper = std::min(upper, up);
        up_done = up > last_up;
        last_up = up;
      }
    }
    if (!down_done) {
      const double down = -(n * log_mgf(log_p, pmf.offset, -lambda) - log_tail) / lambda;
      if (std::isfinite(down)) {
        lower = std::max(lower, down);
        down_done = down < last_down;
        last_down = down;
      }
    }
  }
}

}  // namespace

double self_composition_infinity_floor(const PldCompositionOptions& options) {
  return std::max(options.tail_mass_truncation, 1e-300) / 2.0;
}

namespace {

// The grid window [lower, upper] (in grid indices of the count-fold sum) that a self-composition
// transforms in one FFT, and the PMF it transforms (coarsened until the window fits max_bins).
struct SelfCompositionWindow {
  PldPmf base;         // the step PMF, possibly coarsened
  double lower = 0.0;  // Chernoff bounds: P(sum < lower) <= tail, P(sum > upper) <= tail
  double upper = 0.0;
  int64_t bins = 0;    // floor(upper) - ceil(lower) + 2, at least 1
};

// Chernoff window of `pmf`'s count-fold sum, coarsening the grid (h -> 2h) until the window fits
// options.max_bins and its indices stay far from int64 overflow (count * offset at huge counts).
// Without allow_coarsening a window that does not fit sets status.exceeded and returns nullopt.
std::optional<SelfCompositionWindow> fit_self_composition_window(const PldPmf& pmf, int64_t count, double tail,
                                                                 const PldCompositionOptions& options,
                                                                 PldCompositionStatus& status) {
  SelfCompositionWindow fit{pmf};
  for (;;) {
    chernoff_window(fit.base, count, tail, fit.lower, fit.upper);
    const double w = std::floor(fit.upper) - std::ceil(fit.lower) + 2.0;
    const bool indexable = std::abs(fit.lower) < kMaxSumIndex && std::abs(fit.upper) < kMaxSumIndex;
    if (w <= static_cast<double>(options.max_bins) && indexable) {
      fit.bins = std::max<int64_t>(static_cast<int64_t>(w), 1);
      return fit;
    }
    if (!options.allow_coarsening) {
      status.exceeded = true;
      status.needed_bins = indexable ? w : kInf;
      return std::nullopt;
    }
    fit.base = coarsen_pmf(fit.base);
  }
}

// z^n by repeated squaring (the n-fold convolution power, one frequency of the DFT).
std::complex<double> complex_power(std::complex<double> z, int64_t n) {
  std::complex<double> result(1.0, 0.0);
  std::complex<double> power = z;
  for (;;) {
    if (n & 1) result *= power;
    n >>= 1;
    if (n == 0) break;
    power *= power;
  }
  return result;
}

// The count-fold circular convolution power of `probs` folded mod nfft: DFT, pointwise z^count,
// inverse DFT. Returns the (nfft,) result, slot s holding grid index s + (count * offset) mod nfft.
std::vector<double> circular_convolution_power(const std::vector<double>& probs, int64_t count, int64_t nfft) {
  std::vector<double> buffer(static_cast<size_t>(nfft), 0.0);  // (nfft,) step PMF folded mod nfft
  for (size_t k = 0; k < probs.size(); ++k) buffer[k % static_cast<size_t>(nfft)] += probs[k];
  Eigen::FFT<double> fft;
  fft.SetFlag(Eigen::FFT<double>::HalfSpectrum);
  std::vector<std::complex<double>> spectrum;  // (nfft/2 + 1,)
  fft.fwd(spectrum, buffer);
  for (std::complex<double>& z : spectrum) z = complex_power(z, count);
  fft.inv(buffer, spectrum, nfft);
  return buffer;
}

// Unrolls the circular result onto grid indices first .. first + nfft - 1, where index J of the
// sum sits in slot (J - count * offset) mod nfft. Negative masses (FFT round-off) are clamped to
// 0; their total is returned in `negative`, the gauge of the round-off noise.
std::vector<double> unwrap_circular(const std::vector<double>& buffer, int64_t first, int64_t count, int64_t offset,
                                    double& negative) {
  const int64_t nfft = static_cast<int64_t>(buffer.size());
  std::vector<double> probs(static_cast<size_t>(nfft), 0.0);  // (nfft,) masses of indices first + i
  const int64_t origin = ((count % nfft) * (offset % nfft)) % nfft;  // index of slot 0 (count * offset), mod nfft
  negative = 0.0;
  for (int64_t i = 0; i < nfft; ++i) {
    const int64_t slot = (((first + i - origin) % nfft) + nfft) % nfft;
    const double x = buffer[static_cast<size_t>(slot)];
    negative += std::max(-x, 0.0);
    probs[static_cast<size_t>(i)] = std::max(x, 0.0);
  }
  return probs;
}

}  // namespace

// The count-fold convolution power is computed in one FFT of a window [lower, upper] that holds
// all but `tail` of the mass on each side (Chernoff bounds from the discrete MGF): the DFT is
// raised to the power count pointwise (each frequency by repeated squaring). Mass beyond the
// window wraps around: from above it lands at low losses (so `tail` is added to the infinity
// mass), from below at high losses (more loss: pessimistic).
PldPmf self_compose_pmf(const PldPmf& pmf, int64_t count, const PldCompositionOptions& options,
                        PldCompositionStatus& status) {
  check_at_least<AccountingError>(count, 1, "count");
  const double n = static_cast<double>(count);
  if (count == 1 || pmf.probs.empty()) {
    PldPmf out = pmf;
    // P(no +inf in n draws) = (1 - p_inf)^n, in log space: p_inf' = -expm1(n log1p(-p_inf))
    if (count > 1) out.infinity_mass = -std::expm1(n * std::log1p(-pmf.infinity_mass));
    return out;
  }
  const double tail = self_composition_infinity_floor(options);
  std::optional<SelfCompositionWindow> fit = fit_self_composition_window(pmf, count, tail, options, status);
  if (!fit) return pmf;  // status.exceeded: unusable
  const PldPmf& base = fit->base;
  const int64_t first = static_cast<int64_t>(std::ceil(fit->lower)) - 1;
  const int64_t nfft = fft_size(fit->bins);
  status.largest_fft = std::max(status.largest_fft, nfft);
  ++status.convolutions;
  const std::vector<double> buffer = circular_convolution_power(base.probs, count, nfft);
  PldPmf out;
  out.interval = base.interval;
  out.shift = n * base.shift;
  out.coarsenings = base.coarsenings;
  out.offset = first;
  double negative = 0.0;
  out.probs = unwrap_circular(buffer, first, count, base.offset, negative);
  // Round-off of the power: relative error ~count * 2^-52 per frequency, i.e. up to that much
  // L1 error in the masses, and it can lower the tails. Charged to delta (as mass at +inf):
  // max(4 x the negative mass seen, count * 2.2e-16 * log2(nfft)).
  const double roundoff = std::max(4.0 * negative, n * 2.2e-16 * std::log2(static_cast<double>(nfft)));
  status.roundoff += roundoff;
  out.infinity_mass = std::min(1.0, -std::expm1(n * std::log1p(-base.infinity_mass)) + tail + roundoff);
  // Everything moved or added pessimistically (PRV's lower bound subtracts it again).
  out.truncated_mass = n * base.truncated_mass + 2.0 * tail + roundoff;
  truncate_pmf_tails(out, tail);
  return out;
}

namespace {

// Fail closed: a PMF holding NaN or infinite masses (a numerical failure upstream) certifies nothing.
bool corrupt(const PldPmf& pmf) {
  if (!(pmf.infinity_mass >= 0.0 && pmf.infinity_mass <= 1.0)) return true;
  for (const double p : pmf.probs) {
    if (!(p >= 0.0 && p <= 2.0)) return true;
  }
  return !std::isfinite(pmf.interval) || !std::isfinite(pmf.shift);
}

}  // namespace

double pmf_delta_for_epsilon(const PldPmf& pmf, double epsilon) {
  if (corrupt(pmf)) return 1.0;
  double delta = pmf.infinity_mass;
  for (size_t k = pmf.probs.size(); k-- > 0;) {
    const double l = pmf.loss(static_cast<int64_t>(k));
    if (l <= epsilon) break;
    delta += pmf.probs[k] * -std::expm1(epsilon - l);
  }
  return std::clamp(delta, 0.0, 1.0);
}

double pmf_epsilon_for_delta(const PldPmf& pmf, double delta) {
  if (corrupt(pmf) || pmf.infinity_mass > delta) return kInf;
  // Above grid point k-1 and below k, delta(eps) = inf_mass + A - e^eps B with A, B the sums of
  // p and p e^{-l} over bins >= k (B kept as a logarithm: losses may exceed 700).
  double a = 0.0;
  double log_b = -kInf;
  for (size_t k = pmf.probs.size(); k-- > 0;) {
    const double p = pmf.probs[k];
    if (p > 0.0) {
      a += p;
      log_b = log_add(log_b, std::log(p) - pmf.loss(static_cast<int64_t>(k)));
    }
    const double lower = k > 0 ? pmf.loss(static_cast<int64_t>(k) - 1) : -kInf;
    const bool last = k == 0;
    if (!last && pmf.infinity_mass + a - std::exp(lower + log_b) <= delta) continue;
    const double num = pmf.infinity_mass + a - delta;
    if (!(num > 0.0) || log_b == -kInf) return 0.0;
    const double eps = std::clamp(std::log(num) - log_b, lower, pmf.loss(static_cast<int64_t>(k)));
    return std::max(eps, 0.0);
  }
  return 0.0;  // no finite mass and infinity_mass <= delta
}

double pmf_mean(const PldPmf& pmf) {
  double mass = 0.0;
  double sum = 0.0;
  for (size_t k = 0; k < pmf.probs.size(); ++k) {
    mass += pmf.probs[k];
    sum += pmf.probs[k] * pmf.loss(static_cast<int64_t>(k));
  }
  return mass > 0.0 ? sum / mass : 0.0;
}

double pmf_variance(const PldPmf& pmf) {
  const double mean = pmf_mean(pmf);
  double mass = 0.0;
  double sum = 0.0;
  for (size_t k = 0; k < pmf.probs.size(); ++k) {
    const double d = pmf.loss(static_cast<int64_t>(k)) - mean;
    mass += pmf.probs[k];
    sum += pmf.probs[k] * d * d;
  }
  return mass > 0.0 ? sum / mass : 0.0;
}

}  // namespace dpt
