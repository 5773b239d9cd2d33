// `dptrain sweep SWEEP.json`: plan (every run's config validated and its DP mechanism resolved
// before anything runs), lay out the sweep folder (sweep.json, configs/, runs/, logs/), run what
// is not finished, then summarise, price the selection and plot the frontier. Running the same
// sweep file into the same folder again resumes it; another plan in that folder is refused.
#pragma once

#include <string>

#include "experiments/distributed/communicator.hpp"

namespace dpt {

struct SweepOptions {
  std::string out;   // the sweep folder (default: sweeps/<name>)
  int jobs = 1;
  int threads = 0;   // all jobs together (0: one per core)
  bool plan_only = false;  // --plan: validate and print the plan, run nothing
  // `mpirun -np K dptrain sweep` (docs/distributed.md): rank 0 plans, lays out the folder and
  // summarises; the runs not yet complete are dealt out over the ranks, each rank running its
  // share as child processes. Null: this process runs them all.
  const Communicator* communicator = nullptr;
};

// Returns the process exit code: 0 when every run finished, 1 when some failed (named, with
// their logs). Throws ConfigError for a bad sweep file or point (nothing written). On K ranks,
// every rank calls it; only rank 0 reads the sweep file and writes the folder's own files.
int run_sweep(const std::string& file, const SweepOptions& options);

}  // namespace dpt
