// Plain text (source "text") for a character-level language model: the file's bytes cut into
// consecutive, non-overlapping chunks of data.chunk_length, split by position into contiguous
// blocks train | validation | test (no seed: no chunk shares text with another split); with
// data.splits each file is chunked on its own and is one split.
#pragma once

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "datasets/splits.hpp"

namespace dpt {

UnsplitDataset load_plain_text(const DataConfig& config);

}  // namespace dpt
