// The CSV time-series loader: windows (one column or several), the time split without leakage,
// per-column standardisation with training statistics only, predefined split files, strict
// parsing with errors naming file, line and column.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

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

namespace {

// Columns date (text, never parsed), a = t, b = 2t + 1, y = 4 (t % 2): n rows from t = first.
std::string table_csv(int n, int first = 0) {
  std::string csv = "date,a,b,y\n";
  for (int t = first; t < first + n; ++t) csv += fmt::format("d{},{},{},{}\n", t, t, 2 * t + 1, 4 * (t % 2));
  return csv;
}

DataConfig table_config(const std::string& path, std::vector<std::string> columns, int window) {
  DataConfig c = csv_config(path, window);
  c.column = std::string("y");  // (a literal here trips GCC 12's -Wrestrict false positive)
  c.columns = std::move(columns);
  return c;
}

DataConfig splits_config(SplitPaths paths, int window) {
  DataConfig c = table_config("", {"a", "b"}, window);
  c.splits = std::move(paths);
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  return c;
}

}  // namespace

TEST_CASE("multivariate: each step is the input columns' row, the target is data.column at the row after") {
  TempDir dir;
  const std::string path = dir.write("t.csv", table_csv(5));  // rows t = 0..4: a = t, b = 2t + 1, y = 0, 4, 0, 4, 0
  DataConfig c = table_config(path, {"a", "b"}, 2);
  c.standardize = "none";
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  const Dataset d = split_dataset(load_csv_series(c), 0);
  CHECK(d.input_dim == 2);
  CHECK(d.output_dim == 1);
  CHECK(d.stats.at("rows") == 5);
  CHECK(d.stats.at("windows") == 3);
  REQUIRE(d.train.size() == 3);
  CHECK(d.train[0].features == std::vector<float>{0, 1, 1, 3});  // rows 0, 1 of (a, b), row-major
  CHECK(d.train[0].target == std::vector<float>{0});             // y at row 2
  CHECK(d.train[2].features == std::vector<float>{2, 5, 3, 7});
  CHECK(d.train[2].target == std::vector<float>{0});
  CHECK(d.train[1].target == std::vector<float>{4});
  CHECK(d.sequence_length(d.train[0]) == 2);
  REQUIRE(d.standardization.inputs.size() == 2);
  CHECK(d.standardization.inputs[0].column == "a");
  CHECK(d.standardization.inputs[1].column == "b");
  CHECK(d.standardization.target.column == "y");
  CHECK(contains(d.privacy_unit, "window of 2 consecutive rows (2 columns)"));
  CHECK(d.content_hash == sha256_hex(table_csv(5)));

  SUBCASE("the target among the inputs") {
    c.columns = {"y", "a"};
    const Dataset e = split_dataset(load_csv_series(c), 0);
    CHECK(e.train[1].features == std::vector<float>{4, 1, 0, 2});
    CHECK(e.train[1].target == std::vector<float>{4});
    CHECK(e.standardization.inputs[0].column == "y");
  }
}

TEST_CASE("multivariate: every column standardised on its own with the training rows' statistics") {
  TempDir dir;
  // 10 rows, W = 2: 8 windows, train 6 | validation 1 | test 1; the training rows are 0..7.
  const std::string path = dir.write("t.csv", table_csv(10));
  const Dataset d = split_dataset(load_csv_series(table_config(path, {"a", "b"}, 2)), 0);
  REQUIRE(d.train.size() == 6);
  const double a_mean = 3.5, a_sd = std::sqrt(42.0 / 8);  // a = 0..7
  const double b_mean = 8.0, b_sd = 2 * a_sd;             // b = 2a + 1
  const double y_mean = 2.0, y_sd = 2.0;                  // y = 0, 4, ... (four of each)
  CHECK(d.standardization.kind == "train");
  CHECK(d.standardization.inputs[0].mean == doctest::Approx(a_mean));
  CHECK(d.standardization.inputs[0].stddev == doctest::Approx(a_sd));
  CHECK(d.standardization.inputs[1].mean == doctest::Approx(b_mean));
  CHECK(d.standardization.inputs[1].stddev == doctest::Approx(b_sd));
  CHECK(d.standardization.target.mean == doctest::Approx(y_mean));
  CHECK(d.standardization.target.stddev == doctest::Approx(y_sd));
  CHECK(d.train[0].features[0] == doctest::Approx((0 - a_mean) / a_sd));
  CHECK(d.train[0].features[1] == doctest::Approx((1 - b_mean) / b_sd));
  CHECK(d.train[0].features[3] == doctest::Approx((3 - b_mean) / b_sd));
  CHECK(d.train[0].target[0] == doctest::Approx(-1.0));          // y at row 2 = 0
  CHECK(d.test[0].target[0] == doctest::Approx(1.0));            // y at row 9 = 4
  CHECK(d.test[0].features[2] == doctest::Approx((8 - a_mean) / a_sd));  // a at row 8

  SUBCASE("fixed: the configured mean and stddev for every column") {
    DataConfig c = table_config(path, {"a", "b"}, 2);
    c.standardize = "fixed";
    c.standardize_mean = 1.0;
    c.standardize_stddev = 2.0;
    const Dataset f = split_dataset(load_csv_series(c), 0);
    CHECK(f.train[0].features == std::vector<float>{-0.5f, 0.0f, 0.0f, 1.0f});
    CHECK(f.train[0].target == std::vector<float>{-0.5f});
    CHECK(f.standardization.inputs[1].mean == 1.0);
    CHECK(f.standardization.target.stddev == 2.0);
  }
  SUBCASE("a constant training column is named") {
    const std::string flat = dir.write("flat.csv", "a,c,y\n1,7,1\n2,7,2\n3,7,3\n4,7,4\n");
    DataConfig c = table_config(flat, {"a", "c"}, 1);
    c.validation_fraction = 0.0;
    c.test_fraction = 0.0;
    CHECK(contains(dataset_error_of([&] { load_csv_series(c); }), flat + ": column 'c' is constant (7)"));
  }
}

