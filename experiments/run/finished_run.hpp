// A finished run folder opened for use (`dptrain evaluate`, `dptrain predict`): config.json,
// manifest.json, data.json and model.safetensors, each verified before anything of it is used
// (DESIGN.md, invariant 8) — the manifest is of this dptrain version, config.json and data.json
// have the digests the manifest records, model.safetensors names this run, this config and this
// data.json, and holds exactly the tensors (names and shapes) of the model config.json builds.
// Opening only reads: a refused folder is left as it was.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/models/sequence_model.hpp"
#include "datasets/dataset.hpp"
#include "experiments/config/experiment_config.hpp"

namespace dpt {

struct FinishedRun {
  std::string dir;
  ExperimentConfig config;       // config.json (resolved: every default filled)
  std::string run_id;            // manifest.json's run_id, hex without "sha256:"
  Dataset description;           // data.json: vocabulary, classes, standardisation; no examples
  std::map<std::string, std::string> split_digests;  // data.json: "train" | "validation" | "test" -> split_digest
  std::unique_ptr<SequenceModel<float>> model;       // with the weights of model.safetensors
};

// Opens and verifies the run folder `dir`. Throws IoError naming the file and what is wrong (a
// missing folder or file, another dptrain version, a digest that differs, an unfinished run,
// weights of another run or another model) and ConfigError for a config.json this dptrain
// cannot read.
FinishedRun open_finished_run(const std::string& dir);

// "<dir>/<file>".
std::string run_file(const FinishedRun& run, const std::string& file);

}  // namespace dpt
