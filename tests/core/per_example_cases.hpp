// Test cases for the per-example gradient tests (per_example_test, clipped_sum_test): small
// models of every kind dptrain builds — stacked LSTM classifier, per-token LM, mean-pooled
// regressor on features, bidirectional LSTM, GRU and bidirectional GRU, tied weights — each a loss over any subset of its examples, so that
// batch results can be checked against batches of one.
#pragma once

#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/ops/elementwise.hpp"
#include "core/ops/param_ops.hpp"
#include "tests/core/test_util.hpp"

namespace dpt::testing {


// A dataset of variable-length examples and a model; batches are built from any subset.
struct Case {
  std::string name;
  std::vector<int> lengths;
  std::function<Var(Tape<double>&, const std::vector<int>& examples)> loss;  // summed loss of the subset
  std::function<ParameterList<double>()> params;
};

// Tokens and labels of example e (pure functions of e), for token models.
inline int32_t token(int e, int t, int vocab) { return static_cast<int32_t>((e * 7 + t * 3 + (e * t) % 5) % vocab); }

inline SequenceBatch<double> token_batch(const std::vector<int>& lengths, const std::vector<int>& examples, int vocab) {
  std::vector<int> lens;
  for (int e : examples) lens.push_back(lengths[e]);
  SequenceBatch<double> batch;
  batch.layout = BatchLayout::sequence(lens);
  const int B = batch.layout->batch();
  auto ids = std::make_shared<std::vector<int32_t>>(batch.layout->rows(), 0);
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < lens[b]; ++t) (*ids)[t * B + b] = token(examples[b], t, vocab);
  }
  batch.tokens = ids;
  return batch;
}

inline SequenceBatch<double> feature_batch(const std::vector<int>& lengths, const std::vector<int>& examples, int dim) {
  std::vector<int> lens;
  for (int e : examples) lens.push_back(lengths[e]);
  SequenceBatch<double> batch;
  batch.layout = BatchLayout::sequence(lens);
  const int B = batch.layout->batch();
  batch.features = MatrixD::Zero(batch.layout->rows(), dim);
  for (int b = 0; b < B; ++b) {
    const MatrixD x = random_matrix(lens[b], dim, 1000 + static_cast<uint64_t>(examples[b]));
    for (int t = 0; t < lens[b]; ++t) batch.features.row(t * B + b) = x.row(t);
  }
  return batch;
}

