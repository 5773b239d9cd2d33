// Validation of an experiment config, section by section (docs/config.md is the reference for
// every rule). Each section reader checks keys, then types and ranges field by field, then the
// section's cross-field rules; rules spanning sections run last.
#include "experiments/config/config_parser.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "experiments/config/config_reader.hpp"
#include "experiments/config/config_schema.hpp"

namespace dpt {
namespace {

using nlohmann::json;
using namespace config_detail;  // NOLINT(google-build-using-namespace): file-local readers
namespace schema = config_schema;

[[noreturn]] void fail(const std::string& path, std::string message) {
  throw ConfigError(path, std::move(message));
}

// The name lists the parser accepts must list the tables' entries, in the same order.
template <typename Table, typename Names>
constexpr bool same_names(const Table& table, const Names& names) {
  if (std::size(table) != std::size(names)) return false;
  for (std::size_t i = 0; i < std::size(table); ++i) {
    if (table[i].name != names[i]) return false;
  }
  return true;
}
static_assert(same_names(schema::kDataSources, schema::kDataSourceNames));
constexpr bool names_its_kind() {
  for (const schema::DataSource& s : schema::kDataSources) {
    if (s.name != data_source_name(s.kind)) return false;
  }
  return true;
}
static_assert(names_its_kind());
static_assert(same_names(schema::kGeneratedTasks, schema::kGeneratedTaskNames));

std::string quote(std::string_view s) {
  std::string out = "\"";  // appended, not "\"" + std::string(s): GCC 12 -Wrestrict false positive
  out += s;
  out += '"';
  return out;
}

// The schema's entry of a source (every kind has one: names_its_kind).
const schema::DataSource& data_source(DataSourceKind kind) {
  const auto* it = std::find_if(std::begin(schema::kDataSources), std::end(schema::kDataSources),
                                [&](const schema::DataSource& s) { return s.kind == kind; });
  return it != std::end(schema::kDataSources) ? *it : schema::kDataSources[0];
}

std::string name_of_source(const DataConfig& d) { return std::string(data_source_name(d.source)); }

// ---- data ---------------------------------------------------------------------------------

// data.splits: {"train": PATH, "validation": PATH, "test": PATH}; train required, the others
// optional ("" or absent: no such split, as to_json writes it).
SplitPaths parse_splits(const json& j) {
  const ObjectReader r(j, "data.splits", schema::kSplitKeys);
  SplitPaths p;
  r.read("train", p.train);
  r.read("validation", p.validation);
  r.read("test", p.test);
  if (p.train.empty()) fail("data.splits.train", r.find("train") == nullptr ? "required" : "must not be empty");
  const auto check_other = [&](const char* key, const std::string& path) {
    if (!path.empty() && (path == p.train || (std::string_view(key) == "test" && path == p.validation))) {
      fail(r.path_of(key), "names the same file as another split (" + quote(path) + ")");
    }
  };
  check_other("validation", p.validation);
  check_other("test", p.test);
  return p;
}

// An array of distinct non-empty strings (data.classes, data.columns); empty means the default.
std::vector<std::string> parse_names(const json& j, const std::string& path) {
  if (!j.is_array()) fail(path, "must be an array of strings, got " + describe(j));
  std::vector<std::string> names;
  for (std::size_t i = 0; i < j.size(); ++i) {
    std::string name = to_string(j[i], index_path(path, i));
    if (name.empty()) fail(index_path(path, i), "must not be empty");
    if (std::find(names.begin(), names.end(), name) != names.end()) fail(index_path(path, i), "repeats " + quote(name));
    names.push_back(std::move(name));
  }
  return names;
}

// With data.splits the files are the split: no data.path, no fractions (absent or 0, set to 0).
void check_predefined_splits(const ObjectReader& r, DataConfig& d) {
  if (!d.splits) return;
  switch (d.source) {
    case DataSourceKind::kCsv:
    case DataSourceKind::kJsonl:
    case DataSourceKind::kText:
    case DataSourceKind::kFolder: break;
    default:
      fail("data.splits", "applies to the file sources (csv, jsonl, text, folder), not data.source " + quote(name_of_source(d)) +
                              "; the public corpora are split by data.validation_fraction / data.test_fraction");
  }
  if (!d.path.empty()) fail("data.path", "must be absent with data.splits (the split files are the data)");
  for (const char* key : {"validation_fraction", "test_fraction"}) {
    const json* v = r.find(key);
    if (v != nullptr && !(v->is_number() && v->get<double>() == 0.0)) {
      fail(r.path_of(key), "must be absent or 0 with data.splits (the split files decide the split), got " + v->dump());
    }
  }
  d.validation_fraction = 0.0;
  d.test_fraction = 0.0;
}

DataConfig parse_data(const json& j) {
  const ObjectReader r(j, "data", schema::kDataKeys);
  DataConfig d;
  std::string source_name = "generated";
  r.read_choice("source", source_name, schema::kDataSourceNames);
  d.source = std::find_if(std::begin(schema::kDataSources), std::end(schema::kDataSources),
                          [&](const schema::DataSource& s) { return s.name == source_name; })->kind;
  r.read_choice("task", d.task, schema::kGeneratedTaskNames);
  r.read("path", d.path);
  r.read("size", d.size, 2);
  r.read("min_length", d.min_length, 1);
  r.read("max_length", d.max_length, 1);
  r.read("column", d.column);
  r.read("window", d.window, 1);
  r.read("chunk_length", d.chunk_length, 2);
  r.read("validation_fraction", d.validation_fraction, kUnitRightOpen);
  r.read("test_fraction", d.test_fraction, kUnitRightOpen);
  r.read("scrub_pii", d.scrub_pii);
  r.read_choice("vocabulary", d.vocabulary, schema::kVocabularies);
  r.read_choice("standardize", d.standardize, schema::kStandardizations);
  r.read("standardize_mean", d.standardize_mean, kAnyReal);
  r.read("standardize_stddev", d.standardize_stddev, kPositive);
  if (const json* v = r.find("split_seed"); v != nullptr && !v->is_null()) d.split_seed = to_unsigned(*v, r.path_of("split_seed"));
  if (const json* v = r.find("splits"); v != nullptr && !v->is_null()) d.splits = parse_splits(*v);
  if (const json* v = r.find("classes")) d.classes = parse_names(*v, "data.classes");
  if (const json* v = r.find("columns")) d.columns = parse_names(*v, "data.columns");

  if (d.source == DataSourceKind::kGenerated && d.task == "chars" && d.min_length < 2) {
    fail("data.min_length", "must be >= 2 for data.task \"chars\" (a language-model example "
                            "needs a next character), got " + std::to_string(d.min_length));
  }
  if (d.max_length < d.min_length) {
    fail("data.max_length", "must be >= data.min_length (" + std::to_string(d.min_length) +
                                "), got " + std::to_string(d.max_length));
  }
  if (d.validation_fraction + d.test_fraction >= 1.0) {
    fail("data", "validation_fraction + test_fraction must be < 1, got " +
                     format_number(d.validation_fraction) + " + " + format_number(d.test_fraction));
  }
  const schema::DataSource& source = data_source(d.source);
  check_predefined_splits(r, d);
  if (!d.classes.empty() && d.source != DataSourceKind::kFolder) {
    fail("data.classes", "applies to data.source \"folder\" only, not " + quote(name_of_source(d)));
  }
  if (!d.columns.empty() && d.source != DataSourceKind::kCsv) {
    fail("data.columns", "applies to data.source \"csv\" only, not " + quote(name_of_source(d)));
  }
  if (source.needs_path && d.path.empty() && !d.splits) {
    fail("data.path", "required for data.source " + quote(name_of_source(d)));
  }
  if (source.needs_column && d.column.empty()) {
    fail("data.column", "required for data.source " + quote(name_of_source(d)));
  }
  return d;
}

// ---- model --------------------------------------------------------------------------------

// model.lstm (one-directional LSTM layers: hidden, return_sequences, dropout) or
// model.recurrent (each layer also names its cell and may be bidirectional).
std::vector<RecurrentLayerConfig> parse_recurrent(const json& j, const std::string& path, bool lstm_only) {
  if (!j.is_array()) fail(path, "must be an array, got " + describe(j));
  if (j.empty()) fail(path, "must have at least one layer");
  std::vector<RecurrentLayerConfig> layers(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    const ObjectReader r(j[i], index_path(path, i), lstm_only ? schema::Names(schema::kLstmLayerKeys) : schema::Names(schema::kRecurrentLayerKeys));
    if (!lstm_only) {
      if (r.find("cell") == nullptr) fail(r.path_of("cell"), "required: \"lstm\" or \"gru\"");
      r.read_choice("cell", layers[i].cell, schema::kCells);
      r.read("bidirectional", layers[i].bidirectional);
    }
    r.read("hidden", layers[i].hidden, 1);
    r.read("return_sequences", layers[i].return_sequences);
    r.read("dropout", layers[i].dropout, kUnitRightOpen);
  }
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
    if (!layers[i].return_sequences) {
      fail(index_path(path, i) + ".return_sequences", "must be true below the top layer");
    }
  }
  return layers;
}

std::vector<int> parse_dense(const json& j, const std::string& path) {
  if (!j.is_array()) fail(path, "must be an array, got " + describe(j));
  std::vector<int> widths;
  for (std::size_t i = 0; i < j.size(); ++i) {
    widths.push_back(
        static_cast<int>(to_integer(j[i], index_path(path, i), 1, std::numeric_limits<int>::max())));
  }
  return widths;
}

// A list of tensor-name prefixes (model.init_select.include / exclude): non-empty strings, none twice.
std::vector<std::string> parse_prefixes(const json& j, const std::string& path) {
  if (!j.is_array()) fail(path, "must be an array of tensor-name prefixes, got " + describe(j));
  std::vector<std::string> prefixes;
  for (std::size_t i = 0; i < j.size(); ++i) {
    std::string prefix = to_string(j[i], index_path(path, i));
    if (prefix.empty()) fail(index_path(path, i), "must not be empty (an empty prefix matches every tensor)");
    if (std::find(prefixes.begin(), prefixes.end(), prefix) != prefixes.end()) fail(index_path(path, i), "repeats " + quote(prefix));
    prefixes.push_back(std::move(prefix));
  }
  return prefixes;
}

InitSelect parse_init_select(const json& j) {
  const ObjectReader r(j, "model.init_select", schema::kInitSelectKeys);
  InitSelect s;
  if (const json* v = r.find("include"); v != nullptr && !v->is_null()) {
    s.include = parse_prefixes(*v, r.path_of("include"));
    if (s.include->empty()) fail(r.path_of("include"), "must name at least one prefix (leave it out to take every tensor)");
  }
  if (const json* v = r.find("exclude"); v != nullptr && !v->is_null()) s.exclude = parse_prefixes(*v, r.path_of("exclude"));
  return s;
}

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

ModelConfig parse_model(const json& j) {
  const ObjectReader r(j, "model", schema::kModelKeys);
  ModelConfig m;
  r.read("embedding_dim", m.embedding_dim, 1);
  const json* lstm = r.find("lstm");  // null: absent, like the model's other optional keys
  const json* recurrent = r.find("recurrent");
  if (lstm != nullptr && lstm->is_null()) lstm = nullptr;
  if (recurrent != nullptr && recurrent->is_null()) recurrent = nullptr;
  if (lstm != nullptr && recurrent != nullptr) {
    fail(r.path_of("recurrent"), "give model.recurrent or model.lstm (its LSTM-only spelling), not both");
  }
  if (lstm != nullptr) m.recurrent = parse_recurrent(*lstm, r.path_of("lstm"), /*lstm_only=*/true);
  if (recurrent != nullptr) {
    m.recurrent = parse_recurrent(*recurrent, r.path_of("recurrent"), /*lstm_only=*/false);
    m.recurrent_key = "recurrent";
  }
  r.read_choice("pooling", m.pooling, schema::kPoolings);
  if (const json* v = r.find("dense")) m.dense = parse_dense(*v, r.path_of("dense"));
  r.read_choice("output", m.output, schema::kOutputs);
  if (const json* v = r.find("init_seed"); v != nullptr && !v->is_null()) m.init_seed = to_unsigned(*v, r.path_of("init_seed"));
  if (const json* v = r.find("init_from"); v != nullptr && !v->is_null()) {
    m.init_from = to_string(*v, r.path_of("init_from"));
    if (m.init_from->empty()) fail(r.path_of("init_from"), "must not be empty (leave it out for no warm start)");
  }
  if (const json* v = r.find("init_select"); v != nullptr && !v->is_null()) {
    if (!m.init_from) fail(r.path_of("init_select"), "requires model.init_from (the file to take the tensors from)");
    m.init_select = parse_init_select(*v);
  }
  if (const json* v = r.find("init_sha256"); v != nullptr && !v->is_null()) {
    if (!m.init_from) fail(r.path_of("init_sha256"), "requires model.init_from (the file whose content it pins)");
    m.init_sha256 = to_string(*v, r.path_of("init_sha256"));
    if (!is_sha256_hex(*m.init_sha256)) fail(r.path_of("init_sha256"), "must be 64 lower-case hex digits (a sha256), got " + quote(*m.init_sha256));
  }
  return m;
}

// ---- training -----------------------------------------------------------------------------

OptimizerConfig parse_optimizer(const json& j) {
  const ObjectReader r(j, "training.optimizer", schema::kOptimizerKeys);
  OptimizerConfig o;
  r.read_choice("name", o.kind, schema::kOptimizers);
  r.read("learning_rate", o.learning_rate, kPositive);
  r.read("momentum", o.momentum, kUnitRightOpen);
  r.read("nesterov", o.nesterov);
  r.read("weight_decay", o.weight_decay, kNonNegative);
  r.read("beta1", o.beta1, kUnitRightOpen);
  r.read("beta2", o.beta2, kUnitRightOpen);
  r.read("eps", o.eps, kPositive);
  if (o.kind == OptimizerKind::kSgd && o.nesterov && o.momentum == 0.0) {
    fail("training.optimizer.nesterov", "requires training.optimizer.momentum > 0");
  }
  return o;
}

ScheduleConfig parse_schedule(const json& j) {
  const ObjectReader r(j, "training.schedule", schema::kScheduleKeys);
  ScheduleConfig s;
  r.read_choice("kind", s.kind, schema::kSchedules);
  r.read("warmup_steps", s.warmup_steps, 0);
  r.read("step_size", s.step_size, 1);
  r.read("gamma", s.gamma, kUnitLeftOpen);
  r.read("min_learning_rate", s.min_learning_rate, kNonNegative);
  return s;
}

TrainingConfig parse_training(const json& j) {
  const ObjectReader r(j, "training", schema::kTrainingKeys);
  TrainingConfig t;
  r.read("epochs", t.epochs, 0);
  r.read("steps", t.steps, 0);
  r.read("batch_size", t.batch_size, 1);
  r.read("max_physical_batch_size", t.max_physical_batch_size, 0);
  const json empty = json::object();
  const json* optimizer = r.find("optimizer");
  const json* schedule = r.find("schedule");
  t.optimizer = parse_optimizer(optimizer != nullptr ? *optimizer : empty);
  t.schedule = parse_schedule(schedule != nullptr ? *schedule : empty);

  if (t.steps == 0 && t.epochs < 1) {
    fail("training.epochs", "must be >= 1 when training.steps is 0, got " + std::to_string(t.epochs));
  }
  if (t.schedule.min_learning_rate > t.optimizer.learning_rate) {
    fail("training.schedule.min_learning_rate",
         "must be <= training.optimizer.learning_rate (" +
             format_number(t.optimizer.learning_rate) + "), got " +
             format_number(t.schedule.min_learning_rate));
  }
  return t;
}

// ---- privacy ------------------------------------------------------------------------------

PrivacyConfig parse_privacy(const json& j) {
  const ObjectReader r(j, "privacy", schema::kPrivacyKeys);
  PrivacyConfig p;
  r.read("enabled", p.enabled);
  r.read("clip_norm", p.clip_norm, kPositive);
  r.read_choice("clipping", p.clipping, schema::kClippings);
  r.read("automatic_gamma", p.automatic_gamma, kPositive);
  if (const json* v = r.find("noise_multiplier");
      p.enabled && v != nullptr && v->is_number() && v->get<double>() == 0.0) {
    fail(r.path_of("noise_multiplier"),
         "must be > 0 when privacy is enabled, got " + describe(*v) +
             " (sigma = 0 adds no noise: use privacy.enabled: false)");
  }
  r.read("noise_multiplier", p.noise_multiplier, p.enabled ? kPositive : kNonNegative);
  r.read("target_epsilon", p.target_epsilon, kPositive);
  r.read("delta", p.delta, kUnitOpen);
  r.read_choice("accountant", p.accountant, schema::kAccountants);
  r.read("secure_mode", p.secure_mode);
  if (const json* v = r.find("ledger"); v != nullptr && !v->is_null()) {
    p.ledger = to_string(*v, r.path_of("ledger"));
    if (p.ledger->empty()) fail(r.path_of("ledger"), "must not be empty (leave it out for no ledger)");
  }

  if (p.enabled && p.noise_multiplier && p.target_epsilon) {
    fail("privacy", "set exactly one of noise_multiplier and target_epsilon; both are present");
  }
  if (p.enabled && !p.noise_multiplier && !p.target_epsilon) {
    fail("privacy", "set exactly one of noise_multiplier and target_epsilon; neither is present");
  }
  return p;
}

// ---- eval, output, name -------------------------------------------------------------------

EvalConfig parse_eval(const json& j) {
  const ObjectReader r(j, "eval", schema::kEvalKeys);
  EvalConfig e;
  r.read("every_epochs", e.every_epochs, 1);
  r.read("batch_size", e.batch_size, 1);
  return e;
}

OutputConfig parse_output(const json& j) {
  const ObjectReader r(j, "output", schema::kOutputKeys);
  OutputConfig o;
  r.read("dir", o.dir);
  r.read("checkpoint_every_steps", o.checkpoint_every_steps, 0);
  if (o.dir.empty()) fail("output.dir", "must not be empty");
  return o;
}

// The run folder is <output.dir>/<name>: a plain folder name, never a path.
void check_name(const std::string& name, const json& value) {
  if (name.empty()) fail("name", "must not be empty");
  if (name.size() > schema::kMaxNameLength) {
    fail("name", "must be at most " + std::to_string(schema::kMaxNameLength) +
                     " characters, got " + std::to_string(name.size()));
  }
  const bool safe = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
  if (!safe) {
    fail("name", "must use only letters, digits, '.', '_' and '-' (it names the run folder), got " +
                     describe(value));
  }
  if (name == "." || name == "..") fail("name", "must not be \".\" or \"..\"");
}

// ---- rules across sections ----------------------------------------------------------------

// What the data implies the model predicts, and which field says so.
std::string_view data_output(const DataConfig& d) {
  const schema::DataSource& source = data_source(d.source);
  if (!source.output.empty()) return source.output;
  for (const schema::GeneratedTask& task : schema::kGeneratedTasks) {
    if (task.name == d.task) return task.output;
  }
  return schema::kClassification;
}

std::string data_origin(const DataConfig& d) {
  return data_source(d.source).output.empty() ? "data.task " + quote(d.task)
                                              : "data.source " + quote(name_of_source(d));
}

// model.output agrees with the data; the top recurrent layer returns sequences exactly for a
// language model (one output per step) and is pooled otherwise (one output per sequence); a
// language model has no bidirectional layer (its backward direction would read the very tokens
// the model is asked to predict).
void check_output(const ExperimentConfig& c) {
  const std::string_view implied = data_output(c.data);
  if (c.model.output != "auto" && c.model.output != implied) {
    fail("model.output", "must be \"auto\" or " + quote(implied) + " for " + data_origin(c.data) +
                             ", got " + quote(c.model.output));
  }
  const bool language_model = implied == schema::kLanguageModel;
  for (std::size_t k = 0; language_model && k < c.model.recurrent.size(); ++k) {
    if (c.model.recurrent[k].bidirectional) {
      fail(index_path("model." + c.model.recurrent_key, k) + ".bidirectional",
           "must be false in a language model (" + data_origin(c.data) +
               "): the backward direction would read the later tokens the model predicts");
    }
  }
  const std::size_t top = c.model.recurrent.size() - 1;
  if (c.model.recurrent[top].return_sequences == language_model) return;
  const std::string path = index_path("model." + c.model.recurrent_key, top) + ".return_sequences";
  if (language_model) {
    fail(path, "must be true on the top layer of a language model (" + data_origin(c.data) + ")");
  }
  fail(path, "must be false on the top layer of a " + std::string(implied) + " model (" +
                 data_origin(c.data) + ")");
}

void check_seed(const ExperimentConfig& c) {
  if (c.privacy.secure_mode && c.seed) {
    fail("seed", "must be absent when privacy.secure_mode is true (secure mode draws from the "
                 "OS CSPRNG)");
  }
  if (!c.privacy.secure_mode && !c.seed) fail("seed", "required (or set privacy.secure_mode)");
}

}  // namespace

ExperimentConfig parse_config(const json& j) {
  const ObjectReader r(j, "", schema::kRootKeys);
  ExperimentConfig c;
  if (const json* v = r.find("name")) {
    c.name = to_string(*v, "name");
    check_name(c.name, *v);
  }
  if (const json* v = r.find("seed"); v != nullptr && !v->is_null()) c.seed = to_unsigned(*v, "seed");
  // An absent section is an empty object: its defaults still meet its rules (or not: an
  // absent privacy section has neither noise_multiplier nor target_epsilon).
  const json empty = json::object();
  const auto section = [&](std::string_view key) -> const json& {
    const json* v = r.find(key);
    return v != nullptr ? *v : empty;
  };
  c.data = parse_data(section("data"));
  c.model = parse_model(section("model"));
  c.training = parse_training(section("training"));
  c.privacy = parse_privacy(section("privacy"));
  c.eval = parse_eval(section("eval"));
  c.output = parse_output(section("output"));
  check_output(c);
  check_seed(c);
  return c;
}

std::string_view resolved_output(const ExperimentConfig& config) {
  return data_output(config.data);
}

}  // namespace dpt
