// The fused GRU op: one layer over all time steps of a padded, time-major batch, with
// torch.nn.GRU's equations and gate order (r, z, n; Cho et al. 2014 as PyTorch implements it):
//   r = σ(x W_irᵀ + b_ir + h_{t-1} W_hrᵀ + b_hr)
//   z = σ(x W_izᵀ + b_iz + h_{t-1} W_hzᵀ + b_hz)
//   n = tanh(x W_inᵀ + b_in + r ⊙ (h_{t-1} W_hnᵀ + b_hn))        (b_hn inside the reset product)
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1},  h_0 = 0
// The input projection of all steps is one GEMM; backward is fused BPTT. It leaves four
// ParamUse records: W_ih (A = x) and b_ih share G_i = dL/d(x W_ihᵀ + b_ih); W_hh (A = h_{t-1})
// and b_hh share G_h = dL/d(h_{t-1} W_hhᵀ + b_hh). The two differ in the n block only
// (G_h's is r ⊙ G_i's). Rows past an example's length output exactly 0 and get exactly zero
// gradient.
#pragma once

#include "core/autograd/tape.hpp"
#include "core/parameter.hpp"

namespace dpt {

template <typename T>
struct GruWeights {
  Parameter<T>* weight_ih;  // (3H, D)  [W_ir | W_iz | W_in] stacked by rows
  Parameter<T>* weight_hh;  // (3H, H)  [W_hr | W_hz | W_hn]
  Parameter<T>* bias_ih;    // (1, 3H)
  Parameter<T>* bias_hh;    // (1, 3H)
};

// x: (T*B, D) with a sequence layout -> h: (T*B, H), same layout.
template <typename T>
Var gru_sequence(Tape<T>& tape, Var x, const GruWeights<T>& w);

}  // namespace dpt
