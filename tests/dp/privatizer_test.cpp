// The privatizer (invariants 1–3): (sum_i c_i g_i + N(0, σ²C²)) / (q·N).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "dp/privatizer.hpp"
#include "tests/core/test_util.hpp"

using namespace dpt;

namespace {

SequenceModelSpec small_spec() {
  SequenceModelSpec s;
  s.input_dim = 3;
  s.recurrent = dpt::lstm_layers({4});
  s.outputs = 2;
  return s;
}

struct Recorded {
  SequenceModel<double> model{small_spec(), 9};
  Tape<double> tape;
  int batch = 0;
  explicit Recorded(const std::vector<int>& lengths, bool nan_in_example_1 = false) {
    batch = static_cast<int>(lengths.size());
    SequenceBatch<double> b{BatchLayout::sequence(lengths), nullptr, {}};
    b.features = dpt::testing::random_matrix(b.layout->rows(), 3, 77, 3.0);
    if (nan_in_example_1) b.features(1, 0) = std::numeric_limits<double>::quiet_NaN();
    std::vector<int32_t> labels(lengths.size());
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>(i % 2);
    tape.backward(cross_entropy_loss(tape, model.forward(tape, b, false, 0), labels).total);
  }
};

PrivatizerConfig config(double sigma, double clip, double expected) {
  PrivatizerConfig c;
  c.noise_multiplier = sigma;
  c.clipping.clip_norm = clip;
  c.expected_batch_size = expected;
  return c;
}

}  // namespace

TEST_CASE("without noise the privatizer returns the clipped sum divided by the EXPECTED batch size") {
  Recorded r({4, 2, 5});
  const ReproducibleRandomness randomness(1);
  const GaussianNoise noise(randomness);
  const Privatizer privatizer(config(0.0, 0.1, 10.0), noise);  // realised 3, expected 10
  const ParameterList<double> params = r.model.parameters();
  const PrivatizedGradient<double> out = privatizer.privatize(r.tape.uses(), params, r.batch, 0);
  const ClipResult<double> clip = clip_factors(per_example_sq_norms(r.tape.uses(), params, r.batch), privatizer.config().clipping);
  const std::vector<MatrixD> sum = weighted_gradient_sum(r.tape.uses(), params, clip.factors);
  for (size_t p = 0; p < params.size(); ++p) {
    CHECK((out.gradients[p] - sum[p] / 10.0).cwiseAbs().maxCoeff() <= 1e-15);
    CHECK((out.gradients[p] - sum[p] / 3.0).cwiseAbs().maxCoeff() > 0.0);  // not the realised size
  }
  CHECK(out.examples == 3);
  CHECK(out.clipped_examples == 3);  // C = 0.1 clips every example here
}

TEST_CASE("noise std is exactly sigma*C/(q*N) on every coordinate; an empty batch is pure noise") {
  const ReproducibleRandomness randomness(2);
  const GaussianNoise noise(randomness);
  const double sigma = 1.3, C = 0.7, expected = 4.0;
  const Privatizer privatizer(config(sigma, C, expected), noise);
  CHECK(privatizer.noise_stddev() == doctest::Approx(sigma * C));
  Parameter<double> big{"big", MatrixD::Zero(300, 400), 2};
  const std::vector<ParamUse<double>> no_uses;  // an empty Poisson batch: no forward pass at all
  const PrivatizedGradient<double> out = privatizer.privatize(no_uses, {&big}, 0, 17);
  const MatrixD& g = out.gradients[0];
  const double n = static_cast<double>(g.size());
  const double mean = g.mean();
  const double sd = std::sqrt((g.array() - mean).square().sum() / (n - 1));
  const double expected_sd = sigma * C / expected;
  MESSAGE("empty batch: noise sd " << sd << " vs sigma*C/(qN) = " << expected_sd << ", mean " << mean);
  CHECK(std::abs(mean) < 5 * expected_sd / std::sqrt(n));
  CHECK(std::abs(sd - expected_sd) < 5 * expected_sd / std::sqrt(2 * n));
  for (Index k = 0; k < g.size(); ++k) REQUIRE(g.data()[k] != 0.0);
  CHECK(out.examples == 0);
  // the next step draws fresh noise
  const PrivatizedGradient<double> next = privatizer.privatize(no_uses, {&big}, 0, 18);
  CHECK(next.gradients[0] != g);
}

TEST_CASE("a NaN example contributes nothing, is counted, and the result stays finite") {
  Recorded clean({3, 2, 4});
  Recorded poisoned({3, 2, 4}, /*nan_in_example_1=*/true);
  const ReproducibleRandomness randomness(3);
  const GaussianNoise noise(randomness);
  const Privatizer privatizer(config(0.0, 1.0, 3.0), noise);
  const PrivatizedGradient<double> out = privatizer.privatize(poisoned.tape.uses(), poisoned.model.parameters(), 3, 0);
  CHECK(out.nonfinite_examples == 1);
  // equals the clean batch with example 1's factor set to 0
  const ParameterList<double> params = clean.model.parameters();
  ClipResult<double> clip = clip_factors(per_example_sq_norms(clean.tape.uses(), params, 3), privatizer.config().clipping);
  clip.factors(1, 0) = 0.0;
  const std::vector<MatrixD> expected = weighted_gradient_sum(clean.tape.uses(), params, clip.factors);
  for (size_t p = 0; p < params.size(); ++p) {
    CHECK(out.gradients[p].allFinite());
    CHECK((out.gradients[p] - expected[p] / 3.0).cwiseAbs().maxCoeff() <= 1e-15);
  }
}

