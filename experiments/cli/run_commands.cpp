// The experiment subcommands (see run_commands.hpp).
#include "experiments/cli/run_commands.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include "experiments/config/config_error.hpp"
#include "experiments/config/config_parser.hpp"
#include "experiments/run/atomic_file.hpp"
#include "experiments/run/gradient_export.hpp"
#include "experiments/run/trainer.hpp"

namespace dpt {

namespace {

// --out '' would silently mean the default folder (run) or no file (grads): refused, exit 2.
const CLI::Validator kNotEmpty(
    [](std::string& value) { return value.empty() ? std::string("must not be empty") : std::string(); }, "PATH",
    "not empty");

// One --examples entry: a training example index, digits only (CLI11 would clamp
// 99999999999999999999 to INT64_MAX and read "" as nothing).
const CLI::Validator kExampleIndex(
    [](std::string& value) {
      const bool digits = !value.empty() && value.size() <= 15 && value.find_first_not_of("0123456789") == std::string::npos;
      return digits ? std::string() : "'" + value + "' is not an example index (a whole number >= 0, at most 15 digits)";
    },
    "INDEX", "example index");

// --threads: one per core is the default; more than kMaxThreads is refused before anything starts
// (results are the same for any count, so more threads than cores only costs memory).
constexpr int kMaxThreads = 256;

}  // namespace

void RunCommands::add_to(CLI::App& app) {
  run = app.add_subcommand("run", "train the experiment of a JSON config into a run folder");
  run->add_option("config", config_file, "experiment config (JSON)")->required();
  run->add_option("--out", out, "run folder (default: <output.dir>/<name>)")->check(kNotEmpty);
  run->add_option("--threads", threads, "worker threads, 1 .. 256 (default: one per core; results are identical for any count)")
      ->check(CLI::Range(1, kMaxThreads));
  run->add_option("--debug-kill-at-step", debug_kill_at_step, "tests: SIGKILL the process before this step")->group("");
  run->add_option("--debug-kill-rank", debug_kill_rank, "tests: only this rank kills itself")->group("");
  run->add_option("--debug-fail-accountant", debug_fail_accountant, "tests: this accountant fails in every report")->group("");
  run->add_option("--debug-kill-after-write", debug_kill_after_write, "tests: SIGKILL after the k-th atomic file write")->group("");

  resume = app.add_subcommand("resume", "continue a run from its latest checkpoint");
  resume->add_option("run_dir", run_dir, "run folder")->required();
  resume->add_option("--threads", threads, "worker threads, 1 .. 256 (default: one per core)")->check(CLI::Range(1, kMaxThreads));
  resume->add_option("--debug-kill-at-step", debug_kill_at_step, "tests: SIGKILL the process before this step")->group("");
  resume->add_option("--debug-kill-rank", debug_kill_rank, "tests: only this rank kills itself")->group("");
  resume->add_option("--debug-kill-after-write", debug_kill_after_write, "tests: SIGKILL after the k-th atomic file write")->group("");

  report = app.add_subcommand("report", "print a run's epsilon budget report (privacy.md)");
  report->add_option("run_dir", run_dir, "run folder")->required();

  grads = app.add_subcommand("grads", "write initial weights, inputs, targets and per-example gradients");
  grads->add_option("config", config_file, "experiment config (JSON)")->required();
  grads->add_option("--examples", examples, "training example indices, e.g. 0,5,9 (each once)")
      ->delimiter(',')
      ->required()
      ->check(kExampleIndex);
  grads->add_option("--out", out, "output .safetensors file")->required()->check(kNotEmpty);
}

int RunCommands::dispatch() const {
  RunOptions options;
  options.out_dir = out;
  options.threads = threads;
  options.progress = isatty(STDERR_FILENO) != 0;
  options.debug_kill_at_step = debug_kill_at_step;
  options.debug_fail_accountant = debug_fail_accountant;
  options.debug_kill_after_write = debug_kill_after_write;
  options.debug_kill_rank = debug_kill_rank;
  options.communicator = communicator;
  // K ranks on a host share its cores (results do not depend on the thread count).
  if (options.threads == 0 && communicator != nullptr && communicator->size() > 1) {
    options.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / local_ranks());
  }
  const bool root = communicator == nullptr || communicator->is_root();
  if (run != nullptr && *run) {
    const std::string dir = run_experiment(load_config(config_file), options);
    if (!root) return 0;
    fmt::print("{}", read_file((std::filesystem::path(dir) / "privacy.md").string()));
    fmt::print("\nrun folder: {}\n", dir);
    return 0;
  }
  if (resume != nullptr && *resume) {
    const std::string dir = resume_experiment(run_dir, options);
    if (!root) return 0;
    fmt::print("{}", read_file((std::filesystem::path(dir) / "privacy.md").string()));
    return 0;
  }
  if (report != nullptr && *report) {
    fmt::print("{}", read_file((std::filesystem::path(run_dir) / "privacy.md").string()));
    return 0;
  }
  if (grads != nullptr && *grads) {
    std::set<int64_t> seen;
    for (const int64_t i : examples) {
      if (!seen.insert(i).second) throw ConfigError("--examples", fmt::format("example {} is listed twice", i));
    }
    export_example_gradients(load_config(config_file), examples, out);
    fmt::print("wrote {}\n", out);
    return 0;
  }
  return -1;
}

}  // namespace dpt
