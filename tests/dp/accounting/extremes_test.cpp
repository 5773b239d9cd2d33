// Accountants never crash (issue 11): a grid of extreme but valid parameters — every edge of
// sigma in [1e-12, 1e6], q in [1e-9, 1], steps in [1, 1e8], delta in [1e-300, 0.5] and points
// between — through estimate_epsilon (every accountant: the API of `dptrain epsilon` and of the
// trainer's reports) and calibrate_noise_multiplier. Each answer is finite, or +inf with a
// documented reason; nothing throws but the typed errors naming a parameter; the reported bound
// is monotone in sigma and in steps; no valid upper bound is below the exact epsilon (q = 1) or
// the PRV lower bound. The full grid (2,376 points) and its timings: bench/accounting_extremes_bench.cpp.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/calibration.hpp"
#include "dp/accounting/epsilon_summary.hpp"
#include "dp/accounting/gdp_accountant.hpp"
#include "dp/accounting/ledger_groups.hpp"
#include "dp/accounting/prv_accountant.hpp"
#include "tests/dp/accounting/test_helpers.hpp"

using namespace dpt;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// The limit for one answer (an epsilon or a calibration), on the 2 cores of CI.
constexpr double kMaxSeconds = 30.0;

const std::vector<double> kSigmas = {1e-12, 1e-3, 1.0, 1e6};    // ascending
const std::vector<double> kRates = {1e-9, 1e-3, 1.0};
const std::vector<int64_t> kSteps = {1, 10000, 100000000};      // ascending
const std::vector<double> kDeltas = {1e-300, 1e-5, 0.5};

// Why an accountant may answer +inf (docs/accounting.md, "At the extremes").
const std::set<std::string> kInfinityReasons = {"domain_exceeded", "infinity_mass_above_delta", "delta_too_small",
                                                "eps_error_relaxed", "out_of_range"};

struct Point {
  double q, sigma;
  int64_t steps;
  double delta;
  auto key() const { return std::tuple(q, sigma, steps, delta); }
  std::string describe() const {
    return "q " + format_number(q) + ", sigma " + format_number(sigma) + ", steps " + format_number(steps) +
           ", delta " + format_number(delta);
  }
};

// What the accountant certifies: its epsilon if it is a valid upper bound, else nothing (+inf);
// the GDP approximation as it is (it must be monotone too).
double reported(const EpsilonEstimate& e) {
  if (!e.upper_bound) return e.epsilon;
  return e.valid ? e.epsilon : kInf;
}

struct Grid {
  std::map<std::string, std::map<std::tuple<double, double, int64_t, double>, EpsilonEstimate>> results;
  double slowest = 0.0;
  std::string slowest_case;
  double total = 0.0;
  std::map<std::string, double> seconds;  // per accountant
  int points = 0;
};

// Every accountant at every point, computed once for all the test cases below.
const Grid& grid() {
  static const Grid g = [] {
    Grid out;
    for (const double q : kRates) {
      for (const double sigma : kSigmas) {
        for (const int64_t steps : kSteps) {
          for (const double delta : kDeltas) {
            const Point p{q, sigma, steps, delta};
            ++out.points;
            const std::vector<LedgerEntry> ledger = {{DpEvent::poisson_sampled_gaussian(q, sigma), steps}};
            for (const std::string& name : accountant_names()) {
              const auto start = std::chrono::steady_clock::now();
              EpsilonEstimate e;
              try {
                e = estimate_epsilon(name, ledger, delta);
              } catch (const std::exception& error) {
                e.accountant = name;
                e.epsilon = std::numeric_limits<double>::quiet_NaN();
                e.status = std::string("THREW: ") + error.what();
              }
              const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
              out.total += seconds;
              out.seconds[name] += seconds;
              if (seconds > out.slowest) {
                out.slowest = seconds;
                out.slowest_case = name + " at " + p.describe();
              }
              out.results[name][p.key()] = e;
            }
          }
        }
      }
    }
    std::printf("extremes grid: %d points x %zu accountants in %.2f s (rdp %.2f, pld %.2f, prv %.2f, gdp %.2f); "
                "slowest %.2f s (%s)\n",
                out.points, accountant_names().size(), out.total, out.seconds["rdp"], out.seconds["pld"],
                out.seconds["prv"], out.seconds["gdp"], out.slowest, out.slowest_case.c_str());
    return out;
  }();
  return g;
}

