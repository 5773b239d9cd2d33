// Recurrent stacks: the sequence reversal and concatenation ops, bidirectional layers (each
// example's backward direction is the cell run on its own reversed sequence, padding skipped),
// the bidirectional last step, torch's tensor names and order, whole-model Jacobians of
// bidirectional and mixed LSTM/GRU stacks, and padding content changing nothing.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/batch_layout.hpp"
#include "core/layers/recurrent_stack.hpp"
#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/ops/concat_columns.hpp"
#include "core/ops/pooling.hpp"
#include "core/ops/sequence_reverse.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "tests/core/gradcheck.hpp"
#include "tests/core/test_util.hpp"

using namespace dpt;
using dpt::testing::check_jacobian;
using dpt::testing::GradInput;
using dpt::testing::random_matrix;
using dpt::testing::random_tokens;

namespace {

std::vector<RecurrentLayerSpec> one_layer(RecurrentCell cell, int hidden, bool bidirectional) {
  RecurrentLayerSpec s;
  s.cell = cell;
  s.hidden = hidden;
  s.bidirectional = bidirectional;
  return {s};
}

// One direction of layer 0 of `stack` over example b's rows alone (a batch of one, no padding),
// in the order given: (len, D) -> (len, H).
MatrixD one_direction(RecurrentStack<double>& stack, int direction, const MatrixD& x) {
  Tape<double> t;
  const Var in = t.leaf(x, BatchLayout::sequence({static_cast<int>(x.rows())}));
  const Var y = stack.spec(0).cell == RecurrentCell::kGru ? gru_sequence(t, in, stack.gru_weights(0, direction))
                                                          : lstm_sequence(t, in, stack.lstm_weights(0, direction));
  return t.value(y);
}

MatrixD reversed(const MatrixD& x) { return x.colwise().reverse(); }

// Example b's valid rows of a time-major (T*B, D) matrix, in time order.
MatrixD example_rows(const MatrixD& x, const BatchLayout& layout, int b) {
  MatrixD out(layout.length(b), x.cols());
  for (int t = 0; t < layout.length(b); ++t) out.row(t) = x.row(t * layout.batch() + b);
  return out;
}

}  // namespace

TEST_CASE("reverse_sequences reverses each example over its own length, padding 0, and is its own inverse") {
  const LayoutPtr layout = BatchLayout::sequence({3, 1, 2});  // T = 3, B = 3
  const MatrixD x = random_matrix(layout->rows(), 2, 5);
  Tape<double> t;
  const Var xv = t.leaf(x, layout);
  const Var r = reverse_sequences(t, xv);
  const MatrixD& y = t.value(r);
  for (int b = 0; b < 3; ++b) {
    const int len = layout->length(b);
    for (int s = 0; s < 3; ++s) {
      const Index row = s * 3 + b;
      if (s < len) {
        CHECK(y.row(row) == x.row((len - 1 - s) * 3 + b));
      } else {
        CHECK(y.row(row).isZero(0.0));
      }
    }
  }
  const MatrixD twice = t.value(reverse_sequences(t, r));
  for (int row = 0; row < layout->rows(); ++row) {
    if (layout->example_of(row) >= 0) CHECK(twice.row(row) == x.row(row));
  }
  std::vector<GradInput> inputs{{x, layout, "x"}};
  CHECK_JACOBIAN(check_jacobian(inputs, {}, [](Tape<double>& tp, const std::vector<Var>& v) { return reverse_sequences(tp, v[0]); }),
                 1e-9);
}

TEST_CASE("concat_columns and bidirectional_last_step: values and Jacobians") {
  const LayoutPtr layout = BatchLayout::sequence({2, 3, 1});
  const MatrixD a = random_matrix(layout->rows(), 2, 6), b = random_matrix(layout->rows(), 2, 7);
  Tape<double> t;
  const Var ab = concat_columns(t, t.leaf(a, layout), t.leaf(b, layout));
  CHECK(t.value(ab).leftCols(2) == a);
  CHECK(t.value(ab).rightCols(2) == b);
  const MatrixD last = t.value(bidirectional_last_step(t, ab));
  for (int e = 0; e < 3; ++e) {
    CHECK(last.row(e).head(2) == a.row((layout->length(e) - 1) * 3 + e));  // forward: last real step
    CHECK(last.row(e).tail(2) == b.row(e));                                // backward: step 0
  }
  std::vector<GradInput> inputs{{a, layout, "a"}, {b, layout, "b"}};
  CHECK_JACOBIAN(check_jacobian(inputs, {},
                                [](Tape<double>& tp, const std::vector<Var>& v) {
                                  return bidirectional_last_step(tp, concat_columns(tp, v[0], v[1]));
                                }),
                 1e-9);
}

