// Poisson sampling: each example independently with probability q; empty batches are legal.
#include <doctest/doctest.h>

#include <cmath>

#include "core/error.hpp"
#include "dp/poisson_sampler.hpp"

using namespace dpt;

TEST_CASE("Poisson sampler: inclusion frequency q per example, batch size Binomial(N, q)") {
  const ReproducibleRandomness randomness(5);
  const int64_t N = 1000;
  const double q = 0.05;
  const PoissonSampler sampler(N, q, randomness);
  CHECK(sampler.expected_batch_size() == doctest::Approx(50.0));
  std::vector<int> count(N, 0);
  const int steps = 2000;
  double size_sum = 0.0, size_sq = 0.0;
  for (int s = 0; s < steps; ++s) {
    const std::vector<int64_t> batch = sampler.sample(static_cast<uint64_t>(s));
    for (size_t k = 1; k < batch.size(); ++k) REQUIRE(batch[k - 1] < batch[k]);
    for (int64_t i : batch) ++count[i];
    size_sum += static_cast<double>(batch.size());
    size_sq += static_cast<double>(batch.size() * batch.size());
  }
  const double mean = size_sum / steps;
  const double var = size_sq / steps - mean * mean;
  MESSAGE("mean batch size " << mean << " (expected 50), variance " << var << " (expected " << N * q * (1 - q) << ")");
  CHECK(std::abs(mean - 50.0) < 5 * std::sqrt(47.5 / steps));
  CHECK(var == doctest::Approx(47.5).epsilon(0.15));
  // every example's inclusion count is Binomial(2000, 0.05): mean 100, sd 9.7
  int outside = 0;
  for (int c : count) outside += std::abs(c - 100) > 4 * 9.75;
  CHECK(outside <= 2);
}

TEST_CASE("Poisson sampler: reproducible per step, and empty batches happen") {
  const ReproducibleRandomness randomness(6);
  const PoissonSampler sampler(20, 0.02, randomness);  // expected size 0.4: P(empty) = 0.67
  CHECK(sampler.sample(3) == sampler.sample(3));
  int empty = 0;
  for (uint64_t s = 0; s < 200; ++s) empty += sampler.sample(s).empty();
  CHECK(empty > 100);
  const PoissonSampler all(7, 1.0, randomness);
  CHECK(all.sample(0).size() == 7);
}

TEST_CASE("Poisson sampler rejects invalid q and N") {
  const ReproducibleRandomness randomness(1);
  CHECK_THROWS_AS(PoissonSampler(10, 0.0, randomness), InvalidArgument);
  CHECK_THROWS_AS(PoissonSampler(10, 1.5, randomness), InvalidArgument);
  CHECK_THROWS_AS(PoissonSampler(10, std::nan(""), randomness), InvalidArgument);
  CHECK_THROWS_AS(PoissonSampler(0, 0.5, randomness), InvalidArgument);
}
