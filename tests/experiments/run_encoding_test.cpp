// RunEncoding (experiments/run/run_encoding.hpp): new data in a run's encoding — bytes through
// the vocabulary's texts, classes by name, features with data.json's scales — and the errors
// naming what the run does not know.
#include <doctest/doctest.h>

#include <string>

#include "datasets/char_tokenizer.hpp"
#include "datasets/dataset_error.hpp"
#include "experiments/run/run_encoding.hpp"

namespace dpt {
namespace {

// A run whose "observed" vocabulary holds the bytes of "ab\n" (ids 1 '\n', 2 'a', 3 'b') and
// classes "neg", "pos".
Dataset observed_run() {
  Dataset d;
  d.task = TaskKind::kClassification;
  const CharTokenizer t = CharTokenizer::observed_bytes("ab\n");
  d.vocab_size = t.vocab_size();
  d.vocabulary = t.vocabulary();
  d.num_classes = 2;
  d.class_names = {"neg", "pos"};
  return d;
}

TEST_CASE("bytes map to the run's ids through the vocabulary texts, whatever ids a new file's loader gave them") {
  const Dataset run = observed_run();
  REQUIRE(run.vocabulary == std::vector<std::string>{"<pad>", "\\n", "a", "b"});
  const RunEncoding enc(run);
  CHECK(enc.encode_bytes("ba\n", "x") == std::vector<int32_t>{3, 2, 1});
  CHECK(enc.token_of_byte('a') == 2);
  CHECK(enc.token_of_byte('c') == -1);
  CHECK(enc.byte_of_token(1) == '\n');
  CHECK(enc.byte_of_token(0) == -1);
  // A new file loaded with vocabulary "bytes": id = byte + 1 ('a' = 98, 'b' = 99, '\n' = 11).
  Dataset loaded;
  loaded.task = TaskKind::kClassification;
  const CharTokenizer bytes = CharTokenizer::all_bytes();
  loaded.vocab_size = bytes.vocab_size();
  loaded.vocabulary = bytes.vocabulary();
  loaded.class_names = {"pos"};  // the file only holds one class: its id 0 is the run's 1
  Example e;
  e.tokens = bytes.encode("a\nb");
  e.label = 0;
  const std::vector<Example> out = enc.encode(loaded, {e}, "new.jsonl");
  REQUIRE(out.size() == 1);
  CHECK(out[0].tokens == std::vector<int32_t>{2, 1, 3});
  CHECK(out[0].label == 1);
}

TEST_CASE("a byte or a class the run does not know is an error naming it and the file") {
  const RunEncoding enc(observed_run());
  try {
    enc.encode_bytes("a\xe9", "prompts.jsonl:3");
    FAIL("expected an error");
  } catch (const DatasetError& e) {
    const std::string what = e.what();
    CHECK(what.find("prompts.jsonl:3: byte \\xe9 is not in the run's vocabulary") == 0);
    CHECK(what.find("data.vocabulary \"observed\"") != std::string::npos);
  }
  CHECK_THROWS_WITH_AS(enc.encode_bytes("c", "f"), doctest::Contains("byte \\x63 (\"c\")"), DatasetError);
  CHECK_THROWS_WITH_AS(enc.class_of("maybe", "new.jsonl"), doctest::Contains("new.jsonl: class \"maybe\" is not one of the run's classes (\"neg\", \"pos\")"),
                       DatasetError);
  CHECK(enc.class_of("neg", "f") == 0);
}

TEST_CASE("features and targets are standardised with data.json's scales, predictions mapped back") {
  Dataset run;
  run.task = TaskKind::kRegression;
  run.input_dim = 2;
  run.output_dim = 1;
  run.standardization.kind = "train";
  run.standardization.inputs = {{"a", 10.0, 2.0}, {"b", -1.0, 0.5}};
  run.standardization.target = {"a", 10.0, 2.0};
  const RunEncoding enc(run);
  CHECK(enc.standardized_input(14.0, 0) == doctest::Approx(2.0));
  CHECK(enc.standardized_input(0.0, 1) == doctest::Approx(2.0));
  CHECK(enc.target_in_original_units(-1.5) == doctest::Approx(7.0));
  Dataset loaded = run;  // read with standardize "none": raw values
  loaded.standardization = {};
  Example e;
  e.features = {12.0f, -1.0f, 8.0f, -2.0f};  // two steps of (a, b)
  e.target = {11.0f};
  const std::vector<Example> out = enc.encode(loaded, {e}, "new.csv");
  REQUIRE(out.size() == 1);
  CHECK(out[0].features[0] == doctest::Approx(1.0));
  CHECK(out[0].features[1] == doctest::Approx(0.0));
  CHECK(out[0].features[2] == doctest::Approx(-1.0));
  CHECK(out[0].features[3] == doctest::Approx(-2.0));
  CHECK(out[0].target[0] == doctest::Approx(0.5));
  // A run that did not standardise keeps the values as they are.
  run.standardization.kind = "none";
  const RunEncoding raw(run);
  CHECK(raw.standardized_input(14.0, 0) == 14.0f);
  CHECK(raw.target_in_original_units(3.0) == 3.0);
}

TEST_CASE("a new file of another task or shape is refused") {
  Dataset run;
  run.task = TaskKind::kRegression;
  run.input_dim = 1;
  run.output_dim = 1;
  const RunEncoding enc(run);
  Dataset loaded = run;
  loaded.input_dim = 2;
  CHECK_THROWS_AS(enc.encode(loaded, {}, "new.csv"), DatasetError);
  loaded = run;
  loaded.task = TaskKind::kClassification;
  CHECK_THROWS_WITH_AS(enc.encode(loaded, {}, "new.csv"), doctest::Contains("new.csv: holds another task"), DatasetError);
}

}  // namespace
}  // namespace dpt