TEST_CASE("a bidirectional layer is [cell(x) | reverse(cell_reverse(reverse(x)))] per example, padding skipped") {
  for (const RecurrentCell cell : {RecurrentCell::kLstm, RecurrentCell::kGru}) {
    INFO("cell " << std::string(name_of(cell)));
    RecurrentStack<double> stack(3, one_layer(cell, 4, true), 17);
    for (const std::vector<int>& lengths : {std::vector<int>{5, 2, 4}, std::vector<int>{4, 4, 1}, std::vector<int>{3, 3, 3}}) {
      const LayoutPtr layout = BatchLayout::sequence(lengths);
      const MatrixD x = random_matrix(layout->rows(), 3, 40);
      Tape<double> t;
      const MatrixD y = t.value(stack.forward(t, t.leaf(x, layout), false, 0));  // (T*B, 8)
      REQUIRE(y.cols() == 8);
      double worst = 0.0;
      for (int b = 0; b < layout->batch(); ++b) {
        const MatrixD xb = example_rows(x, *layout, b);
        const MatrixD forward = one_direction(stack, 0, xb);
        const MatrixD backward = reversed(one_direction(stack, 1, reversed(xb)));
        const MatrixD yb = example_rows(y, *layout, b);
        worst = std::max({worst, (yb.leftCols(4) - forward).cwiseAbs().maxCoeff(), (yb.rightCols(4) - backward).cwiseAbs().maxCoeff()});
      }
      CHECK(worst < 1e-14);
      for (int r = 0; r < layout->rows(); ++r) {
        if (layout->example_of(r) < 0) CHECK(y.row(r).isZero(0.0));  // padding rows output exactly 0
      }
    }
  }
}

TEST_CASE("tensor names, shapes and order are torch's, the index counting layers of one cell") {
  std::vector<RecurrentLayerSpec> layers(3);
  layers[0] = {RecurrentCell::kGru, 4, true, 0.0};
  layers[1] = {RecurrentCell::kLstm, 3, false, 0.0};
  layers[2] = {RecurrentCell::kGru, 2, false, 0.0};
  RecurrentStack<float> stack(5, layers, 1);
  std::vector<std::string> names;
  std::vector<std::pair<Index, Index>> shapes;
  for (const Parameter<float>* p : stack.parameters()) {
    names.push_back(p->name);
    shapes.emplace_back(p->value.rows(), p->value.cols());
  }
  const std::vector<std::string> expected{
      "gru.weight_ih_l0",  "gru.weight_hh_l0",  "gru.bias_ih_l0",  "gru.bias_hh_l0",  "gru.weight_ih_l0_reverse",
      "gru.weight_hh_l0_reverse", "gru.bias_ih_l0_reverse", "gru.bias_hh_l0_reverse", "lstm.weight_ih_l0",
      "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "gru.weight_ih_l1", "gru.weight_hh_l1", "gru.bias_ih_l1",
      "gru.bias_hh_l1"};
  CHECK(names == expected);
  const std::vector<std::pair<Index, Index>> expected_shapes{
      {12, 5}, {12, 4}, {1, 12}, {1, 12}, {12, 5}, {12, 4}, {1, 12}, {1, 12},  // GRU(5 -> 4), both directions
      {12, 8}, {12, 3}, {1, 12}, {1, 12},                                      // LSTM(8 -> 3): reads [fwd | bwd]
      {6, 3},  {6, 2},  {1, 6},  {1, 6}};                                      // GRU(3 -> 2)
  CHECK(shapes == expected_shapes);
  CHECK(stack.output_dim() == 2);
}

