// Small helpers shared by the core tests: seeded random matrices and token batches.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/random/counter_rng.hpp"
#include "core/tensor.hpp"

namespace dpt::testing {

template <typename T = double>
Matrix<T> random_matrix(Index rows, Index cols, uint64_t seed, double scale = 1.0) {
  const CounterRng rng(seed);
  Matrix<T> m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = T(scale * rng.normal(static_cast<uint64_t>(k)));
  return m;
}

// Time-major token ids for the given lengths; padding rows hold `pad`.
inline std::shared_ptr<const std::vector<int32_t>> random_tokens(const std::vector<int>& lengths, int vocab,
                                                                 uint64_t seed, int32_t pad = 0) {
  int T = 0;
  for (int n : lengths) T = std::max(T, n);
  const int B = static_cast<int>(lengths.size());
  const CounterRng rng(seed);
  auto ids = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(T) * B, pad);
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < lengths[b]; ++t) (*ids)[t * B + b] = static_cast<int32_t>(rng.bits(static_cast<uint64_t>(t * B + b)) % vocab);
  }
  return ids;
}

}  // namespace dpt::testing
