// A CSV file's header and numeric columns, read strictly (the parser of source "csv"): a header
// row naming the columns is required; fields are comma-separated, may be double-quoted ("" is a
// quote inside quotes, no multi-line fields) and are trimmed; CRLF, blank lines and a UTF-8 BOM
// are accepted; every row has the header's number of fields. Only the columns asked for are
// parsed, each cell a finite decimal number filling it; errors name file, line and column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/text_file.hpp"

namespace dpt {

// One CSV record split at commas; a field in double quotes may hold commas and "" for a quote.
// Fields are trimmed of spaces and tabs. Returns false on an unterminated quote.
bool split_csv_record(std::string_view line, std::vector<std::string>& fields);

// The names as a message lists them: 'a', 'b', 'c'.
std::string quoted_names(const std::vector<std::string>& names);

struct NumericColumns {
  std::vector<std::vector<double>> values;  // (columns, rows): each column's values in file order
  std::vector<int64_t> lines;               // (rows) the 1-based line of each row, for messages
  int64_t rows() const { return static_cast<int64_t>(lines.size()); }
};

class CsvTable {
 public:
  // Reads the header of `bytes` (the file `path`, named in messages; the bytes must outlive the
  // table). Throws DatasetError for an empty file, an unterminated quote or a header of numbers.
  CsvTable(std::string path, std::string_view bytes);

  const std::string& path() const { return path_; }
  const std::vector<std::string>& header() const { return header_; }
  int64_t header_line() const { return lines_[header_index_].number; }

  // The position of `name` in the header, or -1; a name the header holds twice is an error.
  int find(const std::string& name) const;

  // Header columns `indices`, row by row, each cell a finite number.
  NumericColumns numbers(const std::vector<int>& indices) const;

 private:
  std::string path_;
  std::vector<TextLine> lines_;
  size_t header_index_ = 0;
  std::vector<std::string> header_;
};

}  // namespace dpt
