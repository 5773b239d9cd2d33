// The SpamAssassin loader: raw messages are read as bytes (invalid UTF-8 kept; counted in
// stats "non_utf8_emails"), reduced to Subject + body, then the shared text-classification
// tail. Folder contents are sorted, so the dataset does not depend on directory order.
#include "datasets/spam_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include <fmt/core.h>

#include "datasets/dataset_error.hpp"
#include "datasets/public_corpora.hpp"
#include "datasets/sha256.hpp"
#include "datasets/text_classification.hpp"
#include "datasets/text_file.hpp"

namespace dpt {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t k = 0; k < prefix.size(); ++k) {
    const char a = s[k] >= 'A' && s[k] <= 'Z' ? static_cast<char>(s[k] - 'A' + 'a') : s[k];
    if (a != prefix[k]) return false;
  }
  return true;
}

std::vector<std::filesystem::path> message_files(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    // Every *.txt is a message: one that is not a regular file (a FIFO, a device, a folder) is
    // refused by read_file_bytes with its path, not skipped (it would silently change the data).
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  if (ec) throw DatasetError::in_file(dir, "cannot list the folder: " + ec.message());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  return files;
}

}  // namespace

std::string subject_and_body(std::string_view m) {
  std::string subject;
  size_t i = 0;
  bool in_subject = false;
  while (i < m.size()) {
    size_t end = m.find('\n', i);
    if (end == std::string_view::npos) end = m.size();
    std::string_view line = m.substr(i, end - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    i = end + 1;
    if (line.empty()) {
      subject.push_back('\n');
      if (i < m.size()) subject.append(m.substr(i));
      return subject;
    }
    const bool continuation = line.front() == ' ' || line.front() == '\t';
    if (continuation && in_subject) {
      const size_t first = line.find_first_not_of(" \t");
      if (first != std::string_view::npos) {
        subject.push_back(' ');
        subject.append(line.substr(first));
      }
    } else if (!continuation) {
      in_subject = subject.empty() && starts_with_nocase(line, "subject:");
      if (in_subject) {
        std::string_view value = line.substr(8);
        const size_t first = value.find_first_not_of(" \t");
        subject = first == std::string_view::npos ? std::string() : std::string(value.substr(first));
      }
    }
  }
  subject.push_back('\n');  // headers only, no body
  return subject;
}

UnsplitDataset load_spam(const DataConfig& c) {
  validate_text_options(c);
  const std::string root = corpus_path(c);
  require_fetched(root, c.source);
  Sha256 hash;
  std::vector<LabelledText> texts;
  int64_t non_utf8 = 0, per_class[2] = {0, 0};
  auto read_group = [&](std::string_view group, int32_t label) {
    const std::string dir = fmt::format("{}/{}", root, group);
    require_fetched(dir, c.source);
    const std::vector<std::filesystem::path> files = message_files(dir);
    if (files.empty()) throw DatasetError::in_file(dir, "no *.txt messages in the folder.");
    for (const auto& file : files) {
      const std::string bytes = read_file_bytes(file.string());
      hash.update(fmt::format("{}/{} {}\n", group, file.filename().string(), bytes.size()));
      hash.update(bytes);
      non_utf8 += is_valid_utf8(bytes) ? 0 : 1;
      ++per_class[label];
      texts.push_back({subject_and_body(bytes), label});
    }
  };
  for (const std::string_view g : kHamGroups) read_group(g, 0);
  for (const std::string_view g : kSpamGroups) read_group(g, 1);

  Dataset d;
  d.name = "spam:" + root;
  d.privacy_unit = "one e-mail (its Subject and body)";
  d.content_hash = hash.hex_digest();
  d.stats["emails.ham"] = per_class[0];
  d.stats["emails.spam"] = per_class[1];
  d.stats["non_utf8_emails"] = non_utf8;
  return build_text_classification(std::move(d), c, std::move(texts), {"ham", "spam"});
}

}  // namespace dpt
