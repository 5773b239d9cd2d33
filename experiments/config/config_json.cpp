// Serialisation of the resolved experiment config, key order as in docs/config.md and
// config_schema.hpp (a test pins both).
#include "experiments/config/config_json.hpp"

#include <algorithm>

#include <optional>
#include <string>

#include "experiments/config/config_schema.hpp"

namespace dpt {
namespace {

using nlohmann::ordered_json;
namespace schema = config_schema;

template <typename T>
ordered_json optional_value(const std::optional<T>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json splits_json(const std::optional<SplitPaths>& splits) {
  if (!splits) return nullptr;
  return {{"train", splits->train}, {"validation", splits->validation}, {"test", splits->test}};
}

ordered_json data_json(const DataConfig& d) {
  return {{"source", std::string(data_source_name(d.source))},
          {"task", d.task},
          {"path", d.path},
          {"size", d.size},
          {"min_length", d.min_length},
          {"max_length", d.max_length},
          {"column", d.column},
          {"window", d.window},
          {"chunk_length", d.chunk_length},
          {"validation_fraction", d.validation_fraction},
          {"test_fraction", d.test_fraction},
          {"scrub_pii", d.scrub_pii},
          {"vocabulary", d.vocabulary},
          {"standardize", d.standardize},
          {"standardize_mean", d.standardize_mean},
          {"standardize_stddev", d.standardize_stddev},
          {"split_seed", optional_value(d.split_seed)},
          {"splits", splits_json(d.splits)},
          {"classes", d.classes},
          {"columns", d.columns}};
}

ordered_json model_json(const ModelConfig& m) {
  // The `lstm` spelling whenever it can say the stack (one-directional LSTM layers): a config
  // from before model.recurrent keeps its config.json and run key, and the two spellings of one
  // stack are one run.
  const bool lstm_only = std::all_of(m.recurrent.begin(), m.recurrent.end(), [](const RecurrentLayerConfig& l) {
    return l.cell == RecurrentCell::kLstm && !l.bidirectional;
  });
  ordered_json layers = ordered_json::array();
  for (const RecurrentLayerConfig& layer : m.recurrent) {
    if (lstm_only) {
      layers.push_back({{"hidden", layer.hidden}, {"return_sequences", layer.return_sequences}, {"dropout", layer.dropout}});
    } else {
      layers.push_back({{"cell", std::string(schema::name_of(schema::kCells, layer.cell))},
                        {"hidden", layer.hidden},
                        {"bidirectional", layer.bidirectional},
                        {"return_sequences", layer.return_sequences},
                        {"dropout", layer.dropout}});
    }
  }
  ordered_json dense = ordered_json::array();
  for (const int width : m.dense) dense.push_back(width);
  ordered_json j{{"embedding_dim", m.embedding_dim},
                 {lstm_only ? "lstm" : "recurrent", std::move(layers)},
                 {"pooling", std::string(schema::name_of(schema::kPoolings, m.pooling))},
                 {"dense", std::move(dense)},
                 {"output", m.output},
                 {"init_seed", optional_value(m.init_seed)}};
  // Only for a warm start: configs without one keep their config.json (and run key) byte for byte.
  if (m.init_from) {
    j["init_from"] = *m.init_from;
    j["init_select"] = {{"include", m.init_select.include ? ordered_json(*m.init_select.include) : ordered_json()},
                        {"exclude", m.init_select.exclude}};
    j["init_sha256"] = m.init_sha256 ? ordered_json(*m.init_sha256) : ordered_json();
  }
  return j;
}

ordered_json training_json(const TrainingConfig& t) {
  const OptimizerConfig& o = t.optimizer;
  const ScheduleConfig& s = t.schedule;
  return {{"epochs", t.epochs},
          {"steps", t.steps},
          {"batch_size", t.batch_size},
          {"max_physical_batch_size", t.max_physical_batch_size},
          {"optimizer",
           {{"name", std::string(schema::name_of(schema::kOptimizers, o.kind))},
            {"learning_rate", o.learning_rate},
            {"momentum", o.momentum},
            {"nesterov", o.nesterov},
            {"weight_decay", o.weight_decay},
            {"beta1", o.beta1},
            {"beta2", o.beta2},
            {"eps", o.eps}}},
          {"schedule",
           {{"kind", std::string(schema::name_of(schema::kSchedules, s.kind))},
            {"warmup_steps", s.warmup_steps},
            {"step_size", s.step_size},
            {"gamma", s.gamma},
            {"min_learning_rate", s.min_learning_rate}}}};
}

ordered_json privacy_json(const PrivacyConfig& p) {
  ordered_json j{{"enabled", p.enabled},
          {"clip_norm", p.clip_norm},
          {"clipping", std::string(schema::name_of(schema::kClippings, p.clipping))},
          {"automatic_gamma", p.automatic_gamma},
          {"noise_multiplier", optional_value(p.noise_multiplier)},
          {"target_epsilon", optional_value(p.target_epsilon)},
          {"delta", optional_value(p.delta)},
          {"accountant", std::string(schema::name_of(schema::kAccountants, p.accountant))},
          {"secure_mode", p.secure_mode}};
  // Only when set: configs without a ledger keep their config.json (and run key) byte for byte.
  if (p.ledger) j["ledger"] = *p.ledger;
  return j;
}

}  // namespace

ordered_json to_json(const ExperimentConfig& c) {
  return {{"name", c.name},
          {"seed", optional_value(c.seed)},
          {"data", data_json(c.data)},
          {"model", model_json(c.model)},
          {"training", training_json(c.training)},
          {"privacy", privacy_json(c.privacy)},
          {"eval", {{"every_epochs", c.eval.every_epochs}, {"batch_size", c.eval.batch_size}}},
          {"output",
           {{"dir", c.output.dir}, {"checkpoint_every_steps", c.output.checkpoint_every_steps}}}};
}

}  // namespace dpt
