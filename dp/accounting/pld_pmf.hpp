// Discretised privacy-loss distributions (PLD; Koskela et al. 2020, Meiser & Mohammadi 2018,
// dp_accounting's pld_pmf.py): probability masses on the grid of losses (offset + k) * h + shift
// under P, plus the mass at +infinity. Composition by FFT convolution (Eigen's FFT module),
// self-composition by one FFT over a Chernoff-bounded window (the DFT raised to the count-th
// power pointwise), tail truncation, delta(epsilon) and epsilon(delta).
// Every approximation here moves loss UP or mass to +infinity (pessimistic), so delta and epsilon
// computed from the result bound those of the input from above; the exceptions are flagged.
#pragma once

#include <cstdint>
#include <vector>

namespace dpt {

// A PLD on a uniform grid. probs[k] is the P-probability of the loss (offset + k) * interval + shift.
struct PldPmf {
  double interval = 1e-4;            // h, the grid step (value discretisation interval)
  int64_t offset = 0;                // index of probs[0]
  double shift = 0.0;                // constant added to every grid loss (PRV mean correction; 0 for PLD)
  std::vector<double> probs;         // (bins,) masses, >= 0
  double infinity_mass = 0.0;        // mass at loss +infinity (includes pessimistically truncated tails)
  double truncated_mass = 0.0;       // mass moved by truncations (to +inf or up) plus round-off charged to +inf
  int coarsenings = 0;               // times the grid step was doubled to stay within max_bins

  double loss(int64_t k) const { return static_cast<double>(offset + k) * interval + shift; }
};

// How compositions are carried out.
struct PldCompositionOptions {
  // After each convolution at most this mass is cut from each tail: the upper tail goes to
  // +infinity (adds to delta), the lower tail moves up to the lowest kept bin (pessimistic).
  double tail_mass_truncation = 1e-15;
  // Largest number of bins a composed PMF may have (bounds memory and time: the FFT is at most
  // 2x this size). Beyond it the grid is coarsened (losses rounded up to a grid of twice the
  // step) when allow_coarsening, or the composition stops with exceeded = true.
  int64_t max_bins = int64_t{1} << 21;
  bool allow_coarsening = true;
};

// Outcome of a composition; the PMF is valid (pessimistic) unless exceeded.
struct PldCompositionStatus {
  bool exceeded = false;  // max_bins was hit and coarsening was not allowed: the result is unusable
  int64_t largest_fft = 0;   // the largest FFT size used (for reports and bounded-cost tests)
  int64_t convolutions = 0;  // number of convolutions performed
  double roundoff = 0.0;     // FFT round-off bound charged to delta (added to the +inf mass)
  double needed_bins = 0.0;  // when exceeded: the window a self-composition needed (to pick a coarser grid)
};

// The PLD of a mechanism that never releases anything: mass 1 at loss 0.
PldPmf identity_pmf(double interval);

// The PLD of the composition of two independent mechanisms (same interval, shift added).
// Coarsens the finer operand when the intervals differ by a power of two.
PldPmf compose_pmfs(const PldPmf& a, const PldPmf& b, const PldCompositionOptions& options,
                    PldCompositionStatus& status);

// The mass a self-composition with count > 1 always puts at +infinity (the tail its FFT window may
// leave out, max(tail_mass_truncation, 1e-300) / 2): no delta below it can be certified.
double self_composition_infinity_floor(const PldCompositionOptions& options);

// `pmf` composed `count` >= 1 times, in one FFT: the window [lower, upper] of the count-fold sum
// holding all but self_composition_infinity_floor of the mass on each side (Chernoff bounds from
// the discrete MGF; the grid is coarsened to fit max_bins when allow_coarsening, else
// status.exceeded), the step PMF folded into it, its DFT raised to the power count pointwise
// (each frequency by repeated squaring), transformed back and unwrapped; then the tails are
// truncated once. Wrapped-around mass and FFT round-off go to +infinity (pessimistic).
PldPmf self_compose_pmf(const PldPmf& pmf, int64_t count, const PldCompositionOptions& options,
                        PldCompositionStatus& status);

// Rounds every loss up to the grid of step 2h (pessimistic); shift unchanged.
PldPmf coarsen_pmf(const PldPmf& pmf);

// Cuts tails of mass <= tail_mass each (upper tail to +infinity, lower tail up to the lowest kept
// bin) and drops zero bins at both ends.
void truncate_pmf_tails(PldPmf& pmf, double tail_mass);

// delta(epsilon) = infinity_mass + sum over losses l > epsilon of p(l) (1 - e^{epsilon - l}),
// in [0, 1].
double pmf_delta_for_epsilon(const PldPmf& pmf, double epsilon);

// The smallest epsilon >= 0 with pmf_delta_for_epsilon(epsilon) <= delta (exact for the discrete
// PLD); +inf when infinity_mass > delta.
double pmf_epsilon_for_delta(const PldPmf& pmf, double delta);

// Mean and variance of the finite part (normalised to its mass).
double pmf_mean(const PldPmf& pmf);
double pmf_variance(const PldPmf& pmf);

}  // namespace dpt
