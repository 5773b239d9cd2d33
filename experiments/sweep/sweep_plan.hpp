// A sweep's plan: the runs a sweep file expands to, each a complete config validated before
// anything runs. Grid: the cartesian product of the axes (paths in alphabetical order, the last
// varying fastest) times the seeds. Random: `samples` points drawn from a stream seeded by
// random.seed, times the seeds. Trials (Papernot & Steinke 2022): K drawn from the trials
// distribution, and each trial a point of the search space drawn uniformly, with seed
// base seed + trial number (every trial a fresh run). Every run's randomness is its own: the run
// key covers the seed and the whole config (DESIGN.md, invariant 7). Every run has one split: a
// sweep sets data.split_seed to kSweepSplitSeed unless the base fixes it or has predefined splits.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "experiments/sweep/sweep_spec.hpp"

namespace dpt {

inline constexpr uint64_t kSweepSplitSeed = 0;

struct SweepPoint {
  int64_t index = 0;        // 0-based, in plan order
  std::string id;           // "run-000", "run-001", ...: its folder under <sweep>/runs/
  nlohmann::ordered_json axes;  // {path: value} for each axis, then "seed" when seeds vary
  nlohmann::json config;    // base + set + axes + seed, name "<sweep>-<id>"
};

struct SweepPlan {
  std::vector<SweepPoint> points;
  int64_t search_space = 0;  // points a trial draws from (grid or random points); all runs otherwise
  int64_t trials = -1;       // selection.trials: the K drawn (may be 0: nothing to release); else -1
  std::vector<nlohmann::json> space_configs;  // selection.trials: every search-space point's config
  bool trials_from_os = false;  // selection.trials in secure mode: K and the points came from the OS
};

// Every path a config has (from config_schema::kSections), array indices spelled "[i]".
std::vector<std::string> config_paths();

// Sets `path` ("training.optimizer.learning_rate", "model.lstm[0].hidden") in the config object
// `config`, creating missing objects. Throws ConfigError naming `where`: a path that is not a
// config path (with the nearest one suggested), or an index past the array's end.
void set_config_path(nlohmann::json& config, const std::string& path, const nlohmann::json& value, const std::string& where);

// Expands and validates (parse_config on every run's config). A point whose config is invalid
// throws ConfigError "<file>: run-004 (training.optimizer.learning_rate=0.1, seed=2): <why>".
SweepPlan plan_sweep(const SweepSpec& spec);

// "training.optimizer.learning_rate=0.003, seed=2" (values as compact JSON).
std::string describe_axes(const nlohmann::ordered_json& axes);

}  // namespace dpt
