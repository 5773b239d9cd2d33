// Gaussian noise for DP-SGD: N(0, stddev²) added to every entry of every gradient, fresh at
// every step (DESIGN.md, invariant 2). Reproducible mode draws from the step's noise stream
// with Boost.Random's normal_distribution (the same numbers on every platform with the same
// Boost, unlike std::normal_distribution). Secure mode draws from a fresh CSPRNG stream and
// returns (z_1 + z_2 + z_3 + z_4) / 2 for z_k ~ N(0, stddev²): the sum-of-Gaussians mitigation
// of floating-point attacks on Gaussian sampling that Opacus uses (Holohan & Braghin 2021,
// after Mironov 2012), at four times the draws.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.hpp"
#include "dp/random/random_streams.hpp"

namespace dpt {

class GaussianNoise {
 public:
  explicit GaussianNoise(const RandomnessSource& randomness) : randomness_(randomness) {}

  // Adds N(0, stddev²) to every entry of every matrix, in order (parameter, then row-major).
  template <typename T>
  void add(std::vector<Matrix<T>>& targets, double stddev, uint64_t step) const;

  bool is_secure() const { return randomness_.is_secure(); }

 private:
  const RandomnessSource& randomness_;
};

}  // namespace dpt
