// Calibration: the smallest noise multiplier meeting a target epsilon (bracket, then narrow by
// safeguarded secant steps, returning the upper end so the target always holds, like Opacus's
// get_noise_multiplier), and the largest number of steps within a budget. Generic over the
// accountant.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>

#include "dp/accounting/privacy_accountant.hpp"

namespace dpt {

// Bisection stops when (sigma_hi - sigma_lo) <= tolerance * sigma_hi.
inline constexpr double kDefaultCalibrationTolerance = 1e-6;
// Bracketing gives up beyond this noise multiplier (the target is then called unreachable).
inline constexpr double kMaxNoiseMultiplier = 1e6;
// Narrowing stops after this many evaluations of epsilon(sigma) in all (bisection needs ~25), by
// default; callers with expensive accountants pass a smaller max_evaluations.
inline constexpr int kMaxCalibrationEvaluations = 60;
// Narrowing towards a lower end whose epsilon is +inf (below it the accountant certifies nothing:
// PLD's or PRV's domain or delta floor, RDP's overflow at a tiny sigma) stops at this relative
// width: the answer is then that edge, not a crossing of the target, and locating an edge to
// 1e-6 costs ~10 more bisections of up to seconds each (docs/accounting.md, "Bounded work").
inline constexpr double kCertificationEdgeTolerance = 1e-3;
// max_steps_within_budget gives up beyond this many steps.
inline constexpr int64_t kMaxBudgetSteps = int64_t{1} << 50;

struct NoiseCalibration {
  double noise_multiplier = 0.0;  // sigma with epsilon(sigma) <= target; sigma*(1 - tolerance) does not
  double epsilon = 0.0;           // epsilon(noise_multiplier), <= target
  int evaluations = 0;            // calls of epsilon(sigma)
  // (sigma_hi - sigma_lo) / sigma_hi of the final bracket: sigma (1 - relative_width) does not
  // meet the target (<= tolerance when converged; 1 when no sigma below was evaluated).
  double relative_width = 1.0;
  // epsilon at that lower end, > target: +inf where the accountant certifies nothing (or sigma = 0).
  double lower_epsilon = std::numeric_limits<double>::infinity();
  // false: narrowing stopped before the bracket was within tolerance, because epsilon(sigma) was
  // seen NOT to be monotone at that scale (PLD's discretisation noise where epsilon is large) or
  // after max_evaluations. noise_multiplier still meets the target (its epsilon was computed); it
  // may only be larger than necessary by more than the tolerance (by relative_width at most, where
  // epsilon is monotone).
  bool converged = true;
  // true (with converged = false): narrowing stopped at kCertificationEdgeTolerance because the
  // lower end's epsilon is +inf; epsilon there is <= target and noise_multiplier is within that
  // relative width of the smallest sigma the accountant certifies any epsilon for.
  bool at_certification_edge = false;
};

struct StepsBudget {
  int64_t steps = 0;     // the largest T with epsilon(T) <= target (0 if even one step exceeds it)
  double epsilon = 0.0;  // epsilon(steps) (0 for 0 steps)
};

// Smallest sigma with epsilon_of_sigma(sigma) <= target_epsilon, for any epsilon(sigma) that is
// non-increasing in sigma (+inf allowed). Bracket: from initial_sigma, step down or up by a
// growing factor until the target is crossed; narrow by safeguarded log-log secant steps until the
// relative bracket width is <= tolerance; return the upper end, whose epsilon was computed and is
// <= target (and sigma (1 - tolerance) is below the lower end, whose epsilon exceeds it). If a
// probe shows epsilon not monotone, or after max_evaluations (bracketing may use ~7 more), or when the lower end's
// epsilon is +inf and the width is <= kCertificationEdgeTolerance (at_certification_edge),
// narrowing stops with converged = false (the upper end still meets the target). Throws
// UnreachableTargetError when target_epsilon is not finite and > 0, or when even sigma =
// kMaxNoiseMultiplier exceeds the target; AccountingError for a bad tolerance or initial_sigma.
NoiseCalibration calibrate_noise_multiplier(double target_epsilon,
                                            const std::function<double(double)>& epsilon_of_sigma,
                                            double tolerance = kDefaultCalibrationTolerance,
                                            double initial_sigma = 1.0,
                                            int max_evaluations = kMaxCalibrationEvaluations);

// The same for DP-SGD: `steps` Poisson-sampled Gaussian steps at rate `sampling_rate`, epsilon at
// `delta`, as certified by accountants made by `make_accountant` (their get_epsilon: +inf where
// they certify nothing, so the sigma returned always has a valid bound). Bracketing starts at the
// GDP approximation's sigma (cheap), which only saves evaluations.
NoiseCalibration calibrate_noise_multiplier(double target_epsilon, double sampling_rate, int64_t steps, double delta,
                                            const AccountantFactory& make_accountant,
                                            double tolerance = kDefaultCalibrationTolerance,
                                            int max_evaluations = kMaxCalibrationEvaluations);

// Largest T in [0, max_steps] with epsilon_of_steps(T) <= target_epsilon, for epsilon(T)
// non-decreasing in T: doubling, then bisection on integers. Throws UnreachableTargetError when
// target_epsilon is not finite and >= 0, or when epsilon(max_steps) is still within the target.
StepsBudget max_steps_within_budget(double target_epsilon, const std::function<double(int64_t)>& epsilon_of_steps,
                                    int64_t max_steps = kMaxBudgetSteps);

// The same for DP-SGD steps PoissonSampled(q, Gaussian(sigma)) at `delta`.
StepsBudget max_steps_within_budget(double target_epsilon, double sampling_rate, double noise_multiplier, double delta,
                                    const AccountantFactory& make_accountant, int64_t max_steps = kMaxBudgetSteps);

}  // namespace dpt
