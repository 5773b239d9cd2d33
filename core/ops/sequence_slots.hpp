// Slots of the fused recurrent ops (lstm_sequence, gru_sequence): the batch's examples ordered
// longest first, so that the examples still running at step t are the first n_t slots and every
// per-step GEMM and elementwise pass touches n_t rows, not B. When the lengths are already
// non-increasing (in particular all equal) the slots ARE the batch rows and nothing is copied;
// otherwise the inputs are gathered into slot order once and the outputs scattered back with
// permute_rows, so the tape and the ParamUse records always see the batch's own row order.
#pragma once

#include <vector>

#include "core/batch_layout.hpp"
#include "core/tensor.hpp"

namespace dpt {

// Slot k holds example order[k]; n_t = active[t] slots run at step t.
struct Slots {
  std::vector<int> order;   // empty: the identity (lengths already non-increasing)
  std::vector<Index> active;  // (T) examples with length > t
};

// Longest first, ties in batch order (a stable sort); the identity when lengths are non-increasing.
Slots make_slots(const BatchLayout& layout);

// dst row t*B + k = src row t*B + order[k] (to slots), or the reverse (from slots). In fixed
// blocks of steps (a pure copy: any blocking gives the same bits).
template <typename T>
void permute_rows(const Matrix<T>& src, const std::vector<int>& order, bool to_slots, Matrix<T>& dst);

}  // namespace dpt
