// The CSV time-series loader: windows, the time split without leakage, standardisation with
// training statistics only, strict parsing with errors naming file and line.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "datasets/csv_series_loader.hpp"
#include "datasets/sha256.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;
using dpt::testing::TempDir;

namespace {

// A CSV with columns time,value where value_t = f(t), n rows.
template <typename F>
std::string series_csv(int n, F f) {
  std::string csv = "time,value\n";
  for (int t = 0; t < n; ++t) csv += std::to_string(t) + "," + std::to_string(f(t)) + "\n";
  return csv;
}

DataConfig csv_config(const std::string& path, int window) {
  DataConfig c;
  c.source = DataSourceKind::kCsv;
  c.path = path;
  c.column = "value";
  c.window = window;
  c.validation_fraction = 0.2;
  c.test_fraction = 0.2;
  return c;
}

}  // namespace

TEST_CASE("windows of W values predict the next value") {
  TempDir dir;
  DataConfig c = csv_config(dir.write("s.csv", series_csv(13, [](int t) { return t; })), 3);
  c.standardize = "none";
  const Dataset d = split_dataset(load_csv_series(c), 0);
  CHECK(d.task == TaskKind::kRegression);
  CHECK(d.input_dim == 1);
  CHECK(d.output_dim == 1);
  CHECK(d.stats.at("windows") == 10);
  CHECK(d.train.size() == 6);
  CHECK(d.validation.size() == 2);
  CHECK(d.test.size() == 2);
  CHECK(d.train[0].features == std::vector<float>{0, 1, 2});
  CHECK(d.train[0].target == std::vector<float>{3});
  CHECK(d.test[1].features == std::vector<float>{9, 10, 11});
  CHECK(d.test[1].target == std::vector<float>{12});
  CHECK(contains(d.privacy_unit, "window of 3 consecutive values"));
  CHECK(d.content_hash == sha256_hex(series_csv(13, [](int t) { return t; })));
}

TEST_CASE("the time split is ordered and no training window holds a later value") {
  TempDir dir;
  DataConfig c = csv_config(dir.write("s.csv", series_csv(105, [](int t) { return t; })), 5);
  c.standardize = "none";  // values are their time index
  const Dataset d = split_dataset(load_csv_series(c), 0);
  float last_train_value = -1, first_validation_target = 1e9f, last_validation_value = -1, first_test_target = 1e9f;
  for (const Example& e : d.train) {
    for (const float v : e.features) last_train_value = std::max(last_train_value, v);
    last_train_value = std::max(last_train_value, e.target[0]);
  }
  for (const Example& e : d.validation) {
    first_validation_target = std::min(first_validation_target, e.target[0]);
    last_validation_value = std::max(last_validation_value, e.target[0]);
  }
  for (const Example& e : d.test) first_test_target = std::min(first_test_target, e.target[0]);
  CHECK(last_train_value < first_validation_target);
  CHECK(last_validation_value < first_test_target);
  // targets are consecutive through the splits: train 5..64, validation 65..84, test 85..104
  CHECK(d.train.back().target[0] == 64);
  CHECK(first_validation_target == 65);
  CHECK(first_test_target == 85);
}

TEST_CASE("standardisation uses the training portion's statistics only") {
  TempDir dir;
  // train portion (values of training windows): x_0..x_{W+train-1}; later values are huge
  const int n = 25, w = 4;  // 21 windows: train 13, validation 4, test 4; train portion x_0..x_16
  auto f = [](int t) { return t <= 16 ? (t % 2 == 0 ? 1.0 : 3.0) : 1000.0 + t; };
  const Dataset d = split_dataset(load_csv_series(csv_config(dir.write("s.csv", series_csv(n, f)), w)), 0);
  CHECK(d.standardization.kind == "train");
  // x_0..x_16: nine 1s and eight 3s
  const double mean = (9 * 1.0 + 8 * 3.0) / 17;
  const double var = (9 * (1 - mean) * (1 - mean) + 8 * (3 - mean) * (3 - mean)) / 17;
  CHECK(d.standardization.target.mean == doctest::Approx(mean));
  CHECK(d.standardization.target.stddev == doctest::Approx(std::sqrt(var)));
  CHECK(d.train[0].features[0] == doctest::Approx((1 - mean) / std::sqrt(var)));
  CHECK(d.test.back().target[0] == doctest::Approx((1000.0 + 24 - mean) / std::sqrt(var)));
}

