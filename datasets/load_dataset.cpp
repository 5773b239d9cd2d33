// load_dataset: checks what every source shares (fractions, path, PII scrubbing only on text)
// and hands the config to the source's loader. Unknown sources and options are errors, never
// ignored.
#include "datasets/load_dataset.hpp"

#include <fmt/core.h>

#include "datasets/csv_series_loader.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/generated_tasks.hpp"
#include "datasets/jsonl_text_loader.hpp"
#include "datasets/names_loader.hpp"
#include "datasets/plain_text_loader.hpp"
#include "datasets/public_corpora.hpp"
#include "datasets/spam_loader.hpp"
#include "datasets/splits.hpp"

namespace dpt {

UnsplitDataset read_dataset(const DataConfig& config, uint64_t generation_seed) {
  validate_split_fractions(config.validation_fraction, config.test_fraction);
  const bool text_source = config.source == "jsonl" || config.source == "text" || config.source == "names" ||
                           config.source == "spam" || config.source == "moby_dick";
  const bool known = text_source || config.source == "generated" || config.source == "csv" || config.source == "births";
  if (!known) {
    throw DatasetError::in_field("source", fmt::format("unknown source \"{}\"; expected generated, csv, jsonl, text, names, spam, "
                                                       "births or moby_dick.", config.source));
  }
  if (config.scrub_pii && !text_source) {
    // Fail closed: a config that asks for scrubbing must never train on something unscrubbed.
    throw DatasetError::in_field("scrub_pii", fmt::format("applies to text sources (jsonl, text, names, spam, moby_dick); source {} "
                                                          "holds no text to scrub, set it to false.", config.source));
  }
  if (config.source == "generated") return make_generated_dataset(config, generation_seed);
  if (config.source == "names") return load_names(config);
  if (config.source == "spam") return load_spam(config);
  if (config.source == "births") return load_births(config);
  if (config.source == "moby_dick") return load_moby_dick(config);
  if (config.path.empty()) throw DatasetError::in_field("path", fmt::format("required for source {}.", config.source));
  if (config.source == "csv") return load_csv_series(config);
  if (config.source == "jsonl") return load_jsonl_text(config);
  return load_plain_text(config);
}

Dataset load_dataset(const DataConfig& config, uint64_t seed) { return split_dataset(read_dataset(config, seed), seed); }

}  // namespace dpt
