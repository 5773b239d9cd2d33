// Per-example squared gradient norms from the tape's ParamUse records, without forming the
// batch gradient. For a linear use, example i's gradient is G_i^T A_i over its rows, and
//   ghost norm:    ||G_i^T A_i||_F^2 = <A_i A_i^T, G_i G_i^T>_F      O(n_i^2 (d_in + d_out))
//                  (the Grams in double: float cancellation cannot break the bound)
//   materialised:  form G_i^T A_i, take its squared norm            O(n_i d_in d_out)
// (Goodfellow 2015; Li et al. 2022 "ghost clipping"; Bu et al. 2022 "mixed ghost clipping").
// The cheaper is chosen per parameter; uses sharing one G (the four LSTM parameters) share the
// G Gram. Bias and embedding gradients are small and summed directly (in double, O(n_i d)).
// Every norm is returned as a certified upper bound of the exact one (norm_bounds.hpp).
#pragma once

#include <vector>

#include "core/autograd/param_use.hpp"
#include "core/parameter.hpp"
#include "core/per_example/use_groups.hpp"

namespace dpt {

enum class NormMethod { kAuto, kGhost, kMaterialise };

template <typename T>
struct PerExampleNorms {
  // (B, P) certified upper bounds of ||g_i^(p)||^2 (exact arithmetic on the recorded A and G;
  // norm_bounds.hpp), column p for params[p], in double whatever T: a finite float gradient
  // never overflows here. NaN or Inf only for an example with a non-finite input.
  MatrixD sq_norms;
  std::vector<NormMethod> methods;  // (P) the method used; direct sums report kMaterialise

  // (B) sum over parameters of the bounds: ||g_i||^2 over all parameters jointly (flat
  // clipping), up to the rounding of this sum (clip_example rounds it up).
  Vector<double> total_sq() const { return sq_norms.rowwise().sum(); }
};

// Extra terms of the cost model, in multiply-adds (see choose_norm_methods): the norms alone
// need neither; the clipped sum (clipped_sum.hpp) adds the batch GEMM G^T diag(c) A to ghost
// and the per-example bookkeeping of the fused pass to materialise.
struct NormCostModel {
  double ghost_sum = 0.0;                // times S1 d_in d_out
  double materialise_per_example = 0.0;  // times B d_in d_out
};

// The method the cost model picks for each parameter (kAuto resolved), given the batch.
template <typename T>
std::vector<NormMethod> choose_norm_methods(const std::vector<UseGroup<T>>& groups, int batch, NormCostModel costs = {});

// Squared per-example norms of every parameter in `params` for a batch of `batch` examples.
// `method` forces one method for all linear parameters (tests, benchmarks); kAuto picks per
// parameter by cost.
template <typename T>
PerExampleNorms<T> per_example_sq_norms(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params,
                                        int batch, NormMethod method = NormMethod::kAuto);

// The same for given groups and resolved methods (no kAuto), only for the parameters with
// include[p]: writes those columns of `sq_norms` (B, P), whose row count is the batch size.
template <typename T>
void per_example_sq_norms_into(const std::vector<UseGroup<T>>& groups, const ParameterList<T>& params,
                               const std::vector<NormMethod>& methods, const std::vector<bool>& include,
                               MatrixD& sq_norms);

// Example i's gradient with respect to one parameter (every use summed), shape of its value.
template <typename T>
Matrix<T> example_gradient(const UseGroup<T>& group, const Parameter<T>& param, int i);

}  // namespace dpt
