// Validation rules of the experiment config (docs/config.md): each table row is a config text
// and the exact message it must produce, path first.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <span>
#include <string>

#include "experiments/config/config_parser.hpp"
#include "tests/experiments/config_test_util.hpp"

namespace dpt {
namespace {

struct Row {
  std::string config;
  std::string message;
};

void check_rows(std::span<const Row> rows) {
  for (const Row& row : rows) {
    INFO("config: " << row.config);
    CHECK(test::error_of(row.config) == row.message);
  }
}

TEST_CASE("a wrong JSON type names the path and quotes the value") {
  const Row rows[] = {
      {R"({"training": {"batch_size": "64"}})", R"(training.batch_size: must be an integer, got "64")"},
      {R"({"training": {"epochs": null}})", "training.epochs: must be an integer, got null"},
      {R"({"training": {"optimizer": {"learning_rate": "fast"}}})",
       R"(training.optimizer.learning_rate: must be a number, got "fast")"},
      {R"({"data": {"scrub_pii": "yes"}})", R"(data.scrub_pii: must be true or false, got "yes")"},
      {R"({"privacy": {"enabled": 1}})", "privacy.enabled: must be true or false, got 1"},
      {R"({"name": 3})", "name: must be a string, got 3"},
      {R"({"data": {"path": ["a.csv"]}})", "data.path: must be a string, got an array"},
      {R"({"training": 5})", "training: must be an object, got 5"},
      {R"({"privacy": null})", "privacy: must be an object, got null"},
      {R"({"model": {"lstm": {"hidden": 8}}})", "model.lstm: must be an array, got an object"},
      {R"({"model": {"dense": 16}})", "model.dense: must be an array, got 16"},
      {R"({"name": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b"})",
       R"(name: must use only letters, digits, '.', '_' and '-' (it names the run folder), got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...")"},
  };
  check_rows(rows);
}

TEST_CASE("integer fields must be integral and in range") {
  const Row rows[] = {
      {R"({"training": {"batch_size": 64.5}})", "training.batch_size: must be an integer, got 64.5"},
      {R"({"training": {"batch_size": 0}})", "training.batch_size: must be >= 1, got 0"},
      {R"({"training": {"max_physical_batch_size": -1}})", "training.max_physical_batch_size: must be >= 0, got -1"},
      {R"({"training": {"max_physical_batch_size": 2.5}})", "training.max_physical_batch_size: must be an integer, got 2.5"},
      {R"({"training": {"batch_size": 3000000000}})",
       "training.batch_size: must be <= 2147483647, got 3000000000"},
      {R"({"training": {"steps": -5}})", "training.steps: must be >= 0, got -5"},
      {R"({"training": {"steps": 18446744073709551615}})",
       "training.steps: must be <= 9223372036854775807, got 18446744073709551615"},
      {R"({"training": {"steps": 1e17}})",
       "training.steps: must be written without a fraction or exponent above 2^53, got 1e+17"},
      {R"({"training": {"epochs": -1, "steps": 10}})", "training.epochs: must be >= 0, got -1"},
      {R"({"training": {"schedule": {"warmup_steps": -1}}})",
       "training.schedule.warmup_steps: must be >= 0, got -1"},
      {R"({"training": {"schedule": {"step_size": 0}}})",
       "training.schedule.step_size: must be >= 1, got 0"},
      {R"({"model": {"embedding_dim": 0}})", "model.embedding_dim: must be >= 1, got 0"},
      {R"({"model": {"lstm": [{"hidden": 0}]}})", "model.lstm[0].hidden: must be >= 1, got 0"},
      {R"({"model": {"dense": [16, 0]}})", "model.dense[1]: must be >= 1, got 0"},
      {R"({"model": {"dense": [16, 8.5]}})", "model.dense[1]: must be an integer, got 8.5"},
      {R"({"data": {"size": 1}})", "data.size: must be >= 2, got 1"},
      {R"({"data": {"min_length": 0}})", "data.min_length: must be >= 1, got 0"},
      {R"({"data": {"window": 0}})", "data.window: must be >= 1, got 0"},
      {R"({"data": {"chunk_length": 1}})", "data.chunk_length: must be >= 2, got 1"},
      {R"({"data": {"split_seed": -1}})", "data.split_seed: must be >= 0, got -1"},
      {R"({"data": {"split_seed": 2.5}})", "data.split_seed: must be an integer, got 2.5"},
      {R"({"model": {"init_seed": "7"}})", R"(model.init_seed: must be an integer, got "7")"},
      {R"({"privacy": {"noise_multiplier": 1}, "eval": {"every_epochs": 0}})",
       "eval.every_epochs: must be >= 1, got 0"},
      {R"({"privacy": {"noise_multiplier": 1}, "eval": {"batch_size": -8}})",
       "eval.batch_size: must be >= 1, got -8"},
      {R"({"privacy": {"noise_multiplier": 1}, "output": {"checkpoint_every_steps": -1}})",
       "output.checkpoint_every_steps: must be >= 0, got -1"},
  };
  check_rows(rows);
}

