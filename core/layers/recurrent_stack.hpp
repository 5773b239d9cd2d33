// A stack of recurrent layers over padded, time-major sequences: each layer an LSTM or a GRU
// cell, one-directional or bidirectional. Parameter names, shapes and order are PyTorch's:
//   LSTM  `lstm.weight_ih_l{k}` (4H, D), `lstm.weight_hh_l{k}` (4H, H), `lstm.bias_ih_l{k}`,
//         `lstm.bias_hh_l{k}` (4H), gate order i, f, g, o            (torch.nn.LSTM)
//   GRU   `gru.weight_ih_l{k}` (3H, D), `gru.weight_hh_l{k}` (3H, H), `gru.bias_ih_l{k}`,
//         `gru.bias_hh_l{k}` (3H), gate order r, z, n                 (torch.nn.GRU)
// plus the same four with the suffix `_reverse` for the backward direction of a bidirectional
// layer, whose output is [forward | backward] (2H columns; the next layer's D). k counts the
// layers of the same cell from the bottom, so a run of equal LSTM (or GRU) layers round-trips
// with one torch.nn.LSTM(num_layers=K, bidirectional=…) (or nn.GRU) by the suffix after the
// prefix; unlike torch, sizes may differ per layer (Keras-style stacks such as LSTM(128) ->
// LSTM(64)) and cells may be mixed. Layer k's dropout, if any, applies to its output sequence
// while training (torch applies one rate below the top layer only).
// Initialisation is torch's, U(±1/√H) for every tensor, from counter-based seeds: layer k's
// forward tensors from derive_seed(derive_seed(seed, k), 0..3), its reverse ones from 4..7.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/autograd/tape.hpp"
#include "core/layers/recurrent_cell.hpp"
#include "core/ops/gru_sequence.hpp"
#include "core/ops/lstm_sequence.hpp"
#include "core/parameter.hpp"

namespace dpt {

struct RecurrentLayerSpec {
  RecurrentCell cell = RecurrentCell::kLstm;
  int hidden = 32;             // H per direction
  bool bidirectional = false;  // output [forward | backward], 2H columns
  double dropout = 0.0;        // on the layer's output sequence while training, in [0, 1)
};

// LSTM layers of the given sizes, one-directional, with per-layer dropout (empty: none).
std::vector<RecurrentLayerSpec> lstm_layers(const std::vector<int>& hidden, const std::vector<double>& dropout = {});

// "lstm" | "gru": the cell's name, also the prefix of its tensors' names.
const char* name_of(RecurrentCell cell);

template <typename T>
class RecurrentStack {
 public:
  RecurrentStack(int input_dim, std::vector<RecurrentLayerSpec> layers, uint64_t seed);

  // x: (T*B, D) sequence -> the top layer's output sequence (T*B, output_dim()).
  // `dropout_seed` seeds the masks when training with dropout > 0.
  Var forward(Tape<T>& tape, Var x, bool training, uint64_t dropout_seed);
  // The top layer's output at each example's last valid step, (B, output_dim()): for a
  // bidirectional top layer the forward half there and the backward half at step 0.
  Var last_step(Tape<T>& tape, Var sequence) const;
  ParameterList<T> parameters();

  int num_layers() const { return static_cast<int>(layers_.size()); }
  int output_dim() const;
  const RecurrentLayerSpec& spec(int k) const { return layers_[static_cast<size_t>(k)].spec; }
  // Layer k's weights, direction 0 (forward) or 1 (reverse); the cell must match.
  LstmWeights<T> lstm_weights(int k, int direction = 0);
  GruWeights<T> gru_weights(int k, int direction = 0);

 private:
  struct Direction {
    Parameter<T> weight_ih, weight_hh, bias_ih, bias_hh;
  };
  struct Layer {
    RecurrentLayerSpec spec;
    std::vector<Direction> directions;  // 1 or 2, sized once: parameter addresses are stable
  };
  Var direction_forward(Tape<T>& tape, Var x, int k, int direction);

  std::vector<Layer> layers_;  // sized once in the constructor: parameter addresses are stable
};

extern template class RecurrentStack<float>;
extern template class RecurrentStack<double>;

}  // namespace dpt