TEST_CASE("the forward direction of a bidirectional layer is initialised as the one-directional layer") {
  // Existing one-directional models keep their bits: the reverse direction only adds tensors.
  RecurrentStack<float> uni(3, one_layer(RecurrentCell::kLstm, 4, false), 9);
  RecurrentStack<float> bi(3, one_layer(RecurrentCell::kLstm, 4, true), 9);
  const ParameterList<float> u = uni.parameters(), b = bi.parameters();
  for (size_t p = 0; p < u.size(); ++p) CHECK(u[p]->value == b[p]->value);
  CHECK(b[4]->value != b[0]->value);  // the reverse direction has its own initialisation
}

TEST_CASE("bidirectional and mixed stacks: whole Jacobian <= 1e-5") {
  SUBCASE("Embedding -> BiLSTM(3) -> BiLSTM(2) -> last step (both directions) -> Linear(2)") {
    SequenceModelSpec spec;
    spec.vocab_size = 5;
    spec.embedding_dim = 3;
    spec.recurrent = {{RecurrentCell::kLstm, 3, true, 0.0}, {RecurrentCell::kLstm, 2, true, 0.0}};
    spec.outputs = 2;
    SequenceModel<double> model(spec, 3);
    SequenceBatch<double> batch{BatchLayout::sequence({3, 1, 2}), random_tokens({3, 1, 2}, 5, 1), {}};
    std::vector<GradInput> none;
    CHECK_JACOBIAN(check_jacobian(none, model.parameters(),
                                  [&](Tape<double>& t, const std::vector<Var>&) { return model.forward(t, batch, false, 0); }),
                   1e-5);
  }
  SUBCASE("features -> BiGRU(3) -> dropout -> LSTM(2) -> masked mean -> tanh Dense(2) -> Linear(1)") {
    SequenceModelSpec spec;
    spec.input_dim = 2;
    spec.recurrent = {{RecurrentCell::kGru, 3, true, 0.3}, {RecurrentCell::kLstm, 2, false, 0.0}};
    spec.pooling = Pooling::kMean;
    spec.dense_hidden = {2};
    spec.outputs = 1;
    SequenceModel<double> model(spec, 4);
    const LayoutPtr layout = BatchLayout::sequence({2, 4, 3});
    const SequenceBatch<double> batch{layout, nullptr, random_matrix(layout->rows(), 2, 42)};
    std::vector<GradInput> none;
    CHECK_JACOBIAN(check_jacobian(none, model.parameters(),
                                  [&](Tape<double>& t, const std::vector<Var>&) { return model.forward(t, batch, true, 99); }),
                   1e-5);
  }
  SUBCASE("features -> GRU(3) -> BiGRU(2) -> last step -> Linear(2), inputs too") {
    RecurrentStack<double> stack(2, {{RecurrentCell::kGru, 3, false, 0.0}, {RecurrentCell::kGru, 2, true, 0.0}}, 5);
    const LayoutPtr layout = BatchLayout::sequence({1, 3, 2});
    std::vector<GradInput> inputs{{random_matrix(layout->rows(), 2, 43), layout, "x"}};
    CHECK_JACOBIAN(check_jacobian(inputs, stack.parameters(),
                                  [&](Tape<double>& t, const std::vector<Var>& v) {
                                    return stack.last_step(t, stack.forward(t, v[0], false, 0));
                                  }),
                   1e-5);
  }
}

TEST_CASE("padding content changes no output or gradient of a bidirectional stack, bit for bit") {
  for (const RecurrentCell cell : {RecurrentCell::kLstm, RecurrentCell::kGru}) {
    INFO("cell " << std::string(name_of(cell)));
    SequenceModelSpec spec;
    spec.vocab_size = 7;
    spec.embedding_dim = 3;
    spec.recurrent = {{cell, 4, true, 0.0}, {cell, 3, true, 0.0}};
    spec.outputs = 2;
    SequenceModel<double> model(spec, 5);
    const std::vector<int> lengths{4, 2, 3};
    auto run = [&](int32_t pad) {
      SequenceBatch<double> batch{BatchLayout::sequence(lengths), random_tokens(lengths, 7, 3, pad), {}};
      Tape<double> t;
      const LossResult<double> loss = cross_entropy_loss(t, model.forward(t, batch, false, 0), {0, 1, 1});
      t.backward(loss.total);
      return std::make_pair(loss.per_example, gradient_sum(t.uses(), model.parameters()));
    };
    const auto base = run(0), other = run(6);
    CHECK(base.first == other.first);
    for (size_t p = 0; p < base.second.size(); ++p) CHECK(base.second[p] == other.second[p]);
  }
}
