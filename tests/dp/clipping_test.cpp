// Clipping (invariant 1): every clipped contribution has norm <= C whatever the input —
// huge, tiny, zero, NaN or Inf gradients — in flat, per-layer and automatic modes.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "dp/clipping.hpp"
#include "dp/privatizer.hpp"
#include "tests/core/test_util.hpp"

using namespace dpt;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

PerExampleNorms<double> norms_of(std::initializer_list<std::initializer_list<double>> rows) {
  PerExampleNorms<double> n;
  n.sq_norms.resize(static_cast<Index>(rows.size()), static_cast<Index>(rows.begin()->size()));
  Index i = 0;
  for (const auto& row : rows) {
    Index p = 0;
    for (double v : row) n.sq_norms(i, p++) = v;
    ++i;
  }
  return n;
}

// A real model whose gradients we scale by `scale` through the loss target.
struct ModelCase {
  SequenceModel<float> model;
  Tape<float> tape;
  explicit ModelCase(double scale, const std::vector<int>& lengths = {5, 2, 7, 1},
                     const std::vector<RecurrentLayerSpec>& recurrent = dpt::lstm_layers({6, 5}))
      : model(spec(recurrent), 3) {
    const Index B = static_cast<Index>(lengths.size());
    SequenceBatch<float> batch{BatchLayout::sequence(lengths), dpt::testing::random_tokens(lengths, 9, 4), {}};
    MatrixF target = MatrixF::Constant(B, 1, static_cast<float>(scale));
    tape.backward(mse_loss(tape, model.forward(tape, batch, false, 0), target).total);
  }
  static SequenceModelSpec spec(const std::vector<RecurrentLayerSpec>& recurrent) {
    SequenceModelSpec s;
    s.vocab_size = 9;
    s.embedding_dim = 4;
    s.recurrent = recurrent;
    s.dense_hidden = {3};
    s.outputs = 1;
    return s;
  }
};

// ||c_i g_i|| computed from the materialised per-example gradients, in double.
std::vector<double> clipped_norms(ModelCase& m, const Matrix<float>& factors) {
  const ParameterList<float> params = m.model.parameters();
  const auto groups = group_uses(m.tape.uses(), params);
  std::vector<double> out;
  for (int i = 0; i < 4; ++i) {
    double sq = 0.0;
    for (size_t p = 0; p < params.size(); ++p) {
      const double c = factors.cols() == 1 ? factors(i, 0) : factors(i, static_cast<Index>(p));
      sq += (c * example_gradient(groups[p], *params[p], i).cast<double>()).squaredNorm();
    }
    out.push_back(std::sqrt(sq));
  }
  return out;
}

}  // namespace

TEST_CASE("flat clipping: factors and edge cases") {
  ClippingConfig config;
  config.clip_norm = 2.0;
  const ClipResult<double> r = clip_factors(norms_of({{0.25, 0.0}, {16.0, 9.0}, {0.0, 0.0}, {kNaN, 1.0}, {kInf, 0.0}, {1e308, 1e308}}), config);
  CHECK(r.factors(0, 0) == 1.0);                                  // ||g|| = 0.5 < C: untouched
  CHECK(r.factors(1, 0) == doctest::Approx(2.0 / 5.0).epsilon(1e-6));  // ||g|| = 5: scaled to C
  CHECK(r.factors(1, 0) * 5.0 <= 2.0);
  CHECK(r.factors(2, 0) == 1.0);                                  // zero gradient
  CHECK(r.factors(3, 0) == 0.0);                                  // NaN: dropped
  CHECK(r.factors(4, 0) == 0.0);                                  // Inf: dropped
  CHECK(r.factors(5, 0) == 0.0);                                  // squared norm overflows: dropped, not trusted
  CHECK(r.nonfinite_examples == 3);
  CHECK(r.clipped_examples == 1);
}