TEST_CASE("fixed standardisation uses the configured public values") {
  TempDir dir;
  DataConfig c = csv_config(dir.write("s.csv", series_csv(10, [](int t) { return t; })), 2);
  c.standardize = "fixed";
  c.standardize_mean = 2.0;
  c.standardize_stddev = 4.0;
  const Dataset d = split_dataset(load_csv_series(c), 0);
  CHECK(d.train[0].features == std::vector<float>{-0.5f, -0.25f});
  c.standardize_stddev = 0.0;
  CHECK(contains(dataset_error_of([&] { load_csv_series(c); }), "data.standardize_stddev"));
  c.standardize = "zscore";
  CHECK(contains(dataset_error_of([&] { load_csv_series(c); }), "data.standardize"));
}

TEST_CASE("values near the double range standardise without overflow; beyond float they are refused") {
  TempDir dir;
  // +-1e300 (whose squares overflow) and +-1.7e308 (whose differences overflow) alternate: mean
  // ~0, stddev = the magnitude; before, both were called "a constant column" (NaN stddev).
  for (const double big : {1e300, 1.7e308}) {
    CAPTURE(big);
    const std::string path = dir.write("big.csv", series_csv(20, [&](int t) { return t % 2 == 0 ? big : -big; }));
    // series_csv prints with std::to_string ("%f"): every digit, read back exactly.
    const Dataset d = split_dataset(load_csv_series(csv_config(path, 2)), 0);
    CHECK(std::isfinite(d.standardization.target.mean));
    CHECK(d.standardization.target.stddev == doctest::Approx(big).epsilon(0.01));
    for (const Example& e : d.train) {
      for (const float z : e.features) CHECK((std::isfinite(z) && std::abs(z) < 2.0f));
    }
  }
  SUBCASE("a spread beyond the double range: 1.7e308 and -1.7e308 around a large mean") {
    const std::string path = dir.write("wide.csv", series_csv(20, [](int t) { return t % 3 == 0 ? -1.7e308 : 1.7e308; }));
    const Dataset d = split_dataset(load_csv_series(csv_config(path, 2)), 0);
    for (const Example& e : d.train) {
      for (const float z : e.features) CHECK(std::isfinite(z));
    }
  }
  SUBCASE("standardize none keeps a value beyond float's range: refused with file, line and column") {
    const std::string path = dir.write("none.csv", "t,value\n0,1\n1,2\n2,-1e300\n3,4\n4,5\n");
    DataConfig c = csv_config(path, 1);
    c.standardize = "none";
    const std::string msg = dataset_error_of([&] { load_csv_series(c); });
    CHECK(contains(msg, path + ":4: column 'value': -1e+300 is beyond float's range"));
    CHECK(contains(msg, "data.standardize = \"none\""));
    CHECK_FALSE(contains(msg, "constant"));
  }
  SUBCASE("fixed values that send a value beyond float's range are refused") {
    const std::string path = dir.write("fixed.csv", "t,value\n0,1\n1,2\n2,3\n3,4\n4,5\n");
    DataConfig c = csv_config(path, 1);
    c.standardize = "fixed";
    c.standardize_stddev = 1e-300;
    const std::string msg = dataset_error_of([&] { load_csv_series(c); });
    CHECK(contains(msg, path + ":2: column 'value': 1 standardised with data.standardize_mean = 0 and "
                        "data.standardize_stddev = 1e-300 is 1e+300, beyond float's range"));
  }
}

