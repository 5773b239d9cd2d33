// The CSV time-series loader. Window i holds x_i .. x_{i+W-1} and predicts x_{i+W}; windows are
// ordered by their target's time and cut into train | validation | test, so a training window
// only holds values from before the first validation target. No multi-line quoted fields.
// Standardisation never overflows for finite values; a value that does not fit a float after
// it (standardize "none" or "fixed") is refused with its line.
#include "datasets/csv_series_loader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>
#include <utility>

#include <fmt/core.h>

#include "base/check.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/sha256.hpp"
#include "datasets/splits.hpp"
#include "datasets/text_file.hpp"

namespace dpt {
namespace {

std::string_view trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

// A finite decimal number spanning the whole field, or false.
bool parse_number(std::string_view field, double& value) {
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  if (field.empty()) return false;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  return ec == std::errc() && end == field.data() + field.size() && std::isfinite(value);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "'" : ", '") + printable_excerpt(n) + "'";
  return out;
}

struct Series {
  std::vector<double> values;  // (n) in file order
  std::vector<int64_t> lines;  // (n) the 1-based line of each value, for messages
};

Series read_column(const std::string& path, std::string_view bytes, const std::string& column) {
  const std::vector<TextLine> lines = split_lines(strip_utf8_bom(bytes));
  size_t i = 0;
  while (i < lines.size() && is_blank(lines[i].text)) ++i;
  if (i == lines.size()) throw DatasetError::in_file(path, "empty file: a header row naming the columns is required.");

  std::vector<std::string> header;
  if (!split_csv_record(lines[i].text, header)) throw DatasetError::at_line(path, lines[i].number, "unterminated quote in the header.");
  bool all_numbers = true;
  for (const std::string& name : header) {
    double ignored = 0.0;
    all_numbers = all_numbers && parse_number(name, ignored);
  }
  if (all_numbers) {
    throw DatasetError::at_line(path, lines[i].number, "a header row naming the columns is required, but this row holds only numbers.");
  }
  if (column.empty()) throw DatasetError::in_field("column", fmt::format("required for source csv; {} has columns {}.", path, join(header)));
  int col = -1;
  for (size_t j = 0; j < header.size(); ++j) {
    if (header[j] != column) continue;
    if (col >= 0) throw DatasetError::at_line(path, lines[i].number, fmt::format("column '{}' appears more than once.", column));
    col = static_cast<int>(j);
  }
  if (col < 0) {
    throw DatasetError::at_line(path, lines[i].number,
                                fmt::format("no column '{}' (data.column); the columns are {}.", column, join(header)));
  }

  Series s;
  std::vector<std::string> fields;
  for (++i; i < lines.size(); ++i) {
    const TextLine& line = lines[i];
    if (is_blank(line.text)) continue;
    if (!split_csv_record(line.text, fields)) throw DatasetError::at_line(path, line.number, "unterminated quote.");
    if (fields.size() != header.size()) {
      throw DatasetError::at_line(path, line.number,
                                  fmt::format("expected {} fields as in the header, found {}.", header.size(), fields.size()));
    }
    double value = 0.0;
    if (!parse_number(fields[col], value)) {
      throw DatasetError::at_line(path, line.number,
                                  fmt::format("column '{}': '{}' is not a finite number.", column, printable_excerpt(fields[col])));
    }
    s.values.push_back(value);
    s.lines.push_back(line.number);
  }
  return s;
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
}

// Population mean and stddev of `v` (not all equal). Plain double sums; if they overflow (|v|
// beyond ~1e154 squares to inf) or the spread underflows, again on v scaled by a power of two
// (exact) below 1 in magnitude, then scaled back: finite for every finite input.
std::pair<double, double> mean_and_stddev(const std::vector<double>& v) {
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

// "train": population mean and stddev of the training portion only; "fixed": the config's.
Standardization standardization_of(const DataConfig& c, const std::vector<double>& train_portion) {
  Standardization result;
  result.kind = c.standardize;
  ColumnScale& st = result.target;
  st.column = c.column;
  if (c.standardize == "fixed") {
    st.mean = c.standardize_mean;
    st.stddev = c.standardize_stddev;
  } else if (c.standardize == "train") {
    const auto [lo, hi] = std::minmax_element(train_portion.begin(), train_portion.end());
    if (*lo == *hi) {
      throw DatasetError::in_file(c.path, fmt::format("column '{}' is constant ({}) over the training portion ({} values), so "
                                                      "it cannot be standardised with data.standardize = \"train\".",
                                                      c.column, *lo, train_portion.size()));
    }
    std::tie(st.mean, st.stddev) = mean_and_stddev(train_portion);
    if (!(st.stddev > 0.0 && std::isfinite(st.stddev) && std::isfinite(st.mean))) {
      throw DatasetError::in_file(c.path, fmt::format("column '{}': the values of the training portion (from {} to {}) differ "
                                                      "by too little for a double standard deviation ({}), so they cannot be "
                                                      "standardised with data.standardize = \"train\".",
                                                      c.column, *lo, *hi, st.stddev));
    }
  }
  result.inputs = {st};
  return result;
}

// (x - mean) / stddev, without overflow in x - mean (halving is exact at such magnitudes).
double standardized(double x, const Standardization& s) {
  if (s.kind == "none") return x;
  const ColumnScale& st = s.target;
  const double difference = x - st.mean;
  if (std::isfinite(difference)) return difference / st.stddev;
  return (0.5 * x - 0.5 * st.mean) / (0.5 * st.stddev);
}

// The model computes in float: a standardised value beyond float's range would be +-inf.
void check_fits_float(const DataConfig& c, const Series& s, size_t t, double z, const Standardization& scaling) {
  const ColumnScale& st = scaling.target;
  const double kFloatMax = std::numeric_limits<float>::max();
  if (std::abs(z) <= kFloatMax) return;
  const std::string range = fmt::format("beyond float's range (|value| <= {:g}), which the model computes in", kFloatMax);
  std::string what;
  if (scaling.kind == "none") {
    what = fmt::format("{} is {}, and data.standardize = \"none\" keeps it as it is; use data.standardize = \"train\" "
                       "or \"fixed\".", s.values[t], range);
  } else {
    const std::string with = scaling.kind == "fixed" ? fmt::format("data.standardize_mean = {} and data.standardize_stddev = {}",
                                                              st.mean, st.stddev)
                                                : fmt::format("the training portion's mean {} and stddev {}", st.mean, st.stddev);
    what = fmt::format("{} standardised with {} is {:.6g}, {}; use data.standardize = \"train\" or other \"fixed\" values.",
                       s.values[t], with, z, range);
  }
  throw DatasetError::at_line(c.path, s.lines[t], fmt::format("column '{}': {}", c.column, what));
}

}  // namespace

bool split_csv_record(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  size_t i = 0;
  for (;;) {
    std::string field;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      const size_t comma = line.find(',', i);
      const size_t end = comma == std::string_view::npos ? line.size() : comma;
      field += trim(line.substr(i, end - i));  // text after the closing quote, if any
      i = end;
    } else {
      const size_t comma = line.find(',', i);
      const size_t end = comma == std::string_view::npos ? line.size() : comma;
      field = trim(line.substr(i, end - i));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // past the comma
  }
}

UnsplitDataset load_csv_series(const DataConfig& c) {
  validate(c);
  const std::string bytes = read_file_bytes(c.path);
  const Series series = read_column(c.path, bytes, c.column);
  const std::vector<double>& x = series.values;  // (n)
  const auto n = static_cast<int64_t>(x.size());
  const int64_t w = c.window;
  if (n < w + 1) {
    throw DatasetError::in_file(c.path, fmt::format("{} data rows, but data.window = {} needs at least {} (a window and the value after it).",
                                                    n, w, w + 1));
  }
  const int64_t windows = n - w;  // window i: x_i .. x_{i+w-1} -> x_{i+w}
  const SplitCounts counts = split_counts(windows, c.validation_fraction, c.test_fraction, "windows");

  // The training portion: every value a training window holds, x_0 .. x_{w + train - 1}.
  const std::vector<double> train_portion(x.begin(), x.begin() + (w + counts.train));
  Dataset d;
  d.standardization = standardization_of(c, train_portion);
  std::vector<float> z(x.size());  // (n) standardised series
  for (size_t t = 0; t < x.size(); ++t) {
    const double value = standardized(x[t], d.standardization);
    check_fits_float(c, series, t, value, d.standardization);
    z[t] = static_cast<float>(value);
  }

  std::vector<Example> examples(static_cast<size_t>(windows));
  for (int64_t i = 0; i < windows; ++i) {
    examples[i].features.assign(z.begin() + i, z.begin() + i + w);  // (W, 1)
    examples[i].target = {z[i + w]};
  }
  d.name = "csv:" + c.path;
  d.task = TaskKind::kRegression;
  d.input_dim = 1;
  d.output_dim = 1;
  d.privacy_unit = fmt::format("one window of {} consecutive values and the value after it", w);
  d.content_hash = sha256_hex(bytes);
  d.stats["rows"] = n;
  d.stats["windows"] = windows;
  return {std::move(d), std::move(examples), counts, /*ordered=*/true};
}

}  // namespace dpt
