// The resolved config: to_json writes every field with its default filled, in documentation
// order; parse_config(to_json(c)) == c; docs/config.md documents every key and its example
// is valid and canonical.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "experiments/config/config_json.hpp"
#include "experiments/config/config_parser.hpp"
#include "experiments/config/config_schema.hpp"
#include "tests/experiments/config_test_util.hpp"

namespace dpt {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Every field differs from its default.
constexpr const char* kFullConfig = R"({
  "name": "full-run_1.0",
  "seed": 18446744073709551615,
  "data": {
    "source": "csv",
    "task": "sine",
    "path": "data/load.csv",
    "size": 500,
    "min_length": 2,
    "max_length": 9,
    "column": "load",
    "window": 8,
    "chunk_length": 32,
    "validation_fraction": 0.2,
    "test_fraction": 0.15,
    "scrub_pii": true,
    "vocabulary": "observed",
    "standardize": "fixed",
    "standardize_mean": -2.5,
    "standardize_stddev": 4.0,
    "split_seed": 42,
    "splits": null,
    "classes": [],
    "columns": [
      "load",
      "temperature"
    ]
  },
  "model": {
    "embedding_dim": 16,
    "lstm": [
      {
        "hidden": 48,
        "return_sequences": true,
        "dropout": 0.25
      },
      {
        "hidden": 24,
        "return_sequences": false,
        "dropout": 0.125
      }
    ],
    "pooling": "mean",
    "dense": [
      32,
      16
    ],
    "output": "regression",
    "init_seed": 18446744073709551615
  },
  "training": {
    "epochs": 3,
    "steps": 1234,
    "batch_size": 128,
    "max_physical_batch_size": 96,
    "optimizer": {
      "name": "sgd",
      "learning_rate": 0.05,
      "momentum": 0.9,
      "nesterov": true,
      "weight_decay": 0.0001,
      "beta1": 0.8,
      "beta2": 0.99,
      "eps": 1e-06
    },
    "schedule": {
      "kind": "cosine",
      "warmup_steps": 100,
      "step_size": 50,
      "gamma": 0.5,
      "min_learning_rate": 0.001
    }
  },
  "privacy": {
    "enabled": true,
    "clip_norm": 0.5,
    "clipping": "per_layer",
    "automatic_gamma": 0.1,
    "noise_multiplier": null,
    "target_epsilon": 3.0,
    "delta": 1e-05,
    "accountant": "all",
    "secure_mode": false
  },
  "eval": {
    "every_epochs": 2,
    "batch_size": 512
  },
  "output": {
    "dir": "/tmp/runs",
    "checkpoint_every_steps": 100
  }
})";

std::string read_text(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << file);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first ```json block after `heading` in a markdown file.
std::string json_block_after(const std::string& markdown, const std::string& heading) {
  const std::size_t h = markdown.find(heading);
  REQUIRE_MESSAGE(h != std::string::npos, "no heading " << heading);
  const std::size_t open = markdown.find("```json\n", h);
  REQUIRE(open != std::string::npos);
  const std::size_t begin = open + 8;
  const std::size_t end = markdown.find("\n```", begin);
  REQUIRE(end != std::string::npos);
  return markdown.substr(begin, end - begin);
}

TEST_CASE("defaults are filled and every key is written, in documentation order") {
  const ExperimentConfig c =
      parse_config_text(R"({"seed": 7, "privacy": {"noise_multiplier": 1.1}})", "run.json");
  CHECK(to_json(c).dump(2) == R"({
  "name": "experiment",
  "seed": 7,
  "data": {
    "source": "generated",
    "task": "marker",
    "path": "",
    "size": 2000,
    "min_length": 4,
    "max_length": 24,
    "column": "",
    "window": 16,
    "chunk_length": 64,
    "validation_fraction": 0.1,
    "test_fraction": 0.1,
    "scrub_pii": false,
    "vocabulary": "bytes",
    "standardize": "train",
    "standardize_mean": 0.0,
    "standardize_stddev": 1.0,
    "split_seed": null,
    "splits": null,
    "classes": [],
    "columns": []
  },
  "model": {
    "embedding_dim": 32,
    "lstm": [
      {
        "hidden": 64,
        "return_sequences": false,
        "dropout": 0.0
      }
    ],
    "pooling": "last",
    "dense": [],
    "output": "auto",
    "init_seed": null
  },
  "training": {
    "epochs": 10,
    "steps": 0,
    "batch_size": 64,
    "max_physical_batch_size": 0,
    "optimizer": {
      "name": "adam",
      "learning_rate": 0.001,
      "momentum": 0.0,
      "nesterov": false,
      "weight_decay": 0.0,
      "beta1": 0.9,
      "beta2": 0.999,
      "eps": 1e-08
    },
    "schedule": {
      "kind": "constant",
      "warmup_steps": 0,
      "step_size": 1000,
      "gamma": 0.1,
      "min_learning_rate": 0.0
    }
  },
  "privacy": {
    "enabled": true,
    "clip_norm": 1.0,
    "clipping": "flat",
    "automatic_gamma": 0.01,
    "noise_multiplier": 1.1,
    "target_epsilon": null,
    "delta": null,
    "accountant": "all",
    "secure_mode": false
  },
  "eval": {
    "every_epochs": 1,
    "batch_size": 256
  },
  "output": {
    "dir": "runs",
    "checkpoint_every_steps": 0
  }
})");
}