TEST_CASE("flat clipping bounds every real clipped gradient by C, small to huge") {
  for (double scale : {1e-3, 1.0, 1e3, 1e8}) {
    CAPTURE(scale);
    ModelCase m(scale);
    ClippingConfig config;
    config.clip_norm = 0.5;
    const PerExampleNorms<float> norms = per_example_sq_norms(m.tape.uses(), m.model.parameters(), 4);
    const ClipResult<float> r = clip_factors(norms, config);
    for (double n : clipped_norms(m, r.factors)) CHECK(n <= 0.5);
    // and the clipped sum itself (what the noise is calibrated to) has norm <= 4 C
    const std::vector<MatrixF> sum = weighted_gradient_sum(m.tape.uses(), m.model.parameters(), r.factors);
    double sq = 0.0;
    for (const MatrixF& g : sum) sq += g.cast<double>().squaredNorm();
    CHECK(std::sqrt(sq) <= 4 * 0.5);
  }
}

TEST_CASE("clipping order invariance: permuting examples permutes factors") {
  ClippingConfig config;
  config.clip_norm = 1.0;
  const ClipResult<double> a = clip_factors(norms_of({{4.0}, {0.01}, {9.0}}), config);
  const ClipResult<double> b = clip_factors(norms_of({{9.0}, {4.0}, {0.01}}), config);
  CHECK(a.factors(0, 0) == b.factors(1, 0));
  CHECK(a.factors(1, 0) == b.factors(2, 0));
  CHECK(a.factors(2, 0) == b.factors(0, 0));
}