inline std::vector<Case> make_cases() {
  std::vector<Case> cases;
  {  // a classifier: Embedding -> LSTM -> LSTM -> last step -> tanh Dense -> Linear
    SequenceModelSpec spec;
    spec.vocab_size = 9;
    spec.embedding_dim = 4;
    spec.recurrent = dpt::lstm_layers({5, 3});
    spec.dense_hidden = {4};
    spec.outputs = 3;
    auto model = std::make_shared<SequenceModel<double>>(spec, 21);
    Case c{"token classifier, stacked LSTM", {5, 1, 3, 7, 2}, nullptr, nullptr};
    c.loss = [model, lengths = c.lengths](Tape<double>& t, const std::vector<int>& ex) {
      std::vector<int32_t> labels;
      for (int e : ex) labels.push_back(e % 3);
      return cross_entropy_loss(t, model->forward(t, token_batch(lengths, ex, 9), false, 0), labels).total;
    };
    c.params = [model] { return model->parameters(); };
    cases.push_back(c);
  }
  {  // a per-token language model: Embedding -> LSTM (sequences) -> Linear over the vocabulary
    SequenceModelSpec spec;
    spec.vocab_size = 6;
    spec.embedding_dim = 3;
    spec.recurrent = dpt::lstm_layers({4});
    spec.return_sequences = true;
    spec.outputs = 6;
    auto model = std::make_shared<SequenceModel<double>>(spec, 22);
    Case c{"token language model", {4, 6, 1, 3}, nullptr, nullptr};
    c.loss = [model, lengths = c.lengths](Tape<double>& t, const std::vector<int>& ex) {
      const SequenceBatch<double> batch = token_batch(lengths, ex, 6);
      const int B = batch.layout->batch();
      std::vector<int32_t> targets(batch.tokens->size(), -1);  // next token; last step ignored
      for (int b = 0; b < B; ++b) {
        for (int s = 0; s + 1 < batch.layout->length(b); ++s) targets[s * B + b] = (*batch.tokens)[(s + 1) * B + b];
      }
      return cross_entropy_loss(t, model->forward(t, batch, false, 0), targets).total;
    };
    c.params = [model] { return model->parameters(); };
    cases.push_back(c);
  }
  {  // a regressor on real features: LSTM -> LSTM -> mean pooling -> Linear, MSE
    SequenceModelSpec spec;
    spec.input_dim = 2;
    spec.recurrent = dpt::lstm_layers({3, 4});
    spec.pooling = Pooling::kMean;
    spec.outputs = 1;
    auto model = std::make_shared<SequenceModel<double>>(spec, 23);
    Case c{"feature regressor, mean pooling", {3, 5, 2}, nullptr, nullptr};
    c.loss = [model, lengths = c.lengths](Tape<double>& t, const std::vector<int>& ex) {
      MatrixD target(static_cast<Index>(ex.size()), 1);
      for (size_t b = 0; b < ex.size(); ++b) target(static_cast<Index>(b), 0) = 0.5 * ex[b] - 1.0;
      return mse_loss(t, model->forward(t, feature_batch(lengths, ex, 2), false, 0), target).total;
    };
    c.params = [model] { return model->parameters(); };
    cases.push_back(c);
  }
  {  // a bidirectional classifier: Embedding -> BiLSTM -> BiLSTM -> last step (both directions) -> Linear
    SequenceModelSpec spec;
    spec.vocab_size = 9;
    spec.embedding_dim = 4;
    spec.recurrent = {{RecurrentCell::kLstm, 4, true, 0.0}, {RecurrentCell::kLstm, 3, true, 0.0}};
    spec.outputs = 3;
    auto model = std::make_shared<SequenceModel<double>>(spec, 26);
    Case c{"token classifier, bidirectional LSTM", {5, 1, 3, 7, 2}, nullptr, nullptr};
    c.loss = [model, lengths = c.lengths](Tape<double>& t, const std::vector<int>& ex) {
      std::vector<int32_t> labels;
      for (int e : ex) labels.push_back(e % 3);
      return cross_entropy_loss(t, model->forward(t, token_batch(lengths, ex, 9), false, 0), labels).total;
    };
    c.params = [model] { return model->parameters(); };
    cases.push_back(c);
  }
  {  // a GRU regressor on real features: GRU -> BiGRU -> mean pooling -> tanh Dense -> Linear, MSE
    SequenceModelSpec spec;
    spec.input_dim = 2;
    spec.recurrent = {{RecurrentCell::kGru, 4, false, 0.0}, {RecurrentCell::kGru, 3, true, 0.0}};
    spec.pooling = Pooling::kMean;
    spec.dense_hidden = {3};
    spec.outputs = 1;
    auto model = std::make_shared<SequenceModel<double>>(spec, 27);
    Case c{"feature regressor, GRU and bidirectional GRU", {3, 6, 2, 4}, nullptr, nullptr};
    c.loss = [model, lengths = c.lengths](Tape<double>& t, const std::vector<int>& ex) {
      MatrixD target(static_cast<Index>(ex.size()), 1);
      for (size_t b = 0; b < ex.size(); ++b) target(static_cast<Index>(b), 0) = 0.3 * ex[b] - 0.5;
      return mse_loss(t, model->forward(t, feature_batch(lengths, ex, 2), false, 0), target).total;
    };
    c.params = [model] { return model->parameters(); };
    cases.push_back(c);
  }
  {  // a GRU language model: Embedding -> GRU (sequences) -> Linear over the vocabulary
    SequenceModelSpec spec;
    spec.vocab_size = 6;
    spec.embedding_dim = 3;
    spec.recurrent = {{RecurrentCell::kGru, 4, false, 0.0}};
    spec.return_sequences = true;
    spec.outputs = 6;
    auto model = std::make_shared<SequenceModel<double>>(spec, 28);
    Case c{"token language model, GRU", {4, 6, 1, 3}, nullptr, nullptr};
    c.loss = [model, lengths = c.lengths](Tape<double>& t, const std::vector<int>& ex) {
      const SequenceBatch<double> batch = token_batch(lengths, ex, 6);
      const int B = batch.layout->batch();
      std::vector<int32_t> targets(batch.tokens->size(), -1);  // next token; last step ignored
      for (int b = 0; b < B; ++b) {
        for (int s = 0; s + 1 < batch.layout->length(b); ++s) targets[s * B + b] = (*batch.tokens)[(s + 1) * B + b];
      }
      return cross_entropy_loss(t, model->forward(t, batch, false, 0), targets).total;
    };
    c.params = [model] { return model->parameters(); };
    cases.push_back(c);
  }
  {  // tied weights: one matrix used twice per row, plus a bias used twice
    auto W = std::make_shared<Parameter<double>>(Parameter<double>{"tied.weight", random_matrix(3, 3, 24), 2});
    auto b = std::make_shared<Parameter<double>>(Parameter<double>{"tied.bias", random_matrix(1, 3, 25), 1});
    Case c{"tied weights", {1, 1, 1, 1}, nullptr, nullptr};
    c.loss = [W, b](Tape<double>& t, const std::vector<int>& ex) {
      MatrixD x(static_cast<Index>(ex.size()), 3);
      for (size_t k = 0; k < ex.size(); ++k) x.row(static_cast<Index>(k)) = random_matrix(1, 3, 2000 + static_cast<uint64_t>(ex[k]));
      const LayoutPtr layout = BatchLayout::flat(static_cast<int>(ex.size()));
      Var h = tanh(t, linear(t, t.leaf(x, layout), *W, b.get()));
      Var y = linear(t, h, *W, b.get());
      return mse_loss(t, y, MatrixD(MatrixD::Ones(t.rows(y), 3))).total;
    };
    c.params = [W, b] { return ParameterList<double>{W.get(), b.get()}; };
    cases.push_back(c);
  }
  return cases;
}

