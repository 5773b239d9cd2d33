// What a config and a dataset make of the model, its loss and its clipping groups.
#pragma once

#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "datasets/batching.hpp"
#include "dp/clipping.hpp"
#include "experiments/config/experiment_config.hpp"

namespace dpt {

// The SequenceModelSpec for `model` on `data` (inputs, outputs and return_sequences follow the
// data's task unless model.output overrides it). Throws ConfigError on a mismatch.
SequenceModelSpec model_spec(const ModelConfig& model, const Dataset& data);

// The task's loss: cross-entropy (classification, per-token LM) or MSE (regression).
LossResult<float> task_loss(Tape<float>& tape, Var output, const TrainingBatch& batch, TaskKind task);

// Clipping settings for `params`; per_layer groups parameters by layer (embedding, each LSTM
// layer, each dense layer, output) with equal shares of C² per parameter.
ClippingConfig clipping_config(const PrivacyConfig& privacy, const ParameterList<float>& params);

}  // namespace dpt