const EpsilonEstimate& at(const std::string& name, double q, double sigma, int64_t steps, double delta) {
  return grid().results.at(name).at(std::tuple(q, sigma, steps, delta));
}

}  // namespace

TEST_CASE("extremes: every accountant answers, finite or +inf with a reason, in bounded time") {
  for (const std::string& name : accountant_names()) {
    for (const auto& [key, e] : grid().results.at(name)) {
      const auto [q, sigma, steps, delta] = key;
      const std::string where = name + " at " + Point{q, sigma, steps, delta}.describe() + ": status " + e.status;
      CHECK_MESSAGE(e.status.rfind("THREW", 0) != 0, where);
      CHECK_MESSAGE(e.status.rfind("error", 0) != 0, where);  // a caught internal failure
      CHECK_MESSAGE(!std::isnan(e.epsilon), where);
      CHECK_MESSAGE(e.epsilon >= 0.0, where);
      CHECK_MESSAGE(e.accountant == name, where);
      CHECK_MESSAGE(e.seconds < kMaxSeconds, where, ", ", e.seconds, " s");
      if (std::isinf(e.epsilon)) CHECK_MESSAGE(kInfinityReasons.count(e.status) == 1, where);
      if (!e.valid) CHECK_MESSAGE(e.status != "ok", where);
      if (name == "rdp") CHECK_MESSAGE(std::isfinite(e.epsilon), where);  // sigma >= 1e-12: RDP never overflows
      if (name == "gdp") CHECK_FALSE(e.upper_bound);
    }
  }
  CHECK(grid().slowest < kMaxSeconds);
}

TEST_CASE("extremes: the reported epsilon is non-increasing in sigma and non-decreasing in steps") {
  for (const std::string& name : accountant_names()) {
    for (const double q : kRates) {
      for (const double delta : kDeltas) {
        for (const int64_t steps : kSteps) {
          for (size_t k = 1; k < kSigmas.size(); ++k) {
            const double smaller_sigma = reported(at(name, q, kSigmas[k - 1], steps, delta));
            const double larger_sigma = reported(at(name, q, kSigmas[k], steps, delta));
            CHECK_MESSAGE(larger_sigma <= smaller_sigma, name, " at ", Point{q, kSigmas[k], steps, delta}.describe(),
                          ": ", larger_sigma, " > ", smaller_sigma, " at sigma ", kSigmas[k - 1]);
          }
        }
        for (const double sigma : kSigmas) {
          for (size_t k = 1; k < kSteps.size(); ++k) {
            const double fewer = reported(at(name, q, sigma, kSteps[k - 1], delta));
            const double more = reported(at(name, q, sigma, kSteps[k], delta));
            CHECK_MESSAGE(more >= fewer, name, " at ", Point{q, sigma, kSteps[k], delta}.describe(), ": ", more,
                          " < ", fewer, " at steps ", kSteps[k - 1]);
          }
        }
      }
    }
  }
}

