// The CSV reader of source "csv"; see csv_table.hpp.
#include "datasets/csv_table.hpp"

#include <charconv>
#include <cmath>
#include <utility>

#include <fmt/core.h>

#include "datasets/dataset_error.hpp"

namespace dpt {
namespace {

std::string_view trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

enum class Cell { kNumber, kEmpty, kNonFinite, kOutOfRange, kNotANumber };

// A finite decimal number spanning the whole field (a leading '+' allowed; spaces around it, also
// inside quotes, ignored), or why not.
Cell parse_number(std::string_view field, double& value) {
  field = trim(field);
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  if (field.empty()) return Cell::kEmpty;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (end != field.data() + field.size()) return Cell::kNotANumber;
  if (ec == std::errc::result_out_of_range) return Cell::kOutOfRange;
  if (ec != std::errc()) return Cell::kNotANumber;
  return std::isfinite(value) ? Cell::kNumber : Cell::kNonFinite;
}

std::string cell_error(const std::string& column, const std::string& field, Cell cell) {
  const std::string shown = printable_excerpt(field);
  switch (cell) {
    case Cell::kEmpty: return fmt::format("column '{}': '{}' is empty (a missing value); fill or drop the row.", column, shown);
    case Cell::kNonFinite:
      return fmt::format("column '{}': '{}' is not a finite number (NaN or infinity, often a missing value); fill or drop the row.",
                         column, shown);
    case Cell::kOutOfRange:
      return fmt::format("column '{}': '{}' is outside the range of a double (it overflows, or underflows below "
                         "2.2e-308); write it within range (e.g. 0 for an underflow).", column, shown);
    case Cell::kNumber:
    case Cell::kNotANumber: break;
  }
  return fmt::format("column '{}': '{}' is not a finite number.", column, shown);
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

std::string quoted_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "'" : ", '") + printable_excerpt(n) + "'";
  return out;
}

CsvTable::CsvTable(std::string path, std::string_view bytes) : path_(std::move(path)), lines_(split_lines(strip_utf8_bom(bytes))) {
  while (header_index_ < lines_.size() && is_blank(lines_[header_index_].text)) ++header_index_;
  if (header_index_ == lines_.size()) throw DatasetError::in_file(path_, "empty file: a header row naming the columns is required.");
  if (!split_csv_record(lines_[header_index_].text, header_)) {
    throw DatasetError::at_line(path_, header_line(), "unterminated quote in the header.");
  }
  bool all_numbers = true;
  for (const std::string& name : header_) {
    double ignored = 0.0;
    all_numbers = all_numbers && parse_number(name, ignored) == Cell::kNumber;
  }
  if (all_numbers) {
    throw DatasetError::at_line(path_, header_line(), "a header row naming the columns is required, but this row holds only numbers.");
  }
}

int CsvTable::find(const std::string& name) const {
  int found = -1;
  for (size_t j = 0; j < header_.size(); ++j) {
    if (header_[j] != name) continue;
    if (found >= 0) throw DatasetError::at_line(path_, header_line(), fmt::format("column '{}' appears more than once.", printable_excerpt(name)));
    found = static_cast<int>(j);
  }
  return found;
}

NumericColumns CsvTable::numbers(const std::vector<int>& indices) const {
  NumericColumns table;
  table.values.resize(indices.size());
  std::vector<std::string> fields;
  for (size_t i = header_index_ + 1; i < lines_.size(); ++i) {
    const TextLine& line = lines_[i];
    if (is_blank(line.text)) continue;
    if (!split_csv_record(line.text, fields)) throw DatasetError::at_line(path_, line.number, "unterminated quote.");
    if (fields.size() != header_.size()) {
      throw DatasetError::at_line(path_, line.number,
                                  fmt::format("expected {} fields as in the header, found {}.", header_.size(), fields.size()));
    }
    for (size_t k = 0; k < indices.size(); ++k) {
      const std::string& field = fields[static_cast<size_t>(indices[k])];
      double value = 0.0;
      const Cell cell = parse_number(field, value);
      if (cell != Cell::kNumber) throw DatasetError::at_line(path_, line.number, cell_error(header_[indices[k]], field, cell));
      table.values[k].push_back(value);
    }
    table.lines.push_back(line.number);
  }
  return table;
}

}  // namespace dpt
