// Column concatenation of two activations with one layout: the [forward; backward] output of
// a bidirectional recurrent layer (torch.nn.LSTM/GRU's feature order).
#pragma once

#include "core/autograd/tape.hpp"

namespace dpt {

// a: (N, Da), b: (N, Db), same layout -> (N, Da + Db) = [a | b].
template <typename T>
Var concat_columns(Tape<T>& tape, Var a, Var b);

}  // namespace dpt
