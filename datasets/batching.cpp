// make_batch: gathers examples into one padded, time-major batch (row t*B + b = example b at
// step t). Padding rows hold token 0 / zero features and LM target -1; the layout marks them,
// so they never reach a loss or a gradient.
#include "datasets/batching.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <utility>

#include <fmt/core.h>

#include "core/error.hpp"

namespace dpt {

namespace {

using ExampleRefs = std::vector<const Example*>;  // (B) the batch's examples

// (T*B) row t*B + b = example b's token at step t; 0 on padding.
std::shared_ptr<const std::vector<int32_t>> padded_tokens(const ExampleRefs& batch, const std::vector<int>& lengths,
                                                          int T) {
  const int B = static_cast<int>(batch.size());
  auto tokens = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(T) * B, 0);  // (T*B)
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < lengths[b]; ++t) (*tokens)[t * B + b] = batch[b]->tokens[t];
  }
  return tokens;
}

// (T*B, D) row t*B + b = example b's features at step t; zero on padding.
MatrixF padded_features(const ExampleRefs& batch, const std::vector<int>& lengths, int T, int D) {
  const int B = static_cast<int>(batch.size());
  MatrixF features = MatrixF::Zero(static_cast<Index>(T) * B, D);  // (T*B, D)
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < lengths[b]; ++t) {
      for (int j = 0; j < D; ++j) features(t * B + b, j) = batch[b]->features[t * D + j];
    }
  }
  return features;
}

// The targets of the dataset's task: labels (classification, next tokens) or regression targets.
void add_targets(const Dataset& dataset, const ExampleRefs& batch, const std::vector<int>& lengths,
                 const std::vector<int64_t>& indices, int T, TrainingBatch& out) {
  const int B = static_cast<int>(batch.size());
  switch (dataset.task) {
    case TaskKind::kClassification:
      out.labels.resize(indices.size());  // (B)
      for (int b = 0; b < B; ++b) out.labels[b] = batch[b]->label;
      break;
    case TaskKind::kLanguageModel:
      DPT_CHECK(dataset.vocab_size > 0, "make_batch: a language model needs token inputs.");
      out.labels.assign(static_cast<size_t>(T) * B, -1);  // (T*B) next token, -1 at the last step and on padding
      for (int b = 0; b < B; ++b) {
        for (int t = 0; t + 1 < lengths[b]; ++t) out.labels[t * B + b] = batch[b]->tokens[t + 1];
      }
      break;
    case TaskKind::kRegression:
      out.targets = MatrixF::Zero(B, dataset.output_dim);  // (B, output_dim)
      for (int b = 0; b < B; ++b) {
        DPT_CHECK(static_cast<int>(batch[b]->target.size()) == dataset.output_dim,
                  fmt::format("make_batch: example {} has {} targets, expected {}.", indices[b], batch[b]->target.size(),
                              dataset.output_dim));
        for (int j = 0; j < dataset.output_dim; ++j) out.targets(b, j) = batch[b]->target[j];
      }
      break;
  }
}

}  // namespace

TrainingBatch make_batch(const Dataset& dataset, const std::vector<Example>& examples,
                         const std::vector<int64_t>& indices) {
  const bool token_inputs = dataset.vocab_size > 0;
  DPT_CHECK(token_inputs || dataset.input_dim > 0, "make_batch: the dataset has neither a vocabulary nor input features.");
  DPT_CHECK(indices.size() <= static_cast<size_t>(std::numeric_limits<int>::max()), "make_batch: too many examples.");
  const int B = static_cast<int>(indices.size());
  ExampleRefs batch(indices.size());         // (B)
  std::vector<int> lengths(indices.size());  // (B)
  for (int b = 0; b < B; ++b) {
    const int64_t i = indices[b];
    DPT_CHECK(i >= 0 && i < static_cast<int64_t>(examples.size()),
              fmt::format("make_batch: index {} is out of range [0, {}).", i, examples.size()));
    batch[b] = &examples[i];
    lengths[b] = dataset.sequence_length(*batch[b]);
  }

  TrainingBatch out;
  out.inputs.layout = BatchLayout::sequence(lengths);  // rejects a length < 1
  const int T = out.inputs.layout->steps();
  if (token_inputs) {
    out.inputs.tokens = padded_tokens(batch, lengths, T);
  } else {
    out.inputs.features = padded_features(batch, lengths, T, dataset.input_dim);
  }
  add_targets(dataset, batch, lengths, indices, T, out);
  return out;
}

void order_longest_first(const Dataset& dataset, const std::vector<Example>& examples, std::vector<int64_t>& indices) {
  std::vector<std::pair<int, int64_t>> keyed;  // (-length, index)
  keyed.reserve(indices.size());
  for (int64_t i : indices) {
    DPT_CHECK(i >= 0 && i < static_cast<int64_t>(examples.size()),
              fmt::format("order_longest_first: index {} is out of range [0, {}).", i, examples.size()));
    keyed.emplace_back(-dataset.sequence_length(examples[static_cast<size_t>(i)]), i);
  }
  std::sort(keyed.begin(), keyed.end());
  for (size_t k = 0; k < keyed.size(); ++k) indices[k] = keyed[k].second;
}

}  // namespace dpt