TEST_CASE("multivariate: missing cells, NaN and unknown or repeated columns are errors naming file, line and column") {
  TempDir dir;
  SUBCASE("an empty cell is a missing value") {
    const std::string path = dir.write("m.csv", "t,a,y\n0,1,2\n1,,3\n2,3,4\n");
    const std::string msg = dataset_error_of([&] { load_csv_series(table_config(path, {"a"}, 1)); });
    CHECK(contains(msg, path + ":3: column 'a': '' is empty (a missing value); fill or drop the row"));
  }
  SUBCASE("NaN and infinities are not values") {
    for (const char* cell : {"nan", "NaN", "-inf", "infinity"}) {
      CAPTURE(cell);
      const std::string path = dir.write("n.csv", std::string("t,a,y\n0,1,2\n1,2,3\n2,3,") + cell + "\n");
      const std::string msg = dataset_error_of([&] { load_csv_series(table_config(path, {"a"}, 1)); });
      CHECK(contains(msg, path + ":4: column 'y': '" + cell + "' is not a finite number"));
    }
  }
  SUBCASE("beyond a double's range: overflow and underflow are named as such") {
    for (const char* cell : {"1e400", "1e-400", "-2e999"}) {
      CAPTURE(cell);
      const std::string path = dir.write("r.csv", std::string("t,a,y\n0,1,2\n1,2,3\n2,") + cell + ",4\n");
      const std::string msg = dataset_error_of([&] { load_csv_series(table_config(path, {"a"}, 1)); });
      CHECK(contains(msg, path + ":4: column 'a': '" + cell + "' is outside the range of a double"));
    }
  }
  SUBCASE("spaces around a number are ignored, also inside quotes") {
    const std::string path = dir.write("q.csv", "t,a,y\n0,\" 1 \",2\n1,  2  ,3\n2,\"3\",4\n3,4,5\n");
    const Dataset d = split_dataset(load_csv_series(table_config(path, {"a"}, 1)), 0);
    CHECK(d.stats.at("rows") == 4);
  }
  SUBCASE("text in an input column") {
    const std::string path = dir.write("x.csv", "t,a,y\n0,1,2\n1,two,3\n");
    CHECK(contains(dataset_error_of([&] { load_csv_series(table_config(path, {"a"}, 1)); }), path + ":3: column 'a': 'two' is not a finite number"));
  }
  SUBCASE("an unknown input column lists the available ones") {
    const std::string path = dir.write("u.csv", table_csv(4));
    const std::string msg = dataset_error_of([&] { load_csv_series(table_config(path, {"a", "temp"}, 1)); });
    CHECK(contains(msg, path + ":1: no column 'temp' (data.columns); the columns are 'date', 'a', 'b', 'y'"));
  }
  SUBCASE("an unknown target") {
    DataConfig c = table_config(dir.write("u.csv", table_csv(4)), {"a"}, 1);
    c.column = "load";
    CHECK(contains(dataset_error_of([&] { load_csv_series(c); }), ":1: no column 'load' (data.column)"));
  }
  SUBCASE("a needed column twice in the header") {
    const std::string path = dir.write("d.csv", "a,y,a\n1,2,3\n4,5,6\n");
    CHECK(contains(dataset_error_of([&] { load_csv_series(table_config(path, {"a"}, 1)); }), path + ":1: column 'a' appears more than once"));
  }
  SUBCASE("data.columns itself is checked") {
    const std::string path = dir.write("t.csv", table_csv(4));
    CHECK(contains(dataset_error_of([&] { load_csv_series(table_config(path, {"a", "a"}, 1)); }), "data.columns: 'a' is listed twice"));
    CHECK(contains(dataset_error_of([&] { load_csv_series(table_config(path, {""}, 1)); }), "data.columns: entry 0 is empty"));
  }
}