TEST_CASE("to_json writes the keys the parser accepts, in the schema's order") {
  // One stack of one-directional LSTM layers (written as model.lstm), one with a GRU layer
  // (written as model.recurrent): the model object holds one of the two spellings.
  for (const bool lstm_only : {true, false}) {
    ExperimentConfig c;
    c.model.recurrent = {RecurrentLayerConfig{}, RecurrentLayerConfig{}};
    if (!lstm_only) c.model.recurrent[1].cell = RecurrentCell::kGru;
    c.data.splits = SplitPaths{"train.jsonl", "validation.jsonl", "test.jsonl"};
    c.privacy.ledger = "budget.ledger";  // written only when set
    c.model.init_from = "public.safetensors";  // so are model.init_from, init_select and init_sha256
    const ordered_json j = to_json(c);
    const std::string written_key = lstm_only ? "lstm" : "recurrent", other_key = lstm_only ? "recurrent" : "lstm";
    for (const config_schema::Section& section : config_schema::kSections) {
      INFO("section: '" << section.path << "', lstm_only " << lstm_only);
      if (section.path == "model." + other_key + "[i]") continue;
      std::string pointer(section.path);
      std::replace(pointer.begin(), pointer.end(), '.', '/');
      if (section.path == "model." + written_key + "[i]") pointer = "model/" + written_key + "/1";
      const ordered_json& object = section.path.empty() ? j : j.at(ordered_json::json_pointer("/" + pointer));
      std::vector<std::string> written;
      for (const auto& item : object.items()) written.push_back(item.key());
      std::vector<std::string> expected(section.keys.begin(), section.keys.end());
      if (section.path == "model") expected.erase(std::find(expected.begin(), expected.end(), other_key));
      CHECK(written == expected);
    }
  }
}

TEST_CASE("privacy.ledger is absent from the resolved config unless set, and round-trips when set") {
  ExperimentConfig c;
  CHECK_FALSE(to_json(c).at("privacy").contains("ledger"));  // configs without a ledger: config.json unchanged
  c.privacy.noise_multiplier = 1.0;
  c.seed = 1;
  c.privacy.ledger = "data/budget.ledger";
  const ordered_json j = to_json(c);
  CHECK(j.at("privacy").at("ledger") == "data/budget.ledger");
  CHECK(parse_config(nlohmann::json::parse(j.dump())).privacy.ledger == std::optional<std::string>("data/budget.ledger"));
  nlohmann::json empty = nlohmann::json::parse(j.dump());
  empty["privacy"]["ledger"] = "";
  CHECK_THROWS_WITH_AS(parse_config(empty), doctest::Contains("privacy.ledger"), ConfigError);
  empty["privacy"]["ledger"] = 3;
  CHECK_THROWS_WITH_AS(parse_config(empty), doctest::Contains("privacy.ledger"), ConfigError);
}

TEST_CASE("model.init_from, init_select and init_sha256 are absent unless set, round-trip, and are checked") {
  ExperimentConfig c;
  for (const char* key : {"init_from", "init_select", "init_sha256"}) {
    CHECK_FALSE(to_json(c).at("model").contains(key));  // configs without a warm start: config.json unchanged
  }
  c.seed = 1;
  c.privacy.noise_multiplier = 1.0;
  c.model.init_from = "/pub/model.safetensors";
  c.model.init_select.exclude = {"output."};
  c.model.init_sha256 = std::string(64, 'a');
  const ordered_json j = to_json(c);
  CHECK(j.at("model").at("init_select").dump() == R"({"include":null,"exclude":["output."]})");
  CHECK(test::equal(parse_config(nlohmann::json::parse(j.dump())), c));
  c.model.init_select.include = std::vector<std::string>{"lstm.", "embedding."};
  CHECK(test::equal(parse_config(nlohmann::json::parse(to_json(c).dump())), c));

  auto refused = [&](const char* model_patch) {
    nlohmann::json bad = nlohmann::json::parse(j.dump());
    bad["model"].merge_patch(nlohmann::json::parse(model_patch));
    std::string message;
    try {
      (void)parse_config(bad);
    } catch (const ConfigError& e) {
      message = e.what();
    }
    return message;
  };
  CHECK(refused(R"({"init_from": ""})").find("model.init_from: must not be empty") == 0);
  CHECK(refused(R"({"init_from": 3})").find("model.init_from") == 0);
  CHECK(refused(R"({"init_from": null})").find("model.init_select: requires model.init_from") == 0);
  CHECK(refused(R"({"init_select": {"exclude": "output."}})").find("model.init_select.exclude: must be an array") == 0);
  CHECK(refused(R"({"init_select": {"exclude": [""]}})").find("model.init_select.exclude[0]: must not be empty") == 0);
  CHECK(refused(R"({"init_select": {"exclude": ["a", "a"]}})").find("model.init_select.exclude[1]: repeats") == 0);
  CHECK(refused(R"({"init_select": {"include": []}})").find("model.init_select.include: must name at least one") == 0);
  CHECK(refused(R"({"init_select": {"only": []}})").find("model.init_select.only: unknown key") == 0);
  CHECK(refused(R"({"init_sha256": "abc"})").find("model.init_sha256: must be 64 lower-case hex digits") == 0);
}