TEST_CASE("an integral number written as a real is accepted") {
  const ExperimentConfig c = parse_config_text(
      R"({"seed": 7.0, "training": {"batch_size": 64.0, "steps": 1e3},
          "privacy": {"noise_multiplier": 1}})",
      "run.json");
  CHECK(c.seed == 7u);
  CHECK(c.training.batch_size == 64);
  CHECK(c.training.steps == 1000);
}

TEST_CASE("real fields are range checked") {
  const Row rows[] = {
      {R"({"training": {"optimizer": {"learning_rate": 0}}})",
       "training.optimizer.learning_rate: must be > 0, got 0"},
      {R"({"training": {"optimizer": {"momentum": 1}}})",
       "training.optimizer.momentum: must be in [0, 1), got 1"},
      {R"({"training": {"optimizer": {"beta1": -0.1}}})",
       "training.optimizer.beta1: must be in [0, 1), got -0.1"},
      {R"({"training": {"optimizer": {"beta2": 1.0}}})",
       "training.optimizer.beta2: must be in [0, 1), got 1.0"},
      {R"({"training": {"optimizer": {"eps": -1e-8}}})",
       "training.optimizer.eps: must be > 0, got -1e-08"},
      {R"({"training": {"optimizer": {"weight_decay": -0.1}}})",
       "training.optimizer.weight_decay: must be >= 0, got -0.1"},
      {R"({"training": {"schedule": {"gamma": 0}}})",
       "training.schedule.gamma: must be in (0, 1], got 0"},
      {R"({"training": {"schedule": {"gamma": 1.5}}})",
       "training.schedule.gamma: must be in (0, 1], got 1.5"},
      {R"({"training": {"schedule": {"min_learning_rate": -1}}})",
       "training.schedule.min_learning_rate: must be >= 0, got -1"},
      {R"({"model": {"lstm": [{"dropout": 1}]}})", "model.lstm[0].dropout: must be in [0, 1), got 1"},
      {R"({"data": {"test_fraction": 1}})", "data.test_fraction: must be in [0, 1), got 1"},
      {R"({"data": {"validation_fraction": -0.1}})",
       "data.validation_fraction: must be in [0, 1), got -0.1"},
      {R"({"privacy": {"clip_norm": -1}})", "privacy.clip_norm: must be > 0, got -1"},
      {R"({"privacy": {"clip_norm": 0}})", "privacy.clip_norm: must be > 0, got 0"},
      {R"({"privacy": {"automatic_gamma": 0}})", "privacy.automatic_gamma: must be > 0, got 0"},
      {R"({"privacy": {"target_epsilon": 0}})", "privacy.target_epsilon: must be > 0, got 0"},
      {R"({"privacy": {"target_epsilon": 1, "delta": 1}})", "privacy.delta: must be in (0, 1), got 1"},
      {R"({"privacy": {"target_epsilon": 1, "delta": 0}})", "privacy.delta: must be in (0, 1), got 0"},
      {R"({"privacy": {"noise_multiplier": -1}})", "privacy.noise_multiplier: must be > 0, got -1"},
  };
  check_rows(rows);
}

TEST_CASE("a non-finite number is refused even where any size is allowed") {
  nlohmann::json j = {{"seed", 1}, {"privacy", {{"noise_multiplier", 1.0}}}};
  j["privacy"]["clip_norm"] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(parse_config(j), "privacy.clip_norm: must be finite, got inf", ConfigError);
  j["privacy"]["clip_norm"] = std::nan("");
  CHECK_THROWS_WITH_AS(parse_config(j), "privacy.clip_norm: must be finite, got nan", ConfigError);
  j["privacy"]["clip_norm"] = 1e308;  // huge but finite: allowed
  CHECK(parse_config(j).privacy.clip_norm == 1e308);
}

