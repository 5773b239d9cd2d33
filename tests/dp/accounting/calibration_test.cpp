// Calibration: the noise multiplier for a target epsilon against Opacus's get_noise_multiplier
// and dp_accounting's calibration (reference file), conservativeness, the steps budget, and
// errors for unreachable targets.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/calibration.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "tests/dp/accounting/test_helpers.hpp"

using namespace dpt;
using dpt::testing::ref_number;
using dpt::testing::reference;
using dpt::testing::rel_diff;

namespace {

double rdp_epsilon(double q, double sigma, int64_t steps, double delta) {
  RdpAccountant accountant;
  accountant.compose(DpEvent::poisson_sampled_gaussian(q, sigma), steps);
  return accountant.get_epsilon(delta);
}

}  // namespace

TEST_CASE("calibration: sigma within 0.5% of Opacus and dp_accounting, target met, and within 1% of it") {
  std::printf("%-26s %12s %12s %12s %9s %9s %12s\n", "inverse case", "ours", "opacus", "dpacc", "vs_opacus", "vs_dpacc",
              "eps(ours)");
  for (const nlohmann::json& c : reference()["inverse"]) {
    const double target = c["target_eps"].get<double>();
    const double q = c["q"].get<double>();
    const double delta = c["delta"].get<double>();
    const int64_t steps = c["steps"].get<int64_t>();
    const NoiseCalibration ours = calibrate_noise_multiplier(target, q, steps, delta, rdp_accountant_factory());
    const double opacus = ref_number(c["methods"]["opacus_get_noise_multiplier_rdp"]["sigma"]);
    const double dpacc = ref_number(c["methods"]["dpacc_calibrate_rdp"]["sigma"]);
    const std::string name = c["name"].get<std::string>();
    CHECK_MESSAGE(rel_diff(ours.noise_multiplier, opacus) < 5e-3, name, ": ", ours.noise_multiplier, " vs ", opacus);
    CHECK_MESSAGE(rel_diff(ours.noise_multiplier, dpacc) < 5e-3, name, ": ", ours.noise_multiplier, " vs ", dpacc);
    CHECK(ours.epsilon <= target);
    CHECK(ours.epsilon >= 0.99 * target);
    CHECK(rdp_epsilon(q, ours.noise_multiplier, steps, delta) == ours.epsilon);
    std::printf("%-26s %12.8f %12.8f %12.8f %9.2e %9.2e %12.9f\n", name.c_str(), ours.noise_multiplier, opacus, dpacc,
                (ours.noise_multiplier - opacus) / opacus, (ours.noise_multiplier - dpacc) / dpacc, ours.epsilon);
  }
}

TEST_CASE("calibration is conservative: the target holds at sigma, not a tolerance below it") {
  for (const auto& [target, q, steps] :
       {std::tuple{0.5, 0.01, 1000}, {3.0, 0.001, 100000}, {8.0, 0.1, 200}, {2.0, 1.0, 10}}) {
    const NoiseCalibration c = calibrate_noise_multiplier(target, q, steps, 1e-5, rdp_accountant_factory());
    CHECK(c.epsilon <= target);
    CHECK(rdp_epsilon(q, c.noise_multiplier, steps, 1e-5) <= target);
    CHECK(rdp_epsilon(q, c.noise_multiplier * (1.0 - 2.0 * kDefaultCalibrationTolerance), steps, 1e-5) > target);
  }
}

TEST_CASE("calibration is generic over epsilon(sigma)") {
  const NoiseCalibration c = calibrate_noise_multiplier(
      0.5, [](double sigma) { return 1.0 / sigma; }, 1e-9);
  CHECK(c.noise_multiplier == doctest::Approx(2.0).epsilon(1e-8));
  CHECK(1.0 / c.noise_multiplier <= 0.5);
  const NoiseCalibration tiny = calibrate_noise_multiplier(1e3, [](double sigma) { return 1.0 / sigma; });
  CHECK(tiny.noise_multiplier == doctest::Approx(1e-3).epsilon(1e-5));
}

TEST_CASE("calibration: unreachable targets and bad inputs say which") {
  CHECK_THROWS_WITH_TEXT(UnreachableTargetError,
                         calibrate_noise_multiplier(0.0, 0.01, 100, 1e-5, rdp_accountant_factory()),
                         "target_epsilon must be finite and > 0, but is 0.");
  CHECK_THROWS_WITH_TEXT(UnreachableTargetError,
                         calibrate_noise_multiplier(-1.0, 0.01, 100, 1e-5, rdp_accountant_factory()), "target_epsilon");
  CHECK_THROWS_WITH_TEXT(UnreachableTargetError,
                         calibrate_noise_multiplier(1e-12, 1.0, 10'000'000, 1e-9, rdp_accountant_factory()),
                         "is unreachable: even noise_multiplier = ");
  CHECK_THROWS_WITH_TEXT(AccountingError, calibrate_noise_multiplier(1.0, 1.5, 100, 1e-5, rdp_accountant_factory()),
                         "sampling_rate must be in (0, 1], but is 1.5.");
  CHECK_THROWS_WITH_TEXT(AccountingError, calibrate_noise_multiplier(1.0, 0.01, 0, 1e-5, rdp_accountant_factory()),
                         "steps must be >= 1, but is 0.");
  CHECK_THROWS_WITH_TEXT(AccountingError, calibrate_noise_multiplier(1.0, 0.01, 100, 0.0, rdp_accountant_factory()),
                         "delta must be in (0, 1), but is 0.");
}

