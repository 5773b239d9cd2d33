// Generated tasks: reproducible by seed, the properties each task promises, and a content hash
// that is the SHA-256 of the generator's parameters.
#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "datasets/generated_tasks.hpp"
#include "datasets/sha256.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;

namespace {

DataConfig generated(const std::string& task, int64_t size = 200) {
  DataConfig c;
  c.source = DataSourceKind::kGenerated;
  c.task = task;
  c.size = size;
  c.min_length = 3;
  c.max_length = 9;
  return c;
}

bool same_examples(const std::vector<Example>& a, const std::vector<Example>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].tokens != b[i].tokens || a[i].features != b[i].features || a[i].label != b[i].label || a[i].target != b[i].target) {
      return false;
    }
  }
  return true;
}

std::vector<Example> all_examples(const Dataset& d) {
  std::vector<Example> all = d.train;
  all.insert(all.end(), d.validation.begin(), d.validation.end());
  all.insert(all.end(), d.test.begin(), d.test.end());
  return all;
}

}  // namespace

TEST_CASE("generated tasks are a function of the config and the seed") {
  for (const char* task : {"marker", "sine", "chars"}) {
    CAPTURE(task);
    const Dataset a = split_dataset(make_generated_dataset(generated(task), 11), 11);
    const Dataset b = split_dataset(make_generated_dataset(generated(task), 11), 11);
    const Dataset other = split_dataset(make_generated_dataset(generated(task), 12), 12);
    CHECK(same_examples(a.train, b.train));
    CHECK(same_examples(a.validation, b.validation));
    CHECK(same_examples(a.test, b.test));
    CHECK_FALSE(same_examples(a.train, other.train));
    CHECK(a.content_hash == b.content_hash);
    CHECK(a.content_hash != other.content_hash);
    CHECK(a.content_hash == sha256_hex(generated_parameters(generated(task), 11)));
    CHECK(a.train.size() == 160);
    CHECK(a.validation.size() == 20);
    CHECK(a.test.size() == 20);
  }
}

TEST_CASE("marker task: tokens 1..15 and label 1 iff token 0 occurs and lengths in range and balanced classes") {
  const Dataset d = split_dataset(make_generated_dataset(generated("marker", 2000), 3), 3);
  CHECK(d.task == TaskKind::kClassification);
  CHECK(d.vocab_size == 16);
  CHECK(d.num_classes == 2);
  int positives = 0;
  std::set<size_t> lengths;
  for (const Example& e : all_examples(d)) {
    lengths.insert(e.tokens.size());
    int markers = 0;
    for (const int32_t t : e.tokens) {
      REQUIRE(t >= 0);
      REQUIRE(t < 16);
      markers += t == 0;
    }
    REQUIRE(markers == e.label);
    positives += e.label;
  }
  CHECK(lengths == std::set<size_t>{3, 4, 5, 6, 7, 8, 9});
  CHECK(positives == doctest::Approx(1000).epsilon(0.08));
}

TEST_CASE("sine task: one feature per step and one target from a smooth noisy sine") {
  const Dataset d = split_dataset(make_generated_dataset(generated("sine"), 5), 5);
  CHECK(d.task == TaskKind::kRegression);
  CHECK(d.input_dim == 1);
  CHECK(d.output_dim == 1);
  CHECK(d.vocab_size == 0);
  for (const Example& e : all_examples(d)) {
    REQUIRE(e.features.size() >= 3);
    REQUIRE(e.features.size() <= 9);
    REQUIRE(e.target.size() == 1);
    for (const float v : e.features) REQUIRE(std::abs(v) < 1.5f);
    // frequency <= 1 rad/step: consecutive values differ by at most ~1 plus noise
    REQUIRE(std::abs(e.target[0] - e.features.back()) < 1.6f);
  }
}

TEST_CASE("chars task: a language model over the word list's characters with id 0 reserved") {
  const Dataset d = split_dataset(make_generated_dataset(generated("chars"), 9), 9);
  CHECK(d.task == TaskKind::kLanguageModel);
  CHECK(d.vocabulary.size() == static_cast<size_t>(d.vocab_size));
  CHECK(d.vocabulary[0] == "<pad>");
  CHECK(d.vocabulary[1] == " ");
  for (const Example& e : all_examples(d)) {
    REQUIRE(e.tokens.size() >= 3);
    REQUIRE(e.tokens.size() <= 9);
    for (const int32_t t : e.tokens) REQUIRE((t >= 1 && t < d.vocab_size));
  }
}

TEST_CASE("generated configs are checked with the field named") {
  DataConfig c = generated("marker");
  c.task = "bogus";
  CHECK(contains(dataset_error_of([&] { make_generated_dataset(c, 1); }), "data.task"));
  c = generated("marker");
  c.max_length = 2;
  CHECK(contains(dataset_error_of([&] { make_generated_dataset(c, 1); }), "data.max_length"));
  c = generated("chars");
  c.min_length = 1;
  CHECK(contains(dataset_error_of([&] { make_generated_dataset(c, 1); }), "data.min_length"));
  c = generated("sine");
  c.size = 0;
  CHECK(contains(dataset_error_of([&] { make_generated_dataset(c, 1); }), "data.size"));
}