TEST_CASE("enumerated values list the choices and suggest a near one") {
  const Row rows[] = {
      {R"({"data": {"source": "parquet"}})",
       R"(data.source: must be one of "generated", "csv", "jsonl", "text", "names", "spam", "births", "moby_dick", "folder"; got "parquet")"},
      {R"({"data": {"task": "sin"}})",
       R"(data.task: must be one of "marker", "sine", "chars"; got "sin" (did you mean "sine"?))"},
      {R"({"model": {"pooling": "max"}})", R"(model.pooling: must be one of "last", "mean"; got "max")"},
      {R"({"model": {"output": "lm"}})",
       R"(model.output: must be one of "auto", "classification", "regression", "language_model"; got "lm")"},
      {R"({"training": {"optimizer": {"name": "sgdm"}}})",
       R"(training.optimizer.name: must be one of "sgd", "adam", "adamw"; got "sgdm" (did you mean "sgd"?))"},
      {R"({"training": {"schedule": {"kind": "linear"}}})",
       R"(training.schedule.kind: must be one of "constant", "step", "cosine"; got "linear")"},
      {R"({"privacy": {"clipping": "per-layer"}})",
       R"(privacy.clipping: must be one of "flat", "per_layer", "automatic"; got "per-layer" (did you mean "per_layer"?))"},
      {R"({"privacy": {"accountant": "moments"}})",
       R"(privacy.accountant: must be one of "rdp", "pld", "prv", "all"; got "moments")"},
      {R"({"privacy": {"clipping": 1}})", "privacy.clipping: must be a string, got 1"},
  };
  check_rows(rows);
}

TEST_CASE("model rules: stacked layers return sequences, output and top layer match the data") {
  const Row rows[] = {
      {R"({"model": {"lstm": []}})", "model.lstm: must have at least one layer"},
      {R"({"model": {"lstm": [{"hidden": 8}, {"hidden": 8}]}})",
       "model.lstm[0].return_sequences: must be true below the top layer"},
      {R"({"model": {"lstm": [{"return_sequences": true}, {"return_sequences": false}, {}]}})",
       "model.lstm[1].return_sequences: must be true below the top layer"},
      {R"({"seed": 1, "data": {"task": "chars"}, "privacy": {"noise_multiplier": 1}})",
       R"(model.lstm[0].return_sequences: must be true on the top layer of a language model (data.task "chars"))"},
      {R"({"seed": 1, "data": {"source": "text", "path": "moby.txt"}, "privacy": {"noise_multiplier": 1}})",
       R"(model.lstm[0].return_sequences: must be true on the top layer of a language model (data.source "text"))"},
      {R"({"seed": 1, "model": {"lstm": [{"return_sequences": true}]}, "privacy": {"noise_multiplier": 1}})",
       R"(model.lstm[0].return_sequences: must be false on the top layer of a classification model (data.task "marker"))"},
      {R"({"model": {"recurrent": []}})", "model.recurrent: must have at least one layer"},
      {R"({"model": {"lstm": [{"hidden": 8}], "recurrent": [{"cell": "gru"}]}})",
       "model.recurrent: give model.recurrent or model.lstm (its LSTM-only spelling), not both"},
      {R"({"model": {"recurrent": [{"hidden": 8}]}})", R"(model.recurrent[0].cell: required: "lstm" or "gru")"},
      {R"({"model": {"recurrent": [{"cell": "rnn"}]}})", R"(model.recurrent[0].cell: must be one of "lstm", "gru"; got "rnn")"},
      {R"({"model": {"recurrent": [{"cell": "gru", "bidirectional": 1}]}})", "model.recurrent[0].bidirectional: must be true or false, got 1"},
      {R"({"model": {"lstm": [{"hidden": 8, "bidirectional": true}]}})",
       "model.lstm[0].bidirectional: unknown key; did you mean 'model.recurrent[i].bidirectional'?"},
      {R"({"model": {"recurrent": [{"cell": "gru", "return_sequences": true}, {"cell": "lstm"}, {"cell": "gru"}]}})",
       "model.recurrent[1].return_sequences: must be true below the top layer"},
      {R"({"seed": 1, "data": {"task": "chars"}, "model": {"recurrent": [{"cell": "gru"}]}, "privacy": {"noise_multiplier": 1}})",
       R"(model.recurrent[0].return_sequences: must be true on the top layer of a language model (data.task "chars"))"},
      {R"({"seed": 1, "data": {"task": "chars"}, "model": {"recurrent": [{"cell": "lstm", "return_sequences": true},
           {"cell": "gru", "bidirectional": true, "return_sequences": true}]}, "privacy": {"noise_multiplier": 1}})",
       R"(model.recurrent[1].bidirectional: must be false in a language model (data.task "chars"): the backward direction would read the later tokens the model predicts)"},
      {R"({"model": {"lstm": null, "recurrent": [{"cell": "gru", "return_sequences": true}, {"cell": "lstm", "hidden": 0}]}})",
       "model.recurrent[1].hidden: must be >= 1, got 0"},
      {R"({"seed": 1, "model": {"output": "regression"}, "privacy": {"noise_multiplier": 1}})",
       R"(model.output: must be "auto" or "classification" for data.task "marker", got "regression")"},
      {R"({"seed": 1, "data": {"source": "jsonl", "path": "t.jsonl"}, "model": {"output": "language_model"},
           "privacy": {"noise_multiplier": 1}})",
       R"(model.output: must be "auto" or "classification" for data.source "jsonl", got "language_model")"},
      {R"({"seed": 1, "data": {"task": "sine"}, "model": {"lstm": [{"return_sequences": true}, {}], "output": "regression"},
           "privacy": {"noise_multiplier": 1}})",
       "<valid>"},
      {R"({"seed": 1, "data": {"task": "chars"}, "model": {"lstm": [{"return_sequences": true}], "output": "language_model"},
           "privacy": {"noise_multiplier": 1}})",
       "<valid>"},
  };
  check_rows(rows);
}

