// A stack of LSTM layers over padded, time-major sequences. Parameter names and shapes are
// torch.nn.LSTM's (`<name>.weight_ih_l{k}` (4H_k, D_k), `weight_hh_l{k}` (4H_k, H_k),
// `bias_ih_l{k}`, `bias_hh_l{k}` (4H_k), gate order i, f, g, o), so a stack of equal hidden
// sizes round-trips with torch.nn.LSTM(num_layers=K); unlike torch, sizes may differ per layer
// (Keras-style stacks such as LSTM(128) -> LSTM(64)). Layer k's dropout, if any, applies to its
// output sequence while training (torch applies one rate below the top layer only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/autograd/tape.hpp"
#include "core/ops/lstm_sequence.hpp"
#include "core/parameter.hpp"

namespace dpt {

template <typename T>
class StackedLstm {
 public:
  // hidden[k] is layer k's size; return_sequences: the top layer's whole sequence (T*B, H) or
  // its last valid step (B, H).
  // dropout: one rate per layer in [0, 1), or empty for none.
  StackedLstm(const std::string& name, int input_dim, std::vector<int> hidden, bool return_sequences,
              std::vector<double> dropout, uint64_t seed);

  // x: (T*B, D) sequence. `dropout_seed` seeds the masks when training with dropout > 0.
  Var forward(Tape<T>& tape, Var x, bool training, uint64_t dropout_seed);
  ParameterList<T> parameters();

  int num_layers() const { return static_cast<int>(layers_.size()); }
  int output_dim() const { return hidden_.back(); }
  LstmWeights<T> weights(int k);

 private:
  struct Layer {
    Parameter<T> weight_ih, weight_hh, bias_ih, bias_hh;
  };
  std::vector<int> hidden_;
  bool return_sequences_;
  std::vector<double> dropout_;  // (layers)
  std::vector<Layer> layers_;  // sized once in the constructor: parameter addresses are stable
};

extern template class StackedLstm<float>;
extern template class StackedLstm<double>;

}  // namespace dpt
