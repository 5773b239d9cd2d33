// Calibration by bracketing and safeguarded secant / bisection on monotone epsilon(sigma), and
// bisection on epsilon(T). Conservative by construction: only parameters whose epsilon was
// computed and met the target are returned.
#include "dp/accounting/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/dp_event.hpp"
#include "dp/accounting/gdp_accountant.hpp"

namespace dpt {
namespace {

// Below this sigma, bracketing stops looking for a smaller one and returns the smallest sigma
// it verified (the target is then met by almost no noise at all).
constexpr double kMinNoiseMultiplier = 1e-6;
// The first bracketing step from a guessed sigma.
constexpr double kGuessBracketFactor = 1.25;

// The GDP approximation's sigma for the same question (microseconds per evaluation), to start the
// bracketing of an accountant's calibration near its answer (for many steps GDP is within a few
// percent of it); 1 when GDP has none. It only saves evaluations: what is returned is checked
// with the accountant itself.
double gdp_guess(double target_epsilon, double sampling_rate, int64_t steps, double delta) {
  try {
    return calibrate_noise_multiplier(
               target_epsilon,
               [&](double sigma) {
                 GdpAccountant gdp;
                 gdp.compose(DpEvent::poisson_sampled_gaussian(sampling_rate, sigma), steps);
                 return gdp.get_epsilon(delta);
               },
               1e-3)
        .noise_multiplier;
  } catch (const AccountingError&) {
    return 1.0;
  }
}

double checked(double epsilon, const std::string& what) {
  if (std::isnan(epsilon) || epsilon < 0.0) {
    throw AccountingError("internal error: epsilon(" + what + ") = " + format_number(epsilon) + ".");
  }
  return epsilon;
}

}  // namespace

NoiseCalibration calibrate_noise_multiplier(double target_epsilon,
                                            const std::function<double(double)>& epsilon_of_sigma, double tolerance,
                                            double initial_sigma, int max_evaluations) {
  check_finite_positive<UnreachableTargetError>(target_epsilon, "target_epsilon");
  check_in<AccountingError>(tolerance, Bounds::open(0.0, 1.0), "tolerance");
  check_finite_positive<AccountingError>(initial_sigma, "initial_sigma");
  check_at_least<AccountingError>(max_evaluations, 1, "max_evaluations");
  NoiseCalibration out;
  auto eps = [&](double sigma) {
    ++out.evaluations;
    return checked(epsilon_of_sigma(sigma), "noise_multiplier = " + format_number(sigma));
  };
  // 1. Bracket, from initial_sigma, by steps of a factor that squares after each step (2, 4, 16,
  //    ... from the default start; 1.25, 1.56, 2.4, ... from a guess): a close guess brackets in
  //    one or two evaluations, a far one still reaches the ends of [kMin, kMax] in a few.
  //    Invariant once bracketed: eps(hi) <= target < eps(lo).
  double hi = std::clamp(initial_sigma, kMinNoiseMultiplier, kMaxNoiseMultiplier);
  double eps_hi = eps(hi);
  double lo = 0.0;  // sigma = 0: no noise, epsilon = inf
  double eps_lo = std::numeric_limits<double>::infinity();
  double factor = initial_sigma == 1.0 ? 2.0 : kGuessBracketFactor;
  if (eps_hi > target_epsilon) {
    while (eps_hi > target_epsilon) {
      if (hi >= kMaxNoiseMultiplier) {
        throw UnreachableTargetError(
            "target_epsilon " + format_number(target_epsilon) + " is unreachable: even noise_multiplier = " +
            format_number(hi) + " gives epsilon = " + format_number(eps_hi) +
            (std::isinf(eps_hi) ? " (the accountant certifies no finite epsilon here: for pld or prv, delta below "
                                  "what it can certify or its domain exceeded; try rdp)."
                                : " (too many steps, too large a sampling rate, or too small a delta)."));
      }
      lo = hi;
      eps_lo = eps_hi;
      hi = std::min(hi * factor, kMaxNoiseMultiplier);
      factor = std::min(factor * factor, 1e6);
      eps_hi = eps(hi);
    }
  } else {
    while (lo == 0.0) {
      // The target is met by almost no noise: the smallest sigma verified is returned.
      if (hi <= kMinNoiseMultiplier) return NoiseCalibration{hi, eps_hi, out.evaluations, 1.0};
      const double candidate = std::max(hi / factor, kMinNoiseMultiplier);
      factor = std::min(factor * factor, 1e6);
      const double eps_candidate = eps(candidate);
      if (eps_candidate > target_epsilon) {
        lo = candidate;
        eps_lo = eps_candidate;
      } else {
        hi = candidate;
        eps_hi = eps_candidate;
      }
    }
  }
  // 2. Narrow [lo, hi] until hi - lo <= tolerance * hi. Each probe is the log-log secant root
  //    (epsilon is close to a power of sigma), moved 0.45 tolerance * hi towards the end that moved
  //    less recently, so that an accurate secant closes the bracket with the next probe; a
  //    bisection step (geometric while hi > 2 lo) whenever the bracket did not halve over the last
  //    two probes (PLD's epsilon(sigma) has steps; +inf has no secant). Usually 4-8 probes instead
  //    of bisection's ~20; accountant evaluations cost up to seconds.
  bool moved_hi_last = true;
  double width_two_probes_ago = std::numeric_limits<double>::infinity();
  double width_one_probe_ago = std::numeric_limits<double>::infinity();
  while (hi - lo > tolerance * hi) {
    if (out.evaluations >= max_evaluations) {
      out.converged = false;
      break;
    }
    if (std::isinf(eps_lo) && hi - lo <= kCertificationEdgeTolerance * hi) {  // an edge, not the target
      out.converged = false;
      out.at_certification_edge = true;
      break;
    }
    const double width = hi - lo;
    double x = hi > 2.0 * lo ? std::sqrt(lo * hi) : 0.5 * (lo + hi);
    const bool secant = width <= 0.5 * width_two_probes_ago && lo > 0.0 && std::isfinite(eps_lo) && eps_hi > 0.0 &&
                        eps_lo > eps_hi;
    if (secant) {
      const double t = (std::log(target_epsilon) - std::log(eps_lo)) / (std::log(eps_hi) - std::log(eps_lo));
      const double root = std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo)));
      const double nudge = 0.45 * tolerance * hi;
      const double probe = std::clamp(moved_hi_last ? root - nudge : root + nudge, lo + 0.01 * nudge, hi - 0.01 * nudge);
      if (std::isfinite(probe)) x = probe;
    }
    const double eps_x = eps(x);
    // lo < x < hi: a monotone epsilon has eps_hi <= eps_x <= eps_lo. Otherwise the bracket means
    // nothing at this scale; keep what was verified and stop.
    const bool monotone = eps_x >= eps_hi && eps_x <= eps_lo;
    if (eps_x <= target_epsilon) {
      hi = x;
      eps_hi = eps_x;
      moved_hi_last = true;
    } else {
      lo = x;
      eps_lo = eps_x;
      moved_hi_last = false;
    }
    if (!monotone) {
      out.converged = false;
      break;
    }
    width_two_probes_ago = width_one_probe_ago;
    width_one_probe_ago = width;
  }
  out.noise_multiplier = hi;
  out.epsilon = eps_hi;
  out.relative_width = (hi - lo) / hi;
  out.lower_epsilon = eps_lo;
  return out;
}