TEST_CASE("data rules: files where the source needs them, lengths and fractions consistent") {
  const Row rows[] = {
      {R"({"data": {"source": "csv"}})", R"(data.path: required for data.source "csv")"},
      {R"({"data": {"source": "folder"}})", R"(data.path: required for data.source "folder")"},
      {R"({"data": {"source": "jsonl", "splits": {"validation": "v.jsonl"}}})", R"(data.splits.train: required)"},
      {R"({"data": {"source": "jsonl", "splits": {"train": ""}}})", R"(data.splits.train: must not be empty)"},
      {R"({"data": {"source": "jsonl", "splits": {"train": "t.jsonl", "test": "t.jsonl"}}})",
       R"(data.splits.test: names the same file as another split ("t.jsonl"))"},
      {R"({"data": {"source": "jsonl", "splits": {"train": "t.jsonl", "tset": "x"}}})",
       R"(data.splits.tset: unknown key; did you mean 'test'?)"},
      {R"({"data": {"source": "names", "splits": {"train": "t.txt"}}})",
       R"(data.splits: applies to the file sources (csv, jsonl, text, folder), not data.source "names"; the public corpora are split by data.validation_fraction / data.test_fraction)"},
      {R"({"data": {"source": "jsonl", "path": "all.jsonl", "splits": {"train": "t.jsonl"}}})",
       R"(data.path: must be absent with data.splits (the split files are the data))"},
      {R"({"data": {"source": "jsonl", "test_fraction": 0.2, "splits": {"train": "t.jsonl"}}})",
       R"(data.test_fraction: must be absent or 0 with data.splits (the split files decide the split), got 0.2)"},
      {R"({"data": {"source": "jsonl", "path": "a.jsonl", "classes": ["x"]}})",
       R"(data.classes: applies to data.source "folder" only, not "jsonl")"},
      {R"({"data": {"source": "folder", "path": "mail", "classes": ["ham", "ham"]}})", R"(data.classes[1]: repeats "ham")"},
      {R"({"data": {"source": "folder", "path": "mail", "classes": "ham"}})",
       R"(data.classes: must be an array of strings, got "ham")"},
      {R"({"data": {"source": "text", "path": "a.txt", "columns": ["x"]}})",
       R"(data.columns: applies to data.source "csv" only, not "text")"},
      {R"({"data": {"source": "csv", "path": "a.csv", "column": "y", "columns": ["x", ""]}})", R"(data.columns[1]: must not be empty)"},
      {R"({"data": {"source": "jsonl", "path": ""}})", R"(data.path: required for data.source "jsonl")"},
      {R"({"data": {"source": "csv", "path": "load.csv"}})", R"(data.column: required for data.source "csv")"},
      {R"({"data": {"min_length": 8, "max_length": 4}})",
       "data.max_length: must be >= data.min_length (8), got 4"},
      {R"({"data": {"validation_fraction": 0.5, "test_fraction": 0.5}})",
       "data: validation_fraction + test_fraction must be < 1, got 0.5 + 0.5"},
      {R"({"data": {"task": "chars", "min_length": 1}})",
       R"(data.min_length: must be >= 2 for data.task "chars" (a language-model example needs a next character), got 1)"},
      {R"({"data": {"vocabulary": "observed_bytes"}})",
       R"(data.vocabulary: must be one of "bytes", "observed"; got "observed_bytes")"},
      {R"({"data": {"standardize": "zscore"}})",
       R"(data.standardize: must be one of "train", "fixed", "none"; got "zscore")"},
      {R"({"data": {"standardize_stddev": 0}})", "data.standardize_stddev: must be > 0, got 0"},
      {R"({"data": {"standardize_mean": "0"}})", R"(data.standardize_mean: must be a number, got "0")"},
  };
  check_rows(rows);
}

