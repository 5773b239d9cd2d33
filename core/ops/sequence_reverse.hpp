// Time reversal of padded, time-major sequences, each example over its own length: the input
// of the reverse direction of a bidirectional recurrent layer, and the way back of its output
// (Schuster & Paliwal 1997; as torch.nn.LSTM/GRU(bidirectional=True) with packed sequences,
// where the reverse direction starts at each example's last real step, not at the padding).
#pragma once

#include "core/autograd/tape.hpp"

namespace dpt {

// x: (T*B, D) sequence -> (T*B, D), same layout: row t*B + b = x[(len_b - 1 - t)*B + b] for
// t < len_b, and exactly 0 on padding rows. Backward is the same permutation (padding rows of
// x get zero gradient). Applying it twice gives x back on the valid rows.
template <typename T>
Var reverse_sequences(Tape<T>& tape, Var x);

}  // namespace dpt
