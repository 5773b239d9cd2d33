// Reading `dptrain predict` inputs (see prediction_inputs.hpp).
#include "experiments/run/prediction_inputs.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "datasets/csv_series_loader.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/pii_scrubber.hpp"
#include "datasets/text_file.hpp"

namespace dpt {
namespace {

// A finite decimal number spanning the whole field (a leading '+' allowed), as the CSV loader reads it.
bool parse_number(std::string_view field, double& value) {
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  if (field.empty()) return false;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  return ec == std::errc() && end == field.data() + field.size() && std::isfinite(value);
}

}  // namespace

PredictionInputs read_text_inputs(const std::string& file, const DataConfig& data, bool truncate, const RunEncoding& encoding) {
  const std::string bytes = read_file_bytes(file);
  PredictionInputs in;
  PiiCounts pii;
  for (const TextLine& line : split_lines(strip_utf8_bom(bytes))) {
    if (is_blank(line.text)) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line.text.begin(), line.text.end());
    } catch (const nlohmann::json::parse_error& e) {
      throw DatasetError::at_line(file, line.number, fmt::format("malformed JSON at column {}", e.byte));
    }
    if (!j.is_object() || !j.contains("text") || !j.at("text").is_string()) {
      throw DatasetError::at_line(file, line.number, "expected a JSON object with a string \"text\": {\"text\": \"...\"}.");
    }
    std::string text = j.at("text").get<std::string>();
    if (data.scrub_pii) text = scrub_pii(text, pii);
    if (truncate && static_cast<int64_t>(text.size()) > data.max_length) text.resize(static_cast<size_t>(data.max_length));
    if (text.empty()) throw DatasetError::at_line(file, line.number, "\"text\" is empty: the model needs at least one byte.");
    Example e;
    e.tokens = encoding.encode_bytes(text, fmt::format("{}:{}", file, line.number));
    in.examples.push_back(std::move(e));
    in.lines.push_back(line.number);
  }
  if (in.examples.empty()) throw DatasetError::in_file(file, "no inputs: every line is blank.");
  return in;
}

PredictionInputs read_csv_windows(const std::string& file, const Dataset& run, int window, const RunEncoding& encoding) {
  const std::string bytes = read_file_bytes(file);
  const std::vector<TextLine> lines = split_lines(strip_utf8_bom(bytes));
  size_t i = 0;
  while (i < lines.size() && is_blank(lines[i].text)) ++i;
  if (i == lines.size()) throw DatasetError::in_file(file, "empty file: a header row naming the columns is required.");
  std::vector<std::string> header, fields;
  if (!split_csv_record(lines[i].text, header)) throw DatasetError::at_line(file, lines[i].number, "unterminated quote in the header.");
  std::vector<std::string> columns;  // the run's input columns, in feature order
  for (const ColumnScale& s : run.standardization.inputs) columns.push_back(s.column);
  if (columns.empty()) columns.push_back(run.standardization.target.column);
  if (static_cast<int>(columns.size()) != run.input_dim) {
    throw DatasetError::in_file(file, fmt::format("the run's data.json names {} input columns for input_dim {}", columns.size(), run.input_dim));
  }
  std::vector<size_t> at;  // column k's field index
  for (const std::string& c : columns) {
    size_t found = header.size();
    for (size_t j = 0; j < header.size(); ++j) {
      if (header[j] == c) found = j;
    }
    if (found == header.size()) {
      throw DatasetError::at_line(file, lines[i].number, fmt::format("no column '{}' (an input column of the run).", printable_excerpt(c)));
    }
    at.push_back(found);
  }
  std::vector<std::vector<float>> rows;  // standardised inputs per data row
  std::vector<int64_t> row_lines;
  for (++i; i < lines.size(); ++i) {
    if (is_blank(lines[i].text)) continue;
    if (!split_csv_record(lines[i].text, fields)) throw DatasetError::at_line(file, lines[i].number, "unterminated quote.");
    if (fields.size() != header.size()) {
      throw DatasetError::at_line(file, lines[i].number, fmt::format("expected {} fields as in the header, found {}.", header.size(), fields.size()));
    }
    std::vector<float> row;
    for (size_t k = 0; k < at.size(); ++k) {
      double x = 0.0;
      if (!parse_number(fields[at[k]], x)) {
        throw DatasetError::at_line(file, lines[i].number, fmt::format("column '{}': '{}' is not a finite number.", columns[k],
                                                                      printable_excerpt(fields[at[k]])));
      }
      const float z = encoding.standardized_input(x, static_cast<int>(k));
      if (!std::isfinite(z)) throw DatasetError::at_line(file, lines[i].number, fmt::format("column '{}': beyond float's range once standardised.", columns[k]));
      row.push_back(z);
    }
    rows.push_back(std::move(row));
    row_lines.push_back(lines[i].number);
  }
  if (static_cast<int64_t>(rows.size()) < window) {
    throw DatasetError::in_file(file, fmt::format("{} data rows, but the run's data.window = {} needs at least {}.", rows.size(), window, window));
  }
  PredictionInputs in;
  for (size_t s = 0; s + static_cast<size_t>(window) <= rows.size(); ++s) {
    Example e;
    for (size_t t = s; t < s + static_cast<size_t>(window); ++t) e.features.insert(e.features.end(), rows[t].begin(), rows[t].end());
    e.target.assign(static_cast<size_t>(run.output_dim), 0.0f);  // unknown: batching wants a value, nothing reads it
    in.examples.push_back(std::move(e));
    in.lines.push_back(row_lines[s + static_cast<size_t>(window) - 1]);
  }
  return in;
}

}  // namespace dpt
