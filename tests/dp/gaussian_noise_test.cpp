// Noise statistics with fixed seeds (invariant 2): mean and variance within 5 standard errors,
// same seed same noise, fresh noise at every step, both modes.
#include <doctest/doctest.h>

#include <cmath>

#include "dp/noise/gaussian_noise.hpp"

using namespace dpt;

namespace {

struct Moments {
  double mean, variance, kurtosis;
};

Moments moments(const MatrixD& m) {
  const double n = static_cast<double>(m.size());
  const double mean = m.sum() / n;
  const auto d = m.array() - mean;
  const double var = (d * d).sum() / (n - 1);
  const double m4 = (d * d * d * d).sum() / n;
  return {mean, var, m4 / (var * var)};
}

void check_gaussian(const MatrixD& m, double stddev) {
  const double n = static_cast<double>(m.size());
  const Moments s = moments(m);
  const double se_mean = stddev / std::sqrt(n);
  const double se_var = stddev * stddev * std::sqrt(2.0 / (n - 1));
  MESSAGE("n " << n << ": mean " << s.mean << " (SE " << se_mean << "), variance " << s.variance << " vs " << stddev * stddev
               << " (SE " << se_var << "), kurtosis " << s.kurtosis << " vs 3");
  CHECK(std::abs(s.mean) < 5 * se_mean);
  CHECK(std::abs(s.variance - stddev * stddev) < 5 * se_var);
  CHECK(std::abs(s.kurtosis - 3.0) < 5 * std::sqrt(24.0 / n));
}

}  // namespace

TEST_CASE("reproducible noise: N(0, stddev²), seeded, fresh per step") {
  const ReproducibleRandomness randomness(2024);
  const GaussianNoise noise(randomness);
  std::vector<MatrixD> a{MatrixD::Zero(400, 500)}, b{MatrixD::Zero(400, 500)}, c{MatrixD::Zero(400, 500)};
  noise.add(a, 2.5, 10);
  noise.add(b, 2.5, 10);
  noise.add(c, 2.5, 11);
  check_gaussian(a[0], 2.5);
  CHECK(a[0] == b[0]);  // same seed and step: same noise
  CHECK(a[0] != c[0]);  // next step: fresh noise
  const double corr = (a[0].array() * c[0].array()).sum() / (a[0].norm() * c[0].norm());
  CHECK(std::abs(corr) < 5.0 / std::sqrt(200000.0));
  const ReproducibleRandomness other_seed(2025);
  std::vector<MatrixD> d{MatrixD::Zero(400, 500)};
  GaussianNoise(other_seed).add(d, 2.5, 10);
  CHECK(a[0] != d[0]);
}

TEST_CASE("secure noise: N(0, stddev²) from the sum of four Gaussians, never repeated") {
  const SecureRandomness randomness;
  const GaussianNoise noise(randomness);
  CHECK(noise.is_secure());
  std::vector<MatrixD> a{MatrixD::Zero(400, 500)}, b{MatrixD::Zero(400, 500)};
  noise.add(a, 0.7, 1);
  noise.add(b, 0.7, 1);
  check_gaussian(a[0], 0.7);
  CHECK(a[0] != b[0]);
}

TEST_CASE("noise is added to every entry of every parameter, in float too") {
  const ReproducibleRandomness randomness(1);
  std::vector<MatrixF> grads{MatrixF::Zero(3, 4), MatrixF::Zero(1, 7)};
  GaussianNoise(randomness).add(grads, 1.0, 0);
  for (const MatrixF& g : grads) {
    for (Index k = 0; k < g.size(); ++k) CHECK(g.data()[k] != 0.0f);
  }
  CHECK_THROWS(GaussianNoise(randomness).add(grads, -1.0, 0));
  CHECK_THROWS(GaussianNoise(randomness).add(grads, std::nan(""), 0));
}
