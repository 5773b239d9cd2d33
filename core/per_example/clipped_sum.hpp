// The clipped sum of per-example gradients, sum_i c_i g_i, with the per-example norms the clip
// factors c_i come from — in one pass over the examples where that is cheaper.
//
// Two ways to get sum_i c_i g_i for a linear use (g_i = G_i^T A_i over example i's rows):
//   ghost (two passes)  norms from Grams <A_i A_i^T, G_i G_i^T> (Li et al. 2022), then after
//                       clipping one GEMM  G^T diag(c) A  over the whole batch
//   fused (one pass)    form g_i (one GEMM over n_i rows), take its norm, and once example i's
//                       factor is known add c_i g_i to a running sum — the GEMMs that form
//                       the g_i are the same multiply-adds as the batch GEMM G^T diag(c) A, so
//                       the norms come almost for free (Goodfellow 2015's per-example
//                       gradients, kept only one example at a time)
// The cost model picks per parameter (jointly for parameters sharing one G, like the LSTM's
// W_ih and W_hh); bias and embedding norms are direct sums, their clipped sums one pass.
//
// Determinism: example i's factor needs its norm over EVERY parameter, so fused examples are
// processed in a fixed number of lanes (contiguous runs of examples, boundaries from the batch
// size only); each lane sums its examples in order and the lanes are added in lane order.
// Results therefore do not depend on the number of threads.
#pragma once

#include <functional>
#include <vector>

#include "core/autograd/param_use.hpp"
#include "core/parameter.hpp"
#include "core/per_example/per_example_norms.hpp"

namespace dpt {

// Clip rule for one example: reads its squared norms (one per parameter, P: certified upper
// bounds, in double) and writes its factors (1 or P entries, as the caller chose). Called from
// several threads at once; must be a pure function of its arguments. A factor of exactly 0
// keeps the example out of the sum (also when its gradient is not finite).
template <typename T>
using ClipRule = std::function<void(const double* sq_norms, T* factors)>;

template <typename T>
struct ClippedSum {
  PerExampleNorms<T> norms;          // (B, P) squared norms and the method used per parameter
  Matrix<T> factors;                 // (B, 1) or (B, P): c_i as the rule gave them
  std::vector<Matrix<T>> gradients;  // one per params[p]: sum_i c_i g_i^(p)
};

// Lanes of the fused pass: fixed, so that the summation order never depends on the threads.
inline constexpr int kClippedSumLanes = 8;

// Memory the fused pass may hold in lane sums (kClippedSumLanes copies of the fused weights):
// beyond it the largest fused weights go ghost instead (e.g. a wide vocabulary projection).
inline constexpr double kFusedLaneBudgetBytes = 256.0 * 1024 * 1024;

// Which parameters the fused pass forms per-example gradients for (kMaterialise) and which go
// ghost (kGhost); direct sums (bias, embedding) report kMaterialise, as in PerExampleNorms.
// Cheapest by the cost model, then within `lane_budget_bytes`.
template <typename T>
std::vector<NormMethod> choose_clipped_sum_methods(const std::vector<UseGroup<T>>& groups, int batch,
                                                   double lane_budget_bytes = kFusedLaneBudgetBytes);

// sum_i c_i g_i for a batch of `batch` examples, c_i = rule(norms of example i), with
// `factor_cols` = 1 or params.size() factors per example. `method` forces ghost or fused for
// every linear parameter (tests, benchmarks); kAuto picks by cost.
template <typename T>
ClippedSum<T> clipped_gradient_sum(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params, int batch,
                                   Index factor_cols, const ClipRule<T>& rule, NormMethod method = NormMethod::kAuto);

}  // namespace dpt