TEST_CASE("training rules: epochs unless steps, nesterov needs momentum, cosine floor below the rate") {
  const Row rows[] = {
      {R"({"training": {"epochs": 0}})", "training.epochs: must be >= 1 when training.steps is 0, got 0"},
      {R"({"seed": 1, "training": {"epochs": 0, "steps": 100}, "privacy": {"noise_multiplier": 1}})",
       "<valid>"},
      {R"({"training": {"optimizer": {"name": "sgd", "nesterov": true}}})",
       "training.optimizer.nesterov: requires training.optimizer.momentum > 0"},
      {R"({"training": {"schedule": {"min_learning_rate": 0.01}}})",
       "training.schedule.min_learning_rate: must be <= training.optimizer.learning_rate (0.001), got 0.01"},
  };
  check_rows(rows);
}

TEST_CASE("privacy rules: exactly one of sigma and target epsilon, sigma > 0 when enabled") {
  const Row rows[] = {
      {R"({"seed": 1})",
       "privacy: set exactly one of noise_multiplier and target_epsilon; neither is present"},
      {R"({"privacy": {"noise_multiplier": 1, "target_epsilon": 3}})",
       "privacy: set exactly one of noise_multiplier and target_epsilon; both are present"},
      {R"({"privacy": {"noise_multiplier": 0}})",
       "privacy.noise_multiplier: must be > 0 when privacy is enabled, got 0 (sigma = 0 adds no "
       "noise: use privacy.enabled: false)"},
      {R"({"seed": 1, "privacy": {"enabled": false}})", "<valid>"},
      {R"({"seed": 1, "privacy": {"enabled": false, "noise_multiplier": 0}})", "<valid>"},
      {R"({"seed": 1, "privacy": {"enabled": false, "noise_multiplier": -1}})",
       "privacy.noise_multiplier: must be >= 0, got -1"},
      {R"({"seed": 1, "privacy": {"noise_multiplier": null, "target_epsilon": 2}})", "<valid>"},
  };
  check_rows(rows);
}

TEST_CASE("seed: required in reproducible mode, refused in secure mode") {
  const Row rows[] = {
      {R"({"privacy": {"noise_multiplier": 1}})", "seed: required (or set privacy.secure_mode)"},
      {R"({"seed": null, "privacy": {"noise_multiplier": 1}})", "seed: required (or set privacy.secure_mode)"},
      {R"({"seed": 1, "privacy": {"noise_multiplier": 1, "secure_mode": true}})",
       "seed: must be absent when privacy.secure_mode is true (secure mode draws from the OS CSPRNG)"},
      {R"({"privacy": {"noise_multiplier": 1, "secure_mode": true}})", "<valid>"},
      {R"({"seed": -1})", "seed: must be >= 0, got -1"},
      {R"({"seed": "1"})", R"(seed: must be an integer, got "1")"},
      {R"({"seed": 18446744073709551616})", "seed: must be <= 18446744073709551615, got 1.8446744073709552e+19"},
  };
  check_rows(rows);
  const ExperimentConfig c =
      parse_config_text(R"({"seed": 18446744073709551615, "privacy": {"noise_multiplier": 1}})", "run.json");
  CHECK(c.seed == std::numeric_limits<uint64_t>::max());
}

