// What `dptrain resume` verifies before it uses anything of a run folder (issue 12; DESIGN.md,
// invariant 8): the manifest against what resuming resolves from config.json and the data; the
// checkpoint (already digest-checked by load_latest_checkpoint) against config.json,
// manifest.json and metrics.jsonl as they are now, and its privacy ledger against the mechanism
// and the step count. Every check reads only; a failure throws IoError naming the file, so a
// refused resume leaves the folder as it was.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "experiments/run/checkpoint.hpp"
#include "experiments/run/run_setup.hpp"

namespace dpt {

// The manifest holds the run id resuming recomputes and the resolved values (N, q, steps, the
// epoch length, δ, σ) resuming resolves again. Returns its delta_source.
std::string verify_manifest(const std::string& manifest_file, const std::string& manifest_text,
                            const Resolved& resolved, const std::string& run_id);

// data.json is exactly what the data as read now describes (data_description.hpp).
void verify_data_description(const std::string& file, const std::string& text, const Dataset& data);

// The checkpoint belongs to this run folder and this mechanism: the digests of config.json and
// manifest.json it recorded match the files; its progress is consistent with the planned steps;
// its accountant holds exactly `next_step` Poisson-sampled Gaussian steps at (q, σ) (null
// without privacy); its epsilon_history holds one entry per epoch done, each equal to
// epsilon_at(the step that closed it) (the headline epsilon the run's accountants give for that many
// steps, recomputed); metrics.jsonl's first metrics_bytes bytes match the digest recorded and hold
// exactly next_step step lines whose batch sizes and dropped examples add up to the progress
// counts. Returns those bytes (what the resumed run keeps of metrics.jsonl).
std::string verify_checkpoint(const std::string& run_dir, const Checkpoint& checkpoint, const Resolved& resolved,
                              bool private_run, const std::string& config_text, const std::string& manifest_text,
                              const std::function<double(int64_t)>& epsilon_at);

}  // namespace dpt
