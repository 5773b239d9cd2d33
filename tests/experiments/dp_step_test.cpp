// DpStep (experiments/run/dp_step.hpp): the private step equals the pipeline written out by hand
// (sample, forward, backward, privatize, optimizer) bit for bit and charges exactly the (q, σ) it
// used; an empty batch is still noised and charged; physical chunks give the same clipped sum;
// the non-private step is the mean gradient; a private step cannot skip its Poisson sample.
#include <doctest/doctest.h>

#include <memory>
#include <numeric>
#include <vector>

#include "core/error.hpp"
#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "core/random/counter_rng.hpp"
#include "dp/accounting/dp_event.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "dp/poisson_sampler.hpp"
#include "dp/privatizer.hpp"
#include "experiments/run/dp_step.hpp"
#include "optim/sgd.hpp"

namespace dpt {
namespace {

constexpr int kVocab = 7, kSeq = 4, kN = 12;

// Fixed-length token sequences with a label; the batch in the given order.
class ToyTask : public StepTask {
 public:
  explicit ToyTask(SequenceModel<float>& model) : model_(model) {
    const CounterRng rng(11);
    uint64_t k = 0;
    for (int i = 0; i < kN; ++i) {
      std::vector<int32_t> seq(kSeq);
      for (int32_t& t : seq) t = static_cast<int32_t>(rng.bits(k++) % kVocab);
      tokens_.push_back(seq);
      labels_.push_back(static_cast<int32_t>(rng.bits(k++) % 2));
    }
  }
  void order(std::vector<int64_t>&) const override {}
  LossResult<float> loss(Tape<float>& tape, const std::vector<int64_t>& chunk, uint64_t) const override {
    const int B = static_cast<int>(chunk.size());
    SequenceBatch<float> batch{BatchLayout::sequence(std::vector<int>(static_cast<size_t>(B), kSeq)), nullptr, {}};
    auto ids = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(B) * kSeq);
    std::vector<int32_t> labels;
    for (int j = 0; j < B; ++j) {
      for (int t = 0; t < kSeq; ++t) (*ids)[static_cast<size_t>(t * B + j)] = tokens_[static_cast<size_t>(chunk[j])][t];
      labels.push_back(labels_[static_cast<size_t>(chunk[j])]);
    }
    batch.tokens = ids;
    return cross_entropy_loss(tape, model_.forward(tape, batch, true, 0), labels);
  }

 private:
  SequenceModel<float>& model_;
  std::vector<std::vector<int32_t>> tokens_;
  std::vector<int32_t> labels_;
};

SequenceModelSpec toy_spec() {
  SequenceModelSpec s;
  s.vocab_size = kVocab;
  s.embedding_dim = 3;
  s.recurrent = dpt::lstm_layers({5});
  s.outputs = 2;
  return s;
}

// One training setup: model, optimizer, sampler, privatizer and accountant (q = 1/3, σ = 1.1, C = 0.5).
struct Setup {
  explicit Setup(double q = 1.0 / 3.0, int max_physical_batch_size = 0)
      : model(toy_spec(), 5), params(model.parameters()), task(model), randomness(21), noise(randomness),
        sampler(kN, q, randomness), privatizer(config(q), noise) {
    parts.params = params;
    parts.optimizer = &sgd;
    parts.sampler = &sampler;
    parts.privatizer = &privatizer;
    parts.accountant = &accountant;
    parts.max_physical_batch_size = max_physical_batch_size;
  }
  static PrivatizerConfig config(double q) {
    PrivatizerConfig pc;
    pc.noise_multiplier = 1.1;
    pc.clipping.clip_norm = 0.5;
    pc.expected_batch_size = q * kN;
    return pc;
  }
  std::vector<MatrixF> values() const {
    std::vector<MatrixF> v;
    for (const Parameter<float>* p : params) v.push_back(p->value);
    return v;
  }