TEST_CASE("name is a safe folder name; output.dir is not empty") {
  const Row rows[] = {
      {R"({"name": ""})", "name: must not be empty"},
      {R"({"name": "my run"})",
       R"(name: must use only letters, digits, '.', '_' and '-' (it names the run folder), got "my run")"},
      {R"({"name": "../etc"})",
       R"(name: must use only letters, digits, '.', '_' and '-' (it names the run folder), got "../etc")"},
      {R"({"name": ".."})", R"(name: must not be "." or "..")"},
      {R"({"privacy": {"noise_multiplier": 1}, "output": {"dir": ""}})", "output.dir: must not be empty"},
      {R"({"seed": 1, "name": "lstm-2x64_eps3.0", "privacy": {"noise_multiplier": 1}})", "<valid>"},
  };
  check_rows(rows);
  const std::string long_name(256, 'a');
  CHECK(test::error_of(R"({"name": ")" + long_name + R"("})") ==
        "name: must be at most 255 characters, got 256");
}

TEST_CASE("an unknown key is an error at every level, with the nearest valid key suggested") {
  const Row rows[] = {
      {R"({"privacy": {"clip_nrom": 1}})", "privacy.clip_nrom: unknown key; did you mean 'clip_norm'?"},
      {R"({"model": {"lstm": [{"hiden": 8}]}})", "model.lstm[0].hiden: unknown key; did you mean 'hidden'?"},
      {R"({"training": {"optimizer": {"learning_rte": 0.1}}})",
       "training.optimizer.learning_rte: unknown key; did you mean 'learning_rate'?"},
      {R"({"Seed": 1})", "Seed: unknown key; did you mean 'seed'?"},
      {R"({"training": {"learning_rate": 0.1}})",
       "training.learning_rate: unknown key; did you mean 'training.optimizer.learning_rate'?"},
      {R"({"noise_multiplier": 1})", "noise_multiplier: unknown key; did you mean 'privacy.noise_multiplier'?"},
      {R"({"model": {"hidden": 64}})", "model.hidden: unknown key; did you mean 'model.lstm[i].hidden'?"},
      {R"({"foo": 1})",
       "foo: unknown key (expected one of: name, seed, data, model, training, privacy, eval, output)"},
      {R"({"privacy": {"noise_multiplier": 1}, "eval": {"x": 1}})", "eval.x: unknown key (expected one of: every_epochs, batch_size)"},
      {R"({"data": {"sizes": 10}})", "data.sizes: unknown key; did you mean 'size'?"},
  };
  check_rows(rows);
}

TEST_CASE("the first error in documentation order is the one reported") {
  // Sections in order name, seed, data, model, training, privacy, eval, output; within a
  // section unknown keys first (alphabetically), then fields in documented order.
  CHECK(test::error_of(R"({"output": {"dir": ""}, "data": {"size": 1}, "model": {"lstm": []}})") ==
        "data.size: must be >= 2, got 1");
  CHECK(test::error_of(R"({"data": {"zz": 1, "aa": 2, "size": 1}})") ==
        "data.aa: unknown key (expected one of: source, task, path, size, min_length, max_length, "
        "column, window, chunk_length, validation_fraction, test_fraction, scrub_pii, vocabulary, "
        "standardize, standardize_mean, standardize_stddev, split_seed, splits, classes, columns)");
  CHECK(test::error_of(R"({"training": {"batch_size": 0, "epochs": -1}})") ==
        "training.epochs: must be >= 0, got -1");
}

TEST_CASE("ConfigError carries the path and the message apart") {
  try {
    parse_config_text(R"({"privacy": {"clip_norm": -1}})", "run.json");
    FAIL("expected a ConfigError");
  } catch (const Error& e) {  // the CLI catches every dptrain error as dpt::Error
    const auto* config_error = dynamic_cast<const ConfigError*>(&e);
    REQUIRE(config_error != nullptr);
    CHECK(config_error->path() == "privacy.clip_norm");
    CHECK(config_error->message() == "must be > 0, got -1");
    CHECK(std::string(e.what()) == "privacy.clip_norm: must be > 0, got -1");
  }
}

}  // namespace
}  // namespace dpt
