// `dptrain run` and `dptrain resume`: one experiment from a config to a finished run folder
// (config.json, manifest.json, metrics.jsonl, privacy.json, privacy.md, model.safetensors,
// checkpoint/). Each step is a DpStep (dp_step.hpp), the only wiring of sampler, model,
// privatizer, optimizer and accountant (DESIGN.md, data flow).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/config/experiment_config.hpp"
#include "experiments/distributed/communicator.hpp"

namespace dpt {

struct RunOptions {
  std::string out_dir;               // the run folder; default <output.dir>/<name>
  int threads = 0;                   // 0: one per core; results do not depend on it
  bool progress = false;             // a progress line on the terminal
  int64_t debug_kill_at_step = -1;   // tests: raise SIGKILL just before this step runs
  int debug_kill_rank = -1;          // tests: ... on this rank only (-1: every rank)
  std::string debug_fail_accountant; // tests: this accountant throws in every report after the start check
  long debug_kill_after_write = 0;   // tests: SIGKILL right after the k-th atomic file write (run folders)
  // Asked before each step (the Python package's Ctrl-C): true stops the run there by throwing
  // RunInterrupted, leaving the folder as a kill at that point would (resumable).
  std::function<bool()> stop_requested;
  // The job's ranks (docs/distributed.md); null: this process alone. On K > 1 ranks every rank
  // trains (dp_step.hpp) and rank 0 alone writes the run folder, the ledger and the log.
  const Communicator* communicator = nullptr;
};

// The run stopped early: its weights or loss became non-finite, or most of an epoch's examples
// were dropped (docs/run_folders.md). The folder keeps its last checkpoint, from before.
class TrainingStopped : public Error {
 public:
  using Error::Error;
};

// The ranks of a job run different dptrain binaries, or read different configs or data
// (docs/distributed.md). Every rank finds it at the start check, before anything is written.
class RanksDisagree : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

// stop_requested returned true: the run stopped before a step; `dptrain resume` continues it.
class RunInterrupted : public Error {
 public:
  using Error::Error;
};

// Trains from `config` into options.out_dir (default <output.dir>/<name>). Returns the run folder.
std::string run_experiment(const ExperimentConfig& config, const RunOptions& options);

// Continues the run in `run_dir` from its latest checkpoint.
std::string resume_experiment(const std::string& run_dir, const RunOptions& options);

}  // namespace dpt
