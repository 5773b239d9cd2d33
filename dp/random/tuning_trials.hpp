// The number of training runs K of a private hyperparameter search (Papernot & Steinke 2022):
// the draw the accounting of repeat_and_select_rdp (dp/accounting/repeat_and_select.hpp)
// assumes. The guarantee holds only if K really is drawn from this distribution, independently of
// the data, and only the best run's output is released.
#pragma once

#include <cstdint>

#include "dp/random/random_streams.hpp"

namespace dpt {

// K never exceeds this: a sweep stays bounded. Distributions whose tail beyond it is not
// negligible are refused (draw_trial_count).
inline constexpr std::int64_t kMaxTrialCount = 10000;
// The largest P[K > kMaxTrialCount] accepted (a rigorous upper bound on it is computed).
inline constexpr double kMaxTrialTailProbability = 1e-12;

// One K: shape = +inf: K ~ Poisson(mean) (K = 0 possible: no run, nothing released); finite shape
// eta > -1: K ~ D_{eta,gamma}, the truncated negative binomial (K >= 1) with E[K] >= mean and the
// gamma of truncated_negative_binomial_gamma (eta = 1 geometric, eta = 0 logarithmic). Inverse CDF
// of one bits.uniform() (53 bits), so the same stream state gives the same K on every machine
// with IEEE doubles and the same libm (a ReproducibleRandomness stream: deterministic by seed).
// Throws AccountingError for invalid mean/shape (check_repeat_and_select_parameters) or when a
// bound on P[K > kMaxTrialCount] exceeds kMaxTrialTailProbability (e.g. Poisson mean >~ 9,300,
// geometric mean >~ 360); if, with probability below ~1e-11, the uniform lands beyond
// kMaxTrialCount, throws AccountingError rather than truncate K (truncation would change the
// distribution the accounting assumes).
// `max_count` (1 ... kMaxTrialCount) lowers the cap, e.g. to the runs a sweep may plan.
std::int64_t draw_trial_count(double mean, double shape, BitStream& bits, std::int64_t max_count = kMaxTrialCount);

// The upper bound on P[K > max_count] that draw_trial_count checks (validates like it).
double trial_count_tail_bound(double mean, double shape, std::int64_t max_count = kMaxTrialCount);

}  // namespace dpt
