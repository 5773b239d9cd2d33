// Linear-algebra ops between activations (no parameters): matmul, add with bias broadcast,
// column concat and slice. Parameters enter through core/ops/param_ops.hpp instead.
#pragma once

#include <vector>

#include "core/autograd/tape.hpp"

namespace dpt {

// (n, k) x (k, m) -> (n, m); the result keeps a's layout.
template <typename T>
Var matmul(Tape<T>& tape, Var a, Var b);

// a + b, where b has a's shape or is a (1, n) row broadcast over a's rows.
template <typename T>
Var add(Tape<T>& tape, Var a, Var b);

// [x_0 | x_1 | ...] along columns; all parts share rows and layout.
template <typename T>
Var concat_cols(Tape<T>& tape, const std::vector<Var>& parts);

// Columns [begin, begin + count) of x.
template <typename T>
Var slice_cols(Tape<T>& tape, Var x, Index begin, Index count);

}  // namespace dpt