TEST_CASE("per-layer clipping: each group <= C_k, total sensitivity <= C") {
  ModelCase m(1e3);
  const ParameterList<float> params = m.model.parameters();
  // group 0: embedding; 1: LSTM layer 0; 2: LSTM layer 1; 3: head and output
  std::vector<int> groups{0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
  REQUIRE(groups.size() == params.size());
  const ClippingConfig config = ClippingConfig::per_layer_equal_shares(1.0, groups);
  double sum_sq = 0.0;
  for (double c : config.group_clip_norms) sum_sq += c * c;
  CHECK(sum_sq == doctest::Approx(1.0).epsilon(1e-12));
  const ClipResult<float> r = clip_factors(per_example_sq_norms(m.tape.uses(), params, 4), config);
  CHECK(r.factors.cols() == static_cast<Index>(params.size()));
  for (double n : clipped_norms(m, r.factors)) CHECK(n <= 1.0);
  SUBCASE("thresholds whose squares do not sum to C² are refused") {
    ClippingConfig bad = config;
    bad.group_clip_norms[0] *= 1.01;
    CHECK_THROWS_AS(clip_factors(per_example_sq_norms(m.tape.uses(), params, 4), bad), InvalidArgument);
    bad = config;
    bad.group_of_param.pop_back();
    CHECK_THROWS_AS(clip_factors(per_example_sq_norms(m.tape.uses(), params, 4), bad), InvalidArgument);
  }
  SUBCASE("a NaN in one group drops the whole example") {
    const ClipResult<double> rn = clip_factors(norms_of({{1.0, kNaN}, {1.0, 1.0}}),
                                               ClippingConfig::per_layer_equal_shares(1.0, {0, 1}));
    CHECK(rn.factors.row(0).isZero(0.0));
    CHECK(rn.nonfinite_examples == 1);
  }
}

TEST_CASE("automatic clipping: c_i = C / (||g_i|| + gamma), norms < C") {
  ClippingConfig config;
  config.mode = ClippingMode::kAutomatic;
  config.clip_norm = 2.0;
  config.automatic_gamma = 0.01;
  const ClipResult<double> r = clip_factors(norms_of({{0.0}, {1.0}, {1e6}, {kInf}}), config);
  CHECK(r.factors(0, 0) == doctest::Approx(200.0));
  CHECK(r.factors(1, 0) * 1.0 < 2.0);
  CHECK(r.factors(2, 0) * 1e3 < 2.0);
  CHECK(r.factors(3, 0) == 0.0);
  ModelCase m(10.0);
  const ClipResult<float> rm = clip_factors(per_example_sq_norms(m.tape.uses(), m.model.parameters(), 4), config);
  for (double n : clipped_norms(m, rm.factors)) CHECK(n < 2.0);
  config.automatic_gamma = 0.0;
  CHECK_THROWS_AS(clip_factors(norms_of({{1.0}}), config), InvalidArgument);
}

TEST_CASE("invalid clip norms are refused, never clamped") {
  ClippingConfig config;
  for (double c : {0.0, -1.0, kNaN, kInf}) {
    config.clip_norm = c;
    CHECK_THROWS_AS(clip_factors(norms_of({{1.0}}), config), InvalidArgument);
  }
}

TEST_CASE("the privatizer bounds one example's contribution by C on the ghost and the fused path") {
  // The production path (clipped_gradient_sum inside the privatizer), σ = 0 and q·N = 1, so the
  // output IS the example's clipped contribution; lengths 1 to 60, gradients small to huge, for
  // LSTM, bidirectional LSTM and GRU + bidirectional GRU stacks.
  const ReproducibleRandomness randomness(1);
  const GaussianNoise noise(randomness);
  const std::vector<std::vector<RecurrentLayerSpec>> stacks{
      dpt::lstm_layers({6, 5}),
      {{RecurrentCell::kLstm, 6, true, 0.0}, {RecurrentCell::kLstm, 5, true, 0.0}},
      {{RecurrentCell::kGru, 6, false, 0.0}, {RecurrentCell::kGru, 5, true, 0.0}}};
  for (const std::vector<RecurrentLayerSpec>& stack : stacks) {
    for (const ClippingMode mode : {ClippingMode::kFlat, ClippingMode::kPerLayer, ClippingMode::kAutomatic}) {
      for (const NormMethod method : {NormMethod::kGhost, NormMethod::kMaterialise}) {
        for (double scale : {1e-3, 1.0, 1e8}) {
          for (int length : {1, 7, 60}) {
            CAPTURE(std::string(name_of(stack.back().cell)));
            CAPTURE(stack.back().bidirectional);
            CAPTURE(to_string(mode));
            CAPTURE(static_cast<int>(method));
            CAPTURE(scale);
            CAPTURE(length);
            ModelCase m(scale, {length}, stack);
            const ParameterList<float> params = m.model.parameters();
            PrivatizerConfig pc;
            pc.noise_multiplier = 0.0;
            pc.expected_batch_size = 1.0;
            pc.norm_method = method;
            pc.clipping.clip_norm = 0.5;
            if (mode == ClippingMode::kPerLayer) {
              std::vector<int> groups;  // embedding, then four tensors per direction of a layer, then the head
              for (size_t p = 0; p < params.size(); ++p) groups.push_back(p == 0 ? 0 : static_cast<int>((p - 1) / 4 + 1));
              pc.clipping = ClippingConfig::per_layer_equal_shares(0.5, groups);
            }
            pc.clipping.mode = mode;
            const PrivatizedGradient<float> g = Privatizer(pc, noise).privatize(m.tape.uses(), params, 1, 0);
            double sq = 0.0;
            for (const MatrixF& x : g.gradients) sq += x.cast<double>().squaredNorm();
            CHECK(std::sqrt(sq) <= 0.5);
            if (scale >= 1.0) CHECK(std::sqrt(sq) > 0.25);  // large gradients are clipped, not zeroed
          }
        }
      }
    }
  }
}

TEST_CASE("the counts: a float total that overflows while every per-layer group is finite is clipped, not dropped") {
  PerExampleNorms<float> n;
  n.sq_norms.resize(2, 2);
  n.sq_norms << 3e38f, 3e38f,                                      // each group finite, float total inf
      std::numeric_limits<float>::quiet_NaN(), 1.0f;               // a NaN group: dropped
  const ClipResult<float> r = clip_factors(n, ClippingConfig::per_layer_equal_shares(1.0, {0, 1}));
  CHECK(r.factors(0, 0) > 0.0f);
  CHECK(r.factors(0, 1) > 0.0f);
  CHECK(r.factors.row(1).isZero(0.0f));
  CHECK(r.nonfinite_examples == 1);
  CHECK(r.clipped_examples == 1);
}

TEST_CASE("the non-finite rule: a NaN or Inf norm gives factor 0 and is counted; finite norms are clipped") {
  ClippingConfig config;
  config.clip_norm = 2.0;
  auto norms = [&](std::initializer_list<double> sq) {
    return example_norms(config, static_cast<Index>(sq.size()), sq.begin());
  };
  const ExampleNorms nan = norms({1.0, kNaN}), inf = norms({kInf, 1.0}), small = norms({0.25, 0.75}),
                     large = norms({9.0, 16.0});
  CHECK(is_nonfinite(nan));
  CHECK(is_nonfinite(inf));
  CHECK(clip_factor<double>(nan, 0, config) == 0.0);
  CHECK(clip_factor<double>(inf, 0, config) == 0.0);
  CHECK(!is_nonfinite(small));
  CHECK(small.norm[0] >= 1.0);                             // the norm is rounded up...
  CHECK(small.norm[0] <= 1.0 + 1e-14);                     // ...barely
  CHECK(clip_factor<double>(small, 0, config) == 1.0);     // ||g|| = 1 < C: untouched
  const double c = clip_factor<double>(large, 0, config);  // ||g|| = 5 > C: C/||g||, never above
  CHECK(c == doctest::Approx(2.0 / 5.0).epsilon(1e-6));
  CHECK(c * 5.0 <= 2.0);
  // counted by clip_summary from the same predicate: the NaN and the Inf example, not the others
  MatrixD sq(4, 2);
  sq << 1.0, kNaN, kInf, 1.0, 0.25, 0.75, 9.0, 16.0;
  MatrixD factors(4, 1);
  for (Index i = 0; i < 4; ++i) clip_example(config, 2, sq.row(i).data(), factors.row(i).data());
  CHECK(factors(0, 0) == 0.0);
  CHECK(factors(1, 0) == 0.0);
  const ClipResult<double> r = clip_summary(sq, factors, config);
  CHECK(r.nonfinite_examples == 2);
  CHECK(r.clipped_examples == 1);
}

TEST_CASE("the non-finite rule in per-layer and automatic modes") {
  const ClippingConfig per_layer =
      ClippingConfig::per_layer_equal_shares(2.0, {0, 1, 1});  // C_k = 2 sqrt(1/3), 2 sqrt(2/3)
  const double sq_ok[] = {4.0, 0.5, 0.5};
  const ExampleNorms ok = example_norms(per_layer, 3, sq_ok);
  REQUIRE(ok.groups == 2);
  CHECK(!is_nonfinite(ok));
  CHECK(ok.sq_norm[1] == 1.0);  // group 1: parameters 1 and 2
  CHECK(clip_factor<double>(ok, 0, per_layer) == doctest::Approx(std::sqrt(1.0 / 3.0)).epsilon(1e-6));  // C_0 / 2
  CHECK(clip_factor<double>(ok, 1, per_layer) == 1.0);  // 1 <= C_1 = 1.63
  const double sq_nan[] = {1.0, kNaN, 0.5};             // a NaN in group 1 only...
  const ExampleNorms bad = example_norms(per_layer, 3, sq_nan);
  CHECK(is_nonfinite(bad));
  CHECK(clip_factor<double>(bad, 0, per_layer) == 0.0);  // ...drops group 0 too
  CHECK(clip_factor<double>(bad, 1, per_layer) == 0.0);
  ClippingConfig automatic;
  automatic.mode = ClippingMode::kAutomatic;
  automatic.clip_norm = 2.0;
  automatic.automatic_gamma = 0.5;
  const double sq_auto[] = {9.0, 16.0};
  CHECK(clip_factor<double>(example_norms(automatic, 2, sq_auto), 0, automatic) ==
        doctest::Approx(2.0 / 5.5).epsilon(1e-6));
  const double sq_inf[] = {9.0, kInf};
  CHECK(clip_factor<double>(example_norms(automatic, 2, sq_inf), 0, automatic) == 0.0);
}

TEST_CASE("a finite example whose factor is 0 is clipped, not counted as non-finite") {
  ClippingConfig config;
  config.clip_norm = 1.0;
  MatrixD sq(2, 1);
  sq << 1e100, std::numeric_limits<double>::max();  // factor 1e-50 rounds to 0 in float; a rounded-up norm of +inf
  Matrix<float> factors(2, 1);
  for (Index i = 0; i < 2; ++i) {
    const ExampleNorms n = example_norms(config, 1, sq.row(i).data());
    CHECK(!is_nonfinite(n));
    clip_example(config, 1, sq.row(i).data(), factors.row(i).data());
  }
  CHECK(factors(0, 0) == 0.0f);
  CHECK(factors(1, 0) == 0.0f);
  const ClipResult<float> r = clip_summary(sq, factors, config);
  CHECK(r.nonfinite_examples == 0);
  CHECK(r.clipped_examples == 2);
}
