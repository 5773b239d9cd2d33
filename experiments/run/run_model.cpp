// Model, loss and clipping groups from a config (see run_model.hpp).
#include "experiments/run/run_model.hpp"

#include <map>
#include <stdexcept>

#include "experiments/config/config_error.hpp"

namespace dpt {

SequenceModelSpec model_spec(const ModelConfig& model, const Dataset& data) {
  SequenceModelSpec s;
  if (data.vocab_size > 0) {
    s.vocab_size = data.vocab_size;
    s.embedding_dim = model.embedding_dim;
  } else {
    s.input_dim = data.input_dim;
  }
  s.recurrent.clear();
  for (const RecurrentLayerConfig& l : model.recurrent) s.recurrent.push_back({l.cell, l.hidden, l.bidirectional, l.dropout});
  s.pooling = model.pooling;
  s.dense_hidden = model.dense;
  const std::string task = data.task == TaskKind::kClassification ? "classification"
                           : data.task == TaskKind::kRegression   ? "regression"
                                                                  : "language_model";
  if (model.output != "auto" && model.output != task) {
    throw ConfigError("model.output", "is \"" + model.output + "\" but the data is a " + task + " task");
  }
  const bool top_sequences = model.recurrent.back().return_sequences;
  const std::string top_path = "model." + model.recurrent_key + "[" + std::to_string(model.recurrent.size() - 1) + "].return_sequences";
  if (data.task == TaskKind::kLanguageModel) {
    for (size_t k = 0; k < model.recurrent.size(); ++k) {
      if (model.recurrent[k].bidirectional) {
        throw ConfigError("model." + model.recurrent_key + "[" + std::to_string(k) + "].bidirectional",
                          "must be false for a language model (the backward direction would read the tokens it predicts)");
      }
    }
    if (!top_sequences) {
      throw ConfigError(top_path, "must be true for a language model (one output per step)");
    }
    s.return_sequences = true;
    s.outputs = data.vocab_size;
  } else {
    if (top_sequences) {
      throw ConfigError(top_path, "must be false for a " + task + " task (one output per sequence)");
    }
    s.outputs = data.task == TaskKind::kClassification ? data.num_classes : data.output_dim;
  }
  return s;
}

LossResult<float> task_loss(Tape<float>& tape, Var output, const TrainingBatch& batch, TaskKind task) {
  if (task == TaskKind::kRegression) return mse_loss(tape, output, batch.targets);
  return cross_entropy_loss(tape, output, batch.labels);
}

void TrainingSplitTask::order(std::vector<int64_t>& batch) const { order_longest_first(data_, data_.train, batch); }

int64_t TrainingSplitTask::cost(const std::vector<int64_t>& chunk) const {
  int64_t tokens = 0;
  for (const int64_t i : chunk) tokens += data_.sequence_length(data_.train[static_cast<size_t>(i)]);
  return tokens;
}

LossResult<float> TrainingSplitTask::loss(Tape<float>& tape, const std::vector<int64_t>& chunk, uint64_t dropout_seed) const {
  const TrainingBatch batch = make_batch(data_, data_.train, chunk);
  const Var out = model_.forward(tape, batch.inputs, /*training=*/true, dropout_seed);
  return task_loss(tape, out, batch, data_.task);
}

namespace {

// Per-layer groups of `params`, equal shares of C² per parameter.
ClippingConfig per_layer_clipping(double C, const ParameterList<float>& params) {
  // Layer of a parameter: "lstm.weight_ih_l1" -> "lstm.l1", "gru.bias_hh_l0_reverse" ->
  // "gru.l0_reverse" (each direction of a bidirectional layer is a group), "head.0.bias" -> "head.0".
  std::map<std::string, int> group_of_layer;
  std::vector<int> groups;
  for (const Parameter<float>* p : params) {
    std::string layer = p->name.substr(0, p->name.rfind('.'));
    const size_t l = p->name.rfind("_l");
    if ((layer == "lstm" || layer == "gru") && l != std::string::npos) {
      layer += '.';
      layer += p->name.substr(l + 1);
    }
    auto [it, inserted] = group_of_layer.emplace(layer, static_cast<int>(group_of_layer.size()));
    groups.push_back(it->second);
  }
  return ClippingConfig::per_layer_equal_shares(C, groups);
}

}  // namespace

ClippingConfig clipping_config(const PrivacyConfig& privacy, const ParameterList<float>& params) {
  ClippingConfig c;
  c.clip_norm = privacy.clip_norm;
  c.automatic_gamma = privacy.automatic_gamma;
  switch (privacy.clipping) {
    case ClippingMode::kFlat: return c;
    case ClippingMode::kAutomatic: c.mode = ClippingMode::kAutomatic; return c;
    case ClippingMode::kPerLayer: return per_layer_clipping(privacy.clip_norm, params);
  }
  throw std::logic_error("clipping_config: unknown ClippingMode");
}

}  // namespace dpt
