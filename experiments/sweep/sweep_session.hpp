// `dptrain sweep SWEEP.json`: plan (every run's config validated and its DP mechanism resolved
// before anything runs), lay out the sweep folder (sweep.json, configs/, runs/, logs/), run what
// is not finished, then summarise, price the selection and plot the frontier. Running the same
// sweep file into the same folder again resumes it; another plan in that folder is refused.
#pragma once

#include <string>

namespace dpt {

struct SweepOptions {
  std::string out;   // the sweep folder (default: sweeps/<name>)
  int jobs = 1;
  int threads = 0;   // all jobs together (0: one per core)
  bool plan_only = false;  // --plan: validate and print the plan, run nothing
};

// Returns the process exit code: 0 when every run finished, 1 when some failed (named, with
// their logs). Throws ConfigError for a bad sweep file or point (nothing written).
int run_sweep(const std::string& file, const SweepOptions& options);

}  // namespace dpt