// Embedding(vocab -> embed) -> LSTM(hidden) -> last step -> Linear(outputs): the classifier
// most per-example tests use.
inline SequenceModelSpec token_classifier(int vocab, int embed, int hidden, int outputs) {
  SequenceModelSpec spec;
  spec.vocab_size = vocab;
  spec.embedding_dim = embed;
  spec.recurrent = dpt::lstm_layers({hidden});
  spec.outputs = outputs;
  return spec;
}

// Three examples through LSTM(3) -> Linear(1), MSE; example 1 has a NaN input at step 0, so
// its gradient is NaN and the others' are finite. Recorded (forward and backward) on `tape`.
struct NanExampleCase {
  SequenceModel<double> model{spec(), 41};
  Tape<double> tape;
  NanExampleCase() {
    SequenceBatch<double> batch = feature_batch({3, 2, 4}, {0, 1, 2}, 2);
    batch.features(0 * 3 + 1, 0) = std::numeric_limits<double>::quiet_NaN();  // example 1, step 0
    tape.backward(mse_loss(tape, model.forward(tape, batch, false, 0), MatrixD(MatrixD::Zero(3, 1))).total);
  }
  static SequenceModelSpec spec() {
    SequenceModelSpec s;
    s.input_dim = 2;
    s.recurrent = dpt::lstm_layers({3});
    s.outputs = 1;
    return s;
  }
};

inline std::vector<int> all_examples(const Case& c) {
  std::vector<int> ex(c.lengths.size());
  for (size_t i = 0; i < ex.size(); ++i) ex[i] = static_cast<int>(i);
  return ex;
}

// Forward and backward of the whole batch of `c` on `tape`.
inline void record_batch(const Case& c, Tape<double>& tape) { tape.backward(c.loss(tape, all_examples(c))); }

inline double max_abs_diff(const MatrixD& a, const MatrixD& b) { return (a - b).cwiseAbs().maxCoeff(); }


}  // namespace dpt::testing