  SequenceModel<float> model;
  ParameterList<float> params;
  ToyTask task;
  Sgd<float> sgd;
  ReproducibleRandomness randomness;
  GaussianNoise noise;
  PoissonSampler sampler;
  Privatizer privatizer;
  RdpAccountant accountant;
  DpStepParts parts;
};

TEST_CASE("a private DpStep is the DP-SGD pipeline written out by hand, and charges the (q, sigma) it used") {
  Setup a, b;
  const DpStep step(a.parts);
  for (int64_t t = 0; t < 3; ++t) {
    const StepResult r = step.run(a.task, t, 0.1);
    // By hand: sample, forward, backward, clip + noise, SGD.
    const std::vector<int64_t> idx = b.sampler.sample(static_cast<uint64_t>(t));
    CHECK(r.batch_size == static_cast<int>(idx.size()));
    Tape<float> tape;
    tape.backward(b.task.loss(tape, idx, 0).total);
    const PrivatizedGradient<float> g = b.privatizer.privatize(tape.uses(), b.params, static_cast<int>(idx.size()), static_cast<uint64_t>(t));
    b.sgd.step(b.params, g.gradients, 0.1);
    CHECK(r.clipped == g.clipped_examples);
    const std::vector<MatrixF> va = a.values(), vb = b.values();
    for (size_t p = 0; p < va.size(); ++p) CHECK(va[p] == vb[p]);
  }
  REQUIRE(a.accountant.ledger().size() == 1);
  CHECK(a.accountant.ledger()[0].count == 3);
  CHECK(a.accountant.ledger()[0].event == DpEvent::poisson_sampled_gaussian(1.0 / 3.0, 1.1));
  CHECK(step.charged_event() == a.accountant.ledger()[0].event);
}

TEST_CASE("an empty Poisson batch is still a step: noise on every weight, one charge") {
  Setup s(1e-12);
  const std::vector<MatrixF> before = s.values();
  const StepResult r = DpStep(s.parts).run(s.task, 0, 0.1);
  CHECK(r.batch_size == 0);
  CHECK(r.loss_sum == 0.0);
  const std::vector<MatrixF> after = s.values();
  for (size_t p = 0; p < after.size(); ++p) CHECK((after[p].array() != before[p].array()).all());
  REQUIRE(s.accountant.ledger().size() == 1);
  CHECK(s.accountant.ledger()[0].count == 1);
}

TEST_CASE("physical chunks of a sampled batch give the clipped sum of the whole batch (noise once)") {
  Setup whole(0.75), chunked(0.75, 2);
  const StepResult a = DpStep(whole.parts).run(whole.task, 4, 0.1);
  const StepResult b = DpStep(chunked.parts).run(chunked.task, 4, 0.1);
  REQUIRE(a.batch_size > 2);  // more than one chunk
  CHECK(a.batch_size == b.batch_size);
  CHECK(a.clipped == b.clipped);
  CHECK(a.loss_sum == doctest::Approx(b.loss_sum).epsilon(1e-6));
  const std::vector<MatrixF> va = whole.values(), vb = chunked.values();
  for (size_t p = 0; p < va.size(); ++p) CHECK((va[p] - vb[p]).cwiseAbs().maxCoeff() < 1e-6f);
  CHECK(chunked.accountant.ledger()[0].count == 1);
}

TEST_CASE("a non-private DpStep takes the mean gradient; only it may be given a batch") {
  Setup a, b;
  a.parts.privatizer = nullptr;
  a.parts.accountant = nullptr;
  const DpStep step(a.parts);
  CHECK_FALSE(step.is_private());
  std::vector<int64_t> idx(5);
  std::iota(idx.begin(), idx.end(), int64_t{0});
  const StepResult r = step.run_on_batch(a.task, idx, 0, 0.1);
  CHECK(r.batch_size == 5);
  Tape<float> tape;
  tape.backward(b.task.loss(tape, idx, 0).total);
  std::vector<MatrixF> g = gradient_sum(tape.uses(), b.params);
  for (MatrixF& m : g) m /= 5.0f;
  b.sgd.step(b.params, g, 0.1);
  const std::vector<MatrixF> va = a.values(), vb = b.values();
  for (size_t p = 0; p < va.size(); ++p) CHECK(va[p] == vb[p]);
  CHECK(a.accountant.ledger().empty());
  CHECK_THROWS_AS(step.charged_event(), InvalidArgument);  // nothing to charge

  Setup c;
  CHECK_THROWS_AS(DpStep(c.parts).run_on_batch(c.task, idx, 0, 0.1), InvalidArgument);
  c.parts.accountant = nullptr;
  CHECK_THROWS_AS(DpStep{c.parts}, InvalidArgument);  // a private step with nothing to charge
}

}  // namespace
}  // namespace dpt
