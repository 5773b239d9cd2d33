// CSV time series (source "csv"): one column forecast from the past of the input columns
// (data.columns; by default the column's own past). Windows of W rows predict the next row's
// value; split by time (train | validation | test) so that no training window sees a value from
// a later split, or given as split files (data.splits); every column standardised on its own
// with the training rows' statistics.
#pragma once

#include "datasets/csv_table.hpp"
#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "datasets/splits.hpp"

namespace dpt {

UnsplitDataset load_csv_series(const DataConfig& config);

}  // namespace dpt
