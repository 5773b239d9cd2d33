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

namespace {

// epsilon(sigma) as calibration evaluates it: every call counted, every result checked.
class CountedEpsilon {
 public:
  explicit CountedEpsilon(const std::function<double(double)>& epsilon_of_sigma) : epsilon_of_sigma_(epsilon_of_sigma) {}

  double operator()(double sigma) {
    ++evaluations_;
    return checked(epsilon_of_sigma_(sigma), "noise_multiplier = " + format_number(sigma));
  }
  [[nodiscard]] int evaluations() const { return evaluations_; }

 private:
  const std::function<double(double)>& epsilon_of_sigma_;
  int evaluations_ = 0;
};

// [sigma_lo, sigma_hi] with the epsilons computed at its ends; once bracketed,
// eps(hi) <= target < eps(lo).
struct SigmaBracket {
  double lo = 0.0;  // sigma = 0: no noise, epsilon = inf
  double eps_lo = std::numeric_limits<double>::infinity();
  double hi = 0.0;
  double eps_hi = 0.0;
};

// Step 1a, eps(hi) > target: raise hi by `factor` (squared after each step) until the target
// is met; throws UnreachableTargetError once hi reaches kMaxNoiseMultiplier without meeting it.
void raise_until_met(SigmaBracket& b, double target_epsilon, double factor, CountedEpsilon& eps) {
  while (b.eps_hi > target_epsilon) {
    if (b.hi >= kMaxNoiseMultiplier) {
      throw UnreachableTargetError(
          "target_epsilon " + format_number(target_epsilon) + " is unreachable: even noise_multiplier = " +
          format_number(b.hi) + " gives epsilon = " + format_number(b.eps_hi) +
          (std::isinf(b.eps_hi) ? " (the accountant certifies no finite epsilon here: for pld or prv, delta below "
                                  "what it can certify or its domain exceeded; try rdp)."
                                : " (too many steps, too large a sampling rate, or too small a delta)."));
    }
    b.lo = b.hi;
    b.eps_lo = b.eps_hi;
    b.hi = std::min(b.hi * factor, kMaxNoiseMultiplier);
    factor = std::min(factor * factor, 1e6);
    b.eps_hi = eps(b.hi);
  }
}

// Step 1b, eps(hi) <= target: lower a candidate by `factor` (squared after each step) until it
// misses the target (it becomes lo). False when even kMinNoiseMultiplier meets the target: the
// target is met by almost no noise, and b.hi is the smallest sigma verified.
bool lower_until_missed(SigmaBracket& b, double target_epsilon, double factor, CountedEpsilon& eps) {
  while (b.lo == 0.0) {
    if (b.hi <= kMinNoiseMultiplier) return false;
    const double candidate = std::max(b.hi / factor, kMinNoiseMultiplier);
    factor = std::min(factor * factor, 1e6);
    const double eps_candidate = eps(candidate);
    if (eps_candidate > target_epsilon) {
      b.lo = candidate;
      b.eps_lo = eps_candidate;
    } else {
      b.hi = candidate;
      b.eps_hi = eps_candidate;
    }
  }
  return true;
}

// The next sigma to evaluate inside (lo, hi): the log-log secant root of
//   log eps = log eps_lo + t (log eps_hi - log eps_lo),  log sigma = log lo + t (log hi - log lo)
// at eps = target, nudged 0.45 tolerance * hi towards the end that moved less recently, when the
// bracket halved over the last two probes; else bisection (geometric while hi > 2 lo).
double narrowing_probe(const SigmaBracket& b, double target_epsilon, double tolerance, bool moved_hi_last,
                       double width_two_probes_ago) {
  const double width = b.hi - b.lo;
  double x = b.hi > 2.0 * b.lo ? std::sqrt(b.lo * b.hi) : 0.5 * (b.lo + b.hi);
  const bool secant = width <= 0.5 * width_two_probes_ago && b.lo > 0.0 && std::isfinite(b.eps_lo) && b.eps_hi > 0.0 &&
                      b.eps_lo > b.eps_hi;
  if (secant) {
    const double t = (std::log(target_epsilon) - std::log(b.eps_lo)) / (std::log(b.eps_hi) - std::log(b.eps_lo));
    const double root = std::exp(std::log(b.lo) + t * (std::log(b.hi) - std::log(b.lo)));
    const double nudge = 0.45 * tolerance * b.hi;
    const double probe =
        std::clamp(moved_hi_last ? root - nudge : root + nudge, b.lo + 0.01 * nudge, b.hi - 0.01 * nudge);
    if (std::isfinite(probe)) x = probe;
  }
  return x;
}

// Step 2: narrow the bracket until hi - lo <= tolerance * hi, or stop early (converged = false)
// after max_evaluations, at the edge of what the accountant certifies (eps_lo = inf), or where
// epsilon(sigma) is seen not to be monotone. Returns the flags; the caller fills in the bracket.
NoiseCalibration narrow_bracket(SigmaBracket& b, double target_epsilon, double tolerance, int max_evaluations,
                                CountedEpsilon& eps) {
  NoiseCalibration out;
  bool moved_hi_last = true;
  double width_two_probes_ago = std::numeric_limits<double>::infinity();
  double width_one_probe_ago = std::numeric_limits<double>::infinity();
  while (b.hi - b.lo > tolerance * b.hi) {
    if (eps.evaluations() >= max_evaluations) {
      out.converged = false;
      break;
    }
    if (std::isinf(b.eps_lo) && b.hi - b.lo <= kCertificationEdgeTolerance * b.hi) {  // an edge, not the target
      out.converged = false;
      out.at_certification_edge = true;
      break;
    }
    const double width = b.hi - b.lo;
    const double x = narrowing_probe(b, target_epsilon, tolerance, moved_hi_last, width_two_probes_ago);
    const double eps_x = eps(x);
    // lo < x < hi: a monotone epsilon has eps_hi <= eps_x <= eps_lo. Otherwise the bracket means
    // nothing at this scale; keep what was verified and stop.
    const bool monotone = eps_x >= b.eps_hi && eps_x <= b.eps_lo;
    if (eps_x <= target_epsilon) {
      b.hi = x;
      b.eps_hi = eps_x;
      moved_hi_last = true;
    } else {
      b.lo = x;
      b.eps_lo = eps_x;
      moved_hi_last = false;
    }
    if (!monotone) {
      out.converged = false;
      break;
    }
    width_two_probes_ago = width_one_probe_ago;
    width_one_probe_ago = width;
  }
  return out;
}

}  // namespace

