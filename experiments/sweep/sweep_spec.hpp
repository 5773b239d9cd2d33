// A sweep file (docs/sweep.md) read and validated: a base config, fixed overrides, axes over
// config paths (a grid, or a seeded random sample), seeds, and the selection rule with an
// optional random number of tuning trials (Papernot & Steinke 2022, "Hyperparameter tuning with
// Renyi differential privacy", Theorems 2 and 6). Every error is a ConfigError whose path names
// the sweep file and the key: "lr.json: grid.training.optimizer.learning_rate: empty axis".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dpt {

// The most runs one sweep may plan (grid size x seeds, random samples x seeds, or trials).
inline constexpr int64_t kMaxSweepRuns = 1000;

// One axis: a config path ("training.optimizer.learning_rate", "model.lstm[0].hidden") and the
// values it takes (grid, or random "values"), or a range a random sample draws from.
struct SweepAxis {
  enum class Kind { kValues, kUniform, kLogUniform, kIntUniform };
  std::string path;
  Kind kind = Kind::kValues;
  std::vector<nlohmann::json> values;  // kValues
  double lo = 0.0, hi = 0.0;            // the ranges: [lo, hi]
};

// A random number of trials, each a run at a uniformly drawn point of the search space; only the
// best trial is released. shape = +inf: K ~ Poisson(mean); finite shape (eta > -1): K ~ truncated
// negative binomial with that mean (eta = 1 geometric, eta = 0 logarithmic).
struct TuningTrials {
  std::string distribution;  // "poisson" | "truncated_negative_binomial"
  double mean = 0.0;
  double shape = 0.0;        // +inf for poisson
  // Draws K and the trial points in reproducible mode (required there); absent in secure mode,
  // where they come from the OS (SecureRandomness) when the sweep starts and are kept in sweep.json.
  std::optional<uint64_t> seed;
};

struct SweepSelection {
  std::string metric = "validation.accuracy";  // "validation.<name>": a key of an epoch line's validation object
  bool maximize = true;                        // mode "max" | "min"
  std::optional<TuningTrials> trials;
};

struct SweepSpec {
  std::string file;              // the sweep file as given
  std::string name;
  nlohmann::json base;           // the base config object (the file's "base", read if a path)
  std::string base_origin;       // the base config's file, or "<file>: base"
  nlohmann::json set;            // fixed overrides: {path: value}
  bool random = false;           // axes are sampled (random) rather than crossed (grid)
  int64_t samples = 0;           // random: points drawn
  uint64_t random_seed = 0;      // random: seed of the draws
  std::vector<SweepAxis> axes;   // in the order of their paths
  std::vector<uint64_t> seeds;   // the run seeds each point is run with; empty: the base's seed
  SweepSelection selection;
  std::optional<std::string> ledger;  // every run charges this ledger (privacy.ledger)
};

// Reads and validates `file` (strict JSON, at most 1 MiB). A "base" path is read relative to the
// sweep file's folder. Throws ConfigError.
SweepSpec load_sweep_spec(const std::string& file);

}  // namespace dpt