NoiseCalibration calibrate_noise_multiplier(double target_epsilon, double sampling_rate, int64_t steps, double delta,
                                            const AccountantFactory& make_accountant, double tolerance,
                                            int max_evaluations) {
  check_at_least<AccountingError>(steps, 1, "steps");
  check_in<AccountingError>(sampling_rate, Bounds::left_open(0.0, 1.0), "sampling_rate");
  check_in<AccountingError>(delta, Bounds::open(0.0, 1.0), "delta");
  return calibrate_noise_multiplier(
      target_epsilon,
      [&](double sigma) {
        std::unique_ptr<PrivacyAccountant> accountant = make_accountant();
        accountant->compose(DpEvent::poisson_sampled_gaussian(sampling_rate, sigma), steps);
        return accountant->get_epsilon(delta);
      },
      tolerance, gdp_guess(target_epsilon, sampling_rate, steps, delta), max_evaluations);
}

StepsBudget max_steps_within_budget(double target_epsilon, const std::function<double(int64_t)>& epsilon_of_steps,
                                    int64_t max_steps) {
  check_finite_non_negative<UnreachableTargetError>(target_epsilon, "target_epsilon");
  check_at_least<AccountingError>(max_steps, 1, "max_steps");
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
  check_in<AccountingError>(delta, Bounds::open(0.0, 1.0), "delta");
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