TEST_CASE("extremes: no valid upper bound is below the exact epsilon (q = 1) or the PRV lower bound") {
  for (const auto& [key, prv] : grid().results.at("prv")) {
    const auto [q, sigma, steps, delta] = key;
    const std::string where = Point{q, sigma, steps, delta}.describe();
    // q = 1: steps Gaussian steps are exactly (sqrt(steps) / sigma)-GDP (Dong, Roth & Su 2019),
    // whose epsilon(delta) gdp_epsilon computes (inf beyond 1e6).
    const double exact = q == 1.0 ? gdp_epsilon(std::sqrt(static_cast<double>(steps)) / sigma, delta) : 0.0;
    const double lower = prv.valid ? *prv.lower : 0.0;
    for (const char* name : {"rdp", "pld", "prv"}) {
      const EpsilonEstimate& e = at(name, q, sigma, steps, delta);
      if (!e.valid) continue;
      CHECK_MESSAGE(e.epsilon >= lower, name, " at ", where, ": ", e.epsilon, " below the PRV lower bound ", lower);
      if (std::isfinite(exact)) {
        CHECK_MESSAGE(e.epsilon >= exact * (1.0 - 1e-9), name, " at ", where, ": ", e.epsilon, " below exact ", exact);
      }
    }
  }
}

TEST_CASE("extremes: beyond the grid (sigma down to the smallest double, 2^53 steps, delta = 1e-320)") {
  for (const auto& [q, sigma, steps, delta] :
       {std::tuple{1.0, 5e-324, int64_t{1}, 1e-5}, {0.5, 1e-300, int64_t{1}, 1e-5}, {1e-9, 1e-200, int64_t{1000}, 0.5},
        {0.01, 1.0, int64_t{1} << 53, 1e-5}, {1.0, 1e6, int64_t{1} << 53, 1e-5}, {0.01, 1.0, int64_t{1000}, 1e-320},
        {0.5, 1e6, int64_t{1} << 53, 0.5}}) {
    const std::vector<LedgerEntry> ledger = {{DpEvent::poisson_sampled_gaussian(q, sigma), steps}};
    for (const std::string& name : accountant_names()) {
      const std::string where = name + " at " + Point{q, sigma, steps, delta}.describe();
      EpsilonEstimate e;
      CHECK_NOTHROW(e = estimate_epsilon(name, ledger, delta));
      CHECK_MESSAGE(!std::isnan(e.epsilon), where);
      CHECK_MESSAGE(e.status.rfind("error", 0) != 0, where, ": ", e.status);
      CHECK_MESSAGE(e.seconds < kMaxSeconds, where, ", ", e.seconds, " s");
      // +inf is genuine for RDP when sigma^2 underflows (the true epsilon is beyond any double).
      if (std::isinf(e.epsilon) && name != "rdp") CHECK_MESSAGE(kInfinityReasons.count(e.status) == 1, where, ": ", e.status);
    }
  }
}

TEST_CASE("extremes: estimate_epsilon throws only AccountingError naming the bad argument") {
  const std::vector<LedgerEntry> ledger = {{DpEvent::poisson_sampled_gaussian(0.01, 1.0), 100}};
  CHECK_THROWS_WITH_TEXT(AccountingError, estimate_epsilon("rdp", ledger, -1e-5), "delta must be in [0, 1]");
  CHECK_THROWS_WITH_TEXT(AccountingError, estimate_epsilon("pld", ledger, 1.5), "delta must be in [0, 1]");
  CHECK_THROWS_WITH_TEXT(AccountingError, estimate_epsilon("prv", ledger, std::nan("")), "delta must be in [0, 1]");
  CHECK_THROWS_WITH_TEXT(AccountingError, estimate_epsilon("moments", ledger, 1e-5), "accountant must be one of");
  AccountantSettings bad;
  bad.pld.value_discretization_interval = 0.0;
  CHECK_THROWS_WITH_TEXT(AccountingError, estimate_epsilon("pld", ledger, 1e-5, bad), "value_discretization_interval");
  // A ledger whose counts overflow when grouped: no bound, no exception.
  const std::vector<LedgerEntry> huge = {{DpEvent::poisson_sampled_gaussian(0.01, 1.0), INT64_MAX},
                                         {DpEvent::poisson_sampled_gaussian(0.01, 1.0), INT64_MAX}};
  for (const std::string& name : accountant_names()) {
    EpsilonEstimate e;
    CHECK_NOTHROW(e = estimate_epsilon(name, huge, 1e-5));
    CHECK_FALSE(e.valid);
    CHECK(std::isinf(e.epsilon));
  }
}

