// Labelled texts -> a classification Dataset, shared by the jsonl, names and spam loaders:
// optional PII scrubbing, truncation to data.max_length bytes, byte tokens, and a seeded
// shuffle into train | validation | test (split_dataset), or the predefined splits' sizes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "datasets/splits.hpp"

namespace dpt {

struct LabelledText {
  std::string text;    // raw bytes, any encoding; not empty
  int32_t label = 0;   // class id in [0, class_names.size())
};

// Fills d.task, vocab_size, vocabulary, num_classes, class_names and the stats "texts",
// "truncated_texts" (and "pii.*" when config.scrub_pii), and returns it with the examples, to
// be split by a seeded shuffle. Scrubbing comes before truncation, so an address is never cut
// into a fragment the scanners would miss. The caller sets name, privacy_unit and content_hash.
UnsplitDataset build_text_classification(Dataset d, const DataConfig& config, std::vector<LabelledText> texts,
                                         std::vector<std::string> class_names);
// The same for data.splits: `texts` are the train, validation and test files' in turn and
// `counts` their sizes (they must sum to texts.size()); the result is marked predefined, so
// split_dataset cuts it in order. The fractions are not used.
UnsplitDataset build_text_classification(Dataset d, const DataConfig& config, std::vector<LabelledText> texts,
                                         std::vector<std::string> class_names, const SplitCounts& counts);

// Throws DatasetError naming data.max_length / data.vocabulary when they are invalid.
void validate_text_options(const DataConfig& config);

}  // namespace dpt
