// load_dataset: checks what every source shares (fractions, path, PII scrubbing only on text)
// and hands the config to the source's loader (a switch over DataSourceKind). Options that do
// not apply are errors, never ignored.
#include "datasets/load_dataset.hpp"

#include <fmt/core.h>

#include <stdexcept>

#include "datasets/csv_series_loader.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/folder_text_loader.hpp"
#include "datasets/generated_tasks.hpp"
#include "datasets/jsonl_text_loader.hpp"
#include "datasets/names_loader.hpp"
#include "datasets/plain_text_loader.hpp"
#include "datasets/public_corpora.hpp"
#include "datasets/spam_loader.hpp"
#include "datasets/splits.hpp"

namespace dpt {

namespace {

bool is_text_source(DataSourceKind source) {
  switch (source) {
    case DataSourceKind::kJsonl:
    case DataSourceKind::kText:
    case DataSourceKind::kNames:
    case DataSourceKind::kSpam:
    case DataSourceKind::kMobyDick:
    case DataSourceKind::kFolder: return true;
    case DataSourceKind::kGenerated:
    case DataSourceKind::kCsv:
    case DataSourceKind::kBirths: return false;
  }
  return false;
}

// The file sources have no default path (data.splits names the files instead).
void require_path(const DataConfig& config) {
  if (config.path.empty() && !config.splits) throw DatasetError::in_field("path", fmt::format("required for source {}.", data_source_name(config.source)));
}

}  // namespace

UnsplitDataset read_dataset(const DataConfig& config, uint64_t generation_seed) {
  validate_split_fractions(config.validation_fraction, config.test_fraction);
  if (config.scrub_pii && !is_text_source(config.source)) {
    // Fail closed: a config that asks for scrubbing must never train on something unscrubbed.
    throw DatasetError::in_field("scrub_pii", fmt::format("applies to text sources (jsonl, text, names, spam, moby_dick, folder); source {} "
                                                          "holds no text to scrub, set it to false.", data_source_name(config.source)));
  }
  switch (config.source) {
    case DataSourceKind::kGenerated: return make_generated_dataset(config, generation_seed);
    case DataSourceKind::kNames: return load_names(config);
    case DataSourceKind::kSpam: return load_spam(config);
    case DataSourceKind::kBirths: return load_births(config);
    case DataSourceKind::kMobyDick: return load_moby_dick(config);
    case DataSourceKind::kCsv: require_path(config); return load_csv_series(config);
    case DataSourceKind::kJsonl: require_path(config); return load_jsonl_text(config);
    case DataSourceKind::kText: require_path(config); return load_plain_text(config);
    case DataSourceKind::kFolder: require_path(config); return load_folder_text(config);
  }
  throw std::logic_error("read_dataset: unknown DataSourceKind");
}

Dataset load_dataset(const DataConfig& config, uint64_t seed) { return split_dataset(read_dataset(config, seed), seed); }

}  // namespace dpt
