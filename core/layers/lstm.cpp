// Stacked LSTM layer (see lstm.hpp).
#include "core/layers/lstm.hpp"

#include <cmath>
#include <string>

#include "base/check.hpp"
#include "core/error.hpp"
#include "core/layers/init.hpp"
#include "core/ops/elementwise.hpp"
#include "core/ops/pooling.hpp"
#include "core/random/counter_rng.hpp"

namespace dpt {

template <typename T>
StackedLstm<T>::StackedLstm(const std::string& name, int input_dim, std::vector<int> hidden, bool return_sequences,
                            std::vector<double> dropout, uint64_t seed)
    : hidden_(std::move(hidden)), return_sequences_(return_sequences), dropout_(std::move(dropout)) {
  DPT_CHECK(!hidden_.empty(), name + ": needs at least one layer.");
  DPT_CHECK(input_dim > 0, name + ": input dimension must be > 0.");
  if (dropout_.empty()) dropout_.assign(hidden_.size(), 0.0);
  DPT_CHECK(dropout_.size() == hidden_.size(), name + ": needs one dropout rate per layer.");
  for (double p : dropout_) check_in<InvalidArgument>(p, Bounds::right_open(0.0, 1.0), name + ": dropout");
  layers_.resize(hidden_.size());
  int in = input_dim;
  for (size_t k = 0; k < hidden_.size(); ++k) {
    const int H = hidden_[k];
    DPT_CHECK(H > 0, name + ": hidden sizes must be > 0.");
    const std::string s = "_l" + std::to_string(k);
    const double bound = 1.0 / std::sqrt(static_cast<double>(H));
    Layer& l = layers_[k];
    l.weight_ih = {name + ".weight_ih" + s, Matrix<T>(4 * H, in), 2};
    l.weight_hh = {name + ".weight_hh" + s, Matrix<T>(4 * H, H), 2};
    l.bias_ih = {name + ".bias_ih" + s, Matrix<T>(1, 4 * H), 1};
    l.bias_hh = {name + ".bias_hh" + s, Matrix<T>(1, 4 * H), 1};
    const uint64_t layer_seed = derive_seed(seed, k);
    init_uniform(l.weight_ih.value, bound, derive_seed(layer_seed, 0));
    init_uniform(l.weight_hh.value, bound, derive_seed(layer_seed, 1));
    init_uniform(l.bias_ih.value, bound, derive_seed(layer_seed, 2));
    init_uniform(l.bias_hh.value, bound, derive_seed(layer_seed, 3));
    in = H;
  }
}

template <typename T>
LstmWeights<T> StackedLstm<T>::weights(int k) {
  Layer& l = layers_[k];
  return {&l.weight_ih, &l.weight_hh, &l.bias_ih, &l.bias_hh};
}

template <typename T>
Var StackedLstm<T>::forward(Tape<T>& tape, Var x, bool training, uint64_t dropout_seed) {
  Var h = x;
  for (int k = 0; k < num_layers(); ++k) {
    h = lstm_sequence(tape, h, weights(k));
    if (training && dropout_[k] > 0.0) h = dropout(tape, h, dropout_[k], derive_seed(dropout_seed, static_cast<uint64_t>(k)));
  }
  return return_sequences_ ? h : last_valid_step(tape, h);
}

template <typename T>
ParameterList<T> StackedLstm<T>::parameters() {
  ParameterList<T> out;
  for (Layer& l : layers_) {
    out.push_back(&l.weight_ih);
    out.push_back(&l.weight_hh);
    out.push_back(&l.bias_ih);
    out.push_back(&l.bias_hh);
  }
  return out;
}

template class StackedLstm<float>;
template class StackedLstm<double>;

}  // namespace dpt
