// clipped_gradient_sum: sum_i c_i g_i with c_i from each example's own norms, ghost (two
// passes) or fused (per-example gradients formed one at a time). Both must equal the explicit
// sum over per-example gradients (double, <= 1e-12), give the same norms as
// per_example_sq_norms, keep an example with factor 0 (a non-finite gradient) out exactly, and
// give bit-identical results for any number of threads (the lanes sum in a fixed order).
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/per_example/clipped_sum.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "tests/core/per_example_cases.hpp"

using namespace dpt;
using namespace dpt::testing;

namespace {

constexpr NormMethod kMethods[] = {NormMethod::kGhost, NormMethod::kMaterialise, NormMethod::kAuto};

// Flat clipping at C: c_i = min(1, C / ||g_i||); an example with a non-finite norm gets 0.
template <typename T>
ClipRule<T> flat_rule(size_t P, double C) {
  return [P, C](const double* sq, T* c) {
    double total = 0;
    for (size_t p = 0; p < P; ++p) total += sq[p];
    c[0] = std::isfinite(total) ? static_cast<T>(std::min(1.0, C / std::sqrt(total))) : T(0);
  };
}

// Per-parameter clipping at C_p = C: c_ip = min(1, C / ||g_i^(p)||).
ClipRule<double> per_param_rule(size_t P, double C) {
  return [P, C](const double* sq, double* c) {
    for (size_t p = 0; p < P; ++p) c[p] = std::min(1.0, C / std::sqrt(sq[p]));
  };
}

}  // namespace

TEST_CASE("the clipped sum equals the explicit sum of clipped per-example gradients") {
  for (const Case& c : make_cases()) {
    CAPTURE(c.name);
    const ParameterList<double> params = c.params();
    const size_t P = params.size();
    Tape<double> tape;
    record_batch(c, tape);
    const int B = static_cast<int>(c.lengths.size());
    const auto groups = group_uses(tape.uses(), params);
    // Reference: every g_i formed explicitly; C at about half the median norm so that some
    // examples are clipped and some not.
    std::vector<std::vector<MatrixD>> g(static_cast<size_t>(B));
    MatrixD sq(B, static_cast<Index>(P));
    for (int i = 0; i < B; ++i) {
      for (size_t p = 0; p < P; ++p) {
        g[i].push_back(example_gradient(groups[p], *params[p], i));
        sq(i, static_cast<Index>(p)) = g[i].back().squaredNorm();
      }
    }
    Eigen::VectorXd norms = sq.rowwise().sum().cwiseSqrt();
    std::sort(norms.data(), norms.data() + norms.size());
    const double C = 0.5 * norms(B / 2);
    for (const bool per_param : {false, true}) {
      CAPTURE(per_param);
      const Index cols = per_param ? static_cast<Index>(P) : 1;
      const ClipRule<double> rule = per_param ? per_param_rule(P, C) : flat_rule<double>(P, C);
      for (const NormMethod method : kMethods) {
        CAPTURE(static_cast<int>(method));
        const ClippedSum<double> got = clipped_gradient_sum(tape.uses(), params, B, cols, rule, method);
        CHECK(max_abs_diff(got.norms.sq_norms, sq) <= 1e-12 * sq.maxCoeff());
        for (int i = 0; i < B; ++i) {
          RowVector<double> expected_c(cols);
          rule(sq.row(i).data(), expected_c.data());
          CHECK(max_abs_diff(got.factors.row(i), expected_c) <= 1e-12);
        }
        for (size_t p = 0; p < P; ++p) {
          MatrixD expected = MatrixD::Zero(params[p]->value.rows(), params[p]->value.cols());
          for (int i = 0; i < B; ++i) expected += got.factors(i, per_param ? static_cast<Index>(p) : 0) * g[i][p];
          CHECK(max_abs_diff(got.gradients[p], expected) <= 1e-12);
        }
      }
    }
  }
}

TEST_CASE("fused and ghost choose per parameter, and the choice is reported") {
  // 40 examples of 48 steps through Embedding -> LSTM(16): long sequences make the LSTM
  // weights fused; the head sees one row per example and goes ghost.
  const SequenceModelSpec spec = token_classifier(7, 8, 16, 2);
  SequenceModel<double> model(spec, 5);
  const std::vector<int> lengths(40, 48);
  std::vector<int> ex(40);
  std::vector<int32_t> labels;
  for (int i = 0; i < 40; ++i) {
    ex[i] = i;
    labels.push_back(i % 2);
  }
  Tape<double> t;
  t.backward(cross_entropy_loss(t, model.forward(t, token_batch(lengths, ex, 7), false, 0), labels).total);
  const ParameterList<double> params = model.parameters();
  const auto methods = choose_clipped_sum_methods(group_uses(t.uses(), params), 40);
  REQUIRE(params[1]->name == "lstm.weight_ih_l0");
  REQUIRE(params[2]->name == "lstm.weight_hh_l0");
  REQUIRE(params[5]->name == "output.weight");
  CHECK(methods[1] == NormMethod::kMaterialise);
  CHECK(methods[2] == NormMethod::kMaterialise);
  CHECK(methods[5] == NormMethod::kGhost);
  const ClippedSum<double> s = clipped_gradient_sum(t.uses(), params, 40, 1, flat_rule<double>(params.size(), 0.1));
  CHECK(s.norms.methods == methods);
  SUBCASE("a lane budget too small for both LSTM weights sends the larger one ghost") {
    // W_ih (64, 8) and W_hh (64, 16): 8 lanes of doubles hold 32 KiB and 64 KiB.
    const auto tight = choose_clipped_sum_methods(group_uses(t.uses(), params), 40, 40 * 1024.0);
    CHECK(tight[1] == NormMethod::kMaterialise);
    CHECK(tight[2] == NormMethod::kGhost);
    const auto none = choose_clipped_sum_methods(group_uses(t.uses(), params), 40, 0.0);
    CHECK(none[1] == NormMethod::kGhost);
    CHECK(none[2] == NormMethod::kGhost);
  }
}

