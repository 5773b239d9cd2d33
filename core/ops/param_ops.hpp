// The ops through which parameters enter a model. Each leaves a ParamUse record (A, G,
// rows -> example) on the tape instead of accumulating a parameter gradient, so that ordinary,
// per-example and clipped-sum gradients can all be built from the same records.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/autograd/tape.hpp"
#include "core/parameter.hpp"

namespace dpt {

// Y = X W^T (+ b). W: (d_out, d_in); b: (1, d_out) or null. Keeps x's layout.
template <typename T>
Var linear(Tape<T>& tape, Var x, Parameter<T>& weight, std::type_identity_t<Parameter<T>>* bias);

// Y = X + 1 b^T for a bias parameter b: (1, n).
template <typename T>
Var add_bias(Tape<T>& tape, Var x, Parameter<T>& bias);

// Y[r] = E[ids[r]]: (N, d) for N = layout.rows() ids, each in [0, V).
template <typename T>
Var embedding_lookup(Tape<T>& tape, std::shared_ptr<const std::vector<int32_t>> ids,
                     Parameter<T>& table, LayoutPtr layout);

}  // namespace dpt
