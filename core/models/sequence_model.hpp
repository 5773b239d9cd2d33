// The sequence model dptrain trains: [Embedding | real features] -> stacked recurrent layers
// (LSTM or GRU, one-directional or bidirectional) -> [pooling] -> tanh dense layers -> output
// Linear. Pooled, it classifies or regresses one value per sequence; with return_sequences it
// emits one output row per time step (per-token language model). Parameter names:
// `embedding.weight`, `lstm.*` / `gru.*` (torch.nn.LSTM's / nn.GRU's, recurrent_stack.hpp),
// `head.{k}.weight|bias`, `output.weight|bias`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/autograd/tape.hpp"
#include "core/layers/embedding.hpp"
#include "core/layers/linear.hpp"
#include "core/layers/recurrent_stack.hpp"
#include "core/models/pooling.hpp"

namespace dpt {

struct SequenceModelSpec {
  int vocab_size = 0;       // > 0: token inputs through an Embedding of embedding_dim
  int embedding_dim = 0;
  int input_dim = 0;        // vocab_size == 0: real-valued features per step
  std::vector<RecurrentLayerSpec> recurrent{RecurrentLayerSpec{}};  // bottom to top
  bool return_sequences = false;  // top layer: one output row per step (LM) or pooled
  Pooling pooling = Pooling::kLast;
  std::vector<int> dense_hidden;  // tanh dense layers of the head
  int outputs = 1;                // classes, regression targets or vocabulary
};

// A padded, time-major batch: row t*B + b is example b at step t.
template <typename T>
struct SequenceBatch {
  LayoutPtr layout;                                    // sequence layout (lengths)
  std::shared_ptr<const std::vector<int32_t>> tokens;  // (T*B) token ids, for token models
  Matrix<T> features;                                  // (T*B, input_dim), for feature models
};

template <typename T>
class SequenceModel {
 public:
  SequenceModel(const SequenceModelSpec& spec, uint64_t seed);

  // -> (B, outputs) pooled, or (T*B, outputs) with return_sequences.
  Var forward(Tape<T>& tape, const SequenceBatch<T>& batch, bool training, uint64_t dropout_seed);
  ParameterList<T> parameters();
  const SequenceModelSpec& spec() const { return spec_; }

 private:
  SequenceModelSpec spec_;
  std::optional<Embedding<T>> embedding_;
  RecurrentStack<T> recurrent_;
  std::vector<Linear<T>> head_;
  Linear<T> output_;
};

extern template class SequenceModel<float>;
extern template class SequenceModel<double>;

}  // namespace dpt
