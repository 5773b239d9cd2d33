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
#include "tests/core/per_example_cases.hpp"

using namespace dpt;

using namespace dpt::testing;


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
  const SequenceModelSpec spec = token_classifier(9, 4, 8, 2);
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
  const Eigen::VectorXd nf = per_example_sq_norms(tf.uses(), mf.parameters(), 4).total_sq();
  for (int i = 0; i < 4; ++i) CHECK(nf(i) == doctest::Approx(nd(i)).epsilon(1e-4));
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
    const SequenceModelSpec spec = token_classifier(5, 32, 32, 2);
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
  NanExampleCase nan_case;
  const ParameterList<double> params = nan_case.model.parameters();
  const Tape<double>& t = nan_case.tape;
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
  const SequenceModelSpec spec = token_classifier(4, 2, 3, 2);
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
