// Sums of per-example gradients from the tape's ParamUse records, one GEMM per linear use:
//   sum_i c_i g_i = G^T diag(c_row) A,   c_row = c_{example(row)}, 0 on padding rows.
// With c = 1 it is the ordinary gradient of the summed loss. A row whose factor is 0 is
// skipped exactly (its G and A rows are zeroed, not multiplied), so a non-finite gradient of
// an example clipped to zero cannot reach the sum.
#pragma once

#include <vector>

#include "core/autograd/param_use.hpp"
#include "core/parameter.hpp"
#include "core/per_example/use_groups.hpp"

namespace dpt {

// c: (B, P) a factor per example and parameter, or (B, 1) one factor per example shared by
// every parameter. Returns one gradient per params[p], shaped like its value.
template <typename T>
std::vector<Matrix<T>> weighted_gradient_sum(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params,
                                             const Matrix<T>& c);

// The same for grouped uses, only for the parameters with include[p]; the others' gradients
// are returned as zeros (the fused clipped sum forms them itself).
template <typename T>
std::vector<Matrix<T>> weighted_gradient_sum(const std::vector<UseGroup<T>>& groups, const ParameterList<T>& params,
                                             const Matrix<T>& c, const std::vector<bool>& include);

// The ordinary gradient of the summed loss: sum over every use of G^T A (no per-example work).
template <typename T>
std::vector<Matrix<T>> gradient_sum(const std::vector<ParamUse<T>>& uses, const ParameterList<T>& params);

}  // namespace dpt
