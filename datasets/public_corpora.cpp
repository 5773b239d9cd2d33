// Default paths of the fetched corpora and the two corpora that are thin wrappers around the
// generic loaders (births: csv series; moby_dick: plain text). names and spam have their own
// files (names_loader.cpp, spam_loader.cpp).
#include "datasets/public_corpora.hpp"

#include <filesystem>

#include <fmt/core.h>

#include "datasets/csv_series_loader.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/plain_text_loader.hpp"

namespace dpt {

bool is_public_corpus(DataSourceKind source) {
  switch (source) {
    case DataSourceKind::kNames:
    case DataSourceKind::kSpam:
    case DataSourceKind::kBirths:
    case DataSourceKind::kMobyDick: return true;
    case DataSourceKind::kGenerated:
    case DataSourceKind::kCsv:
    case DataSourceKind::kJsonl:
    case DataSourceKind::kText:
    case DataSourceKind::kFolder: return false;
  }
  return false;
}

std::string corpus_path(const DataConfig& c) {
  if (!c.path.empty()) return c.path;
  switch (c.source) {
    case DataSourceKind::kNames: return kNamesDefaultPath;
    case DataSourceKind::kSpam: return kSpamDefaultPath;
    case DataSourceKind::kBirths: return kBirthsDefaultPath;
    case DataSourceKind::kMobyDick: return kMobyDickDefaultPath;
    case DataSourceKind::kGenerated:
    case DataSourceKind::kCsv:
    case DataSourceKind::kJsonl:
    case DataSourceKind::kText:
    case DataSourceKind::kFolder: break;
  }
  throw DatasetError::in_field("source", fmt::format("\"{}\" is not a public corpus.", data_source_name(c.source)));
}

void require_fetched(const std::string& path, DataSourceKind source) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return;
  throw DatasetError::in_file(path, fmt::format("no such file or directory (data.source \"{}\"); run scripts/fetch-data.sh "
                                                "from the repository root to download the corpus, or set data.path.", data_source_name(source)));
}

UnsplitDataset load_births(const DataConfig& config) {
  DataConfig c = config;
  c.path = corpus_path(config);
  if (c.column.empty()) c.column = std::string("births");
  require_fetched(c.path, c.source);
  UnsplitDataset d = load_csv_series(c);
  d.dataset.name = "births:" + c.path;
  d.dataset.privacy_unit = fmt::format("one window of {} days (and the day after it)", c.window);
  return d;
}

UnsplitDataset load_moby_dick(const DataConfig& config) {
  DataConfig c = config;
  c.path = corpus_path(config);
  require_fetched(c.path, c.source);
  UnsplitDataset d = load_plain_text(c);
  d.dataset.name = "moby_dick:" + c.path;
  d.dataset.privacy_unit = fmt::format("one text chunk of {} bytes", c.chunk_length);
  return d;
}

}  // namespace dpt
