// draw_trial_count: the distributions Papernot & Steinke 2022 account for, deterministic by seed,
// and bounded (a distribution whose K may exceed kMaxTrialCount is refused).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>

#include "dp/accounting/accounting_error.hpp"
#include "dp/random/tuning_trials.hpp"

using namespace dpt;

namespace {
const double kInf = std::numeric_limits<double>::infinity();

struct Moments {
  double mean = 0.0;
  double p0 = 0.0;  // fraction of K = 0
  double p1 = 0.0;  // fraction of K = 1
};

Moments sample(double mean, double shape, int n, uint64_t seed) {
  const ReproducibleRandomness source(seed);
  auto bits = source.stream(StreamPurpose::kSweep, 1);
  Moments m;
  for (int i = 0; i < n; ++i) {
    const std::int64_t k = draw_trial_count(mean, shape, *bits);
    m.mean += static_cast<double>(k) / n;
    if (k == 0) m.p0 += 1.0 / n;
    if (k == 1) m.p1 += 1.0 / n;
  }
  return m;
}
}  // namespace

TEST_CASE("trial counts: Poisson(3) and geometric(E[K] = 4) have their means and point masses") {
  const int n = 40000;
  const Moments poisson = sample(3.0, kInf, n, 11);
  CHECK(std::fabs(poisson.mean - 3.0) < 5.0 * std::sqrt(3.0 / n));
  CHECK(std::fabs(poisson.p0 - std::exp(-3.0)) < 5.0 * std::sqrt(std::exp(-3.0) / n));
  // eta = 1, gamma = 1/4: P[K = k] = gamma (1 - gamma)^(k-1), variance (1 - gamma)/gamma^2 = 12.
  const Moments geometric = sample(4.0, 1.0, n, 12);
  CHECK(geometric.p0 == 0.0);
  CHECK(std::fabs(geometric.mean - 4.0) < 5.0 * std::sqrt(12.0 / n));
  CHECK(std::fabs(geometric.p1 - 0.25) < 5.0 * std::sqrt(0.25 * 0.75 / n));
}

TEST_CASE("trial counts: the same stream gives the same K") {
  for (double shape : {0.0, 1.0, kInf}) {
    const ReproducibleRandomness a(5), b(5);
    auto sa = a.stream(StreamPurpose::kSweep, 1);
    auto sb = b.stream(StreamPurpose::kSweep, 1);
    for (int i = 0; i < 50; ++i) CHECK(draw_trial_count(6.0, shape, *sa) == draw_trial_count(6.0, shape, *sb));
  }
}

TEST_CASE("trial counts: a distribution that may exceed the cap is refused, not truncated") {
  const ReproducibleRandomness source(1);
  auto bits = source.stream(StreamPurpose::kSweep, 1);
  CHECK(trial_count_tail_bound(20000.0, kInf) > kMaxTrialTailProbability);
  CHECK_THROWS_AS(draw_trial_count(20000.0, kInf, *bits), AccountingError);
  CHECK_THROWS_AS(draw_trial_count(2000.0, 1.0, *bits), AccountingError);  // geometric: a long tail
  CHECK(trial_count_tail_bound(100.0, 1.0) <= kMaxTrialTailProbability);
  CHECK_THROWS_AS(draw_trial_count(1.0, 1.0, *bits), AccountingError);
}
