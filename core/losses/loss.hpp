// Losses return the summed loss L = sum_i l_i as a (1, 1) tape node — so that each example's
// rows of every ParamUse G hold exactly the gradient of its own loss l_i — and the per-example
// values l_i. Padding rows (example -1) contribute nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "core/autograd/tape.hpp"

namespace dpt {

template <typename T>
struct LossResult {
  Var total;                // (1, 1) sum_i l_i
  Vector<T> per_example;    // (B) l_i
};

// l_i = mean over example i's valid rows and the k columns of (pred - target)^2.
// pred: (N, k); target: (N, k) (padding rows are ignored, whatever they hold).
template <typename T>
LossResult<T> mse_loss(Tape<T>& tape, Var pred, const Matrix<T>& target);

// Softmax cross-entropy, one target class per row: l_i = mean over example i's counted rows of
// -log softmax(logits_r)[target_r]. Rows that are padding or have target < 0 (ignore index)
// are not counted; an example with no counted row has l_i = 0. With a flat layout this is
// classification; with a sequence layout it is the per-token language-model loss.
// logits: (N, C); targets: (N) in [0, C) or negative.
template <typename T>
LossResult<T> cross_entropy_loss(Tape<T>& tape, Var logits, const std::vector<int32_t>& targets);

}  // namespace dpt
