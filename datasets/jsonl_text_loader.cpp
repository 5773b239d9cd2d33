// The JSONL text-classification loader. Labels are all integers (classes 0..max) or all
// strings (classes = the distinct strings in sorted byte order). nlohmann::json rejects invalid
// UTF-8, so such a line is reported as malformed with its file and line; it never crashes.
#include "datasets/jsonl_text_loader.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "base/check.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/sha256.hpp"
#include "datasets/text_classification.hpp"
#include "datasets/text_file.hpp"

namespace dpt {
namespace {

constexpr int64_t kMaxClasses = int64_t{1} << 20;  // integer labels: classes 0..max are all created

struct RawText {
  std::string text;    // as in the file (scrubbing and truncation come later)
  int64_t int_label;   // integer labels
  std::string label;   // string labels
};

struct RawFile {
  std::vector<RawText> rows;
  bool string_labels = false;
  int64_t blank_lines = 0, empty_skipped = 0;
};

// The line as JSON, or a DatasetError naming the line and the column of the first bad byte.
nlohmann::json parse_line(const std::string& path, const TextLine& line) {
  try {
    return nlohmann::json::parse(line.text.begin(), line.text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 15: <why>"
    const std::string what = e.what();
    const size_t colon = what.find(": ");
    throw DatasetError::at_line(path, line.number, fmt::format("malformed JSON at column {}: {}", e.byte,
                                                               printable_excerpt(colon == std::string::npos ? what : what.substr(colon + 2), 200)));
  }
}

// The row's label: a string, or an integer class in [0, kMaxClasses), of the file's one kind.
void read_label(const std::string& path, const TextLine& line, const nlohmann::json& label, bool string_labels,
                RawText& row) {
  if (label.is_string() != string_labels) {
    throw DatasetError::at_line(path, line.number, fmt::format("\"label\" is {}, but earlier labels are {}: use one kind.",
                                                               label.is_string() ? "a string" : "an integer",
                                                               string_labels ? "strings" : "integers"));
  }
  row.int_label = 0;
  if (string_labels) {
    row.label = label.get<std::string>();
    return;
  }
  const bool fits = label.is_number_unsigned() ? label.get<uint64_t>() < static_cast<uint64_t>(kMaxClasses)
                                               : label.get<int64_t>() >= 0 && label.get<int64_t>() < kMaxClasses;
  if (!fits) {
    throw DatasetError::at_line(path, line.number, must_be_message("integer \"label\"", "in [0, " + format_number(kMaxClasses) + ")", label.dump()));
  }
  row.int_label = label.get<int64_t>();
}

RawFile read_rows(const std::string& path, std::string_view bytes) {
  RawFile f;
  bool first = true;
  for (const TextLine& line : split_lines(strip_utf8_bom(bytes))) {
    if (is_blank(line.text)) {
      ++f.blank_lines;
      continue;
    }
    const nlohmann::json j = parse_line(path, line);
    if (!j.is_object()) throw DatasetError::at_line(path, line.number, "expected a JSON object {\"text\": ..., \"label\": ...}.");
    const auto text = j.find("text");
    if (text == j.end() || !text->is_string()) {
      throw DatasetError::at_line(path, line.number, "\"text\" must be present and a string.");
    }
    const auto label = j.find("label");
    if (label == j.end() || !(label->is_number_integer() || label->is_string())) {
      throw DatasetError::at_line(path, line.number, "\"label\" must be present and an integer or a string.");
    }
    if (first) f.string_labels = label->is_string();
    first = false;
    RawText row;
    read_label(path, line, *label, f.string_labels, row);
    row.text = text->get<std::string>();
    if (row.text.empty()) {
      ++f.empty_skipped;
      continue;
    }
    f.rows.push_back(std::move(row));
  }
  return f;
}

}  // namespace

UnsplitDataset load_jsonl_text(const DataConfig& c) {
  validate_text_options(c);
  const std::string bytes = read_file_bytes(c.path);
  RawFile f = read_rows(c.path, bytes);
  if (f.rows.empty()) throw DatasetError::in_file(c.path, "no examples: every line is blank or has an empty \"text\".");

  std::vector<std::string> class_names;
  std::map<std::string, int32_t> class_of;  // string labels -> class, in sorted order
  if (f.string_labels) {
    for (const RawText& r : f.rows) class_of.emplace(r.label, 0);
    for (auto& [name, id] : class_of) {
      id = static_cast<int32_t>(class_names.size());
      class_names.push_back(name);
    }
  } else {
    int64_t max_label = 0;
    for (const RawText& r : f.rows) max_label = std::max(max_label, r.int_label);
    for (int64_t k = 0; k <= max_label; ++k) class_names.push_back(std::to_string(k));
  }
  std::vector<LabelledText> texts(f.rows.size());
  for (size_t i = 0; i < f.rows.size(); ++i) {
    texts[i].text = std::move(f.rows[i].text);
    texts[i].label = f.string_labels ? class_of.at(f.rows[i].label) : static_cast<int32_t>(f.rows[i].int_label);
  }

  Dataset d;
  d.name = "jsonl:" + c.path;
  d.privacy_unit = "one text (one line of the file)";
  d.content_hash = sha256_hex(bytes);
  d.stats["blank_lines"] = f.blank_lines;
  d.stats["empty_texts_skipped"] = f.empty_skipped;
  return build_text_classification(std::move(d), c, std::move(texts), std::move(class_names));
}

}  // namespace dpt
