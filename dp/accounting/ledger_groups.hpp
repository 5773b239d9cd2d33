// The ledger of a Gaussian-only accountant (PLD, PRV, GDP) as a multiset of steps: every
// Gaussian and PoissonSampled(Gaussian) occurrence, grouped by (q, sigma) with its total count.
// Composition is commutative, so each group is self-composed once and the groups are combined.
// Also two exact facts the PLD and PRV use at the extremes: q = 1 steps merge (normal losses
// add), and delta >= the total variation bound means epsilon = 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dp/accounting/dp_event.hpp"
#include "dp/accounting/privacy_accountant.hpp"

namespace dpt {

// `count` steps of PoissonSampled(q, Gaussian(sigma)) (q = 1 for a bare Gaussian).
struct GaussianStepGroup {
  double sampling_rate = 1.0;
  double noise_multiplier = 0.0;
  int64_t count = 0;
};

struct LedgerGroups {
  std::vector<GaussianStepGroup> groups;  // distinct (q, sigma) with q > 0, in first-seen order
  bool non_private = false;               // a NonPrivate event was composed: epsilon = inf
  int64_t total_steps = 0;                // sum of the group counts
};

// Whether `event` is built from Gaussian, PoissonSampled(Gaussian), SelfComposed, Composed, NoOp
// and NonPrivate only.
bool is_gaussian_event(const DpEvent& event);

// Adds `count` occurrences of `event` (throws UnsupportedEventError / AccountingError on an
// unsupported event or a count overflow; `groups` is then unspecified).
void add_to_groups(const DpEvent& event, int64_t count, LedgerGroups& groups);

LedgerGroups group_ledger(const std::vector<LedgerEntry>& ledger);

// The same composition with all its q = 1 groups merged into as few equal steps as the PLD grid
// allows: n_i Gaussian steps of noise sigma_i (sensitivity 1) have exactly the privacy loss
// distribution of k steps of noise sqrt(k) / mu, mu^2 = sum n_i / sigma_i^2, for any k: the loss of
// each step is normal, N(1/(2 sigma^2), 1/sigma^2), and normals add (Dong, Roth & Su 2019, Cor.
// 3.3). k is the smallest with mu / sqrt(k) <= 1 (each merged step no more revealing than one at
// sigma = 1): 100 steps at sigma = 10 become one, 2^53 at sigma = 1e6 become 9,007. So the PLD and
// PRV compose k steps instead of up to 2^53 (faster, tighter, and with far less FFT round-off
// charged to delta). The merged noise is rounded down (more loss). Unchanged when k would not be
// smaller than the number of q = 1 steps, or some q = 1 step has sigma = 0.
LedgerGroups merge_full_batch_steps(const LedgerGroups& groups);

// merge_full_batch_steps(group_ledger(ledger)): the groups the PLD and PRV accountants compose.
LedgerGroups composition_groups(const std::vector<LedgerEntry>& ledger);

// An upper bound on the total variation distance between the outputs of the composition on
// neighbouring datasets, i.e. on delta(0): epsilon(delta) = 0 is exact for every delta >= it. One
// step of PoissonSampled(q, Gaussian(sigma)) has TV = q erf(1 / (2 sqrt(2) sigma)) exactly in either
// direction (P - Q = q (N(1, sigma^2) - N(0, sigma^2))); a (possibly adaptive) composition of
// (0, t_i)-DP steps is (0, 1 - prod(1 - t_i))-DP (Kairouz, Oh & Viswanath 2015, Thm. 3.3 at
// epsilon = 0). Rounded up; 1 with a NonPrivate event or a step with sigma = 0 and q = 1; 0 for no steps.
double total_variation_bound(const LedgerGroups& groups);

}  // namespace dpt

namespace dpt {

// The compose() of the Gaussian-only accountants: validates `event` (is_gaussian_event, else
// UnsupportedEventError naming `accountant`) and `count`, checks that the grouped ledger stays
// representable, then appends (merging with an identical last line). Throws before any change.
void append_gaussian_event(std::vector<LedgerEntry>& ledger, const DpEvent& event, int64_t count,
                           const std::string& accountant);

}  // namespace dpt
