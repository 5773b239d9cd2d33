// The CSV time-series loader. Row t gives the input vector u_t (data.columns, or [data.column])
// and the target y_t (data.column); window i holds u_i .. u_{i+W-1} (row-major, W x input_dim)
// and predicts y_{i+W}. One file: windows are ordered by their target's time and cut into
// train | validation | test, so a training window only holds rows from before the first
// validation target. data.splits: each file is windowed on its own (no window spans two files)
// and only the training file's rows give the statistics. Every column is standardised on its
// own; that never overflows for finite values, and a value that does not fit a float after it
// (standardize "none" or "fixed") is refused with its file, line and column.
#include "datasets/csv_series_loader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <tuple>
#include <utility>

#include <fmt/core.h>

#include "base/check.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/predefined_splits.hpp"
#include "datasets/sha256.hpp"
#include "datasets/splits.hpp"
#include "datasets/text_file.hpp"

namespace dpt {
namespace {

// The columns every file must hold: the inputs, then the target if it is not among them.
struct ColumnPlan {
  std::vector<std::string> names;
  size_t inputs = 0;  // names[0, inputs) are the input columns, in order
  size_t target = 0;  // names[target] is data.column
};

ColumnPlan plan_columns(const DataConfig& c) {
  ColumnPlan p;
  p.names = c.columns.empty() ? std::vector<std::string>{c.column} : c.columns;
  p.inputs = p.names.size();
  const auto it = std::find(p.names.begin(), p.names.end(), c.column);
  p.target = static_cast<size_t>(it - p.names.begin());
  if (it == p.names.end()) p.names.push_back(c.column);
  return p;
}

// One file read: the plan's columns, the file's SHA-256 and the split it is ("" for data.path).
struct SeriesFile {
  std::string path, split, digest;
  NumericColumns table;  // (plan columns, rows)
};

void validate_columns_and_splits(const DataConfig& c) {
  for (auto it = c.columns.begin(); it != c.columns.end(); ++it) {
    if (it->empty()) throw DatasetError::in_field("columns", fmt::format("entry {} is empty.", it - c.columns.begin()));
    if (std::find(c.columns.begin(), it, *it) != it) throw DatasetError::in_field("columns", fmt::format("'{}' is listed twice.", *it));
  }
  if (!c.splits) return;
  if (c.splits->train.empty()) throw DatasetError::in_field("splits", "the train file is required.");
  if (!c.path.empty()) throw DatasetError::in_field("path", "must be empty with data.splits (the split files are the data).");
  if (c.validation_fraction != 0.0 || c.test_fraction != 0.0) {
    throw DatasetError::in_field("splits", "the files are the splits, so data.validation_fraction and data.test_fraction must be 0.");
  }
}

void validate(const DataConfig& c) {
  check_at_least<DatasetError>(c.window, 1, "data.window");
  if (c.standardize != "train" && c.standardize != "fixed" && c.standardize != "none") {
    throw DatasetError::in_field("standardize", fmt::format("expected \"train\", \"fixed\" or \"none\", but is \"{}\".", c.standardize));
  }
  if (c.standardize == "fixed") {
    check_that<DatasetError>(std::isfinite(c.standardize_mean), "data.standardize_mean", "finite", c.standardize_mean);
    check_finite_positive<DatasetError>(c.standardize_stddev, "data.standardize_stddev");
  }
  validate_columns_and_splits(c);
}

// The header positions of the plan's columns. A validation or test file (`train_path` set) must
// hold every column the configuration needs, as the training file does.
std::vector<int> locate_columns(const DataConfig& c, const ColumnPlan& plan, const CsvTable& t, const std::string& train_path) {
  if (c.column.empty()) {
    throw DatasetError::in_field("column", fmt::format("required for source csv; {} has columns {}.", t.path(), quoted_names(t.header())));
  }
  std::vector<int> indices;
  for (size_t k = 0; k < plan.names.size(); ++k) {
    const int j = t.find(plan.names[k]);
    if (j >= 0) {
      indices.push_back(j);
      continue;
    }
    const char* field = k < plan.inputs && !c.columns.empty() ? "data.columns" : "data.column";
    const std::string inconsistent = train_path.empty() ? "" : "inconsistent columns: ";
    const std::string as_train = train_path.empty() ? "" : fmt::format(", which the training file {} has", train_path);
    throw DatasetError::at_line(t.path(), t.header_line(), fmt::format("{}no column '{}' ({}){}; the columns are {}.", inconsistent,
                                                                       plan.names[k], field, as_train, quoted_names(t.header())));
  }
  return indices;
}

SeriesFile read_series_file(const DataConfig& c, const ColumnPlan& plan, const std::string& path, const std::string& split,
                            const std::string& train_path) {
  const std::string bytes = read_file_bytes(path);
  const CsvTable t(path, bytes);
  SeriesFile f{path, split, sha256_hex(bytes), t.numbers(locate_columns(c, plan, t, train_path))};
  const int64_t n = f.table.rows(), w = c.window;
  if (n < w + 1) {
    throw DatasetError::in_file(path, fmt::format("{} data rows, but data.window = {} needs at least {} (a window and the value after it).",
                                                  n, w, w + 1));
  }
  return f;
}

// Population mean and stddev of `v` (not all equal). Plain double sums; if they overflow (|v|
// beyond ~1e154 squares to inf) or the spread underflows, again on v scaled by a power of two
// (exact) below 1 in magnitude, then scaled back: finite for every finite input.
std::pair<double, double> mean_and_stddev(std::span<const double> v) {
  const auto n = static_cast<double>(v.size());
  const auto moments = [&](double scale) {
    double sum = 0.0;
    for (const double x : v) sum += x * scale;
    const double mean = sum / n;
    double squares = 0.0;
    for (const double x : v) squares += (x * scale - mean) * (x * scale - mean);
    return std::pair{mean / scale, std::sqrt(squares / n) / scale};
  };
  const auto [mean, stddev] = moments(1.0);
  if (std::isfinite(mean) && std::isfinite(stddev) && stddev > 0.0) return {mean, stddev};
  double largest = 0.0;
  for (const double x : v) largest = std::max(largest, std::abs(x));
  return moments(std::ldexp(1.0, -(std::ilogb(largest) + 1)));
}

// One column's scale. "train": population mean and stddev of its training rows (`train_rows`,
// of the file `path`) only; "fixed": the config's (the same for every column); "none": 0, 1.
ColumnScale scale_of(const DataConfig& c, const std::string& column, std::span<const double> train_rows, const std::string& path) {
  ColumnScale st{column, 0.0, 1.0};
  if (c.standardize == "fixed") {
    st.mean = c.standardize_mean;
    st.stddev = c.standardize_stddev;
  } else if (c.standardize == "train") {
    const auto [lo, hi] = std::minmax_element(train_rows.begin(), train_rows.end());
    if (*lo == *hi) {
      throw DatasetError::in_file(path, fmt::format("column '{}' is constant ({}) over the training portion ({} values), so "
                                                    "it cannot be standardised with data.standardize = \"train\".",
                                                    column, *lo, train_rows.size()));
    }
    std::tie(st.mean, st.stddev) = mean_and_stddev(train_rows);
    if (!(st.stddev > 0.0 && std::isfinite(st.stddev) && std::isfinite(st.mean))) {
      throw DatasetError::in_file(path, fmt::format("column '{}': the values of the training portion (from {} to {}) differ "
                                                    "by too little for a double standard deviation ({}), so they cannot be "
                                                    "standardised with data.standardize = \"train\".",
                                                    column, *lo, *hi, st.stddev));
    }
  }
  return st;
}

// The scale of each plan column from the first `train_rows` rows of `train`.
std::vector<ColumnScale> column_scales(const DataConfig& c, const ColumnPlan& plan, const SeriesFile& train, int64_t train_rows) {
  std::vector<ColumnScale> scales;
  for (size_t k = 0; k < plan.names.size(); ++k) {
    const std::span<const double> rows(train.table.values[k].data(), static_cast<size_t>(train_rows));
    scales.push_back(scale_of(c, plan.names[k], rows, train.path));
  }
  return scales;
}

Standardization standardization_of(const DataConfig& c, const ColumnPlan& plan, const std::vector<ColumnScale>& scales) {
  Standardization s;
  s.kind = c.standardize;
  s.inputs.assign(scales.begin(), scales.begin() + static_cast<std::ptrdiff_t>(plan.inputs));
  s.target = scales[plan.target];
  return s;
}

// (x - mean) / stddev, without overflow in x - mean (halving is exact at such magnitudes).
double standardized(double x, const std::string& kind, const ColumnScale& st) {
  if (kind == "none") return x;
  const double difference = x - st.mean;
  if (std::isfinite(difference)) return difference / st.stddev;
  return (0.5 * x - 0.5 * st.mean) / (0.5 * st.stddev);
}

// The model computes in float: a standardised value beyond float's range would be +-inf.
void check_fits_float(const std::string& kind, const ColumnScale& st, double x, double z, const std::string& path, int64_t line) {
  const double kFloatMax = std::numeric_limits<float>::max();
  if (std::abs(z) <= kFloatMax) return;
  const std::string range = fmt::format("beyond float's range (|value| <= {:g}), which the model computes in", kFloatMax);
  std::string what;
  if (kind == "none") {
    what = fmt::format("{} is {}, and data.standardize = \"none\" keeps it as it is; use data.standardize = \"train\" "
                       "or \"fixed\".", x, range);
  } else {
    const std::string with = kind == "fixed" ? fmt::format("data.standardize_mean = {} and data.standardize_stddev = {}", st.mean, st.stddev)
                                             : fmt::format("the training portion's mean {} and stddev {}", st.mean, st.stddev);
    what = fmt::format("{} standardised with {} is {:.6g}, {}; use data.standardize = \"train\" or other \"fixed\" values.", x, with, z, range);
  }
  throw DatasetError::at_line(path, line, fmt::format("column '{}': {}", st.column, what));
}

// The file's plan columns standardised, as floats: (columns, rows).
std::vector<std::vector<float>> standardized_columns(const DataConfig& c, const SeriesFile& f, const std::vector<ColumnScale>& scales) {
  std::vector<std::vector<float>> z(scales.size());
  for (size_t k = 0; k < scales.size(); ++k) {
    const std::vector<double>& x = f.table.values[k];
    z[k].resize(x.size());
    for (size_t t = 0; t < x.size(); ++t) {
      const double value = standardized(x[t], c.standardize, scales[k]);
      check_fits_float(c.standardize, scales[k], x[t], value, f.path, f.table.lines[t]);
      z[k][t] = static_cast<float>(value);
    }
  }
  return z;
}

// Window i: the input columns of rows i .. i+W-1 (row-major) -> the target column at row i+W.
int64_t append_windows(const std::vector<std::vector<float>>& z, const ColumnPlan& plan, int64_t w, std::vector<Example>& out) {
  const int64_t windows = static_cast<int64_t>(z[0].size()) - w;
  for (int64_t i = 0; i < windows; ++i) {
    Example e;
    e.features.reserve(static_cast<size_t>(w) * plan.inputs);
    for (int64_t t = i; t < i + w; ++t) {
      for (size_t k = 0; k < plan.inputs; ++k) e.features.push_back(z[k][t]);
    }
    e.target = {z[plan.target][i + w]};
    out.push_back(std::move(e));
  }
  return windows;
}

Dataset series_dataset(const DataConfig& c, const ColumnPlan& plan, const std::vector<ColumnScale>& scales) {
  Dataset d;
  d.task = TaskKind::kRegression;
  d.input_dim = static_cast<int>(plan.inputs);
  d.output_dim = 1;
  d.privacy_unit = c.columns.empty() ? fmt::format("one window of {} consecutive values and the value after it", c.window)
                                     : fmt::format("one window of {} consecutive rows ({} columns) and the next row's '{}'",
                                                   c.window, plan.inputs, c.column);
  d.standardization = standardization_of(c, plan, scales);
  return d;
}

UnsplitDataset load_csv_file(const DataConfig& c, const ColumnPlan& plan) {
  const SeriesFile f = read_series_file(c, plan, c.path, "", "");
  const int64_t n = f.table.rows(), w = c.window;
  const int64_t windows = n - w;
  const SplitCounts counts = split_counts(windows, c.validation_fraction, c.test_fraction, "windows");
  // The training portion: every row a training window holds, rows 0 .. w + train - 1.
  const std::vector<ColumnScale> scales = column_scales(c, plan, f, w + counts.train);
  std::vector<Example> examples;
  examples.reserve(static_cast<size_t>(windows));
  append_windows(standardized_columns(c, f, scales), plan, w, examples);
  Dataset d = series_dataset(c, plan, scales);
  d.name = "csv:" + c.path;
  d.content_hash = f.digest;
  d.stats["rows"] = n;
  d.stats["windows"] = windows;
  return {std::move(d), std::move(examples), counts, /*ordered=*/true};
}

// data.splits: the train, validation and test files' windows in turn; statistics from the train file.
UnsplitDataset load_csv_splits(const DataConfig& c, const ColumnPlan& plan) {
  const std::vector<SplitFile> given = given_splits(*c.splits);
  std::vector<SeriesFile> files;
  for (const SplitFile& s : given) files.push_back(read_series_file(c, plan, s.path, std::string(s.split), files.empty() ? "" : c.splits->train));
  const std::vector<ColumnScale> scales = column_scales(c, plan, files[0], files[0].table.rows());
  Dataset d = series_dataset(c, plan, scales);
  std::vector<Example> examples;
  std::vector<int64_t> sizes;
  std::vector<std::string> digests;
  for (const SeriesFile& f : files) {
    const int64_t windows = append_windows(standardized_columns(c, f, scales), plan, c.window, examples);
    sizes.push_back(windows);
    digests.push_back(f.digest);
    d.stats["rows." + f.split] = f.table.rows();
    d.stats["windows." + f.split] = windows;
    d.stats["rows"] += f.table.rows();
    d.stats["windows"] += windows;
  }
  return predefined_dataset(std::move(d), std::move(examples), "csv", given, sizes, digests);
}

}  // namespace

UnsplitDataset load_csv_series(const DataConfig& c) {
  validate(c);
  const ColumnPlan plan = plan_columns(c);
  return c.splits ? load_csv_splits(c, plan) : load_csv_file(c, plan);
}

}  // namespace dpt