TEST_CASE("calibration: bounded evaluations, and the relative width it reached") {
  const auto four_over_sigma = [](double sigma) { return 4.0 / sigma; };  // target 2: sigma = 2
  SUBCASE("converged: the width is within the tolerance") {
    const NoiseCalibration c = calibrate_noise_multiplier(2.0, four_over_sigma, 1e-9);
    CHECK(c.converged);
    CHECK(c.relative_width <= 1e-9);
    CHECK(c.noise_multiplier == doctest::Approx(2.0).epsilon(1e-9));
  }
  SUBCASE("max_evaluations stops narrowing; sigma still meets the target, (1 - width) sigma does not") {
    const auto curve = [](double sigma) { return 1.0 / sigma + std::pow(sigma, -4.0); };  // no power law
    for (const int budget : {1, 3, 5, 8}) {
      CAPTURE(budget);
      const NoiseCalibration c = calibrate_noise_multiplier(0.5, curve, 1e-9, 1.0, budget);
      CHECK(c.evaluations <= std::max(budget, 3));  // bracketing from 1 takes 3 (1, 2, 8)
      CHECK(c.epsilon <= 0.5);
      CHECK(curve(c.noise_multiplier * (1.0 - c.relative_width)) > 0.5);
      if (!c.converged) CHECK(c.lower_epsilon == doctest::Approx(curve(c.noise_multiplier * (1.0 - c.relative_width))));
    }
    CHECK_FALSE(calibrate_noise_multiplier(0.5, curve, 1e-9, 1.0, 3).converged);
    CHECK(calibrate_noise_multiplier(0.5, curve, 1e-9, 1.0).converged);
    CHECK_THROWS_WITH_TEXT(AccountingError, calibrate_noise_multiplier(2.0, four_over_sigma, 1e-9, 1.0, 0),
                           "max_evaluations must be >= 1, but is 0.");
  }
  SUBCASE("an edge below which epsilon is +inf is located to kCertificationEdgeTolerance, not to 1e-12") {
    // PLD/PRV certify nothing below some sigma (their domain or delta floor): epsilon jumps from
    // +inf to below the target, and a 1e-6 bisection of that jump once cost ~10 more evaluations.
    int calls = 0;
    const auto edge = [&](double sigma) {
      ++calls;
      return sigma < 3.0 ? std::numeric_limits<double>::infinity() : 1.0 / sigma;
    };
    const NoiseCalibration c = calibrate_noise_multiplier(1.0, edge, 1e-12);
    CHECK(c.at_certification_edge);
    CHECK_FALSE(c.converged);
    CHECK(c.noise_multiplier >= 3.0);
    CHECK(c.relative_width <= kCertificationEdgeTolerance);
    CHECK(c.noise_multiplier <= 3.0 * (1.0 + kCertificationEdgeTolerance));
    CHECK(c.evaluations == calls);
    CHECK(std::isinf(c.lower_epsilon));
    CHECK(calls <= 16);
  }
}

TEST_CASE("max_steps_within_budget: the largest T with epsilon(T) <= target") {
  SUBCASE("generic") {
    const StepsBudget b =
        max_steps_within_budget(1.0, [](int64_t steps) { return 0.001 * static_cast<double>(steps); });
    CHECK(b.steps == 1000);
    CHECK(b.epsilon <= 1.0);
    CHECK(max_steps_within_budget(1e-4, [](int64_t steps) { return 0.001 * static_cast<double>(steps); }).steps == 0);
    CHECK_THROWS_WITH_TEXT(UnreachableTargetError,
                           max_steps_within_budget(
                               1.0, [](int64_t) { return 0.0; }, 1000),
                           "not exhausted within max_steps = 1000");
  }
  SUBCASE("DP-SGD with RDP") {
    const StepsBudget b = max_steps_within_budget(3.0, 0.01, 1.0, 1e-5, rdp_accountant_factory());
    CHECK(b.steps > 0);
    CHECK(rdp_epsilon(0.01, 1.0, b.steps, 1e-5) <= 3.0);
    CHECK(rdp_epsilon(0.01, 1.0, b.steps + 1, 1e-5) > 3.0);
    CHECK(b.epsilon == rdp_epsilon(0.01, 1.0, b.steps, 1e-5));
  }
}
