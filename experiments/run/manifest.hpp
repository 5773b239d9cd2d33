// manifest.json: what a reviewer needs to rerun a run and check it is the same one —
// hashes of the resolved config and of the data, dptrain's version and git commit, the seed
// (reproducible mode only), the run key, threads, the CPU, and the values resolved at start
// (q, steps, δ, σ).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "experiments/config/experiment_config.hpp"

namespace dpt {

struct RunManifest {
  std::string config_hash;        // SHA-256 of config.json
  std::string data_hash;          // Dataset::content_hash
  std::string data_json_hash;     // SHA-256 of data.json (data_description.hpp)
  std::optional<uint64_t> seed;   // absent in secure mode
  std::string run_id;             // experiments/run/run_key.hpp: names the run (not its stream seed)
  int threads = 1;
  nlohmann::ordered_json resolved;
  // With privacy.ledger: {"path", "key", "seq"}, the charge this run made (run_ledger.hpp); absent otherwise.
  std::optional<nlohmann::ordered_json> ledger;
  // With model.init_from: {"path", "sha256", "tensors", "assumption"} (warm_start.hpp); absent otherwise.
  std::optional<nlohmann::ordered_json> init_from;
};

nlohmann::ordered_json manifest_json(const RunManifest& m);

// Throws ConfigError (exit 2: the folder is refused as input, nothing is wrong with it) naming
// `manifest_file` unless the manifest was written by this dptrain version; `use` says what to do
// with that version ("resume it", "evaluate or predict with it"). A folder without the field is
// left to the caller's other checks.
void check_manifest_version(const std::string& manifest_file, const nlohmann::json& manifest, const std::string& use);

// model.safetensors's metadata: it names its run, so `evaluate` and `predict` can refuse weights
// from elsewhere — {"format": "pt", "run": name, "run_id": "sha256:<id>", "config_sha256",
// "data_json_sha256" (of the files' texts), "model": the config's model section as JSON}.
std::map<std::string, std::string> model_metadata(const ExperimentConfig& config, const std::string& run_id,
                                                  const std::string& config_text, const std::string& data_json_text);

// "0.3.0" and the git commit the binary was built from ("unknown" outside a checkout).
std::string dptrain_version();
std::string dptrain_git_commit();

}  // namespace dpt
