// Pooling over time for padded, time-major sequences: the last valid step of each example and
// the masked mean over its valid steps. Padding rows receive zero gradient.
#pragma once

#include "core/autograd/tape.hpp"

namespace dpt {

// x: (T*B, H) sequence -> (B, H), row b = x[(len_b - 1)*B + b]; flat layout.
template <typename T>
Var last_valid_step(Tape<T>& tape, Var x);

// The output of a bidirectional layer, x = [forward | backward]: (T*B, 2H) sequence -> (B, 2H),
// row b = [x[(len_b - 1)*B + b, :H] | x[b, H:]] — the forward direction at the last valid step
// and the backward direction at the first, where each has read the whole sequence (torch's
// h_n of a bidirectional layer over packed sequences); flat layout.
template <typename T>
Var bidirectional_last_step(Tape<T>& tape, Var x);

// x: (T*B, H) sequence -> (B, H), row b = (1/len_b) sum_{t < len_b} x[t*B + b]; flat layout.
template <typename T>
Var masked_mean(Tape<T>& tape, Var x);

}  // namespace dpt
