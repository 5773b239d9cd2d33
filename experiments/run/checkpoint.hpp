// Checkpoints of a run (DESIGN.md, invariant 6): weights, optimizer state, accountant ledger,
// and the training progress (next step, epoch accumulators, metrics length). RNG streams need
// no saved state: every stream is a pure function of (master seed, purpose, step), so the step
// number restores them exactly (secure mode draws fresh OS randomness by design).
// Layout: <run>/checkpoint/step-<k>/{model.safetensors, optimizer.safetensors, state.json},
// each file written atomically, then <run>/checkpoint/LATEST (atomically) names the newest
// complete one; older ones are removed afterwards. A kill at any moment leaves LATEST naming a
// complete checkpoint.
// Verified (issue 12): LATEST holds "step-<k> sha256:<digest of state.json>"; state.json holds
// the digests of both tensor files, of config.json and manifest.json, and of metrics.jsonl's
// first metrics_bytes bytes. Nothing of a checkpoint is used before its digests match.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/parameter.hpp"
#include "optim/optimizer.hpp"

namespace dpt {

struct TrainingProgress {
  int64_t next_step = 0;         // the first step not yet run
  int64_t epochs_done = 0;
  double epoch_loss_sum = 0.0;   // running sums of the current epoch's training loss
  int64_t epoch_examples = 0;
  int64_t nonfinite_examples = 0;  // over the whole run
  int64_t epoch_nonfinite = 0;     // in the current epoch (a run stops when most examples drop)
  uint64_t metrics_bytes = 0;    // length of metrics.jsonl when the checkpoint was taken
  nlohmann::json epsilon_history = nlohmann::json::array();  // [{"epoch", "step", "epsilon"}]
};

struct Checkpoint {
  TrainingProgress progress;
  OptimizerState optimizer;
  nlohmann::json accountant;     // PrivacyAccountant::to_json(), or null without privacy
  std::string metrics_sha256;    // SHA-256 (hex) of metrics.jsonl's first progress.metrics_bytes bytes
  std::string config_sha256;     // of config.json and manifest.json as the run wrote them
  std::string manifest_sha256;
};

// Writes a checkpoint of `params` and `checkpoint` under <run_dir>/checkpoint.
void save_checkpoint(const std::string& run_dir, const ParameterList<float>& params, const Checkpoint& checkpoint);

// The newest complete checkpoint, loading the weights into `params`; nullopt if there is none.
// Throws IoError naming the file if a checkpoint is present but unreadable, inconsistent, or if
// any digest (LATEST -> state.json -> tensor files) does not match. config.json, manifest.json
// and metrics.jsonl are the caller's to check against the digests returned.
std::optional<Checkpoint> load_latest_checkpoint(const std::string& run_dir, const ParameterList<float>& params);

}  // namespace dpt
