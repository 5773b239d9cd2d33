// What a run knows, as its epsilon budget report (privacy.json, privacy.md): the mechanism as
// resolved (q, σ, C, δ), the steps charged so far and every reported accountant's ε for them.
#pragma once

#include <string>
#include <vector>

#include "datasets/dataset.hpp"
#include "experiments/config/experiment_config.hpp"
#include "experiments/run/checkpoint.hpp"
#include "experiments/run/privacy_report.hpp"
#include "experiments/run/run_accounting.hpp"
#include "experiments/run/run_key.hpp"
#include "experiments/run/run_setup.hpp"

namespace dpt {

// The run's state beyond its config: progress, how it ended, what it warned about.
struct RunStatus {
  const TrainingProgress& progress;
  bool complete = false;                  // the last step ran and the test split was evaluated
  const std::string& stopped;             // why the run stopped early, empty if it did not
  const std::vector<std::string>& warnings;
  // Once complete: the test split's metrics (metrics.jsonl's test line) and the SHA-256 of the
  // released model.safetensors.
  const nlohmann::ordered_json* test = nullptr;
  std::string model_sha256;
  // A warm start's record (warm_start_json), null otherwise.
  nlohmann::ordered_json init_from = nullptr;
};

// The report of a run; `accounting` is null for a non-private run (the report then says only
// what was trained on and for how many steps).
PrivacyReport make_privacy_report(const ExperimentConfig& config, const Dataset& data, const Resolved& resolved, const RunKey& key,
                                  const RunAccounting* accounting, const RunStatus& status);

// One accountant's estimate as a report entry: fixed key order, no timings (privacy.json must be
// reproducible).
nlohmann::ordered_json report_entry(const EpsilonEstimate& estimate);

}  // namespace dpt
