// Everything a run decides before its first step, in the order it must be decided: read the
// data, resolve what the config leaves open (N, q, steps, δ, σ), compute the run key from
// the resolved config and the data's content hash, then split the data and pick the
// initialisation seed from the key (docs/reproducibility.md). `dptrain run`, `resume` and
// `grads` all start here, so they see the same split and the same initial weights.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/dataset.hpp"
#include "dp/accounting/privacy_accountant.hpp"
#include "experiments/config/experiment_config.hpp"
#include "experiments/run/run_key.hpp"

namespace dpt {

// What the config leaves to be decided once the data is known.
struct Resolved {
  int64_t dataset_size = 0;     // N: training examples
  double sampling_rate = 0.0;   // q = batch_size / N
  int64_t steps = 0;            // total steps
  int64_t steps_per_epoch = 0;  // ceil(N / batch_size)
  double delta = 0.0;
  std::string delta_source;
  double noise_multiplier = 0.0;
  bool calibrated = false;
};

// N, q, steps and δ from the config and the training split's size; σ as given or calibrated
// to privacy.target_epsilon. Throws ConfigError naming the field (batch_size > N, δ >= 1/N).
Resolved resolve(const ExperimentConfig& config, int64_t dataset_size);

// {"dataset_size", "sampling_rate", "steps", "steps_per_epoch", "delta", "delta_source",
// "noise_multiplier", "noise_multiplier_calibrated"}: manifest.json's "resolved".
nlohmann::ordered_json to_json(const Resolved& resolved);

// The config with what resolve() decided filled in (privacy.delta, training.steps): what
// config.json holds and what the run key covers.
ExperimentConfig with_resolved_defaults(const ExperimentConfig& config, const Resolved& resolved);

// The accountants a run reports for privacy.accountant: that one, or (absent: "all") every one
// of the registry, gdp (an approximation) too.
std::vector<AccountantKind> reported_accountants(const std::optional<AccountantKind>& setting);

struct RunSetup {
  Dataset data;           // split
  Resolved resolved;
  nlohmann::json key_material;
  RunKey key;
  uint64_t split_seed = 0;  // derived from data.split_seed, or from the key
  uint64_t init_seed = 0;   // derived from model.init_seed, or from the key
};

// Reads and splits the data, resolves the config and derives the key. Throws ConfigError naming
// the field when the run would need more memory than is available (memory_estimate.hpp),
// checked before the data is read and again once it is. `config` is as parsed
// (a new run) or as read back from a run folder's config.json (resume): both give the same key.
RunSetup prepare_run(const ExperimentConfig& config);

}  // namespace dpt
