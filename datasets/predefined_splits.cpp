// The data.splits helpers; see predefined_splits.hpp.
#include "datasets/predefined_splits.hpp"

#include <stdexcept>
#include <utility>

#include <fmt/core.h>

#include "datasets/dataset_error.hpp"
#include "datasets/sha256.hpp"

namespace dpt {

std::vector<SplitFile> given_splits(const SplitPaths& splits) {
  std::vector<SplitFile> files{{"train", splits.train}};
  if (!splits.validation.empty()) files.push_back({"validation", splits.validation});
  if (!splits.test.empty()) files.push_back({"test", splits.test});
  return files;
}

SplitCounts predefined_counts(const std::vector<SplitFile>& files, const std::vector<int64_t>& sizes) {
  if (files.size() != sizes.size()) throw std::logic_error("predefined_counts: one size per split file");
  SplitCounts counts;
  for (size_t k = 0; k < files.size(); ++k) {
    int64_t& count = files[k].split == "train" ? counts.train : files[k].split == "validation" ? counts.validation : counts.test;
    count = sizes[k];
  }
  return counts;
}

std::string predefined_splits_name(std::string_view source, const std::vector<SplitFile>& files) {
  std::string name(source);
  for (size_t k = 0; k < files.size(); ++k) {
    name += k == 0 ? ":" : ",";
    name += std::string(files[k].split) + "=" + files[k].path;
  }
  return name;
}

std::string predefined_splits_hash(const std::vector<SplitFile>& files, const std::vector<std::string>& digests) {
  if (files.size() != digests.size()) throw std::logic_error("predefined_splits_hash: one digest per split file");
  for (size_t k = 0; k < files.size(); ++k) {
    for (size_t j = 0; j < k; ++j) {
      if (digests[j] == digests[k]) {
        throw DatasetError::in_field("splits", fmt::format("{} and {} hold the same bytes (the same file under two names, or a copy): "
                                                           "the {} split would be the {} split.",
                                                           files[j].path, files[k].path, files[k].split, files[j].split));
      }
    }
  }
  Sha256 h;
  for (size_t k = 0; k < files.size(); ++k) {
    h.update(files[k].split);
    h.update("\n");
    h.update(digests[k]);
    h.update("\n");
  }
  return h.hex_digest();
}

UnsplitDataset predefined_dataset(Dataset d, std::vector<Example> examples, std::string_view source,
                                  const std::vector<SplitFile>& files, const std::vector<int64_t>& sizes,
                                  const std::vector<std::string>& digests) {
  d.name = predefined_splits_name(source, files);
  d.content_hash = predefined_splits_hash(files, digests);
  UnsplitDataset u{std::move(d), std::move(examples), predefined_counts(files, sizes)};
  u.predefined = true;
  return u;
}

}  // namespace dpt
