// End to end: DP-SGD (Poisson sampling, flat clipping at C = 1, σ = 1, noise / (q·N), plain
// SGD) trains a small LSTM on generated data; its held-out loss falls well below chance.
#include <doctest/doctest.h>

#include <cmath>

#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/random/counter_rng.hpp"
#include "dp/poisson_sampler.hpp"
#include "dp/privatizer.hpp"

using namespace dpt;

namespace {

// Example e: 6..12 tokens from 1..7; label 1 iff token 0 was planted at a random step.
struct Dataset {
  std::vector<std::vector<int32_t>> tokens;
  std::vector<int32_t> labels;
  explicit Dataset(int n, uint64_t seed) {
    const CounterRng rng(seed);
    uint64_t k = 0;
    for (int e = 0; e < n; ++e) {
      std::vector<int32_t> seq(6 + rng.bits(k++) % 7);
      for (int32_t& t : seq) t = 1 + static_cast<int32_t>(rng.bits(k++) % 7);
      const int32_t label = static_cast<int32_t>(rng.bits(k++) % 2);
      if (label == 1) seq[rng.bits(k++) % seq.size()] = 0;
      tokens.push_back(seq);
      labels.push_back(label);
    }
  }
  SequenceBatch<float> batch(const std::vector<int64_t>& idx, std::vector<int32_t>& labels_out) const {
    std::vector<int> lengths;
    for (int64_t i : idx) lengths.push_back(static_cast<int>(tokens[i].size()));
    SequenceBatch<float> b{BatchLayout::sequence(lengths), nullptr, {}};
    const int B = static_cast<int>(idx.size());
    auto ids = std::make_shared<std::vector<int32_t>>(b.layout->rows(), 0);
    labels_out.clear();
    for (int j = 0; j < B; ++j) {
      for (size_t t = 0; t < tokens[idx[j]].size(); ++t) (*ids)[t * B + j] = tokens[idx[j]][t];
      labels_out.push_back(labels[idx[j]]);
    }
    b.tokens = ids;
    return b;
  }
};

double mean_loss(SequenceModel<float>& model, const Dataset& data) {
  std::vector<int64_t> all(data.labels.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  std::vector<int32_t> labels;
  const SequenceBatch<float> b = data.batch(all, labels);
  Tape<float> tape;
  return cross_entropy_loss(tape, model.forward(tape, b, false, 0), labels).per_example.mean();
}

}  // namespace

TEST_CASE("DP-SGD at sigma = 1 trains a small LSTM: held-out loss falls") {
  const Dataset train(2000, 11), test(500, 12);
  SequenceModelSpec spec;
  spec.vocab_size = 8;
  spec.embedding_dim = 8;
  spec.recurrent = dpt::lstm_layers({16});
  spec.outputs = 2;
  SequenceModel<float> model(spec, 5);
  const ParameterList<float> params = model.parameters();
  const ReproducibleRandomness randomness(99);
  const GaussianNoise noise(randomness);
  const double q = 0.05;  // expected batch 100
  const PoissonSampler sampler(static_cast<int64_t>(train.labels.size()), q, randomness);
  PrivatizerConfig pc;
  pc.noise_multiplier = 1.0;
  pc.clipping.clip_norm = 1.0;
  pc.expected_batch_size = sampler.expected_batch_size();
  const Privatizer privatizer(pc, noise);
  const double before = mean_loss(model, test);
  const float lr = 2.0f;
  for (uint64_t step = 0; step < 400; ++step) {
    const std::vector<int64_t> idx = sampler.sample(step);  // 1 Poisson sample
    std::vector<int32_t> labels;
    const SequenceBatch<float> batch = train.batch(idx, labels);
    Tape<float> tape;
    const Var logits = model.forward(tape, batch, true, step);                   // 2 forward
    tape.backward(cross_entropy_loss(tape, logits, labels).total);               // 3 backward
    const PrivatizedGradient<float> g =                                          // 4-6 clip, sum, noise, / qN
        privatizer.privatize(tape.uses(), params, static_cast<int>(idx.size()), step);
    for (size_t p = 0; p < params.size(); ++p) params[p]->value -= lr * g.gradients[p];  // 7 SGD
  }
  const double after = mean_loss(model, test);
  MESSAGE("held-out loss " << before << " -> " << after << " after 400 DP-SGD steps (q = 0.05, sigma = 1, C = 1)");
  CHECK(after < 0.5);
  CHECK(after < before - 0.15);
}
