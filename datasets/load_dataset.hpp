// Loading a dataset from its config: generated tasks, CSV time series, JSONL labelled text,
// plain text for a character-level language model, and the fetched public corpora (names,
// spam, births, moby_dick), each split deterministically by seed (time series and running
// text: by position, in order train | validation | test). Errors name the file and the line.
#pragma once

#include <cstdint>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"

namespace dpt {

// Throws DatasetError (datasets/dataset_error.hpp) with the file, line and what is wrong.
Dataset load_dataset(const DataConfig& config, uint64_t split_seed);

}  // namespace dpt