TEST_CASE("extremes: calibration meets the target or says it is unreachable, in bounded time") {
  double slowest = 0.0;
  std::string slowest_case;
  int calibrations = 0;
  for (const std::string& name : accountant_names()) {
    const AccountantFactory factory = accountant_factory(name);
    for (const double q : {1e-9, 1.0}) {
      for (const int64_t steps : {int64_t{1}, int64_t{100000000}}) {
        for (const double delta : {1e-300, 0.5}) {
          for (const double target : {1e-2, 1e2}) {
            const std::string where = name + " target " + format_number(target) + " at q " + format_number(q) +
                                      ", steps " + format_number(steps) + ", delta " + format_number(delta);
            const auto start = std::chrono::steady_clock::now();
            try {
              const NoiseCalibration c = calibrate_noise_multiplier(target, q, steps, delta, factory);
              CHECK_MESSAGE(c.noise_multiplier > 0.0, where);
              CHECK_MESSAGE(c.noise_multiplier <= kMaxNoiseMultiplier, where);
              CHECK_MESSAGE(c.epsilon <= target, where, ": ", c.epsilon);
              // What a report at that sigma states meets the target too (a valid bound, or GDP's number).
              const EpsilonEstimate e =
                  estimate_epsilon(name, {{DpEvent::poisson_sampled_gaussian(q, c.noise_multiplier), steps}}, delta);
              CHECK_MESSAGE(reported(e) <= target, where, ": sigma ", c.noise_multiplier, " reports ", e.epsilon, " ",
                            e.status);
            } catch (const UnreachableTargetError& error) {
              CHECK_MESSAGE(dpt::testing::contains(error.what(), "target_epsilon"), where, ": ", error.what());
            } catch (const std::exception& error) {
              FAIL_CHECK(where, ": unexpected ", error.what());
            }
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            CHECK_MESSAGE(seconds < kMaxSeconds, where, ", ", seconds, " s");
            if (seconds > slowest) {
              slowest = seconds;
              slowest_case = where;
            }
            ++calibrations;
          }
        }
      }
    }
  }
  std::printf("extremes calibration: %d calibrations; slowest %.2f s (%s)\n", calibrations, slowest,
              slowest_case.c_str());
}

TEST_CASE("extremes: delta >= the total variation gives epsilon = 0 exactly, for every sigma") {
  // One step of PoissonSampled(q, Gaussian(sigma)) has TV = q erf(1 / (2 sqrt(2) sigma)) <= q, so at
  // delta = q epsilon is 0 whatever sigma (the PLD gave 88.5 at sigma = 0.05 but 0 at 1e-3: not monotone).
  for (const double sigma : {1e-12, 1e-3, 0.05, 1.0, 1e6}) {
    const std::vector<LedgerEntry> one_step = {{DpEvent::poisson_sampled_gaussian(0.1, sigma), 1}};
    for (const char* name : {"pld", "prv"}) {
      const EpsilonEstimate e = estimate_epsilon(name, one_step, 0.1);
      CHECK_MESSAGE(e.epsilon == 0.0, name, " at sigma ", sigma, ": ", e.epsilon, " ", e.status);
      CHECK(e.valid);
    }
  }
  LedgerGroups groups;
  groups.groups = {{0.01, 1.0, 1}};
  groups.total_steps = 1;
  CHECK(total_variation_bound(groups) >= 0.01 * std::erf(1.0 / (2.0 * std::sqrt(2.0))));
  CHECK(total_variation_bound(groups) <= 0.01 * std::erf(1.0 / (2.0 * std::sqrt(2.0))) * (1.0 + 1e-14));
  groups.groups = {{0.01, 1.0, 1000}};
  groups.total_steps = 1000;
  const double tv = 1.0 - std::pow(1.0 - 0.01 * std::erf(1.0 / (2.0 * std::sqrt(2.0))), 1000.0);
  CHECK(total_variation_bound(groups) >= tv);
  CHECK(total_variation_bound(groups) <= tv * (1.0 + 1e-10));
  // Just below the TV of one step (exact there) the accountants compose as usual: epsilon > 0.
  const std::vector<LedgerEntry> ledger = {{DpEvent::poisson_sampled_gaussian(0.01, 1.0), 1}};
  for (const char* name : {"pld", "prv"})
    CHECK(estimate_epsilon(name, ledger, 0.999 * 0.01 * std::erf(1.0 / (2.0 * std::sqrt(2.0)))).epsilon > 0.0);
}

