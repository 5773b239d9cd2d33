// JSONL labelled text (source "jsonl"): one {"text": str, "label": int | str} per line, texts
// tokenised by byte (datasets/char_tokenizer.hpp) and truncated to data.max_length bytes,
// split by a seeded shuffle (or, with data.splits, one file per split: the classes are the
// training file's). Blank lines are skipped; anything else malformed is an error.
#pragma once

#include <cstdint>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "datasets/splits.hpp"

namespace dpt {

UnsplitDataset load_jsonl_text(const DataConfig& config);

}  // namespace dpt
