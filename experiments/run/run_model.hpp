// What a config and a dataset make of the model, its loss and its clipping groups.
#pragma once

#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "datasets/batching.hpp"
#include "dp/clipping.hpp"
#include "experiments/config/experiment_config.hpp"
#include "experiments/run/dp_step.hpp"

namespace dpt {

// The SequenceModelSpec for `model` on `data` (inputs, outputs and return_sequences follow the
// data's task unless model.output overrides it). Throws ConfigError on a mismatch.
SequenceModelSpec model_spec(const ModelConfig& model, const Dataset& data);

// The task's loss: cross-entropy (classification, per-token LM) or MSE (regression).
LossResult<float> task_loss(Tape<float>& tape, Var output, const TrainingBatch& batch, TaskKind task);

// A DP step's task on a dataset's training split: chunks built by make_batch, processed
// longest sequence first, through `model` (training mode) and task_loss.
class TrainingSplitTask : public StepTask {
 public:
  TrainingSplitTask(SequenceModel<float>& model, const Dataset& data) : model_(model), data_(data) {}
  void order(std::vector<int64_t>& batch) const override;
  int64_t cost(const std::vector<int64_t>& chunk) const override;  // tokens of the chunk
  LossResult<float> loss(Tape<float>& tape, const std::vector<int64_t>& chunk, uint64_t dropout_seed) const override;

 private:
  SequenceModel<float>& model_;
  const Dataset& data_;
};

// Clipping settings for `params`; per_layer groups parameters by layer (embedding, each LSTM
// layer, each dense layer, output) with equal shares of C² per parameter.
ClippingConfig clipping_config(const PrivacyConfig& privacy, const ParameterList<float>& params);

}  // namespace dpt
