// The folder loader; see folder_text_loader.hpp. A folder is scanned first (class folders,
// then every regular file below each, recursively; names starting with '.' skipped), checked
// against the classes, then read file by file in source order: classes in label order, each
// class's files by their path relative to the root, in byte order. Nothing that is not a
// regular file is ever opened.
#include "datasets/folder_text_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "datasets/dataset_error.hpp"
#include "datasets/predefined_splits.hpp"
#include "datasets/sha256.hpp"
#include "datasets/text_classification.hpp"
#include "datasets/text_file.hpp"

namespace fs = std::filesystem;

namespace dpt {
namespace {

struct FolderFile {
  std::string relative;  // "<class>/<sub>/.../<name>", '/'-separated
  std::string path;      // as opened: "<root>/<relative>"
};

// A folder as scanned: its class folders (by name) and their files, each list sorted.
struct FolderScan {
  std::string root;
  std::map<std::string, std::vector<FolderFile>> classes;  // sorted by bytes (std::string's <)
  int64_t hidden_skipped = 0;
};

bool is_hidden(const std::string& name) { return !name.empty() && name.front() == '.'; }

// "<dir>/<name>", without doubling a trailing '/' of dir.
std::string join(const std::string& dir, const std::string& name) {
  return !dir.empty() && dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string file_type_name(fs::file_type type) {
  switch (type) {
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::character: return "a character device";
    case fs::file_type::block: return "a block device";
    case fs::file_type::not_found: return "a broken symbolic link";
    default: return "not a regular file or folder";
  }
}

// The entries of `dir` as (name, path), sorted by name; an error naming `dir` if it cannot be listed.
std::vector<std::pair<std::string, std::string>> list_folder(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    entries.emplace_back(name, join(dir, name));
  }
  if (ec) throw DatasetError::in_file(dir, "cannot list the folder: " + ec.message());
  std::sort(entries.begin(), entries.end());
  return entries;
}

// The kind of `path`, following a symbolic link; an error naming it unless a regular file or a folder.
fs::file_type entry_type(const std::string& path) {
  std::error_code ec;
  const fs::file_type type = fs::status(path, ec).type();
  if (type == fs::file_type::regular || type == fs::file_type::directory) return type;
  throw DatasetError::in_file(path, fmt::format("{} ({}); every entry of a class folder must be a regular file or a folder",
                                                ec && type != fs::file_type::not_found ? "cannot inspect: " + ec.message() : "not a regular file",
                                                file_type_name(type)));
}

// Every regular file below `dir` (recursively), relative paths prefixed by `relative`.
void scan_class_folder(const std::string& dir, const std::string& relative, FolderScan& scan, std::vector<FolderFile>& files) {
  for (const auto& [name, path] : list_folder(dir)) {
    if (is_hidden(name)) {
      ++scan.hidden_skipped;
      continue;
    }
    if (entry_type(path) == fs::file_type::directory) {
      std::error_code ec;
      if (fs::is_symlink(fs::symlink_status(path, ec))) {
        throw DatasetError::in_file(path, "a symbolic link to a folder inside a class folder (not followed: link the class folder itself, or copy).");
      }
      scan_class_folder(path, relative + "/" + name, scan, files);
    } else {
      files.push_back({relative + "/" + name, path});
    }
  }
}

// The class folders of `root` and their files. Loose files in the root are an error.
FolderScan scan_folder(const std::string& root) {
  std::error_code ec;
  const fs::file_status status = fs::status(root, ec);
  if (status.type() == fs::file_type::not_found) throw DatasetError::in_file(root, "no such folder");
  if (status.type() != fs::file_type::directory) {
    throw DatasetError::in_file(root, "not a folder; source \"folder\" reads a folder with one sub-folder per class");
  }
  FolderScan scan;
  scan.root = root;
  for (const auto& [name, path] : list_folder(root)) {
    if (is_hidden(name)) {
      ++scan.hidden_skipped;
      continue;
    }
    if (entry_type(path) != fs::file_type::directory) {
      throw DatasetError::in_file(path, fmt::format("a file directly in {}: every example must be in a class sub-folder "
                                                    "(<folder>/<class>/<file>).", root));
    }
    if (!is_valid_utf8(name)) {
      // Class names are written to data.json and every JSON output: they must be text.
      throw DatasetError::in_file(path, fmt::format("the class folder name '{}' is not valid UTF-8: rename it (class names "
                                                    "are written to data.json and the predictions).", printable_excerpt(name, 200)));
    }
    std::vector<FolderFile>& files = scan.classes[name];
    scan_class_folder(path, name, scan, files);
    std::sort(files.begin(), files.end(), [](const FolderFile& a, const FolderFile& b) { return a.relative < b.relative; });
  }
  return scan;
}

// The class names of the training folder: data.classes (each must be a sub-folder, and every
// sub-folder must be listed) or the sub-folders in sorted order.
std::vector<std::string> training_classes(const DataConfig& c, const FolderScan& train) {
  std::vector<std::string> names;
  for (const auto& entry : train.classes) names.push_back(entry.first);
  if (c.classes.empty()) {
    if (names.empty()) throw DatasetError::in_file(train.root, "no class sub-folders: source \"folder\" reads <folder>/<class>/<file>.");
    return names;
  }
  for (const std::string& name : c.classes) {
    if (!train.classes.contains(name)) {
      throw DatasetError::in_field("classes", fmt::format("class '{}' is not a sub-folder of {}.", printable_excerpt(name, 200), train.root));
    }
  }
  for (const std::string& name : names) {
    if (std::find(c.classes.begin(), c.classes.end(), name) == c.classes.end()) {
      throw DatasetError::in_field("classes", fmt::format("{} has a sub-folder '{}' that is not listed: list it, or move it out "
                                                          "(a sub-folder is never silently dropped).", train.root, printable_excerpt(name, 200)));
    }
  }
  return c.classes;
}

// Checks the classes of a validation / test folder: each a training class (a split may lack one).
void check_held_out_classes(const FolderScan& scan, const std::vector<std::string>& classes, const std::string& train_root) {
  for (const auto& entry : scan.classes) {
    if (std::find(classes.begin(), classes.end(), entry.first) == classes.end()) {
      throw DatasetError::in_file(scan.root, fmt::format("class '{}' has no training examples (it is not a sub-folder of {}).",
                                                         printable_excerpt(entry.first, 200), train_root));
    }
  }
}

// What reading the folders gives: texts in source order, their paths, and the stats.
struct FolderTexts {
  std::vector<LabelledText> texts;
  std::vector<std::string> paths;  // source position -> the file's path
  int64_t hidden_skipped = 0, empty_skipped = 0;
};

// Reads the files of `scan` in source order (classes in label order) and returns the folder's
// content hash: SHA-256 of, per file, "<relative path>\0<SHA-256 hex of its bytes>\n".
std::string read_folder(const FolderScan& scan, const std::vector<std::string>& classes, FolderTexts& out) {
  Sha256 hash;
  const size_t before = out.texts.size();
  out.hidden_skipped += scan.hidden_skipped;
  for (size_t label = 0; label < classes.size(); ++label) {
    const auto it = scan.classes.find(classes[label]);
    if (it == scan.classes.end()) continue;  // a held-out folder may lack a class
    int64_t examples = 0;
    for (const FolderFile& file : it->second) {
      std::string bytes = read_file_bytes(file.path);
      if (bytes.empty()) {
        ++out.empty_skipped;
        continue;
      }
      hash.update(file.relative);
      hash.update(std::string_view("\0", 1));
      hash.update(sha256_hex(bytes));
      hash.update("\n");
      out.texts.push_back({std::move(bytes), static_cast<int32_t>(label)});
      out.paths.push_back(file.path);
      ++examples;
    }
    if (examples == 0) {
      throw DatasetError::in_file(join(scan.root, it->first), "a class folder with no examples (every file in it is empty or hidden).");
    }
  }
  if (out.texts.size() == before) throw DatasetError::in_file(scan.root, "no examples in the folder.");
  return hash.hex_digest();
}

Dataset folder_dataset(std::string name, std::string content_hash, const FolderTexts& read) {
  Dataset d;
  d.name = std::move(name);
  d.privacy_unit = "one file (one example of a class folder)";
  d.content_hash = std::move(content_hash);
  d.stats["hidden_files_skipped"] = read.hidden_skipped;
  d.stats["empty_files_skipped"] = read.empty_skipped;
  return d;
}

// data.splits: each split a folder; the classes are the training folder's (or data.classes).
UnsplitDataset load_folder_splits(const DataConfig& c) {
  const std::vector<SplitFile> folders = given_splits(*c.splits);
  std::vector<FolderScan> scans;
  for (const SplitFile& f : folders) scans.push_back(scan_folder(f.path));
  const std::vector<std::string> classes = training_classes(c, scans.front());
  for (size_t k = 1; k < scans.size(); ++k) check_held_out_classes(scans[k], classes, scans.front().root);
  FolderTexts read;
  std::vector<std::string> digests;
  std::vector<int64_t> sizes;
  for (const FolderScan& scan : scans) {
    const size_t before = read.texts.size();
    digests.push_back(read_folder(scan, classes, read));
    sizes.push_back(static_cast<int64_t>(read.texts.size() - before));
  }
  Dataset d = folder_dataset(predefined_splits_name("folder", folders), predefined_splits_hash(folders, digests), read);
  UnsplitDataset u = build_text_classification(std::move(d), c, std::move(read.texts), classes, predefined_counts(folders, sizes));
  check_no_shared_examples(u.examples, u.counts, [&](int64_t i) { return read.paths[static_cast<size_t>(i)]; });
  return u;
}

}  // namespace

UnsplitDataset load_folder_text(const DataConfig& c) {
  validate_text_options(c);
  for (size_t k = 0; k < c.classes.size(); ++k) {
    const std::string& name = c.classes[k];
    if (name.empty() || is_hidden(name) || name.find('/') != std::string::npos) {
      throw DatasetError::in_field(fmt::format("classes[{}]", k), fmt::format("'{}' is not a folder name (empty, starting with '.' or with a '/').",
                                                                               printable_excerpt(name, 200)));
    }
  }
  if (c.splits) return load_folder_splits(c);
  const FolderScan scan = scan_folder(c.path);
  const std::vector<std::string> classes = training_classes(c, scan);
  FolderTexts read;
  std::string content_hash = read_folder(scan, classes, read);
  Dataset d = folder_dataset("folder:" + c.path, std::move(content_hash), read);
  return build_text_classification(std::move(d), c, std::move(read.texts), classes);
}

}  // namespace dpt
