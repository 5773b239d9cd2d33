// new_data_config (experiments/run/new_data.hpp): `evaluate --data PATH` reads PATH with the run's
// data config but path = PATH, no predefined splits, fractions 0 (every example kept), the
// all-bytes vocabulary and no standardisation (the run's encoding is applied afterwards); a
// generated source, which has no file, is refused.
#include <doctest/doctest.h>

#include "datasets/dataset_error.hpp"
#include "experiments/run/new_data.hpp"

namespace dpt {
namespace {

TEST_CASE("the config a new file is read with") {
  DataConfig run;
  run.source = DataSourceKind::kJsonl;
  run.path = "train.jsonl";
  run.max_length = 17;
  run.scrub_pii = true;
  run.vocabulary = "observed";
  run.validation_fraction = 0.2;
  run.test_fraction = 0.1;
  run.splits = SplitPaths{"a.jsonl", "b.jsonl", "c.jsonl"};
  run.classes = {"x", "y"};
  const DataConfig c = new_data_config(run, "new.jsonl");
  CHECK(c.path == "new.jsonl");
  CHECK_FALSE(c.splits.has_value());
  CHECK(c.validation_fraction == 0.0);
  CHECK(c.test_fraction == 0.0);
  CHECK(c.vocabulary == "bytes");
  CHECK(c.standardize == "none");
  CHECK(c.classes.empty());
  // what the run's loader applies to each text is kept
  CHECK(c.max_length == 17);
  CHECK(c.scrub_pii);
  CHECK(c.source == DataSourceKind::kJsonl);
}

TEST_CASE("a generated source has no file to read") {
  DataConfig run;
  run.source = DataSourceKind::kGenerated;
  CHECK_THROWS_WITH_AS(new_data_config(run, "x.jsonl"), doctest::Contains("x.jsonl: the run's data is generated"), DatasetError);
}

}  // namespace
}  // namespace dpt
