// Data a finished run never saw, for `dptrain evaluate --data PATH`: PATH is read as the run's
// source would read it (the run's data config with data.path = PATH, no predefined splits, both
// fractions 0 so every example is kept, vocabulary "bytes" and standardize "none"), then
// encoded with the run's encoding from data.json (run_encoding.hpp) — never with anything
// derived from PATH itself.
#pragma once

#include <string>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "experiments/run/finished_run.hpp"

namespace dpt {

// The config PATH is loaded with. Throws DatasetError for a generated source (it has no file).
DataConfig new_data_config(const DataConfig& run_data, const std::string& path);

// run.description with `train` = PATH's examples in the run's encoding (validation and test
// empty). Throws DatasetError naming PATH (unreadable, malformed, an unknown byte or class).
Dataset load_new_data(const FinishedRun& run, const std::string& path);

}  // namespace dpt
