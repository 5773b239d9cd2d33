// What `dptrain evaluate` and `dptrain predict` compute on a finished run folder, as text: the
// evaluate JSON document and predict's JSON lines (docs/inference.md). Shared by the CLI
// (experiments/cli/inference_commands.cpp) and the Python package (python/run_bindings.cpp).
// Both are post-processing of the released model and write nothing.
#pragma once

#include <string>

#include "experiments/run/finished_run.hpp"

namespace dpt {

// The note predict prints on stderr.
extern const char* const kPredictNote;

// evaluate's JSON document (indented, no trailing newline): on the split `split` ("test",
// "validation" or "train") rebuilt from the run's data, or, when `data` is not empty, on that new
// file. Throws ConfigError ("--split") for a split the run does not have, IoError for changed
// data, DatasetError for a bad new file.
std::string evaluation_json(const FinishedRun& run, const std::string& split, const std::string& data);

// predict's JSON lines (each ending in '\n') for the inputs in `input` (JSONL texts or prompts,
// or CSV rows). `top_k_given`: top_k was chosen (language models only; ConfigError "--top-k"
// otherwise).
std::string prediction_lines(const FinishedRun& run, const std::string& input, int top_k, bool top_k_given);

}  // namespace dpt