TEST_CASE("an example with factor 0 stays out of the fused and the ghost sum, NaN and all") {
  NanExampleCase nan_case;
  const ParameterList<double> params = nan_case.model.parameters();
  const Tape<double>& t = nan_case.tape;
  const auto groups = group_uses(t.uses(), params);
  for (const NormMethod method : kMethods) {
    CAPTURE(static_cast<int>(method));
    const ClippedSum<double> s = clipped_gradient_sum(t.uses(), params, 3, 1, flat_rule<double>(params.size(), 1e6), method);
    CHECK(std::isnan(s.norms.total_sq()(1)));
    CHECK(s.factors(1, 0) == 0.0);
    for (size_t p = 0; p < params.size(); ++p) {
      CHECK(s.gradients[p].allFinite());
      const MatrixD expected = example_gradient(groups[p], *params[p], 0) + example_gradient(groups[p], *params[p], 2);
      CHECK(max_abs_diff(s.gradients[p], expected) <= 1e-12);
    }
  }
}

TEST_CASE("the clipped sum is bit-identical for 1, 2 and 3 threads") {
  // float, 37 examples of ragged lengths: the lanes' boundaries and order are fixed, so the
  // float rounding must not move with the thread count.
  const SequenceModelSpec spec = token_classifier(11, 6, 12, 3);
  SequenceModel<float> model(spec, 8);
  std::vector<int> lengths, ex;
  std::vector<int32_t> labels;
  for (int i = 0; i < 37; ++i) {
    lengths.push_back(20 + (i * 7) % 17);
    ex.push_back(i);
    labels.push_back(i % 3);
  }
  const SequenceBatch<double> bd = token_batch(lengths, ex, 11);
  const SequenceBatch<float> bf{bd.layout, bd.tokens, {}};
  Tape<float> t;
  t.backward(cross_entropy_loss(t, model.forward(t, bf, false, 0), labels).total);
  const ParameterList<float> params = model.parameters();
  const int saved = omp_get_max_threads();
  for (const NormMethod method : kMethods) {
    CAPTURE(static_cast<int>(method));
    std::vector<ClippedSum<float>> runs;
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      runs.push_back(clipped_gradient_sum(t.uses(), params, 37, 1, flat_rule<float>(params.size(), 0.05), method));
    }
    for (size_t r = 1; r < runs.size(); ++r) {
      CHECK(runs[r].norms.sq_norms == runs[0].norms.sq_norms);
      CHECK(runs[r].factors == runs[0].factors);
      for (size_t p = 0; p < params.size(); ++p) CHECK(runs[r].gradients[p] == runs[0].gradients[p]);
    }
  }
  omp_set_num_threads(saved);
}

TEST_CASE("an empty batch gives no norms, no factors and zero clipped sums") {
  const SequenceModelSpec spec = token_classifier(4, 2, 3, 2);
  SequenceModel<double> model(spec, 42);
  SequenceBatch<double> batch{BatchLayout::sequence({}), std::make_shared<const std::vector<int32_t>>(), {}};
  Tape<double> t;
  t.backward(cross_entropy_loss(t, model.forward(t, batch, false, 0), {}).total);
  const ParameterList<double> params = model.parameters();
  for (const NormMethod method : kMethods) {
    const ClippedSum<double> s = clipped_gradient_sum(t.uses(), params, 0, 1, flat_rule<double>(params.size(), 1.0), method);
    CHECK(s.norms.sq_norms.rows() == 0);
    CHECK(s.factors.rows() == 0);
    for (const MatrixD& g : s.gradients) CHECK(g.isZero(0.0));
  }
}

TEST_CASE("the clipped sum checks the batch size and the factor columns") {
  const Case c = make_cases().front();
  const ParameterList<double> params = c.params();
  Tape<double> tape;
  record_batch(c, tape);
  const int B = static_cast<int>(c.lengths.size());
  const ClipRule<double> rule = flat_rule<double>(params.size(), 1.0);
  CHECK_THROWS_AS(clipped_gradient_sum(tape.uses(), params, B + 1, 1, rule), InvalidArgument);
  CHECK_THROWS_AS(clipped_gradient_sum(tape.uses(), params, B, 2, rule), InvalidArgument);
}
