// The names loader on fixture lists: labels, names in both lists dropped, duplicates kept once,
// trimming, missing files naming scripts/fetch-data.sh, and a seed-determined split.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>

#include <fmt/core.h>

#include "datasets/char_tokenizer.hpp"
#include "datasets/load_dataset.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;
using dpt::testing::TempDir;

namespace {
// <dir>/male/data/names.txt and <dir>/female/data/names.txt, as fetch-data.sh lays them out.
DataConfig names_fixture(const TempDir& dir, const std::string& male, const std::string& female) {
  for (const char* sex : {"male", "female"}) std::filesystem::create_directories(dir.path() / sex / "data");
  dir.write("male/data/names.txt", male);
  dir.write("female/data/names.txt", female);
  DataConfig c;
  c.source = DataSourceKind::kNames;
  c.path = dir.path().string();
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  return c;
}

std::string text_of(const Example& e) { return CharTokenizer::all_bytes().decode(e.tokens); }
}  // namespace

TEST_CASE("names: one class per list, ambiguous names dropped, duplicates kept once") {
  TempDir dir;
  const DataConfig c = names_fixture(dir, "Aaron\nJordan\r\nBob\n\n  Carl \nBob\n", "Alice\nJordan\nZo\xc3\xab\n");
  const Dataset d = load_dataset(c, 1);
  CHECK(d.class_names == std::vector<std::string>{"female", "male"});
  CHECK(d.num_classes == 2);
  CHECK(d.task == TaskKind::kClassification);
  CHECK(d.privacy_unit.find("one name") == 0);
  REQUIRE(d.train.size() == 5);  // Aaron, Bob, Carl | Alice, Zoë; Jordan in both lists is dropped
  std::set<std::pair<std::string, int32_t>> seen;
  for (const Example& e : d.train) seen.emplace(text_of(e), e.label);
  CHECK(seen == std::set<std::pair<std::string, int32_t>>{
                    {"Aaron", 1}, {"Bob", 1}, {"Carl", 1}, {"Alice", 0}, {"Zo\xc3\xab", 0}});
  CHECK(d.stats.at("ambiguous_names_dropped") == 1);
  CHECK(d.stats.at("duplicate_names_dropped") == 1);
  CHECK(d.stats.at("names.male") == 4);
  CHECK(d.stats.at("names.female") == 3);
  CHECK(d.stats.at("texts") == 5);
  CHECK(d.content_hash.size() == 64);
}

TEST_CASE("names: the split is a deterministic shuffle by the seed") {
  TempDir dir;
  std::string male, female;
  for (int i = 0; i < 60; ++i) male += fmt::format("M{}\n", i);
  for (int i = 0; i < 40; ++i) female += fmt::format("F{}\n", i);
  DataConfig c = names_fixture(dir, male, female);
  c.validation_fraction = 0.2;
  c.test_fraction = 0.1;
  const Dataset a = load_dataset(c, 5), b = load_dataset(c, 5), other = load_dataset(c, 6);
  CHECK(a.train.size() == 70);
  CHECK(a.validation.size() == 20);
  CHECK(a.test.size() == 10);
  auto texts = [](const std::vector<Example>& split) {
    std::vector<std::string> out;
    for (const Example& e : split) out.push_back(text_of(e));
    return out;
  };
  CHECK(texts(a.test) == texts(b.test));
  CHECK(texts(a.test) != texts(other.test));
}

TEST_CASE("names: a missing corpus says to run scripts/fetch-data.sh") {
  TempDir dir;
  DataConfig c;
  c.source = DataSourceKind::kNames;
  c.path = (dir.path() / "nowhere").string();
  CHECK(contains(dataset_error_of([&] { load_dataset(c, 1); }), "run scripts/fetch-data.sh"));
  c.path.clear();  // the default, data/names, relative to the working directory
  const std::string cwd = std::filesystem::current_path().string();
  std::filesystem::current_path(dir.path());
  const std::string message = dataset_error_of([&] { load_dataset(c, 1); });
  std::filesystem::current_path(cwd);
  CHECK(contains(message, "data/names"));
  CHECK(contains(message, "run scripts/fetch-data.sh"));
}
