// Elementwise ops on activations: product, sigmoid, tanh, scaling, and seeded dropout.
#pragma once

#include <cstdint>

#include "core/autograd/tape.hpp"

namespace dpt {

// a ⊙ b (same shapes).
template <typename T>
Var mul(Tape<T>& tape, Var a, Var b);

template <typename T>
Var sigmoid(Tape<T>& tape, Var x);

template <typename T>
Var tanh(Tape<T>& tape, Var x);

// s * x for a constant s.
template <typename T>
Var scale(Tape<T>& tape, Var x, T s);

// Inverted dropout: each entry kept with probability 1 - p and scaled by 1/(1 - p). The mask
// entry (r, c) is a pure function of (seed, r, c) (core/random/counter_rng.hpp), so it is the
// same whatever the thread count. With p = 0 it is the identity.
template <typename T>
Var dropout(Tape<T>& tape, Var x, double p, uint64_t seed);

}  // namespace dpt
