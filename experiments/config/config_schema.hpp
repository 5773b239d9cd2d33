// The shape of an experiment config in one place: the keys of every JSON object and the
// allowed values of every enumerated field, in documentation order (docs/config.md). Extend
// a list here (a data source, an accountant) and the parser, its messages and suggestions
// follow; the semantics of a new value still need the runner and docs/config.md.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>

#include "experiments/config/experiment_config.hpp"

namespace dpt::config_schema {

using Names = std::span<const std::string_view>;

// ---- keys, per JSON object ----------------------------------------------------------------
inline constexpr std::string_view kRootKeys[] = {"name", "seed", "data", "model",
                                                 "training", "privacy", "eval", "output"};
inline constexpr std::string_view kDataKeys[] = {
    "source", "task", "path", "size", "min_length", "max_length", "column", "window",
    "chunk_length", "validation_fraction", "test_fraction", "scrub_pii", "vocabulary",
    "standardize", "standardize_mean", "standardize_stddev", "split_seed", "splits", "classes",
    "columns"};
inline constexpr std::string_view kSplitKeys[] = {"train", "validation", "test"};
// "lstm" and "recurrent" spell one field (a config gives one of them; config.json writes one).
inline constexpr std::string_view kModelKeys[] = {"embedding_dim", "lstm",        "recurrent", "pooling",
                                                  "dense",         "output",      "init_seed", "init_from",
                                                  "init_select",   "init_sha256"};
inline constexpr std::string_view kInitSelectKeys[] = {"include", "exclude"};
inline constexpr std::string_view kLstmLayerKeys[] = {"hidden", "return_sequences", "dropout"};
inline constexpr std::string_view kRecurrentLayerKeys[] = {"cell", "hidden", "bidirectional", "return_sequences",
                                                           "dropout"};
inline constexpr std::string_view kTrainingKeys[] = {
    "epochs", "steps", "batch_size", "max_physical_batch_size", "optimizer", "schedule"};
inline constexpr std::string_view kOptimizerKeys[] = {
    "name", "learning_rate", "momentum", "nesterov", "weight_decay", "beta1", "beta2", "eps"};
inline constexpr std::string_view kScheduleKeys[] = {"kind", "warmup_steps", "step_size",
                                                     "gamma", "min_learning_rate"};
inline constexpr std::string_view kPrivacyKeys[] = {
    "enabled",        "clip_norm", "clipping",   "automatic_gamma", "noise_multiplier",
    "target_epsilon", "delta",     "accountant", "secure_mode",     "ledger"};
inline constexpr std::string_view kEvalKeys[] = {"every_epochs", "batch_size"};
inline constexpr std::string_view kOutputKeys[] = {"dir", "checkpoint_every_steps"};

struct Section {
  std::string_view path;  // "" for the root; "model.lstm[i]" for every LSTM layer, ...
  Names keys;
};
inline constexpr Section kSections[] = {
    {"", kRootKeys},
    {"data", kDataKeys},
    {"data.splits", kSplitKeys},
    {"model", kModelKeys},
    {"model.lstm[i]", kLstmLayerKeys},
    {"model.recurrent[i]", kRecurrentLayerKeys},
    {"model.init_select", kInitSelectKeys},
    {"training", kTrainingKeys},
    {"training.optimizer", kOptimizerKeys},
    {"training.schedule", kScheduleKeys},
    {"privacy", kPrivacyKeys},
    {"eval", kEvalKeys},
    {"output", kOutputKeys},
};

// ---- enumerated values --------------------------------------------------------------------
// What a model predicts; "auto" resolves from the data (see DataSource, GeneratedTask).
inline constexpr std::string_view kClassification = "classification";
inline constexpr std::string_view kRegression = "regression";
inline constexpr std::string_view kLanguageModel = "language_model";
inline constexpr std::string_view kOutputs[] = {"auto", kClassification, kRegression,
                                                kLanguageModel};

struct DataSource {
  std::string_view name;
  DataSourceKind kind;      // data_source_name(kind) == name (checked at compile time)
  bool needs_path;          // data.path required
  bool needs_column;        // data.column required
  std::string_view output;  // what "auto" resolves to; "" = from data.task (generated)
};
inline constexpr DataSource kDataSources[] = {
    {"generated", DataSourceKind::kGenerated, false, false, ""},
    {"csv", DataSourceKind::kCsv, true, true, kRegression},
    {"jsonl", DataSourceKind::kJsonl, true, false, kClassification},
    {"text", DataSourceKind::kText, true, false, kLanguageModel},
    // Public corpora (scripts/fetch-data.sh): data.path defaults to where the script puts them.
    {"names", DataSourceKind::kNames, false, false, kClassification},
    {"spam", DataSourceKind::kSpam, false, false, kClassification},
    {"births", DataSourceKind::kBirths, false, false, kRegression},
    {"moby_dick", DataSourceKind::kMobyDick, false, false, kLanguageModel},
    {"folder", DataSourceKind::kFolder, true, false, kClassification},
};
inline constexpr std::string_view kDataSourceNames[] = {"generated", "csv",    "jsonl",     "text",  "names",
                                                        "spam",      "births", "moby_dick", "folder"};

struct GeneratedTask {
  std::string_view name;
  std::string_view output;
};
inline constexpr GeneratedTask kGeneratedTasks[] = {
    {"marker", kClassification},
    {"sine", kRegression},
    {"chars", kLanguageModel},
};
inline constexpr std::string_view kGeneratedTaskNames[] = {"marker", "sine", "chars"};

inline constexpr std::string_view kVocabularies[] = {"bytes", "observed"};
inline constexpr std::string_view kStandardizations[] = {"train", "fixed", "none"};

// Enumerated fields parsed to enums: each value's name in the JSON, in documentation order.
template <typename E>
struct Named {
  std::string_view name;
  E value;
};
inline constexpr Named<RecurrentCell> kCells[] = {{"lstm", RecurrentCell::kLstm}, {"gru", RecurrentCell::kGru}};
inline constexpr Named<Pooling> kPoolings[] = {{"last", Pooling::kLast}, {"mean", Pooling::kMean}};
inline constexpr Named<OptimizerKind> kOptimizers[] = {
    {"sgd", OptimizerKind::kSgd}, {"adam", OptimizerKind::kAdam}, {"adamw", OptimizerKind::kAdamW}};
inline constexpr Named<ScheduleKind> kSchedules[] = {
    {"constant", ScheduleKind::kConstant}, {"step", ScheduleKind::kStep}, {"cosine", ScheduleKind::kCosine}};
inline constexpr Named<ClippingMode> kClippings[] = {
    {"flat", ClippingMode::kFlat}, {"per_layer", ClippingMode::kPerLayer}, {"automatic", ClippingMode::kAutomatic}};
// The registry's names (dp/accounting/accountant_registry.hpp; checked by a test); gdp, an
// approximation, is reported under "all" but never chosen alone.
inline constexpr Named<std::optional<AccountantKind>> kAccountants[] = {{"rdp", AccountantKind::kRdp},
                                                                        {"pld", AccountantKind::kPld},
                                                                        {"prv", AccountantKind::kPrv},
                                                                        {"all", std::nullopt}};

// The JSON name of `value` in `table` (every value of a field's enum is in its table).
template <typename E, std::size_t N>
constexpr std::string_view name_of(const Named<E> (&table)[N], const E& value) {
  for (const Named<E>& entry : table) {
    if (entry.value == value) return entry.name;
  }
  throw std::logic_error("config_schema::name_of: a value without a name");
}

// ---- limits -------------------------------------------------------------------------------
inline constexpr std::size_t kMaxNameLength = 255;  // run folder name, bytes
inline constexpr std::size_t kMaxJsonDepth = 64;    // nested arrays/objects in a config file

}  // namespace dpt::config_schema
