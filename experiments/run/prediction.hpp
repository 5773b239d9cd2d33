// What a finished run's model outputs for examples in the run's encoding (`dptrain predict`):
// one output row per example — the pooled output, or with return_sequences (language models)
// the row of the example's last step, i.e. the distribution of the token after it — and the
// softmax and top-k of such a row. Numbers only: reading inputs and writing predictions are
// elsewhere (prediction_inputs.hpp, experiments/cli/inference_commands.cpp). Predictions are
// post-processing of the released model: they cost no privacy.
#pragma once

#include <cstdint>
#include <vector>

#include "core/models/sequence_model.hpp"
#include "datasets/dataset.hpp"

namespace dpt {

// (examples.size()) output rows in double, in batches of `batch_size`, dropout off.
std::vector<std::vector<double>> output_rows(SequenceModel<float>& model, const Dataset& run, const std::vector<Example>& examples,
                                             int batch_size);

// exp(z_j - max) / sum: probabilities that sum to 1 (to double rounding).
std::vector<double> softmax(const std::vector<double>& logits);

struct Ranked {
  int32_t id = 0;
  double p = 0.0;
};

// The k most probable ids of `p` among ids >= first_id, most probable first (ties: lower id
// first). k is at most the number of such ids.
std::vector<Ranked> top_k(const std::vector<double>& p, int k, int32_t first_id = 0);

}  // namespace dpt
