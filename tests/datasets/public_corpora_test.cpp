// births and moby_dick on fixture files: the births column, standardisation with training
// statistics only (test values cannot move it), split by time, privacy units, the char-LM
// chunks of moby_dick, PII scrubbing of plain text and jsonl, and where scrubbing is refused.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include <fmt/core.h>

#include "datasets/char_tokenizer.hpp"
#include "datasets/load_dataset.hpp"
#include "datasets/public_corpora.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;
using dpt::testing::TempDir;

namespace {
// n days of the SSA CSV layout; births = base + day, except the last `test_days` get `spike`.
std::string births_csv(int n, int test_days, double spike) {
  std::string csv = "year,month,date_of_month,day_of_week,births\n";
  for (int i = 0; i < n; ++i) {
    const double births = i >= n - test_days ? spike : 9000.0 + 10.0 * i;
    csv += fmt::format("2000,1,{},{},{}\n", 1 + i % 28, 1 + i % 7, static_cast<int>(births));
  }
  return csv;
}

DataConfig births_config(const std::string& path) {
  DataConfig c;
  c.source = DataSourceKind::kBirths;
  c.path = path;
  c.window = 3;
  c.validation_fraction = 0.2;
  c.test_fraction = 0.2;
  return c;
}
}  // namespace

TEST_CASE("births: windows of W days -> the next day, split by time, the births column by default") {
  TempDir dir;
  const Dataset d = load_dataset(births_config(dir.write("b.csv", births_csv(13, 0, 0))), 1);
  // 13 days, W = 3: 10 windows -> 6 train, 2 validation, 2 test, in time order.
  CHECK(d.train.size() == 6);
  CHECK(d.validation.size() == 2);
  CHECK(d.test.size() == 2);
  CHECK(d.task == TaskKind::kRegression);
  CHECK(d.privacy_unit == "one window of 3 days (and the day after it)");
  CHECK(d.name.find("births:") == 0);
  // The training portion is days 0..8 (9000..9080): mean 9040, population stddev sqrt(666.67).
  CHECK(d.standardization.kind == "train");
  CHECK(d.standardization.target.mean == doctest::Approx(9040.0));
  CHECK(d.standardization.target.stddev == doctest::Approx(std::sqrt(6000.0 / 9.0)));
  REQUIRE(d.standardization.inputs.size() == 1);  // the births column's own past, scaled as the target
  CHECK(d.standardization.inputs[0].column == "births");
  CHECK(d.standardization.inputs[0].mean == d.standardization.target.mean);
  CHECK(d.standardization.inputs[0].stddev == d.standardization.target.stddev);
  CHECK(d.input_dim == 1);
  CHECK(d.stats.at("rows") == 13);
  CHECK(d.stats.at("windows") == 10);
  CHECK(d.stats.count("rows.train") == 0);
  const double z_day_9 = (9090.0 - 9040.0) / std::sqrt(6000.0 / 9.0);
  CHECK(d.validation[0].target[0] == doctest::Approx(z_day_9).epsilon(1e-6));
  CHECK(d.train[0].features.size() == 3);
}

TEST_CASE("births: standardisation never sees validation or test values") {
  TempDir dir;
  const Dataset calm = load_dataset(births_config(dir.write("calm.csv", births_csv(40, 8, 9000.0 + 10.0 * 35))), 1);
  const Dataset wild = load_dataset(births_config(dir.write("wild.csv", births_csv(40, 8, 1e7))), 1);
  CHECK(calm.standardization.target.mean == wild.standardization.target.mean);
  CHECK(calm.standardization.target.stddev == wild.standardization.target.stddev);
  CHECK(calm.train.back().target == wild.train.back().target);
  CHECK(calm.test.back().target != wild.test.back().target);
}

TEST_CASE("births: column and PII options") {
  TempDir dir;
  DataConfig c = births_config(dir.write("b.csv", births_csv(13, 0, 0)));
  c.column = std::string("day_of_week");
  CHECK(load_dataset(c, 1).standardization.target.mean != doctest::Approx(9040.0));
  c.scrub_pii = true;
  CHECK(contains(dataset_error_of([&] { load_dataset(c, 1); }), "data.scrub_pii: applies to text sources"));
  c = births_config((dir.path() / "missing.csv").string());
  CHECK(contains(dataset_error_of([&] { load_dataset(c, 1); }), "run scripts/fetch-data.sh"));
}

TEST_CASE("moby_dick: a character LM in chunks, split by position") {
  TempDir dir;
  DataConfig c;
  c.source = DataSourceKind::kMobyDick;
  c.path = dir.write("moby.txt", "Call me Ishmael. Some years ago\xe2\x80\x94never mind.");
  c.chunk_length = 8;
  c.validation_fraction = 0.2;
  c.test_fraction = 0.2;
  const Dataset d = load_dataset(c, 1);
  CHECK(d.task == TaskKind::kLanguageModel);
  CHECK(d.privacy_unit == "one text chunk of 8 bytes");
  CHECK(d.train.size() + d.validation.size() + d.test.size() == 6);  // 45 bytes: 5 chunks of 8 and one of 5
  CHECK(CharTokenizer::all_bytes().decode(d.train[0].tokens) == "Call me ");
  CHECK(CharTokenizer::all_bytes().decode(d.test.back().tokens) == "mind.");
}

TEST_CASE("plain text and jsonl: PII scrubbed before chunking or truncation, counted in stats") {
  TempDir dir;
  DataConfig text;
  text.source = DataSourceKind::kText;
  text.path = dir.write("t.txt", "mail jo@example.com or 192.168.0.1\n");
  text.chunk_length = 16;
  text.scrub_pii = true;
  const Dataset t = load_dataset(text, 1);
  CHECK(t.stats.at("pii.email") == 1);
  CHECK(t.stats.at("pii.ip") == 1);
  CHECK(t.stats.at("bytes") == static_cast<int64_t>(std::string("mail <EMAIL> or <IP>\n").size()));
  CHECK(CharTokenizer::all_bytes().decode(t.train[0].tokens) == "mail <EMAIL> or ");

  DataConfig jsonl;
  jsonl.source = DataSourceKind::kJsonl;
  jsonl.path = dir.write("t.jsonl", "{\"text\": \"see https://x.org/a\", \"label\": 0}\n");
  jsonl.validation_fraction = 0.0;
  jsonl.test_fraction = 0.0;
  jsonl.max_length = 7;
  jsonl.scrub_pii = true;
  const Dataset j = load_dataset(jsonl, 1);
  CHECK(j.stats.at("pii.url") == 1);
  CHECK(CharTokenizer::all_bytes().decode(j.train[0].tokens) == "see <UR");
}

TEST_CASE("the public corpora default to where scripts/fetch-data.sh puts them") {
  DataConfig c;
  for (const DataSourceKind source : {DataSourceKind::kNames, DataSourceKind::kSpam, DataSourceKind::kBirths, DataSourceKind::kMobyDick}) {
    c.source = source;
    CHECK(is_public_corpus(c.source));
    CHECK(corpus_path(c).rfind("data/", 0) == 0);
  }
  c.path = "elsewhere.csv";
  CHECK(corpus_path(c) == "elsewhere.csv");
  CHECK_FALSE(is_public_corpus(DataSourceKind::kCsv));
  CHECK_FALSE(is_public_corpus(DataSourceKind::kGenerated));
}
