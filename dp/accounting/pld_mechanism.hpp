// Discretised privacy loss of ONE step of the Poisson-subsampled Gaussian mechanism (sensitivity
// 1, noise multiplier sigma, sampling rate q) under add/remove-one adjacency, in either direction
// (dp_accounting's AdjacencyType.REMOVE / ADD): remove: P = (1-q) N(0, s^2) + q N(1, s^2) vs
// Q = N(0, s^2); add: P = N(0, s^2) vs Q = that mixture. L(x) = log(P(x)/Q(x)), x ~ P.
// Three discretisations: connect-the-dots (Doroshenko et al. 2022; pessimistic, dp_accounting's
// default), pessimistic rounding (loss rounded up to the grid), and the cell-centred,
// mean-corrected one of the PRV accountant (Gopi, Lee & Wutschitz 2021), which is not a bound by
// itself (prv_accountant.cpp adds its error terms).
#pragma once

#include <cstdint>
#include <string>

#include "dp/accounting/pld_pmf.hpp"

namespace dpt {

enum class PldDirection { kRemove, kAdd };
std::string to_string(PldDirection direction);  // "remove" / "add"

enum class PldDiscretisation {
  kConnectTheDots,        // delta(eps) of the discrete PLD = the true one at grid points, above it between
  kPessimisticRounding,   // each loss rounded up to the next grid point
};
std::string to_string(PldDiscretisation discretisation);  // "connect_the_dots" / "pessimistic_rounding"

// Losses are kept on the grid up to this value; the mass beyond goes to +infinity (pessimistic).
inline constexpr double kMaxGridLoss = 300.0;
// Both tails of x beyond kTailSigmas noise standard deviations (mass ~1e-23) are cut.
inline constexpr double kTailSigmas = 10.0;

// The PLD of one step, pessimistic (delta(eps) computed from it is >= the true one for every eps).
// q in [0, 1], sigma >= 0, interval > 0. When the grid would exceed max_bins, the interval is
// doubled until it fits (pmf.coarsenings counts the doublings), however coarse that is: callers
// that need a bounded interval check subsampled_gaussian_grid_bins first. Throws AccountingError
// when the loss range is not finite (subsampled_gaussian_grid_bins = INT64_MAX).
PldPmf subsampled_gaussian_pld(double sampling_rate, double noise_multiplier, PldDirection direction,
                               double interval, PldDiscretisation discretisation, int64_t max_bins);

// PRV discretisation of one step: Y = L clamped to the grid's range, each cell (t - h/2, t + h/2]
// put at its centre t, all centres shifted so that the mean equals E[Y].
struct PrvStep {
  PldPmf pmf;                 // infinity_mass = 0, shift = the mean correction
  double tail_mass = 0.0;     // P(L outside the clamped range): Y != L only there
  double mean_error = 0.0;    // bound on the error of the computed E[Y] (quadrature)
};
// Requires 0 < q <= 1, sigma > 0, mesh > 0, and at most 2^27 bins at that mesh
// (subsampled_gaussian_grid_bins); throws AccountingError otherwise.
PrvStep subsampled_gaussian_prv(double sampling_rate, double noise_multiplier, PldDirection direction, double mesh);

// A lower bound on PrvStep::tail_mass at every mesh <= max_mesh (the clamped range [a, b] lies
// within max_mesh of the loss range): P(L <= lmin - max_mesh) + P(L > lmax + max_mesh), shrunk by
// 1e-9 relative against rounding. Requires 0 < q <= 1, sigma > 0, max_mesh > 0.
double subsampled_gaussian_prv_tail_floor(double sampling_rate, double noise_multiplier, PldDirection direction,
                                          double max_mesh);

// The number of grid bins one step spans at `interval` (without building it); INT64_MAX when no
// grid of that step holds the loss (a range beyond 2^62 steps, or not finite: sigma^2 underflows).
int64_t subsampled_gaussian_grid_bins(double sampling_rate, double noise_multiplier, PldDirection direction,
                                      double interval);

}  // namespace dpt