TEST_CASE("extremes: q = 1 steps are merged exactly (normal losses add)") {
  // 100 steps at sigma = 10 have the privacy loss of one step at sigma = 1.
  const double merged = estimate_epsilon("pld", {{DpEvent::poisson_sampled_gaussian(1.0, 10.0), 100}}, 1e-5).epsilon;
  const double single = estimate_epsilon("pld", {{DpEvent::poisson_sampled_gaussian(1.0, 1.0), 1}}, 1e-5).epsilon;
  CHECK(merged >= single);
  CHECK(dpt::testing::rel_diff(merged, single) < 1e-12);
  LedgerGroups groups;
  groups.groups = {{1.0, 1e6, int64_t{1} << 53}, {0.01, 1.0, 10}};
  groups.total_steps = (int64_t{1} << 53) + 10;
  const LedgerGroups m = merge_full_batch_steps(groups);
  REQUIRE(m.groups.size() == 2);
  const double mu2 = std::ldexp(1.0, 53) / 1e12;  // 9007.2: 9,008 steps of mu^2 ~ 1
  CHECK(m.groups[0].count == static_cast<int64_t>(std::ceil(mu2)));
  CHECK(static_cast<double>(m.groups[0].count) / (m.groups[0].noise_multiplier * m.groups[0].noise_multiplier) >=
        mu2);  // never less loss than the steps it replaces
  CHECK(m.groups[1].sampling_rate == 0.01);
  CHECK(m.total_steps == m.groups[0].count + 10);
  // Finite (and above the exact value) where 2^53 FFT powers used to drown in round-off.
  const EpsilonEstimate e = estimate_epsilon("pld", {{DpEvent::poisson_sampled_gaussian(1.0, 1e6), int64_t{1} << 53}}, 1e-5);
  CHECK(e.valid);
  CHECK(e.epsilon >= gdp_epsilon(std::sqrt(mu2), 1e-5) * (1.0 - 1e-9));
}

TEST_CASE("extremes: PRV's get_epsilon is +inf where its bracket is not certified") {
  PrvAccountant prv;
  prv.compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 100000);  // the mesh is relaxed here
  const PrvEpsilonResult r = prv.get_epsilon_result(1e-5);
  REQUIRE(r.status == PrvStatus::kEpsErrorRelaxed);
  CHECK(std::isfinite(r.upper));  // reported, but not a guarantee
  CHECK(prv.get_epsilon(1e-5) == kInf);
  CHECK(prv.get_delta(1.0) == total_variation_bound(composition_groups(prv.ledger())));
}

TEST_CASE("extremes: calibration stops, still meeting the target, where epsilon(sigma) is not monotone") {
  // 4 / sigma plus a ripple: not monotone at the 1e-6 scale, as PLD's epsilon where it is large.
  auto noisy = [](double sigma) { return 4.0 / sigma + 1e-3 * std::sin(sigma * 1e6); };
  const NoiseCalibration c = calibrate_noise_multiplier(2.0, noisy, 1e-9);
  CHECK(c.epsilon <= 2.0);
  CHECK(noisy(c.noise_multiplier) <= 2.0);
  CHECK_FALSE(c.converged);
  CHECK(c.evaluations <= kMaxCalibrationEvaluations);
  // A monotone one converges.
  CHECK(calibrate_noise_multiplier(2.0, [](double sigma) { return 4.0 / sigma; }, 1e-9).converged);
}
