// Deterministic multi-threading: work is cut into FIXED blocks (sizes that never depend on the
// thread count) and the blocks are spread over OpenMP threads. Each block's result is computed
// by one thread with the same code, so results are bit-identical for any number of threads —
// unlike Eigen's own threaded GEMM, whose blocking depends on the thread count (disabled with
// EIGEN_DONT_PARALLELIZE).
#pragma once

#include <algorithm>

#include "core/tensor.hpp"

namespace dpt {

// Calls f(begin, count) for [0, n) in blocks of `block` (the last may be shorter), in parallel.
template <typename F>
void parallel_blocks(Index n, Index block, F&& f) {
  const Index blocks = (n + block - 1) / block;
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (Index k = 0; k < blocks; ++k) f(k * block, std::min(block, n - k * block));
}

// Column and row block sizes for splitting GEMM outputs: large enough for Eigen's kernels to
// run near peak, small enough to give two cores work on this project's shapes.
inline constexpr Index kGemmColumnBlock = 128;
inline constexpr Index kGemmRowBlock = 512;

// Row block for elementwise work on one time step's (B, ·) rows (LSTM gates, cell updates).
inline constexpr Index kElementwiseRowBlock = 16;

}  // namespace dpt
