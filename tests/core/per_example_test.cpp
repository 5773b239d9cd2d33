// Per-example gradients from ParamUse records (DESIGN.md, "the central mechanism"):
// each example's gradient equals a batch-of-one run (double, <= 1e-10), ghost norms equal
// materialised norms, sum_i c_i g_i equals the explicit weighted sum, padding contributes
// nothing, and a zero factor keeps a non-finite example out of the sum.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "core/error.hpp"
#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/ops/elementwise.hpp"
#include "core/ops/param_ops.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "core/per_example/per_example_norms.hpp"
#include "tests/core/test_util.hpp"

using namespace dpt;
using dpt::testing::random_matrix;

namespace {

// A dataset of variable-length examples and a model; batches are built from any subset.
struct Case {
  std::string name;
  std::vector<int> lengths;
  std::function<Var(Tape<double>&, const std::vector<int>& examples)> loss;  // summed loss of the subset
  std::function<ParameterList<double>()> params;
};

// Tokens and labels of example e (pure functions of e), for token models.
int32_t token(int e, int t, int vocab) { return static_cast<int32_t>((e * 7 + t * 3 + (e * t) % 5) % vocab); }

SequenceBatch<double> token_batch(const std::vector<int>& lengths, const std::vector<int>& examples, int vocab) {
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

SequenceBatch<double> feature_batch(const std::vector<int>& lengths, const std::vector<int>& examples, int dim) {
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

std::vector<Case> make_cases() {
  std::vector<Case> cases;
  {  // a classifier: Embedding -> LSTM -> LSTM -> last step -> tanh Dense -> Linear
    SequenceModelSpec spec;
    spec.vocab_size = 9;
    spec.embedding_dim = 4;
    spec.lstm_hidden = {5, 3};
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
    spec.lstm_hidden = {4};
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
    spec.lstm_hidden = {3, 4};
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

std::vector<int> all_examples(const Case& c) {
  std::vector<int> ex(c.lengths.size());
  for (size_t i = 0; i < ex.size(); ++i) ex[i] = static_cast<int>(i);
  return ex;
}

// Forward and backward of the whole batch of `c` on `tape`.
void record_batch(const Case& c, Tape<double>& tape) { tape.backward(c.loss(tape, all_examples(c))); }

double max_abs_diff(const MatrixD& a, const MatrixD& b) { return (a - b).cwiseAbs().maxCoeff(); }

}  // namespace

TEST_CASE("per-example gradients equal a one-example-at-a-time loop") {
  for (const Case& c : make_cases()) {
    CAPTURE(c.name);
    const ParameterList<double> params = c.params();
    Tape<double> tape;
    record_batch(c, tape);
    const auto groups = group_uses(tape.uses(), params);
    double worst = 0.0;
    std::vector<MatrixD> sum(params.size());
    for (size_t i = 0; i < c.lengths.size(); ++i) {
      Tape<double> single;
      single.backward(c.loss(single, {static_cast<int>(i)}));
      const std::vector<MatrixD> expected = gradient_sum(single.uses(), params);
      for (size_t p = 0; p < params.size(); ++p) {
        const MatrixD g = example_gradient(groups[p], *params[p], static_cast<int>(i));
        worst = std::max(worst, max_abs_diff(g, expected[p]));
        sum[p] = i == 0 ? g : MatrixD(sum[p] + g);
      }
    }
    MESSAGE(c.name << ": worst |g_i - g_i(batch of one)| = " << worst);
    CHECK(worst <= 1e-10);
    // and the per-example gradients sum to the ordinary gradient
    const std::vector<MatrixD> batch_grad = gradient_sum(tape.uses(), params);
    for (size_t p = 0; p < params.size(); ++p) CHECK(max_abs_diff(sum[p], batch_grad[p]) <= 1e-12);
  }
}

TEST_CASE("ghost norms equal materialised norms and the norms of the gradients") {
  for (const Case& c : make_cases()) {
    CAPTURE(c.name);
    const ParameterList<double> params = c.params();
    Tape<double> tape;
    record_batch(c, tape);
    const int B = static_cast<int>(c.lengths.size());
    const PerExampleNorms<double> ghost = per_example_sq_norms(tape.uses(), params, B, NormMethod::kGhost);
    const PerExampleNorms<double> mat = per_example_sq_norms(tape.uses(), params, B, NormMethod::kMaterialise);
    const PerExampleNorms<double> autom = per_example_sq_norms(tape.uses(), params, B, NormMethod::kAuto);
    const auto groups = group_uses(tape.uses(), params);
    MatrixD direct(B, static_cast<Index>(params.size()));
    for (int i = 0; i < B; ++i) {
      for (size_t p = 0; p < params.size(); ++p) direct(i, static_cast<Index>(p)) = example_gradient(groups[p], *params[p], i).squaredNorm();
    }
    const double scale = direct.cwiseAbs().maxCoeff();
    CHECK(max_abs_diff(ghost.sq_norms, direct) <= 1e-12 * scale);
    CHECK(max_abs_diff(mat.sq_norms, direct) <= 1e-12 * scale);
    CHECK(max_abs_diff(autom.sq_norms, direct) <= 1e-12 * scale);
    CHECK((ghost.total_sq() - direct.rowwise().sum()).cwiseAbs().maxCoeff() <= 1e-12 * scale * static_cast<double>(params.size()));
  }
}

TEST_CASE("sum_i c_i g_i equals the explicit weighted sum") {
  for (const Case& c : make_cases()) {
    CAPTURE(c.name);
    const ParameterList<double> params = c.params();
    Tape<double> tape;
    record_batch(c, tape);
    const int B = static_cast<int>(c.lengths.size());
    const auto groups = group_uses(tape.uses(), params);
    SUBCASE("one factor per example") {
      MatrixD cf = random_matrix(B, 1, 50).cwiseAbs();
      cf(1, 0) = 0.0;  // one example dropped entirely
      const std::vector<MatrixD> got = weighted_gradient_sum(tape.uses(), params, cf);
      for (size_t p = 0; p < params.size(); ++p) {
        MatrixD expected = MatrixD::Zero(params[p]->value.rows(), params[p]->value.cols());
        for (int i = 0; i < B; ++i) expected += cf(i, 0) * example_gradient(groups[p], *params[p], i);
        CHECK(max_abs_diff(got[p], expected) <= 1e-12);
      }
    }
    SUBCASE("a factor per example and parameter (per-layer clipping)") {
      const MatrixD cf = random_matrix(B, static_cast<Index>(params.size()), 51).cwiseAbs();
      const std::vector<MatrixD> got = weighted_gradient_sum(tape.uses(), params, cf);
      for (size_t p = 0; p < params.size(); ++p) {
        MatrixD expected = MatrixD::Zero(params[p]->value.rows(), params[p]->value.cols());
        for (int i = 0; i < B; ++i) expected += cf(i, static_cast<Index>(p)) * example_gradient(groups[p], *params[p], i);
        CHECK(max_abs_diff(got[p], expected) <= 1e-12);
      }
    }
    SUBCASE("factor shapes are checked") {
      CHECK_THROWS_AS(weighted_gradient_sum(tape.uses(), params, MatrixD(MatrixD::Ones(B + 1, 1))), InvalidArgument);
      CHECK_THROWS_AS(weighted_gradient_sum(tape.uses(), params, MatrixD(MatrixD::Ones(B, 2 + static_cast<Index>(params.size())))),
                      InvalidArgument);
    }
  }
}

TEST_CASE("float per-example norms agree with double") {
  SequenceModelSpec spec;
  spec.vocab_size = 9;
  spec.embedding_dim = 4;
  spec.lstm_hidden = {8};
  spec.outputs = 2;
  SequenceModel<double> md(spec, 31);
  SequenceModel<float> mf(spec, 31);
  const std::vector<int> lengths{6, 3, 9, 1};
  SequenceBatch<double> bd = token_batch(lengths, {0, 1, 2, 3}, 9);
  SequenceBatch<float> bf{bd.layout, bd.tokens, {}};
  Tape<double> td;
  Tape<float> tf;
  td.backward(cross_entropy_loss(td, md.forward(td, bd, false, 0), {0, 1, 1, 0}).total);
  tf.backward(cross_entropy_loss(tf, mf.forward(tf, bf, false, 0), {0, 1, 1, 0}).total);
  const Eigen::VectorXd nd = per_example_sq_norms(td.uses(), md.parameters(), 4).total_sq();
  const Eigen::VectorXf nf = per_example_sq_norms(tf.uses(), mf.parameters(), 4).total_sq();
  for (int i = 0; i < 4; ++i) CHECK(static_cast<double>(nf(i)) == doctest::Approx(nd(i)).epsilon(1e-4));
}

TEST_CASE("the cost model picks ghost for long rows, materialised for long sequences") {
  // Linear on one row per example: ghost costs d_in + d_out, materialising d_in * d_out.
  Parameter<double> W{"w", random_matrix(16, 16, 60), 2};
  Parameter<double> E{"e", random_matrix(5, 16, 61), 2};
  SUBCASE("flat") {
    Tape<double> t;
    t.backward(mse_loss(t, linear(t, t.leaf(random_matrix(4, 16, 62), BatchLayout::flat(4)), W, nullptr), MatrixD(MatrixD::Zero(4, 16))).total);
    CHECK(per_example_sq_norms(t.uses(), {&W}, 4).methods[0] == NormMethod::kGhost);
  }
  SUBCASE("a sequence of 40 steps through a 16 x 16 weight") {
    const LayoutPtr layout = BatchLayout::sequence({40, 40});
    Tape<double> t;
    t.backward(mse_loss(t, linear(t, t.leaf(random_matrix(80, 16, 63), layout), W, nullptr), MatrixD(MatrixD::Zero(80, 16))).total);
    CHECK(per_example_sq_norms(t.uses(), {&W}, 2).methods[0] == NormMethod::kMaterialise);
  }
  SUBCASE("LSTM weights share one G Gram and choose ghost at T = 8, H = 32") {
    SequenceModelSpec spec;
    spec.vocab_size = 5;
    spec.embedding_dim = 32;
    spec.lstm_hidden = {32};
    spec.outputs = 2;
    SequenceModel<double> model(spec, 3);
    const std::vector<int> lengths{8, 8};
    Tape<double> t;
    t.backward(cross_entropy_loss(t, model.forward(t, token_batch(lengths, {0, 1}, 5), false, 0), {0, 1}).total);
    const auto norms = per_example_sq_norms(t.uses(), model.parameters(), 2);
    CHECK(norms.methods[1] == NormMethod::kGhost);  // lstm.weight_ih_l0
    CHECK(norms.methods[2] == NormMethod::kGhost);  // lstm.weight_hh_l0
  }
  (void)E;
}

TEST_CASE("a zero factor keeps an example with non-finite gradients out of the sum") {
  SequenceModelSpec spec;
  spec.input_dim = 2;
  spec.lstm_hidden = {3};
  spec.outputs = 1;
  SequenceModel<double> model(spec, 41);
  const std::vector<int> lengths{3, 2, 4};
  SequenceBatch<double> batch = feature_batch(lengths, {0, 1, 2}, 2);
  batch.features(0 * 3 + 1, 0) = std::numeric_limits<double>::quiet_NaN();  // example 1, step 0
  const ParameterList<double> params = model.parameters();
  Tape<double> t;
  t.backward(mse_loss(t, model.forward(t, batch, false, 0), MatrixD(MatrixD::Zero(3, 1))).total);
  const PerExampleNorms<double> norms = per_example_sq_norms(t.uses(), params, 3);
  CHECK(std::isnan(norms.total_sq()(1)));
  CHECK(std::isfinite(norms.total_sq()(0)));
  CHECK(std::isfinite(norms.total_sq()(2)));
  MatrixD c(3, 1);
  c << 1.0, 0.0, 1.0;
  const std::vector<MatrixD> got = weighted_gradient_sum(t.uses(), params, c);
  const auto groups = group_uses(t.uses(), params);
  for (size_t p = 0; p < params.size(); ++p) {
    CHECK(got[p].allFinite());
    const MatrixD expected = example_gradient(groups[p], *params[p], 0) + example_gradient(groups[p], *params[p], 2);
    CHECK(max_abs_diff(got[p], expected) <= 1e-12);
  }
}

TEST_CASE("an empty batch gives empty norms and zero sums") {
  SequenceModelSpec spec;
  spec.vocab_size = 4;
  spec.embedding_dim = 2;
  spec.lstm_hidden = {3};
  spec.outputs = 2;
  SequenceModel<double> model(spec, 42);
  SequenceBatch<double> batch{BatchLayout::sequence({}), std::make_shared<const std::vector<int32_t>>(), {}};
  Tape<double> t;
  const LossResult<double> loss = cross_entropy_loss(t, model.forward(t, batch, false, 0), {});
  t.backward(loss.total);
  const ParameterList<double> params = model.parameters();
  CHECK(per_example_sq_norms(t.uses(), params, 0).sq_norms.rows() == 0);
  for (const MatrixD& g : weighted_gradient_sum(t.uses(), params, MatrixD(0, 1))) CHECK(g.isZero(0.0));
}

TEST_CASE("a parameter missing from the list is an error, not a silent unclipped gradient") {
  Parameter<double> W{"w", random_matrix(2, 2, 70), 2};
  Parameter<double> other{"other", random_matrix(2, 2, 71), 2};
  Tape<double> t;
  t.backward(mse_loss(t, linear(t, t.leaf(random_matrix(3, 2, 72), BatchLayout::flat(3)), W, nullptr), MatrixD(MatrixD::Zero(3, 2))).total);
  try {
    per_example_sq_norms(t.uses(), {&other}, 3);
    FAIL("expected an error");
  } catch (const InvalidArgument& e) {
    CHECK(std::string(e.what()).find("'w'") != std::string::npos);
  }
  Tape<double> no_backward;
  linear(no_backward, no_backward.leaf(random_matrix(3, 2, 72), BatchLayout::flat(3)), W, nullptr);
  CHECK_THROWS_AS(gradient_sum(no_backward.uses(), {&W}), InvalidArgument);
}
