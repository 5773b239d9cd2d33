// The built-in demo: does a token of class "A" occur in the sequence? Tokens 0..15, lengths
// 4..24, one "A" token planted in half the sequences at a random step; Embedding(16, 8) ->
// LSTM(16) -> last valid step -> Linear(2), plain SGD on the mean loss.
#include "experiments/cli/demo_command.hpp"

#include <fmt/core.h>

#include <memory>
#include <vector>

#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "core/random/counter_rng.hpp"

namespace dpt {
namespace {

constexpr int kVocab = 16;
constexpr int kMarker = 0;  // the token to detect

struct DemoBatch {
  SequenceBatch<float> inputs;
  std::vector<int32_t> labels;
};

DemoBatch make_batch(int batch_size, uint64_t seed) {
  const CounterRng rng(seed);
  uint64_t k = 0;
  std::vector<int> lengths(batch_size);
  for (int& n : lengths) n = 4 + static_cast<int>(rng.bits(k++) % 21);
  DemoBatch out;
  out.inputs.layout = BatchLayout::sequence(lengths);
  const int T = out.inputs.layout->steps();
  auto tokens = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(T) * batch_size, kMarker + 1);
  out.labels.resize(batch_size);
  for (int b = 0; b < batch_size; ++b) {
    for (int t = 0; t < lengths[b]; ++t) (*tokens)[t * batch_size + b] = 1 + static_cast<int32_t>(rng.bits(k++) % (kVocab - 1));
    out.labels[b] = static_cast<int32_t>(rng.bits(k++) % 2);
    if (out.labels[b] == 1) (*tokens)[static_cast<int>(rng.bits(k++) % lengths[b]) * batch_size + b] = kMarker;
  }
  out.inputs.tokens = std::move(tokens);
  return out;
}

}  // namespace

int run_demo(const DemoOptions& options) {
  SequenceModelSpec spec;
  spec.vocab_size = kVocab;
  spec.embedding_dim = 8;
  spec.recurrent = dpt::lstm_layers({16});
  spec.outputs = 2;
  SequenceModel<float> model(spec, derive_seed(options.seed, 0));
  const ParameterList<float> params = model.parameters();
  fmt::print("dptrain demo: does token {} occur? Embedding({}, 8) -> LSTM(16) -> Linear(2), SGD lr {}, batch {}\n",
             kMarker, kVocab, options.learning_rate, options.batch_size);
  const int report_every = std::max(1, options.steps / 10);
  double window_loss = 0.0;
  int window_correct = 0, window_examples = 0;
  for (int step = 1; step <= options.steps; ++step) {
    const DemoBatch batch = make_batch(options.batch_size, derive_seed(options.seed, 1000 + static_cast<uint64_t>(step)));
    Tape<float> tape;
    const Var logits = model.forward(tape, batch.inputs, /*training=*/true, 0);
    const LossResult<float> loss = cross_entropy_loss(tape, logits, batch.labels);
    tape.backward(loss.total);
    const std::vector<MatrixF> grads = gradient_sum(tape.uses(), params);
    const float scale = static_cast<float>(options.learning_rate / options.batch_size);
    for (size_t p = 0; p < params.size(); ++p) params[p]->value -= scale * grads[p];

    window_loss += loss.per_example.sum();
    const MatrixF& z = tape.value(logits);
    for (int b = 0; b < options.batch_size; ++b) window_correct += (z(b, 1) > z(b, 0)) == (batch.labels[b] == 1);
    window_examples += options.batch_size;
    if (step % report_every == 0 || step == options.steps) {
      fmt::print("step {:5d}  loss {:.4f}  accuracy {:5.1f}%\n", step, window_loss / window_examples,
                 100.0 * window_correct / window_examples);
      window_loss = 0.0;
      window_correct = window_examples = 0;
    }
  }
  return 0;
}

}  // namespace dpt
