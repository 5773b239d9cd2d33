// The names loader: two one-name-per-line lists, trimmed, duplicates within a list kept once,
// names in both lists dropped; then the shared text-classification tail (bytes as tokens).
#include "datasets/names_loader.hpp"

#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "datasets/dataset_error.hpp"
#include "datasets/public_corpora.hpp"
#include "datasets/sha256.hpp"
#include "datasets/text_classification.hpp"
#include "datasets/text_file.hpp"

namespace dpt {
namespace {

std::string_view trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

struct NameList {
  std::vector<std::string> names;  // file order, each once
  std::set<std::string> set;
  int64_t duplicates = 0;
};

NameList read_names(const std::string& path, std::string_view bytes) {
  NameList list;
  for (const TextLine& line : split_lines(strip_utf8_bom(bytes))) {
    const std::string name(trim(line.text));
    if (name.empty()) continue;
    if (!list.set.insert(name).second) {
      ++list.duplicates;
      continue;
    }
    list.names.push_back(name);
  }
  if (list.names.empty()) throw DatasetError::in_file(path, "no names: every line is blank.");
  return list;
}

}  // namespace

UnsplitDataset load_names(const DataConfig& c) {
  validate_text_options(c);
  const std::string root = corpus_path(c);
  require_fetched(root, c.source);
  const char* const kSexes[] = {"female", "male"};  // class ids 0, 1
  Sha256 hash;
  NameList lists[2];
  for (int k = 0; k < 2; ++k) {
    const std::string file = fmt::format("{}/{}/data/names.txt", root, kSexes[k]);
    require_fetched(file, c.source);
    const std::string bytes = read_file_bytes(file);
    hash.update(fmt::format("{}/data/names.txt {}\n", kSexes[k], bytes.size()));
    hash.update(bytes);
    lists[k] = read_names(file, bytes);
  }
  std::vector<LabelledText> texts;
  int64_t ambiguous = 0;
  for (int k = 0; k < 2; ++k) {
    for (const std::string& name : lists[k].names) {
      if (lists[1 - k].set.count(name) > 0) {
        ambiguous += k == 0 ? 1 : 0;  // count each ambiguous name once
        continue;
      }
      texts.push_back({name, k});
    }
  }
  Dataset d;
  d.name = "names:" + root;
  d.privacy_unit = "one name (a distinct first name and its sex label)";
  d.content_hash = hash.hex_digest();
  d.stats["names.female"] = static_cast<int64_t>(lists[0].names.size());
  d.stats["names.male"] = static_cast<int64_t>(lists[1].names.size());
  d.stats["ambiguous_names_dropped"] = ambiguous;
  d.stats["duplicate_names_dropped"] = lists[0].duplicates + lists[1].duplicates;
  return build_text_classification(std::move(d), c, std::move(texts), {kSexes[0], kSexes[1]});
}

}  // namespace dpt
