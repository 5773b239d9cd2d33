// Padding a list of examples into one time-major batch (row t*B + b is example b at step t)
// with the targets the loss needs.
#pragma once

#include <cstdint>
#include <vector>

#include "core/models/sequence_model.hpp"
#include "datasets/dataset.hpp"

namespace dpt {

struct TrainingBatch {
  SequenceBatch<float> inputs;
  std::vector<int32_t> labels;  // classification: (B) classes; language model: (T*B) next tokens, -1 where none
  MatrixF targets;              // regression: (B, output_dim)
  int size() const { return inputs.layout->batch(); }
};

// The batch of examples[indices[0]], examples[indices[1]], ... (padding rows hold token 0 /
// feature 0). An empty index list gives an empty batch.
TrainingBatch make_batch(const Dataset& dataset, const std::vector<Example>& examples,
                         const std::vector<int64_t>& indices);

// Reorders `indices` longest sequence first (ties by index): the LSTM then skips padding in
// place (core/ops/lstm_sequence.cpp), and physical chunks of a batch hold similar lengths.
// Per-example results do not depend on the order; sums differ only in float rounding.
void order_longest_first(const Dataset& dataset, const std::vector<Example>& examples, std::vector<int64_t>& indices);

}  // namespace dpt
