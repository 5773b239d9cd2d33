// Running a sweep's runs as child processes of this dptrain (`dptrain run` / `dptrain resume`),
// up to `jobs` at once with the threads split between them, each run's output in its log file.
// A folder whose privacy.json says complete is kept as it is; an unfinished folder is resumed
// from its checkpoint; a missing one is run. Children die with the sweep (PR_SET_PDEATHSIG), so a
// killed sweep leaves no run training behind, and running the sweep again resumes it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "experiments/sweep/sweep_plan.hpp"

namespace dpt {

struct SweepRunOptions {
  std::string dir;       // the sweep folder
  int jobs = 1;          // runs side by side
  int threads = 0;       // threads in all (0: one per core), split between the jobs
  std::string executable = "/proc/self/exe";
};

struct RunOutcome {
  std::string id;
  int exit_code = 0;                   // of the last process (0 when the folder was already complete)
  bool complete = false;               // privacy.json says complete
  bool reused = false;                 // complete before this invocation: not run again
  std::optional<double> wall_seconds;  // of the process that finished it (status file)
  std::string log;                     // logs/<id>.log
};

// "<dir>/runs/<id>", "<dir>/configs/<id>.json", "<dir>/logs/<id>.log".
std::string run_dir_of(const std::string& dir, const SweepPoint& point);

// Runs every point of `plan` not yet complete; returns one outcome per point, in plan order.
std::vector<RunOutcome> run_sweep_points(const SweepPlan& plan, const SweepRunOptions& options);

// Whether <run_dir>/privacy.json exists, parses, and says "complete": true.
bool run_is_complete(const std::string& run_dir);

}  // namespace dpt
