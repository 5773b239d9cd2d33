// The inputs of `dptrain predict`, read from a file and put in a run's encoding: JSONL lines
// {"text": "..."} (text classifiers: the run's data.scrub_pii and data.max_length applied as its
// loader applies them; language models: the prompt, scrubbed if the run scrubbed, whole), or a
// CSV with the run's input columns (regression: one example per window of data.window
// consecutive rows, standardised with data.json's scales). Errors name the file and line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/data_config.hpp"
#include "datasets/dataset.hpp"
#include "experiments/run/run_encoding.hpp"

namespace dpt {

struct PredictionInputs {
  std::vector<Example> examples;  // in the run's encoding
  std::vector<int64_t> lines;     // (examples) the 1-based line of each text, or of each window's last row
};

// JSONL texts; other keys of a line are ignored, blank lines skipped. `truncate`: cut to
// data.max_length bytes (classifiers). Throws DatasetError "<file>:<line>: ...".
PredictionInputs read_text_inputs(const std::string& file, const DataConfig& data, bool truncate, const RunEncoding& encoding);

// CSV windows: the header must name every input column of `run` (data.json's
// standardization.inputs); other columns are ignored. Throws DatasetError "<file>[:<line>]: ...".
PredictionInputs read_csv_windows(const std::string& file, const Dataset& run, int window, const RunEncoding& encoding);

}  // namespace dpt
