// load_dataset: checks what every source shares (fractions, path, PII scrubbing) and hands the
// config to the source's loader. Unknown sources and options are errors, never ignored.
#include "datasets/load_dataset.hpp"

#include <fmt/core.h>

#include "datasets/csv_series_loader.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/generated_tasks.hpp"
#include "datasets/jsonl_text_loader.hpp"
#include "datasets/plain_text_loader.hpp"
#include "datasets/splits.hpp"

namespace dpt {

Dataset load_dataset(const DataConfig& config, uint64_t split_seed) {
  validate_split_fractions(config.validation_fraction, config.test_fraction);
  if (config.scrub_pii) {
    // Fail closed: silently training on unscrubbed text would be worse than refusing.
    throw DatasetError::in_field("scrub_pii", "PII scrubbing is not implemented yet; set it to false.");
  }
  if (config.source == "generated") return make_generated_dataset(config, split_seed);
  if (config.source != "csv" && config.source != "jsonl" && config.source != "text") {
    throw DatasetError::in_field("source", fmt::format("unknown source \"{}\"; expected generated, csv, jsonl or text.", config.source));
  }
  if (config.path.empty()) throw DatasetError::in_field("path", fmt::format("required for source {}.", config.source));
  if (config.source == "csv") return load_csv_series(config);
  if (config.source == "jsonl") return load_jsonl_text(config, split_seed);
  return load_plain_text(config);
}

}  // namespace dpt
