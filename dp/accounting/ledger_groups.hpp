// The ledger of a Gaussian-only accountant (PLD, PRV, GDP) as a multiset of steps: every
// Gaussian and PoissonSampled(Gaussian) occurrence, grouped by (q, sigma) with its total count.
// Composition is commutative, so each group is self-composed once and the groups are combined.
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

}  // namespace dpt

namespace dpt {

// The compose() of the Gaussian-only accountants: validates `event` (is_gaussian_event, else
// UnsupportedEventError naming `accountant`) and `count`, checks that the grouped ledger stays
// representable, then appends (merging with an identical last line). Throws before any change.
void append_gaussian_event(std::vector<LedgerEntry>& ledger, const DpEvent& event, int64_t count,
                           const std::string& accountant);

}  // namespace dpt