TEST_CASE("a config with every field set round-trips through to_json, text and back") {
  const ExperimentConfig c = parse_config_text(kFullConfig, "full.json");
  CHECK(c.seed == 18446744073709551615u);
  CHECK(c.model.recurrent.size() == 2);
  CHECK(c.data.standardize_mean == -2.5);
  CHECK(!c.privacy.noise_multiplier.has_value());

  const ordered_json j = to_json(c);
  CHECK(j.dump(2) == kFullConfig);  // every value written back as it was read, in order
  const ExperimentConfig again = parse_config_text(j.dump(2), "config.json");
  CHECK(test::equal(again, c));
  CHECK(test::equal(parse_config(json(j)), c));  // ordered_json -> json, no text
}

TEST_CASE("predefined splits and folder classes round-trip") {
  const ExperimentConfig c = parse_config_text(
      R"({"seed": 1, "privacy": {"noise_multiplier": 1.0}, "data": {"source": "folder",
          "splits": {"train": "mails/train", "test": "mails/test"}, "classes": ["spam", "ham"]}})", "run.json");
  REQUIRE(c.data.splits.has_value());
  CHECK(c.data.splits->train == "mails/train");
  CHECK(c.data.splits->validation.empty());
  CHECK(c.data.validation_fraction == 0.0);  // the files are the split
  CHECK(c.data.test_fraction == 0.0);
  CHECK(c.data.classes == std::vector<std::string>{"spam", "ham"});
  const ordered_json j = to_json(c);
  CHECK(j["data"]["splits"].dump() == R"({"train":"mails/train","validation":"","test":"mails/test"})");
  CHECK(test::equal(parse_config_text(j.dump(2), "config.json"), c));
}

TEST_CASE("a secure-mode config round-trips with no seed") {
  const ExperimentConfig c = parse_config_text(
      R"({"privacy": {"noise_multiplier": 0.8, "secure_mode": true, "delta": 1e-6}})", "run.json");
  CHECK(!c.seed.has_value());
  const ordered_json j = to_json(c);
  CHECK(j["seed"].is_null());
  CHECK(test::equal(parse_config_text(j.dump(), "config.json"), c));
}

TEST_CASE("doubles survive the round trip bit for bit") {
  ExperimentConfig c;
  c.seed = 1;
  c.privacy.noise_multiplier = 0.1 + 0.2;  // 0.30000000000000004
  c.training.optimizer.learning_rate = 1.0 / 3.0;
  c.privacy.clip_norm = 5e-324;  // the smallest subnormal
  const ExperimentConfig again = parse_config_text(to_json(c).dump(), "config.json");
  CHECK(again.privacy.noise_multiplier == 0.1 + 0.2);
  CHECK(again.training.optimizer.learning_rate == 1.0 / 3.0);
  CHECK(again.privacy.clip_norm == 5e-324);
  CHECK(test::equal(again, c));
}

TEST_CASE("resolved_output: what the data task or source implies") {
  ExperimentConfig c;
  CHECK(resolved_output(c) == "classification");  // generated marker
  c.data.task = "sine";
  CHECK(resolved_output(c) == "regression");
  c.data.task = "chars";
  CHECK(resolved_output(c) == "language_model");
  c.data.source = DataSourceKind::kCsv;
  CHECK(resolved_output(c) == "regression");
  c.data.source = DataSourceKind::kJsonl;
  CHECK(resolved_output(c) == "classification");
  c.data.source = DataSourceKind::kText;
  CHECK(resolved_output(c) == "language_model");
}

TEST_CASE("docs/config.md: its complete example is valid and canonical") {
  const std::string docs = read_text(std::string(DPT_SOURCE_DIR) + "/docs/config.md");
  const std::string example = json_block_after(docs, "## A complete example");
  const ExperimentConfig c = parse_config_text(example, "docs/config.md example");
  CHECK(to_json(c).dump(2) == example);  // every key, in order, as to_json writes it
}

TEST_CASE("docs/config.md: every key of the schema is documented") {
  const std::string docs = read_text(std::string(DPT_SOURCE_DIR) + "/docs/config.md");
  for (const config_schema::Section& section : config_schema::kSections) {
    for (const std::string_view key : section.keys) {
      const std::string path =
          section.path.empty() ? std::string(key) : std::string(section.path) + "." + std::string(key);
      INFO("key: " << path);
      CHECK(docs.find("| `" + path + "`") != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace dpt