TEST_CASE("predefined split files: windowed one by one, statistics from the training file only") {
  TempDir dir;
  const std::string train = dir.write("train.csv", table_csv(6));          // t = 0..5: 4 windows of W = 2
  const std::string validation = dir.write("val.csv", table_csv(4, 100));  // 2 windows
  const std::string test = dir.write("test.csv", table_csv(3, 1000));      // 1 window
  DataConfig c = splits_config({train, validation, test}, 2);
  const Dataset d = split_dataset(load_csv_series(c), 0);
  CHECK(d.train.size() == 4);
  CHECK(d.validation.size() == 2);
  CHECK(d.test.size() == 1);
  // a = 0..5: mean 2.5, population variance 17.5 / 6; y = 0, 4, 0, 4, 0, 4
  const double a_sd = std::sqrt(17.5 / 6);
  CHECK(d.standardization.inputs[0].mean == doctest::Approx(2.5));
  CHECK(d.standardization.inputs[0].stddev == doctest::Approx(a_sd));
  CHECK(d.standardization.inputs[1].mean == doctest::Approx(6.0));
  CHECK(d.standardization.target.mean == doctest::Approx(2.0));
  CHECK(d.standardization.target.stddev == doctest::Approx(2.0));
  // the first validation window is the validation file's rows 0 and 1, not the training file's end
  CHECK(d.validation[0].features[0] == doctest::Approx((100 - 2.5) / a_sd));
  CHECK(d.test[0].features[2] == doctest::Approx((1001 - 2.5) / a_sd));
  CHECK(d.test[0].target[0] == doctest::Approx(-1.0));  // y at t = 1002
  CHECK(d.membership.kind == "predefined");
  CHECK(d.membership.validation == std::vector<int64_t>{4, 5});
  CHECK(d.membership.test == std::vector<int64_t>{6});
  CHECK(d.stats.at("rows.train") == 6);
  CHECK(d.stats.at("rows.validation") == 4);
  CHECK(d.stats.at("windows.test") == 1);
  CHECK(d.stats.at("rows") == 13);
  CHECK(d.stats.at("windows") == 7);
  CHECK(d.name == "csv:train=" + train + ",validation=" + validation + ",test=" + test);
  CHECK(d.content_hash == sha256_hex("train\n" + sha256_hex(table_csv(6)) + "\nvalidation\n" + sha256_hex(table_csv(4, 100)) +
                                     "\ntest\n" + sha256_hex(table_csv(3, 1000)) + "\n"));

  SUBCASE("later files cannot move the statistics") {
    const Dataset other = split_dataset(load_csv_series(splits_config({train, dir.write("v2.csv", table_csv(4, 7)), ""}, 2)), 0);
    CHECK(other.standardization.inputs[0].mean == d.standardization.inputs[0].mean);
    CHECK(other.standardization.target.stddev == d.standardization.target.stddev);
    CHECK(other.train.back().features == d.train.back().features);
    CHECK(other.test.empty());
    CHECK(other.content_hash == sha256_hex("train\n" + sha256_hex(table_csv(6)) + "\nvalidation\n" + sha256_hex(table_csv(4, 7)) + "\n"));
  }
  SUBCASE("the training file again under another name is refused by its bytes") {
    const std::string msg = dataset_error_of([&] { load_csv_series(splits_config({train, (dir.path() / "." / "train.csv").string(), ""}, 2)); });
    CHECK(contains(msg, "data.splits: " + train + " and "));
    CHECK(contains(msg, "hold the same bytes"));
  }
  SUBCASE("a train file only") {
    const Dataset only = split_dataset(load_csv_series(splits_config({train, "", ""}, 2)), 0);
    CHECK(only.train.size() == 4);
    CHECK(only.validation.empty());
    CHECK(only.name == "csv:train=" + train);
  }
  SUBCASE("a file without a needed column: inconsistent columns") {
    const std::string bad = dir.write("bad.csv", "date,b,y\nd,1,2\nd,2,3\nd,3,4\n");
    const std::string msg = dataset_error_of([&] { load_csv_series(splits_config({train, bad, ""}, 2)); });
    CHECK(contains(msg, bad + ":1: inconsistent columns: no column 'a' (data.columns), which the training file " + train + " has"));
  }
  SUBCASE("a file shorter than window + 1 rows") {
    const std::string msg = dataset_error_of([&] { load_csv_series(splits_config({train, validation, test}, 3)); });
    CHECK(contains(msg, test + ": 3 data rows, but data.window = 3 needs at least 4"));
  }
  SUBCASE("fractions and data.path do not go with split files") {
    DataConfig f = splits_config({train, "", ""}, 2);
    f.test_fraction = 0.1;
    CHECK(contains(dataset_error_of([&] { load_csv_series(f); }), "data.splits:"));
    f = splits_config({train, "", ""}, 2);
    f.path = train;
    CHECK(contains(dataset_error_of([&] { load_csv_series(f); }), "data.path: must be empty"));
  }
}