TEST_CASE("quoted fields and CRLF and blank lines and a byte-order mark are read") {
  TempDir dir;
  const std::string csv = "\xEF\xBB\xBF\"a, b\",\"value\"\r\n\"x,\"\"y\"\"\", 1.5\r\n\r\nz,-2e1\r\nw,+3\r\n";
  DataConfig c = csv_config(dir.write("q.csv", csv), 1);
  c.standardize = "none";
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  const Dataset d = split_dataset(load_csv_series(c), 0);
  REQUIRE(d.train.size() == 2);
  CHECK(d.train[0].features == std::vector<float>{1.5f});
  CHECK(d.train[0].target == std::vector<float>{-20.0f});
  CHECK(d.train[1].target == std::vector<float>{3.0f});
  std::vector<std::string> fields;
  CHECK(split_csv_record("\"x,\"\"y\"\"\", 1.5", fields));
  CHECK(fields == std::vector<std::string>{"x,\"y\"", "1.5"});
  CHECK_FALSE(split_csv_record("\"open, 1", fields));
}

TEST_CASE("malformed CSV files give errors naming the file and the line") {
  TempDir dir;
  SUBCASE("empty file") {
    const std::string path = dir.write("empty.csv", "");
    const std::string msg = dataset_error_of([&] { load_csv_series(csv_config(path, 2)); });
    CHECK(contains(msg, path + ": empty file"));
  }
  SUBCASE("missing column lists the available ones") {
    const std::string path = dir.write("cols.csv", "date,price\n1,2\n");
    const std::string msg = dataset_error_of([&] { load_csv_series(csv_config(path, 2)); });
    CHECK(contains(msg, path + ":1:"));
    CHECK(contains(msg, "'value'"));
    CHECK(contains(msg, "'date', 'price'"));
  }
  SUBCASE("no column configured") {
    DataConfig c = csv_config(dir.write("cols.csv", "date,price\n1,2\n"), 2);
    c.column = "";
    const std::string msg = dataset_error_of([&] { load_csv_series(c); });
    CHECK(contains(msg, "data.column"));
    CHECK(contains(msg, "'price'"));
  }
  SUBCASE("a non-number") {
    const std::string path = dir.write("bad.csv", "time,value\n0,1.0\n1,2.0\n2,abc\n3,4\n");
    const std::string msg = dataset_error_of([&] { load_csv_series(csv_config(path, 1)); });
    CHECK(contains(msg, path + ":4:"));
    CHECK(contains(msg, "'abc'"));
  }
  SUBCASE("trailing garbage, empty cells and non-finite values are not numbers") {
    for (const char* cell : {"1.5x", "", "nan", "inf", "1,5"}) {
      CAPTURE(cell);
      const std::string path = dir.write("bad.csv", std::string("value\n1\n2\n\"") + cell + "\"\n4\n");
      CHECK(contains(dataset_error_of([&] { load_csv_series(csv_config(path, 1)); }), path + ":4:"));
    }
  }
  SUBCASE("a row with the wrong number of fields") {
    const std::string path = dir.write("short.csv", "time,value\n0,1\n1\n");
    CHECK(contains(dataset_error_of([&] { load_csv_series(csv_config(path, 1)); }), path + ":3: expected 2 fields"));
  }
  SUBCASE("fewer rows than window + 1") {
    const std::string path = dir.write("few.csv", "value\n1\n2\n3\n");
    const std::string msg = dataset_error_of([&] { load_csv_series(csv_config(path, 3)); });
    CHECK(contains(msg, path + ": 3 data rows"));
    CHECK(contains(msg, "at least 4"));
  }
  SUBCASE("no header row") {
    const std::string path = dir.write("nohead.csv", "1,2\n3,4\n");
    CHECK(contains(dataset_error_of([&] { load_csv_series(csv_config(path, 1)); }), path + ":1: a header row"));
  }
  SUBCASE("a constant training portion cannot be standardised") {
    const std::string path = dir.write("flat.csv", series_csv(20, [](int) { return 5; }));
    CHECK(contains(dataset_error_of([&] { load_csv_series(csv_config(path, 2)); }), "column 'value' is constant (5)"));
  }
  SUBCASE("a missing file") {
    const std::string path = (dir.path() / "nope.csv").string();
    CHECK(contains(dataset_error_of([&] { load_csv_series(csv_config(path, 2)); }), path + ": no such file"));
  }
}
