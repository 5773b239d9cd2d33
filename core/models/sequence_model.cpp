// Embedding / recurrent / dense sequence model (see sequence_model.hpp).
#include "core/models/sequence_model.hpp"

#include <string>

#include "core/error.hpp"
#include "core/ops/elementwise.hpp"
#include "core/ops/pooling.hpp"
#include "core/random/counter_rng.hpp"

namespace dpt {
namespace {

int recurrent_input_dim(const SequenceModelSpec& s) {
  DPT_CHECK(s.vocab_size >= 0, "model: vocab_size must be >= 0.");
  if (s.vocab_size > 0) {
    DPT_CHECK(s.embedding_dim > 0, "model: embedding_dim must be > 0 for token inputs.");
    return s.embedding_dim;
  }
  DPT_CHECK(s.input_dim > 0, "model: input_dim must be > 0 for feature inputs.");
  return s.input_dim;
}

// The recurrent stack's output width: H, or 2H for a bidirectional top layer.
int recurrent_output_dim(const SequenceModelSpec& s) {
  DPT_CHECK(!s.recurrent.empty(), "model: needs at least one recurrent layer.");
  const RecurrentLayerSpec& top = s.recurrent.back();
  return top.bidirectional ? 2 * top.hidden : top.hidden;
}

int head_input_dim(const SequenceModelSpec& s) {
  return s.dense_hidden.empty() ? recurrent_output_dim(s) : s.dense_hidden.back();
}

}  // namespace

template <typename T>
SequenceModel<T>::SequenceModel(const SequenceModelSpec& spec, uint64_t seed)
    : spec_(spec),
      recurrent_(recurrent_input_dim(spec), spec.recurrent, derive_seed(seed, 1)),
      output_("output", head_input_dim(spec), spec.outputs, true, derive_seed(seed, 3)) {
  DPT_CHECK(spec.outputs > 0, "model: outputs must be > 0.");
  if (spec.vocab_size > 0) embedding_.emplace("embedding", spec.vocab_size, spec.embedding_dim, derive_seed(seed, 0));
  int in = recurrent_output_dim(spec);
  head_.reserve(spec.dense_hidden.size());
  for (size_t k = 0; k < spec.dense_hidden.size(); ++k) {
    head_.emplace_back("head." + std::to_string(k), in, spec.dense_hidden[k], true, derive_seed(derive_seed(seed, 2), k));
    in = spec.dense_hidden[k];
  }
}

template <typename T>
Var SequenceModel<T>::forward(Tape<T>& tape, const SequenceBatch<T>& batch, bool training, uint64_t dropout_seed) {
  Var x;
  if (embedding_) {
    DPT_CHECK(batch.tokens != nullptr, "model: this model takes token inputs.");
    x = embedding_->forward(tape, batch.tokens, batch.layout);
  } else {
    DPT_CHECK(batch.features.cols() == spec_.input_dim,
              "model: expects " + std::to_string(spec_.input_dim) + " input features per step.");
    x = tape.leaf(batch.features, batch.layout);
  }
  Var h = recurrent_.forward(tape, x, training, dropout_seed);
  if (!spec_.return_sequences) h = spec_.pooling == Pooling::kLast ? recurrent_.last_step(tape, h) : masked_mean(tape, h);
  for (Linear<T>& layer : head_) h = tanh(tape, layer.forward(tape, h));
  return output_.forward(tape, h);
}

template <typename T>
ParameterList<T> SequenceModel<T>::parameters() {
  ParameterList<T> out;
  if (embedding_) out.push_back(&embedding_->weight);
  for (Parameter<T>* p : recurrent_.parameters()) out.push_back(p);
  for (Linear<T>& layer : head_) {
    for (Parameter<T>* p : layer.parameters()) out.push_back(p);
  }
  for (Parameter<T>* p : output_.parameters()) out.push_back(p);
  return out;
}

template class SequenceModel<float>;
template class SequenceModel<double>;

}  // namespace dpt
