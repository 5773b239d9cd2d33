// Stacked LSTM / GRU layers, one-directional or bidirectional (see recurrent_stack.hpp).
#include "core/layers/recurrent_stack.hpp"

#include <cmath>
#include <string>

#include "base/check.hpp"
#include "core/error.hpp"
#include "core/layers/init.hpp"
#include "core/ops/concat_columns.hpp"
#include "core/ops/elementwise.hpp"
#include "core/ops/pooling.hpp"
#include "core/ops/sequence_reverse.hpp"
#include "core/random/counter_rng.hpp"

namespace dpt {

std::vector<RecurrentLayerSpec> lstm_layers(const std::vector<int>& hidden, const std::vector<double>& dropout) {
  DPT_CHECK(dropout.empty() || dropout.size() == hidden.size(), "lstm_layers: needs one dropout rate per layer.");
  std::vector<RecurrentLayerSpec> layers(hidden.size());
  for (size_t k = 0; k < hidden.size(); ++k) {
    layers[k].hidden = hidden[k];
    if (!dropout.empty()) layers[k].dropout = dropout[k];
  }
  return layers;
}

const char* name_of(RecurrentCell cell) { return cell == RecurrentCell::kGru ? "gru" : "lstm"; }

namespace {

int gates_of(RecurrentCell cell) { return cell == RecurrentCell::kGru ? 3 : 4; }

}  // namespace

template <typename T>
RecurrentStack<T>::RecurrentStack(int input_dim, std::vector<RecurrentLayerSpec> layers, uint64_t seed) {
  DPT_CHECK(!layers.empty(), "model: needs at least one recurrent layer.");
  DPT_CHECK(input_dim > 0, "model: the recurrent stack's input dimension must be > 0.");
  layers_.resize(layers.size());
  int lstm_count = 0, gru_count = 0;
  int in = input_dim;
  for (size_t k = 0; k < layers.size(); ++k) {
    const RecurrentLayerSpec& s = layers[k];
    const int H = s.hidden;
    DPT_CHECK(H > 0, "model: hidden sizes must be > 0.");
    check_in<InvalidArgument>(s.dropout, Bounds::right_open(0.0, 1.0), "model: recurrent layer dropout");
    int& index = s.cell == RecurrentCell::kGru ? gru_count : lstm_count;
    const std::string prefix = std::string(name_of(s.cell)) + ".";
    const std::string suffix = "_l" + std::to_string(index++);
    const int G = gates_of(s.cell) * H;
    const double bound = 1.0 / std::sqrt(static_cast<double>(H));
    const uint64_t layer_seed = derive_seed(seed, k);
    Layer& l = layers_[k];
    l.spec = s;
    l.directions.resize(s.bidirectional ? 2 : 1);
    for (size_t d = 0; d < l.directions.size(); ++d) {
      const std::string end = suffix + (d == 0 ? "" : "_reverse");
      Direction& dir = l.directions[d];
      dir.weight_ih = {prefix + "weight_ih" + end, Matrix<T>(G, in), 2};
      dir.weight_hh = {prefix + "weight_hh" + end, Matrix<T>(G, H), 2};
      dir.bias_ih = {prefix + "bias_ih" + end, Matrix<T>(1, G), 1};
      dir.bias_hh = {prefix + "bias_hh" + end, Matrix<T>(1, G), 1};
      const uint64_t tag = 4 * d;
      init_uniform(dir.weight_ih.value, bound, derive_seed(layer_seed, tag + 0));
      init_uniform(dir.weight_hh.value, bound, derive_seed(layer_seed, tag + 1));
      init_uniform(dir.bias_ih.value, bound, derive_seed(layer_seed, tag + 2));
      init_uniform(dir.bias_hh.value, bound, derive_seed(layer_seed, tag + 3));
    }
    in = s.bidirectional ? 2 * H : H;
  }
}

template <typename T>
int RecurrentStack<T>::output_dim() const {
  const RecurrentLayerSpec& top = layers_.back().spec;
  return top.bidirectional ? 2 * top.hidden : top.hidden;
}

template <typename T>
LstmWeights<T> RecurrentStack<T>::lstm_weights(int k, int direction) {
  Layer& l = layers_.at(static_cast<size_t>(k));
  DPT_CHECK(l.spec.cell == RecurrentCell::kLstm, "RecurrentStack: layer " + std::to_string(k) + " is not an LSTM.");
  Direction& d = l.directions.at(static_cast<size_t>(direction));
  return {&d.weight_ih, &d.weight_hh, &d.bias_ih, &d.bias_hh};
}

template <typename T>
GruWeights<T> RecurrentStack<T>::gru_weights(int k, int direction) {
  Layer& l = layers_.at(static_cast<size_t>(k));
  DPT_CHECK(l.spec.cell == RecurrentCell::kGru, "RecurrentStack: layer " + std::to_string(k) + " is not a GRU.");
  Direction& d = l.directions.at(static_cast<size_t>(direction));
  return {&d.weight_ih, &d.weight_hh, &d.bias_ih, &d.bias_hh};
}

// One direction of layer k over x, in x's time order (the reverse direction reads and writes
// reversed sequences; its caller reverses them).
template <typename T>
Var RecurrentStack<T>::direction_forward(Tape<T>& tape, Var x, int k, int direction) {
  if (layers_[static_cast<size_t>(k)].spec.cell == RecurrentCell::kGru) return gru_sequence(tape, x, gru_weights(k, direction));
  return lstm_sequence(tape, x, lstm_weights(k, direction));
}

template <typename T>
Var RecurrentStack<T>::forward(Tape<T>& tape, Var x, bool training, uint64_t dropout_seed) {
  Var h = x;  // (T*B, D_k)
  for (int k = 0; k < num_layers(); ++k) {
    const RecurrentLayerSpec& s = spec(k);
    Var forward_h = direction_forward(tape, h, k, 0);  // (T*B, H)
    if (s.bidirectional) {
      // The backward direction reads each example from its last valid step to its first.
      const Var backward_h = reverse_sequences(tape, direction_forward(tape, reverse_sequences(tape, h), k, 1));
      forward_h = concat_columns(tape, forward_h, backward_h);  // (T*B, 2H) [forward | backward]
    }
    h = forward_h;
    if (training && s.dropout > 0.0) h = dropout(tape, h, s.dropout, derive_seed(dropout_seed, static_cast<uint64_t>(k)));
  }
  return h;
}

template <typename T>
Var RecurrentStack<T>::last_step(Tape<T>& tape, Var sequence) const {
  return layers_.back().spec.bidirectional ? bidirectional_last_step(tape, sequence) : last_valid_step(tape, sequence);
}

template <typename T>
ParameterList<T> RecurrentStack<T>::parameters() {
  ParameterList<T> out;  // torch's order: per layer, forward then reverse, ih, hh, b_ih, b_hh
  for (Layer& l : layers_) {
    for (Direction& d : l.directions) {
      out.push_back(&d.weight_ih);
      out.push_back(&d.weight_hh);
      out.push_back(&d.bias_ih);
      out.push_back(&d.bias_hh);
    }
  }
  return out;
}

template class RecurrentStack<float>;
template class RecurrentStack<double>;

}  // namespace dpt
