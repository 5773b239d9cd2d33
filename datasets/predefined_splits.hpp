// What the text loaders share for data.splits (predefined train / validation / test files):
// the given splits in order, the sizes they make, and the dataset's name and content hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/data_config.hpp"
#include "datasets/splits.hpp"

namespace dpt {

// One given split: its name ("train", "validation", "test") and its file (or folder).
struct SplitFile {
  std::string_view split;
  std::string path;
};

// train, then validation and test when given (a path of "" means no such split).
std::vector<SplitFile> given_splits(const SplitPaths& splits);

// The counts of examples read from each given split, in given_splits order.
SplitCounts predefined_counts(const std::vector<SplitFile>& files, const std::vector<int64_t>& sizes);

// "<source>:train=<path>,validation=<path>,test=<path>" (the given splits only).
std::string predefined_splits_name(std::string_view source, const std::vector<SplitFile>& files);

// SHA-256 (hex) of, per given split in order, "<split>\n" + digests[k] + "\n", where digests[k]
// is the SHA-256 (hex) of that split's file (or the folder's content hash). Throws DatasetError for
// data.splits when two splits have the same digest: one file under two names (./a, a symlink,
// an absolute path) or a copy would make a held-out split the training split.
std::string predefined_splits_hash(const std::vector<SplitFile>& files, const std::vector<std::string>& digests);

// The examples of every given split in turn as one predefined UnsplitDataset: `d` named and
// hashed from the files (the two functions above), counts from `sizes`.
UnsplitDataset predefined_dataset(Dataset d, std::vector<Example> examples, std::string_view source,
                                  const std::vector<SplitFile>& files, const std::vector<int64_t>& sizes,
                                  const std::vector<std::string>& digests);

}  // namespace dpt
