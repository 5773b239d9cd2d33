// CSV time series (source "csv"): one column forecast from its own past. Windows of W values
// predict the next value; split by time (train | validation | test) so that no training window
// sees a value from a later split; values standardised with the training portion's statistics.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "datasets/splits.hpp"

namespace dpt {

UnsplitDataset load_csv_series(const DataConfig& config);

// One CSV record split at commas; a field in double quotes may hold commas and "" for a quote.
// Fields are trimmed of spaces and tabs. Returns false on an unterminated quote.
bool split_csv_record(std::string_view line, std::vector<std::string>& fields);

}  // namespace dpt