// 1. Bracket, from initial_sigma, by steps of a factor that squares after each step (2, 4, 16,
//    ... from the default start; 1.25, 1.56, 2.4, ... from a guess): a close guess brackets in
//    one or two evaluations, a far one still reaches the ends of [kMin, kMax] in a few.
// 2. Narrow [lo, hi] by safeguarded log-log secant / bisection (narrowing_probe): epsilon is
//    close to a power of sigma, so usually 4-8 probes instead of bisection's ~20 (accountant
//    evaluations cost up to seconds); bisection whenever the bracket did not halve over the last
//    two probes (PLD's epsilon(sigma) has steps; +inf has no secant).
NoiseCalibration calibrate_noise_multiplier(double target_epsilon,
                                            const std::function<double(double)>& epsilon_of_sigma, double tolerance,
                                            double initial_sigma, int max_evaluations) {
  check_finite_positive<UnreachableTargetError>(target_epsilon, "target_epsilon");
  check_in<AccountingError>(tolerance, Bounds::open(0.0, 1.0), "tolerance");
  check_finite_positive<AccountingError>(initial_sigma, "initial_sigma");
  check_at_least<AccountingError>(max_evaluations, 1, "max_evaluations");
  CountedEpsilon eps(epsilon_of_sigma);
  SigmaBracket b;
  b.hi = std::clamp(initial_sigma, kMinNoiseMultiplier, kMaxNoiseMultiplier);
  b.eps_hi = eps(b.hi);
  const double factor = initial_sigma == 1.0 ? 2.0 : kGuessBracketFactor;
  if (b.eps_hi > target_epsilon) {
    raise_until_met(b, target_epsilon, factor, eps);
  } else if (!lower_until_missed(b, target_epsilon, factor, eps)) {
    return NoiseCalibration{b.hi, b.eps_hi, eps.evaluations(), 1.0};
  }
  NoiseCalibration out = narrow_bracket(b, target_epsilon, tolerance, max_evaluations, eps);
  out.noise_multiplier = b.hi;
  out.epsilon = b.eps_hi;
  out.evaluations = eps.evaluations();
  out.relative_width = (b.hi - b.lo) / b.hi;
  out.lower_epsilon = b.eps_lo;
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
