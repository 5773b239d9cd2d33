// A sweep's results: one row per run read back from its run folder (privacy.json, metrics.jsonl),
// the run selected by the validation metric (never by a test metric), the price of releasing it
// (sweep_privacy.hpp), and the files summary.jsonl, summary.md and selection.json.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "experiments/sweep/sweep_plan.hpp"
#include "experiments/sweep/sweep_privacy.hpp"
#include "experiments/sweep/sweep_runner.hpp"

namespace dpt {

struct SweepRow {
  const SweepPoint* point = nullptr;
  RunOutcome outcome;
  std::optional<RunMechanism> mechanism;  // as done (privacy.json)
  double epsilon = 0.0;                   // the run's headline epsilon
  nlohmann::json validation;              // the last epoch's validation metrics (null: none)
  nlohmann::json test;                    // privacy.json results.test (null: none)
  std::optional<double> metric;           // the selection metric's value
};

struct SweepResult {
  std::vector<SweepRow> rows;
  std::optional<std::size_t> best;  // index into rows
  SweepPrice price;
};

// Reads every run's folder and selects. The price composes the planned mechanism (`planned`, one
// per point) of every run that started, finished or not; a complete run's privacy.json must state
// that very mechanism. Throws IoError naming a complete run's damaged or disagreeing file.
// `space`: the planned mechanisms of the search space (for the tuning bound).
SweepResult summarise_sweep(const SweepSpec& spec, const SweepPlan& plan, const std::string& dir,
                            const std::vector<RunOutcome>& outcomes, const std::vector<RunMechanism>& planned,
                            const std::vector<RunMechanism>& space);

// Writes summary.jsonl, summary.md and selection.json into `dir` (atomically); returns summary.md.
std::string write_sweep_summary(const SweepSpec& spec, const SweepPlan& plan, const SweepResult& result, const std::string& dir);

}  // namespace dpt
