// Calibration by bracketing and bisection on monotone epsilon(sigma) / epsilon(T). Conservative
// by construction: only parameters whose epsilon was computed and met the target are returned.
#include "dp/accounting/calibration.hpp"

#include <cmath>
#include <memory>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/dp_event.hpp"

namespace dpt {
namespace {

// Below this sigma, bracketing stops looking for a smaller one and returns the smallest sigma
// it verified (the target is then met by almost no noise at all).
constexpr double kMinNoiseMultiplier = 1e-6;

double checked(double epsilon, const std::string& what) {
  if (std::isnan(epsilon) || epsilon < 0.0) {
    throw AccountingError("internal error: epsilon(" + what + ") = " + format_number(epsilon) + ".");
  }
  return epsilon;
}

}  // namespace

NoiseCalibration calibrate_noise_multiplier(double target_epsilon,
                                            const std::function<double(double)>& epsilon_of_sigma, double tolerance) {
  if (!(std::isfinite(target_epsilon) && target_epsilon > 0.0)) {
    throw UnreachableTargetError("target_epsilon must be finite and > 0, but is " + format_number(target_epsilon) +
                                 ".");
  }
  DPT_ACCOUNTING_CHECK(tolerance > 0.0 && tolerance < 1.0,
                       "tolerance must be in (0, 1), but is " + format_number(tolerance) + ".");
  NoiseCalibration out;
  auto eps = [&](double sigma) {
    ++out.evaluations;
    return checked(epsilon_of_sigma(sigma), "noise_multiplier = " + format_number(sigma));
  };
  // Invariant once bracketed: eps(hi) <= target < eps(lo).
  double hi = 1.0;
  double eps_hi = eps(hi);
  double lo = 0.0;  // sigma = 0: no noise, epsilon = inf
  if (eps_hi > target_epsilon) {
    while (eps_hi > target_epsilon) {
      lo = hi;
      hi *= 2.0;
      if (hi > kMaxNoiseMultiplier) {
        throw UnreachableTargetError("target_epsilon " + format_number(target_epsilon) +
                                     " is unreachable: even noise_multiplier = " + format_number(lo) +
                                     " gives epsilon = " + format_number(eps_hi) +
                                     " (too many steps, too large a sampling rate, or too small a delta).");
      }
      eps_hi = eps(hi);
    }
  } else {
    while (lo == 0.0) {
      if (hi / 2.0 < kMinNoiseMultiplier) return NoiseCalibration{hi, eps_hi, out.evaluations};
      const double candidate = hi / 2.0;
      const double eps_candidate = eps(candidate);
      if (eps_candidate > target_epsilon) {
        lo = candidate;
      } else {
        hi = candidate;
        eps_hi = eps_candidate;
      }
    }
  }
  while (hi - lo > tolerance * hi) {
    const double mid = 0.5 * (lo + hi);
    const double eps_mid = eps(mid);
    if (eps_mid <= target_epsilon) {
      hi = mid;
      eps_hi = eps_mid;
    } else {
      lo = mid;
    }
  }
  out.noise_multiplier = hi;
  out.epsilon = eps_hi;
  return out;
}

NoiseCalibration calibrate_noise_multiplier(double target_epsilon, double sampling_rate, int64_t steps, double delta,
                                            const AccountantFactory& make_accountant, double tolerance) {
  DPT_ACCOUNTING_CHECK(steps >= 1, "steps must be >= 1, but is " + format_number(steps) + ".");
  DPT_ACCOUNTING_CHECK(sampling_rate > 0.0 && sampling_rate <= 1.0,
                       "sampling_rate must be in (0, 1], but is " + format_number(sampling_rate) + ".");
  DPT_ACCOUNTING_CHECK(delta > 0.0 && delta < 1.0, "delta must be in (0, 1), but is " + format_number(delta) + ".");
  return calibrate_noise_multiplier(
      target_epsilon,
      [&](double sigma) {
        std::unique_ptr<PrivacyAccountant> accountant = make_accountant();
        accountant->compose(DpEvent::poisson_sampled_gaussian(sampling_rate, sigma), steps);
        return accountant->get_epsilon(delta);
      },
      tolerance);
}

StepsBudget max_steps_within_budget(double target_epsilon, const std::function<double(int64_t)>& epsilon_of_steps,
                                    int64_t max_steps) {
  if (!(std::isfinite(target_epsilon) && target_epsilon >= 0.0)) {
    throw UnreachableTargetError("target_epsilon must be finite and >= 0, but is " + format_number(target_epsilon) +
                                 ".");
  }
  DPT_ACCOUNTING_CHECK(max_steps >= 1, "max_steps must be >= 1, but is " + format_number(max_steps) + ".");
  auto eps = [&](int64_t steps) { return checked(epsilon_of_steps(steps), "steps = " + format_number(steps)); };
  // Invariant: eps(lo) <= target < eps(hi).
  int64_t lo = 0;
  double eps_lo = 0.0;
  int64_t hi = 1;
  double eps_hi = eps(hi);
  while (eps_hi <= target_epsilon) {
    lo = hi;
    eps_lo = eps_hi;
    if (hi == max_steps) {
      throw UnreachableTargetError("the budget target_epsilon = " + format_number(target_epsilon) +
                                   " is not exhausted within max_steps = " + format_number(max_steps) +
                                   " (epsilon = " + format_number(eps_hi) + ").");
    }
    hi = hi > max_steps / 2 ? max_steps : 2 * hi;
    eps_hi = eps(hi);
  }
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    const double eps_mid = eps(mid);
    if (eps_mid <= target_epsilon) {
      lo = mid;
      eps_lo = eps_mid;
    } else {
      hi = mid;
    }
  }
  return StepsBudget{lo, eps_lo};
}

StepsBudget max_steps_within_budget(double target_epsilon, double sampling_rate, double noise_multiplier, double delta,
                                    const AccountantFactory& make_accountant, int64_t max_steps) {
  DPT_ACCOUNTING_CHECK(delta > 0.0 && delta < 1.0, "delta must be in (0, 1), but is " + format_number(delta) + ".");
  const DpEvent step = DpEvent::poisson_sampled_gaussian(sampling_rate, noise_multiplier);
  return max_steps_within_budget(
      target_epsilon,
      [&](int64_t steps) {
        std::unique_ptr<PrivacyAccountant> accountant = make_accountant();
        accountant->compose(step, steps);
        return accountant->get_epsilon(delta);
      },
      max_steps);
}

}  // namespace dpt
