// The JSONL text-classification loader. Labels are all integers (classes 0..max) or all
// strings (classes = the distinct strings in sorted byte order). nlohmann::json rejects invalid
// UTF-8, so such a line is reported as malformed with its file and line; it never crashes.
// With data.splits each file is read the same way and the classes are the training file's.
#include "datasets/jsonl_text_loader.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "base/check.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/predefined_splits.hpp"
#include "datasets/sha256.hpp"
#include "datasets/text_classification.hpp"
#include "datasets/text_file.hpp"

namespace dpt {
namespace {

constexpr int64_t kMaxClasses = int64_t{1} << 20;  // integer labels: classes 0..max are all created

struct RawText {
  std::string text;    // as in the file (scrubbing and truncation come later)
  int64_t line = 0;    // 1-based line number in the file
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
    row.line = line.number;
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

// The file's rows; an error naming the file if it holds none.
RawFile read_examples(const std::string& path, const std::string& bytes) {
  RawFile f = read_rows(path, bytes);
  if (f.rows.empty()) throw DatasetError::in_file(path, "no examples: every line is blank or has an empty \"text\".");
  return f;
}

// The classes of `train`: its distinct string labels sorted, or 0..max of its integer labels.
std::vector<std::string> class_names_of(const RawFile& train) {
  std::vector<std::string> names;
  if (train.string_labels) {
    std::map<std::string, int32_t> sorted;
    for (const RawText& r : train.rows) sorted.emplace(r.label, 0);
    for (const auto& entry : sorted) names.push_back(entry.first);
  } else {
    int64_t max_label = 0;
    for (const RawText& r : train.rows) max_label = std::max(max_label, r.int_label);
    for (int64_t k = 0; k <= max_label; ++k) names.push_back(std::to_string(k));
  }
  return names;
}

// Appends the rows of `f` (read from `path`) as class ids of `class_names`; `train_path` names
// the file the classes come from when a row's label is not one of them.
void append_texts(const std::string& path, RawFile& f, bool string_labels, const std::vector<std::string>& class_names,
                  const std::string& train_path, std::vector<LabelledText>& texts) {
  std::map<std::string, int32_t> class_of;
  for (size_t k = 0; k < class_names.size(); ++k) class_of.emplace(class_names[k], static_cast<int32_t>(k));
  if (f.string_labels != string_labels) {
    throw DatasetError::at_line(path, f.rows.front().line, fmt::format("\"label\" is {}, but the labels of {} are {}: use one kind.",
                                                                        f.string_labels ? "a string" : "an integer", train_path,
                                                                        string_labels ? "strings" : "integers"));
  }
  for (RawText& r : f.rows) {
    const std::string name = string_labels ? r.label : std::to_string(r.int_label);
    const auto it = class_of.find(name);
    if (it == class_of.end()) {
      throw DatasetError::at_line(path, r.line, fmt::format("label {} has no training examples (it is not a label of {}).",
                                                            string_labels ? "\"" + printable_excerpt(name, 200) + "\"" : name, train_path));
    }
    texts.push_back({std::move(r.text), it->second});
  }
}

// Integer labels make classes 0..max of the training file, so a held-out label can be a class
// with no training example (train {0, 2}, test 1): refused like a label outside the classes.
void check_held_out_labels_trained(const std::vector<LabelledText>& texts, size_t train_size,
                                   const std::vector<std::string>& origins, const std::string& train_path) {
  std::vector<bool> trained;
  for (size_t i = 0; i < train_size; ++i) {
    const auto label = static_cast<size_t>(texts[i].label);
    if (label >= trained.size()) trained.resize(label + 1, false);
    trained[label] = true;
  }
  for (size_t i = train_size; i < texts.size(); ++i) {
    const auto label = static_cast<size_t>(texts[i].label);
    if (label >= trained.size() || !trained[label]) {
      const std::string::size_type colon = origins[i].rfind(':');
      throw DatasetError::in_file(origins[i].substr(0, colon) + ":" + origins[i].substr(colon + 1),
                                  fmt::format("label {} has no training examples ({} has none with it).", texts[i].label, train_path));
    }
  }
}

// data.splits: each file read as data.path is; the classes are the training file's.
UnsplitDataset load_jsonl_splits(const DataConfig& c) {
  const std::vector<SplitFile> files = given_splits(*c.splits);
  std::vector<std::string> digests;
  std::vector<int64_t> sizes;
  std::vector<std::string> origins;  // source position -> "file:line"
  std::vector<LabelledText> texts;
  std::vector<std::string> class_names;
  bool string_labels = false;
  int64_t blank_lines = 0, empty_skipped = 0;
  for (const SplitFile& file : files) {
    const std::string bytes = read_file_bytes(file.path);
    RawFile f = read_examples(file.path, bytes);
    if (file.split == "train") {
      class_names = class_names_of(f);
      string_labels = f.string_labels;
    }
    for (const RawText& r : f.rows) origins.push_back(file.path + ":" + std::to_string(r.line));
    digests.push_back(sha256_hex(bytes));
    sizes.push_back(static_cast<int64_t>(f.rows.size()));
    blank_lines += f.blank_lines;
    empty_skipped += f.empty_skipped;
    append_texts(file.path, f, string_labels, class_names, files.front().path, texts);
  }
  check_held_out_labels_trained(texts, static_cast<size_t>(sizes.front()), origins, files.front().path);
  Dataset d;
  d.name = predefined_splits_name("jsonl", files);
  d.privacy_unit = "one text (one line of a file)";
  d.content_hash = predefined_splits_hash(files, digests);
  d.stats["blank_lines"] = blank_lines;
  d.stats["empty_texts_skipped"] = empty_skipped;
  UnsplitDataset u = build_text_classification(std::move(d), c, std::move(texts), std::move(class_names), predefined_counts(files, sizes));
  check_no_shared_examples(u.examples, u.counts, [&](int64_t i) { return origins[static_cast<size_t>(i)]; });
  return u;
}

}  // namespace

UnsplitDataset load_jsonl_text(const DataConfig& c) {
  validate_text_options(c);
  if (c.splits) return load_jsonl_splits(c);
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
