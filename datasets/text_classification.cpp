// The tail every text-classification loader shares; see text_classification.hpp.
#include "datasets/text_classification.hpp"

#include <stdexcept>
#include <utility>

#include <fmt/core.h>

#include "base/check.hpp"
#include "datasets/char_tokenizer.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/pii_scrubber.hpp"
#include "datasets/splits.hpp"

namespace dpt {

void validate_text_options(const DataConfig& c) {
  check_at_least<DatasetError>(c.max_length, 1, "data.max_length");
  if (c.vocabulary != "bytes" && c.vocabulary != "observed") {
    throw DatasetError::in_field("vocabulary", fmt::format("expected \"bytes\" or \"observed\", but is \"{}\".", c.vocabulary));
  }
}

namespace {

// Scrubbing, truncation, tokens and the stats; `counts` says how the examples split.
UnsplitDataset encode_texts(Dataset d, const DataConfig& c, std::vector<LabelledText> texts,
                            std::vector<std::string> class_names, const SplitCounts& counts) {
  const auto n = static_cast<int64_t>(texts.size());

  PiiCounts pii;
  int64_t truncated = 0;
  std::string all_text;  // "observed" vocabulary: the bytes of the texts as tokenised
  for (LabelledText& t : texts) {
    if (c.scrub_pii) t.text = scrub_pii(t.text, pii);
    if (static_cast<int64_t>(t.text.size()) > c.max_length) {
      t.text.resize(static_cast<size_t>(c.max_length));
      ++truncated;
    }
    if (c.vocabulary == "observed") all_text += t.text;
  }
  const CharTokenizer tokenizer = c.vocabulary == "observed" ? CharTokenizer::observed_bytes(all_text) : CharTokenizer::all_bytes();

  d.task = TaskKind::kClassification;
  d.vocab_size = tokenizer.vocab_size();
  d.vocabulary = tokenizer.vocabulary();
  d.num_classes = static_cast<int>(class_names.size());
  d.class_names = std::move(class_names);
  std::vector<Example> examples(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    examples[i].tokens = tokenizer.encode(texts[i].text);
    examples[i].label = texts[i].label;
  }
  d.stats["texts"] = n;
  d.stats["truncated_texts"] = truncated;
  if (c.scrub_pii) record_pii_stats(pii, d.stats);
  return {std::move(d), std::move(examples), counts, /*ordered=*/false};
}

}  // namespace

UnsplitDataset build_text_classification(Dataset d, const DataConfig& c, std::vector<LabelledText> texts,
                                         std::vector<std::string> class_names) {
  validate_text_options(c);
  const SplitCounts counts = split_counts(static_cast<int64_t>(texts.size()), c.validation_fraction, c.test_fraction, "texts");
  return encode_texts(std::move(d), c, std::move(texts), std::move(class_names), counts);
}

UnsplitDataset build_text_classification(Dataset d, const DataConfig& c, std::vector<LabelledText> texts,
                                         std::vector<std::string> class_names, const SplitCounts& counts) {
  validate_text_options(c);
  if (counts.train < 1 || counts.validation < 0 || counts.test < 0 ||
      counts.train + counts.validation + counts.test != static_cast<int64_t>(texts.size())) {
    throw std::logic_error("build_text_classification: the predefined counts must cover every text, train at least one");
  }
  UnsplitDataset u = encode_texts(std::move(d), c, std::move(texts), std::move(class_names), counts);
  u.predefined = true;
  return u;
}

}  // namespace dpt
