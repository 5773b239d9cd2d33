// Loading a dataset from its config: generated tasks, CSV time series, JSONL labelled text,
// plain text for a character-level language model, and the fetched public corpora (names,
// spam, births, moby_dick), each split deterministically by seed (time series and running
// text: by position, in order train | validation | test). Errors name the file and the line.
// Two steps: read_dataset (the examples and their content hash), then split_dataset
// (datasets/splits.hpp) with a split seed that may depend on what was read.
#pragma once

#include <cstdint>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "datasets/splits.hpp"

namespace dpt {


// Throws DatasetError (datasets/dataset_error.hpp) with the file, line and what is wrong.
// `generation_seed` draws the generated tasks' examples (a generated dataset is defined by
// its parameters and this seed); file sources ignore it.
UnsplitDataset read_dataset(const DataConfig& config, uint64_t generation_seed);

// read_dataset, then split_dataset, both with `seed`.
Dataset load_dataset(const DataConfig& config, uint64_t seed);

}  // namespace dpt
