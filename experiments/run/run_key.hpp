// The run key: a digest of everything that defines a run — the seed, the resolved config
// (every field that can change a computed number), the training data's content hash, the
// resolved noise multiplier and dptrain's version. Every random stream of the run (sampling,
// noise, dropout; the split and the initialisation unless the config fixes them) is derived
// from it, so two runs that differ in anything draw independent randomness and only identical
// inputs give the identical run (DESIGN.md, invariant 7; docs/reproducibility.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "experiments/config/experiment_config.hpp"

namespace dpt {

// Fields of the resolved config the key leaves out, as JSON paths: they cannot change a computed
// number (the run's name and folder, how often it checkpoints) or are covered otherwise
// (data.path, data.splits: the data's content hash covers the bytes read, wherever they are, and
// for predefined splits which file is which split; privacy.ledger: where the budget is recorded,
// which changes no number of the run).
inline constexpr std::string_view kRunKeyExcludedFields[] = {"name", "data.path", "data.splits", "output.dir",
                                                             "output.checkpoint_every_steps", "privacy.ledger"};

// Identifies the derivation; a change to what the key covers or how streams derive from it bumps it.
inline constexpr std::string_view kRunKeyScheme = "dptrain-run-key/2";

// Two digests of the same material, domain-separated so that one reveals nothing of the other:
//   id           SHA-256("dptrain-run-id\n" + material): names the run in manifest.json and the
//                report, and lets resume check that it continues the same run;
//   stream_seed  the first 64 bits of SHA-256("dptrain-run-streams\n" + material): the master
//                seed of every stream. Never written anywhere: like the seed it is computed from,
//                it is what would let anyone regenerate the noise.
struct RunKey {
  std::string id;            // 64 lower-case hex digits
  uint64_t stream_seed = 0;
};

// The key material: {"scheme", "dptrain_version", "config" (the resolved config without
// kRunKeyExcludedFields and model.init_from, whose content model.init_sha256 covers; it holds
// the seed), "data_hash", "noise_multiplier"}.
nlohmann::json run_key_material(const ExperimentConfig& resolved_config, const std::string& data_hash,
                                double noise_multiplier);

// Both digests of the material's canonical text (sorted keys, shortest round-trip numbers).
RunKey make_run_key(const nlohmann::json& material);

// What the key covers, in one sentence for reports; `warm_start` (model.init_from set) adds
// that the initial weights are covered by their sha256.
std::string run_key_coverage(bool warm_start = false);

}  // namespace dpt
