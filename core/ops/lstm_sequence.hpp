// The fused LSTM op: one layer over all time steps of a padded, time-major batch.
//   Z_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh        (gate order i, f, g, o; PyTorch's)
//   i = σ(Z_i), f = σ(Z_f), g = tanh(Z_g), o = σ(Z_o)
//   c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t),  h_0 = c_0 = 0
// (Hochreiter & Schmidhuber 1997 with the forget gate of Gers et al. 2000, as torch.nn.LSTM.)
// The input projection of all steps is one GEMM; backward is fused BPTT and leaves four
// ParamUse records sharing one G = dL/dZ: W_ih (A = x), W_hh (A = h_{t-1}), b_ih, b_hh.
// Rows past an example's length output exactly 0 and get exactly zero gradient.
#pragma once

#include "core/autograd/tape.hpp"
#include "core/parameter.hpp"

namespace dpt {

template <typename T>
struct LstmWeights {
  Parameter<T>* weight_ih;  // (4H, D)
  Parameter<T>* weight_hh;  // (4H, H)
  Parameter<T>* bias_ih;    // (1, 4H)
  Parameter<T>* bias_hh;    // (1, 4H)
};

// x: (T*B, D) with a sequence layout -> h: (T*B, H), same layout.
template <typename T>
Var lstm_sequence(Tape<T>& tape, Var x, const LstmWeights<T>& w);

}  // namespace dpt
