// load_dataset: dispatch by source and the checks every source shares, each error naming the
// config field or the file.
#include <doctest/doctest.h>

#include <string>

#include "datasets/load_dataset.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;
using dpt::testing::TempDir;

namespace {
DataConfig file_source(DataSourceKind source, const std::string& path) {
  DataConfig c;
  c.source = source;
  c.path = path;
  return c;
}
}  // namespace

TEST_CASE("load_dataset dispatches on the source") {
  TempDir dir;
  DataConfig generated;
  generated.size = 50;
  CHECK(load_dataset(generated, 1).name == "generated/marker");
  DataConfig csv = file_source(DataSourceKind::kCsv, dir.write("s.csv", "v\n1\n2\n3\n4\n5\n"));
  csv.column = std::string("v");  // not = "v": GCC 12 -Wrestrict false positive (PR 105651)
  csv.window = 2;
  CHECK(load_dataset(csv, 1).task == TaskKind::kRegression);
  const DataConfig jsonl = file_source(DataSourceKind::kJsonl, dir.write("t.jsonl", "{\"text\": \"a\", \"label\": 0}\n"));
  CHECK(load_dataset(jsonl, 1).task == TaskKind::kClassification);
  DataConfig text = file_source(DataSourceKind::kText, dir.write("t.txt", "hello world"));
  text.chunk_length = 4;
  CHECK(load_dataset(text, 1).task == TaskKind::kLanguageModel);
}

TEST_CASE("config errors name the field") {
  // (an unknown data.source cannot reach the loaders: the parser refuses it, config_rules_test.cpp)
  const DataConfig no_path = file_source(DataSourceKind::kCsv, "");
  CHECK(contains(dataset_error_of([&] { load_dataset(no_path, 1); }), "data.path"));
  DataConfig c;
  c.validation_fraction = 1.5;
  CHECK(contains(dataset_error_of([&] { load_dataset(c, 1); }), "data.validation_fraction"));
  c = DataConfig{};
  c.test_fraction = -0.5;
  CHECK(contains(dataset_error_of([&] { load_dataset(c, 1); }), "data.test_fraction"));
}

TEST_CASE("PII scrubbing is refused for sources without text rather than silently skipped") {
  DataConfig c;  // generated
  c.scrub_pii = true;
  CHECK(contains(dataset_error_of([&] { load_dataset(c, 1); }), "data.scrub_pii"));
  c.source = DataSourceKind::kCsv;
  c.path = "x.csv";
  CHECK(contains(dataset_error_of([&] { load_dataset(c, 1); }), "data.scrub_pii"));
}

TEST_CASE("DatasetError is a dpt::Error") {
  CHECK_THROWS_AS(load_dataset(file_source(DataSourceKind::kJsonl, ""), 1), Error);
}
