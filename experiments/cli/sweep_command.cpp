// The sweep subcommand (see sweep_command.hpp).
#include "experiments/cli/sweep_command.hpp"

namespace dpt {
namespace {

const CLI::Validator kNotEmpty(
    [](std::string& value) { return value.empty() ? std::string("must not be empty") : std::string(); }, "DIR", "not empty");

}  // namespace

void SweepCommand::add_to(CLI::App& app) {
  sweep = app.add_subcommand("sweep", "run a sweep of configs (grid, random sample, seeds or tuning trials) and select the best");
  sweep->add_option("sweep_file", file, "sweep file (JSON, docs/sweep.md)")->required();
  sweep->add_option("--out", options.out, "sweep folder (default: sweeps/<name>)")
      ->check(kNotEmpty);
  sweep->add_option("--jobs", options.jobs, "runs side by side, 1 .. 64 (the threads are split between them)")->check(CLI::Range(1, 64));
  sweep->add_option("--threads", options.threads, "threads of all jobs together, 1 .. 256 (default: one per core)")->check(CLI::Range(1, 256));
  sweep->add_flag("--plan", options.plan_only, "validate every run's config, resolve its mechanism and print the plan; run nothing");
}

int SweepCommand::dispatch() const {
  if (sweep == nullptr || !*sweep) return -1;
  return run_sweep(file, options);
}

}  // namespace dpt