TEST_CASE("the privatizer refuses invalid sigma, C and expected batch size") {
  const ReproducibleRandomness randomness(4);
  const GaussianNoise noise(randomness);
  CHECK_THROWS_AS(Privatizer(config(-1.0, 1.0, 1.0), noise), InvalidArgument);
  CHECK_THROWS_AS(Privatizer(config(std::nan(""), 1.0, 1.0), noise), InvalidArgument);
  CHECK_THROWS_AS(Privatizer(config(1.0, 0.0, 1.0), noise), InvalidArgument);
  CHECK_THROWS_AS(Privatizer(config(1.0, 1.0, 0.0), noise), InvalidArgument);
}

TEST_CASE("a batch privatized in chunks equals the whole batch, with the noise drawn once") {
  // Examples 0..5 with their own features; the whole batch against chunks {0,1,2,3} + {4,5}
  // (training.max_physical_batch_size = 4), same step, so the same noise stream.
  const std::vector<int> lengths{4, 2, 5, 1, 3, 6};
  SequenceModel<double> model(small_spec(), 9);
  const ParameterList<double> params = model.parameters();
  auto record = [&](Tape<double>& tape, const std::vector<int>& examples) {
    std::vector<int> lens;
    for (int e : examples) lens.push_back(lengths[e]);
    SequenceBatch<double> b{BatchLayout::sequence(lens), nullptr, {}};
    const int B = b.layout->batch();
    b.features = MatrixD::Zero(b.layout->rows(), 3);
    std::vector<int32_t> labels;
    for (int k = 0; k < B; ++k) {
      const MatrixD x = dpt::testing::random_matrix(lens[k], 3, 500 + static_cast<uint64_t>(examples[k]), 3.0);
      for (int t = 0; t < lens[k]; ++t) b.features.row(t * B + k) = x.row(t);
      labels.push_back(examples[k] % 2);
    }
    tape.backward(cross_entropy_loss(tape, model.forward(tape, b, false, 0), labels).total);
    return B;
  };
  const ReproducibleRandomness randomness(4);
  const GaussianNoise noise(randomness);
  const Privatizer privatizer(config(1.1, 0.5, 5.0), noise);
  Tape<double> whole_tape, first, second;
  const int B = record(whole_tape, {0, 1, 2, 3, 4, 5});
  const PrivatizedGradient<double> expected = privatizer.privatize(whole_tape.uses(), params, B, 3);
  ClippedBatchSum<double> acc;
  privatizer.accumulate(first.uses(), params, record(first, {0, 1, 2, 3}), acc);
  privatizer.accumulate(second.uses(), params, record(second, {4, 5}), acc);
  const PrivatizedGradient<double> chunked = privatizer.finish(std::move(acc), params, 3);
  CHECK(chunked.examples == expected.examples);
  CHECK(chunked.clipped_examples == expected.clipped_examples);
  // and both are the counts of the whole batch's own clip factors
  const ClipResult<double> clip =
      clip_factors(per_example_sq_norms(whole_tape.uses(), params, B), privatizer.config().clipping);
  CHECK(chunked.clipped_examples == clip.clipped_examples);
  CHECK(chunked.nonfinite_examples == clip.nonfinite_examples);
  for (size_t p = 0; p < params.size(); ++p) {
    CHECK((chunked.gradients[p] - expected.gradients[p]).cwiseAbs().maxCoeff() <= 1e-12);
  }
  // Noise drawn twice (once per chunk) would show: finishing each chunk alone and adding them
  // differs from the whole by one extra noise draw of std σC/(qN) = 0.11 per coordinate.
  ClippedBatchSum<double> a1, a2;
  Tape<double> t1, t2;
  privatizer.accumulate(t1.uses(), params, record(t1, {0, 1, 2, 3}), a1);
  privatizer.accumulate(t2.uses(), params, record(t2, {4, 5}), a2);
  const PrivatizedGradient<double> g1 = privatizer.finish(std::move(a1), params, 3);
  const PrivatizedGradient<double> g2 = privatizer.finish(std::move(a2), params, 3);
  double worst = 0;
  for (size_t p = 0; p < params.size(); ++p) {
    worst = std::max(worst, (g1.gradients[p] + g2.gradients[p] - expected.gradients[p]).cwiseAbs().maxCoeff());
  }
  CHECK(worst > 0.05);
}

TEST_CASE("finish without any chunk is pure noise of the parameters' shapes") {
  const ReproducibleRandomness randomness(5);
  const GaussianNoise noise(randomness);
  const Privatizer privatizer(config(1.0, 1.0, 2.0), noise);
  Parameter<double> w{"w", MatrixD::Zero(3, 4), 2};
  const PrivatizedGradient<double> out = privatizer.finish(ClippedBatchSum<double>{}, {&w}, 9);
  REQUIRE(out.gradients.size() == 1);
  CHECK(out.gradients[0].rows() == 3);
  CHECK(out.gradients[0].cols() == 4);
  CHECK(out.gradients[0].cwiseAbs().maxCoeff() > 0.0);
  CHECK(out.examples == 0);
}
