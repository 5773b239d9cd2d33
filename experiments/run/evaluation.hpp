// Evaluation of a model on a split (validation each epoch, test at the end): mean loss and, for
// classification and language models, accuracy — in fixed-size batches, without gradients,
// dropout off. Evaluation reads held-out data only; it is not part of the DP mechanism.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/models/sequence_model.hpp"
#include "datasets/dataset.hpp"

namespace dpt {

struct Evaluation {
  double loss = 0.0;               // mean over the split's examples (NaN for an empty split)
  double accuracy = std::nan("");  // classification and language models (per labelled position)
  int64_t examples = 0;
};

// `split` (one of data's splits) through `model` in batches of `batch_size`.
Evaluation evaluate(SequenceModel<float>& model, const Dataset& data, const std::vector<Example>& split, int batch_size);

// {"loss", "examples", "accuracy"?}: a metrics.jsonl field.
nlohmann::ordered_json to_json(const Evaluation& evaluation);

}  // namespace dpt
