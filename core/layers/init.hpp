// Seeded parameter initialisation, PyTorch's defaults: Linear and LSTM weights and biases
// U(-1/sqrt(fan), 1/sqrt(fan)); Embedding N(0, 1). Values are a pure function of the seed.
#pragma once

#include <cstdint>

#include "core/tensor.hpp"

namespace dpt {

template <typename T>
void init_uniform(Matrix<T>& m, double bound, uint64_t seed);

template <typename T>
void init_normal(Matrix<T>& m, double stddev, uint64_t seed);

}  // namespace dpt
