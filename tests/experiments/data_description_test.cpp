// data.json: what it holds is what the run trained on (split membership and digests, encoding),
// it reads back to the same description, and a damaged or foreign file is refused naming the field.
#include <doctest/doctest.h>

#include <string>

#include "core/error.hpp"
#include "datasets/splits.hpp"
#include "experiments/run/data_description.hpp"

namespace dpt {
namespace {

// Ten two-token texts, split 6 | 2 | 2 by a seeded shuffle.
Dataset small_dataset() {
  UnsplitDataset u;
  u.dataset.name = "jsonl:texts.jsonl";
  u.dataset.task = TaskKind::kClassification;
  u.dataset.vocab_size = 4;
  u.dataset.vocabulary = {"<pad>", "a", "b", "\\xe9"};
  u.dataset.num_classes = 2;
  u.dataset.class_names = {"ham", "spam"};
  u.dataset.privacy_unit = "one text";
  u.dataset.content_hash = std::string(64, 'c');
  u.dataset.stats = {{"texts", 10}, {"truncated_texts", 3}};
  for (int i = 0; i < 10; ++i) {
    Example e;
    e.tokens = {1 + i % 3, 1 + (i / 3) % 3};
    e.label = i % 2;
    u.examples.push_back(e);
  }
  u.counts = {6, 2, 2};
  return split_dataset(std::move(u), 42);
}

std::string error_of(const std::string& text) {
  try {
    read_data_description("run/data.json", text);
  } catch (const IoError& e) {
    return e.what();
  }
  return "<read>";
}

TEST_CASE("data.json records the split membership and a digest of each split's examples") {
  const Dataset d = small_dataset();
  const nlohmann::ordered_json j = data_description_json(d);
  CHECK(j["format"] == kDataDescriptionFormat);
  CHECK(j["split"]["kind"] == "shuffled");
  CHECK(j["split"]["train"]["ids"].get<std::vector<int64_t>>() == d.membership.train);
  CHECK(j["split"]["test"]["examples"] == 2);
  CHECK(j["split"]["validation"]["sha256"] == split_digest(d.validation));
  // Every source position is in exactly one split.
  std::vector<int> seen(10, 0);
  for (const char* s : {"train", "validation", "test"}) {
    for (const auto& id : j["split"][s]["ids"]) ++seen[id.get<size_t>()];
  }
  CHECK(seen == std::vector<int>(10, 1));
  // The digest is of the examples' contents: another label changes it.
  Dataset other = d;
  other.test[0].label = 1 - other.test[0].label;
  CHECK(split_digest(other.test) != split_digest(d.test));
  CHECK(j["stats"]["truncated_texts"] == 3);
  CHECK(j["classes"] == nlohmann::ordered_json({"ham", "spam"}));
}

TEST_CASE("data.json reads back to the description it was written from") {
  const Dataset d = small_dataset();
  const std::string text = data_description_text(d);
  CHECK(text.find("\"vocabulary\": [\"<pad>\",\"a\",\"b\",\"\\\\xe9\"]") != std::string::npos);  // long arrays on one line
  CHECK(nlohmann::ordered_json::parse(text) == data_description_json(d));
  const Dataset back = read_data_description("run/data.json", text);
  CHECK(back.name == d.name);
  CHECK(back.task == d.task);
  CHECK(back.vocab_size == 4);
  CHECK(back.vocabulary == d.vocabulary);
  CHECK(back.class_names == d.class_names);
  CHECK(back.content_hash == d.content_hash);
  CHECK(back.stats == d.stats);
  CHECK(back.membership.kind == "shuffled");
  CHECK(back.membership.train == d.membership.train);
  CHECK(back.membership.test == d.membership.test);
  CHECK(back.train.empty());
  CHECK(data_description_text(back).size() > 0);
}

TEST_CASE("a series' per-column standardisation reads back") {
  Dataset d;
  d.name = "csv:load.csv";
  d.task = TaskKind::kRegression;
  d.input_dim = 2;
  d.output_dim = 1;
  d.privacy_unit = "one window";
  d.content_hash = std::string(64, 'd');
  d.standardization.kind = "train";
  d.standardization.inputs = {{"load", 11452.05, 2346.99}, {"temp", 12.5, 4.0}};
  d.standardization.target = {"load", 11452.05, 2346.99};
  const Dataset back = read_data_description("run/data.json", data_description_text(d));
  REQUIRE(back.standardization.inputs.size() == 2);
  CHECK(back.standardization.inputs[1].column == "temp");
  CHECK(back.standardization.inputs[1].stddev == 4.0);
  CHECK(back.standardization.target.mean == 11452.05);  // doubles round-trip exactly
}

TEST_CASE("a damaged or foreign data.json is refused, naming the file and the field") {
  const std::string text = data_description_text(small_dataset());
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    const size_t at = t.find(from);
    REQUIRE(at != std::string::npos);
    return t.replace(at, from.size(), to);
  };
  CHECK(error_of("{") .find("run/data.json: not valid JSON") == 0);
  CHECK(error_of("[]") == "run/data.json: (top level): must be an object");
  CHECK(error_of(with("dptrain-data/1", "dptrain-data/0")) ==
        "run/data.json: format: is \"dptrain-data/0\", this dptrain reads \"dptrain-data/1\" (a run folder of another version?)");
  CHECK(error_of(with("\"vocab_size\": 4", "\"vocab_size\": 5")) == "run/data.json: vocabulary: holds 4 tokens, vocab_size is 5");
  CHECK(error_of(with("\"num_classes\": 2", "\"num_classes\": 3")) == "run/data.json: classes: holds 2 names, num_classes is 3");
  CHECK(error_of(with("\"task\": \"classification\"", "\"task\": \"ranking\"")).find("run/data.json: task: must be") == 0);
  CHECK(error_of(with("\"kind\": \"none\"", "\"kind\": \"log\"")).find("run/data.json: standardization.kind") == 0);
  const Dataset d = small_dataset();
  const std::string ids = nlohmann::json(d.membership.test).dump();
  CHECK(error_of(with(ids, "[5,5]")) == "run/data.json: split.test.ids: must be increasing whole numbers >= 0");
  CHECK(error_of(with(ids, "[1]")) == "run/data.json: split.test.ids: does not hold `examples` ids");
  CHECK(error_of(with("\"truncated_texts\": 3", "\"truncated_texts\": -3")).find("run/data.json: stats.truncated_texts") == 0);
}

}  // namespace
}  // namespace dpt
