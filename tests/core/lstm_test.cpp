// The fused LSTM: finite-difference checks (single layer and stacked models), gate isolation
// against closed forms, a step-by-step reference of torch.nn.LSTM's equations, and padding.
#include <doctest/doctest.h>

#include <cmath>

#include "core/batch_layout.hpp"
#include "core/layers/recurrent_stack.hpp"
#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/ops/lstm_sequence.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "tests/core/gradcheck.hpp"
#include "tests/core/test_util.hpp"

using namespace dpt;
using dpt::testing::check_jacobian;
using dpt::testing::GradInput;
using dpt::testing::random_matrix;
using dpt::testing::random_tokens;

namespace {

using VectorXd = Eigen::VectorXd;

double sigm(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// torch.nn.LSTM's equations, one example and one step at a time, gate order i, f, g, o.
MatrixD reference_lstm(const MatrixD& x, const BatchLayout& layout, const LstmWeights<double>& w) {
  const Index H = w.weight_hh->value.cols();
  const int B = layout.batch();
  MatrixD y = MatrixD::Zero(x.rows(), H);
  for (int b = 0; b < B; ++b) {
    VectorXd h = VectorXd::Zero(H), c = VectorXd::Zero(H);
    for (int t = 0; t < layout.length(b); ++t) {
      const VectorXd z = w.weight_ih->value * x.row(t * B + b).transpose() + w.bias_ih->value.row(0).transpose() +
                         w.weight_hh->value * h + w.bias_hh->value.row(0).transpose();
      for (Index j = 0; j < H; ++j) {
        const double i = sigm(z(j)), f = sigm(z(H + j)), g = std::tanh(z(2 * H + j)), o = sigm(z(3 * H + j));
        c(j) = f * c(j) + i * g;
        h(j) = o * std::tanh(c(j));
      }
      y.row(t * B + b) = h.transpose();
    }
  }
  return y;
}

}  // namespace

TEST_CASE("lstm_sequence matches torch.nn.LSTM's equations step by step") {
  RecurrentStack<double> lstm(3, lstm_layers({4}), 7);
  const LayoutPtr layout = BatchLayout::sequence({5, 2, 4});
  const MatrixD x = random_matrix(layout->rows(), 3, 40);
  Tape<double> t;
  const MatrixD y = t.value(lstm_sequence(t, t.leaf(x, layout), lstm.lstm_weights(0)));
  const MatrixD ref = reference_lstm(x, *layout, lstm.lstm_weights(0));
  CHECK((y - ref).cwiseAbs().maxCoeff() < 1e-14);
  SUBCASE("padding rows output exactly zero") {
    for (int r = 0; r < layout->rows(); ++r) {
      if (layout->example_of(r) < 0) CHECK(y.row(r).isZero(0.0));
    }
  }
}

TEST_CASE("LSTM gate isolation: zero weights, constant gates, closed form") {
  // With W_ih = W_hh = 0 every gate is constant: c_t = i g (1 - f^t) / (1 - f), h_t = o tanh(c_t).
  RecurrentStack<double> lstm(1, lstm_layers({1}), 1);
  LstmWeights<double> w = lstm.lstm_weights(0);
  w.weight_ih->value.setZero();
  w.weight_hh->value.setZero();
  w.bias_ih->value << 0.3, -0.7, 0.9, 1.2;   // i, f, g, o
  w.bias_hh->value << 0.1, 0.2, -0.4, 0.05;
  const double i = sigm(0.4), f = sigm(-0.5), g = std::tanh(0.5), o = sigm(1.25);
  const LayoutPtr layout = BatchLayout::sequence({6});
  Tape<double> t;
  const MatrixD y = t.value(lstm_sequence(t, t.leaf(MatrixD::Constant(6, 1, 3.0), layout), w));
  for (int s = 1; s <= 6; ++s) {
    const double c = i * g * (1.0 - std::pow(f, s)) / (1.0 - f);
    CHECK(y(s - 1, 0) == doctest::Approx(o * std::tanh(c)).epsilon(1e-14));
  }
  SUBCASE("input weights reach only their own gate") {
    // Open the g gate's input weight: c_1 = i tanh(w x + b_g); h_1 = o tanh(c_1).
    w.weight_ih->value << 0.0, 0.0, 2.0, 0.0;
    Tape<double> t2;
    MatrixD x(1, 1);
    x << 0.35;
    const MatrixD y1 = t2.value(lstm_sequence(t2, t2.leaf(x, BatchLayout::sequence({1})), w));
    CHECK(y1(0, 0) == doctest::Approx(o * std::tanh(i * std::tanh(2.0 * 0.35 + 0.5))).epsilon(1e-14));
  }
  SUBCASE("the recurrent weight of the forget gate") {
    // f_t = σ(b_f + u h_{t-1}); two steps by hand.
    w.weight_hh->value << 0.0, 1.5, 0.0, 0.0;
    Tape<double> t2;
    const MatrixD y2 = t2.value(lstm_sequence(t2, t2.leaf(MatrixD::Zero(2, 1), BatchLayout::sequence({2})), w));
    const double c1 = i * g, h1 = o * std::tanh(c1);
    const double f2 = sigm(-0.5 + 1.5 * h1);
    const double c2 = f2 * c1 + i * g;
    CHECK(y2(0, 0) == doctest::Approx(h1).epsilon(1e-14));
    CHECK(y2(1, 0) == doctest::Approx(o * std::tanh(c2)).epsilon(1e-14));
  }
}

TEST_CASE("padding is skipped in slot order: unsorted, non-increasing and equal lengths match the reference") {
  // Unsorted lengths are gathered into slots (longest first) and scattered back; non-increasing
  // and equal lengths run in place on the first n_t rows of each step.
  RecurrentStack<double> lstm(3, lstm_layers({4}), 8);
  for (const std::vector<int>& lengths : {std::vector<int>{2, 6, 1, 6, 3}, std::vector<int>{6, 6, 3, 2, 1},
                                          std::vector<int>{4, 4, 4}, std::vector<int>{1, 5}}) {
    CAPTURE(lengths.size());
    CAPTURE(lengths.front());
    const LayoutPtr layout = BatchLayout::sequence(lengths);
    const MatrixD x = random_matrix(layout->rows(), 3, 43);
    Tape<double> t;
    const Var y = lstm_sequence(t, t.leaf(x, layout), lstm.lstm_weights(0));
    CHECK((t.value(y) - reference_lstm(x, *layout, lstm.lstm_weights(0))).cwiseAbs().maxCoeff() < 1e-14);
    // and the batch's gradient equals the sum over batches of one (own rows, no padding at all)
    const MatrixD w_out = random_matrix(layout->rows(), 4, 44);  // MSE targets
    t.backward(mse_loss(t, y, w_out).total);
    const std::vector<MatrixD> batch_grad = gradient_sum(t.uses(), lstm.parameters());
    std::vector<MatrixD> sum_of_ones;
    for (int b = 0; b < layout->batch(); ++b) {
      const LayoutPtr one = BatchLayout::sequence({lengths[static_cast<size_t>(b)]});
      MatrixD xb(lengths[static_cast<size_t>(b)], 3), wb(lengths[static_cast<size_t>(b)], 4);
      for (int s = 0; s < lengths[static_cast<size_t>(b)]; ++s) {
        xb.row(s) = x.row(s * layout->batch() + b);
        wb.row(s) = w_out.row(s * layout->batch() + b);
      }
      Tape<double> tb;
      const Var yb = lstm_sequence(tb, tb.leaf(xb, one), lstm.lstm_weights(0));
      tb.backward(mse_loss(tb, yb, wb).total);
      const std::vector<MatrixD> g = gradient_sum(tb.uses(), lstm.parameters());
      for (size_t p = 0; p < g.size(); ++p) {
        if (b == 0) sum_of_ones.push_back(g[p]);
        else sum_of_ones[p] += g[p];
      }
    }
    for (size_t p = 0; p < batch_grad.size(); ++p) CHECK((batch_grad[p] - sum_of_ones[p]).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("lstm_sequence: Jacobian wrt inputs and all four parameters, non-increasing lengths (in place)") {
  RecurrentStack<double> lstm(3, lstm_layers({3}), 12);
  const LayoutPtr layout = BatchLayout::sequence({4, 3, 1});
  std::vector<GradInput> in{{random_matrix(layout->rows(), 3, 45), layout, "x"}};
  LstmWeights<double> w = lstm.lstm_weights(0);
  CHECK_JACOBIAN(check_jacobian(in, lstm.parameters(), [&](Tape<double>& t, const std::vector<Var>& v) {
                   return lstm_sequence(t, v[0], w);
                 }),
                 1e-6);
}

TEST_CASE("lstm_sequence: Jacobian wrt inputs and all four parameters, padded batch") {
  RecurrentStack<double> lstm(3, lstm_layers({3}), 11);
  const LayoutPtr layout = BatchLayout::sequence({4, 1, 3});
  std::vector<GradInput> in{{random_matrix(layout->rows(), 3, 41), layout, "x"}};
  LstmWeights<double> w = lstm.lstm_weights(0);
  CHECK_JACOBIAN(check_jacobian(in, lstm.parameters(), [&](Tape<double>& t, const std::vector<Var>& v) {
                   return lstm_sequence(t, v[0], w);
                 }),
                 1e-6);
}

TEST_CASE("stacked LSTM models: whole Jacobian <= 1e-5") {
  SUBCASE("Embedding -> LSTM(4) -> LSTM(3) -> last step -> tanh Dense(3) -> Linear(2)") {
    SequenceModelSpec spec;
    spec.vocab_size = 5;
    spec.embedding_dim = 3;
    spec.recurrent = dpt::lstm_layers({4, 3});
    spec.dense_hidden = {3};
    spec.outputs = 2;
    SequenceModel<double> model(spec, 3);
    SequenceBatch<double> batch{BatchLayout::sequence({3, 1, 2}), random_tokens({3, 1, 2}, 5, 1), {}};
    std::vector<GradInput> none;
    CHECK_JACOBIAN(check_jacobian(none, model.parameters(), [&](Tape<double>& t, const std::vector<Var>&) {
                     return model.forward(t, batch, false, 0);
                   }),
                   1e-5);
  }
  SUBCASE("features -> LSTM(3) -> dropout -> LSTM(3) -> masked mean -> Linear(2)") {
    SequenceModelSpec spec;
    spec.input_dim = 2;
    spec.recurrent = dpt::lstm_layers({3, 3}, {0.3, 0.0});
    spec.pooling = Pooling::kMean;
    spec.outputs = 2;
    SequenceModel<double> model(spec, 4);
    const LayoutPtr layout = BatchLayout::sequence({2, 3});
    const SequenceBatch<double> batch{layout, nullptr, random_matrix(layout->rows(), 2, 42)};
    std::vector<GradInput> none;
    CHECK_JACOBIAN(check_jacobian(none, model.parameters(), [&](Tape<double>& t, const std::vector<Var>&) {
                     return model.forward(t, batch, /*training=*/true, 99);  // dropout mask fixed by the seed
                   }),
                   1e-5);
  }
}

TEST_CASE("padding contributes nothing: outputs, losses and gradients") {
  SequenceModelSpec spec;
  spec.vocab_size = 7;
  spec.embedding_dim = 3;
  spec.recurrent = dpt::lstm_layers({4, 3});
  spec.return_sequences = true;
  spec.outputs = 7;
  SequenceModel<double> model(spec, 5);
  const std::vector<int> lengths{4, 2, 3};
  auto run = [&](std::shared_ptr<const std::vector<int32_t>> tokens, const std::vector<int>& lens) {
    SequenceBatch<double> batch{BatchLayout::sequence(lens), std::move(tokens), {}};
    Tape<double> t;
    const Var logits = model.forward(t, batch, false, 0);
    std::vector<int32_t> targets(batch.tokens->size());
    for (size_t r = 0; r < targets.size(); ++r) targets[r] = ((*batch.tokens)[r] + 1) % 7;
    const LossResult<double> loss = cross_entropy_loss(t, logits, targets);
    t.backward(loss.total);
    return std::make_pair(loss.per_example, gradient_sum(t.uses(), model.parameters()));
  };
  const auto base = run(random_tokens(lengths, 7, 3, 0), lengths);
  SUBCASE("whatever the padding tokens are") {
    const auto other = run(random_tokens(lengths, 7, 3, 6), lengths);
    CHECK(base.first == other.first);
    for (size_t p = 0; p < base.second.size(); ++p) CHECK(base.second[p] == other.second[p]);
  }
  SUBCASE("whatever the padded length is") {
    // Add a fourth example of length 6: the first three gain padding; run per example to compare.
    auto tokens = random_tokens({4, 2, 3, 6}, 7, 3, 0);
    auto padded = std::make_shared<std::vector<int32_t>>(*tokens);
    const auto wide = run(padded, {4, 2, 3, 6});
    // Same three examples, no fourth, different padding: their per-example losses agree.
    auto narrow_tokens = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(4) * 3, 0);
    for (int t = 0; t < 4; ++t) {
      for (int b = 0; b < 3; ++b) (*narrow_tokens)[t * 3 + b] = (*tokens)[t * 4 + b];
    }
    const auto narrow = run(narrow_tokens, {4, 2, 3});
    for (int b = 0; b < 3; ++b) CHECK(wide.first(b) == doctest::Approx(narrow.first(b)).epsilon(1e-14));
  }
}
