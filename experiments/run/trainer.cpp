// `dptrain run` and `dptrain resume` (see trainer.hpp): claim the run folder, then drive one
// TrainingRun (training_run.hpp) through it.
#include "experiments/run/trainer.hpp"

#include <filesystem>
#include <optional>

#include "experiments/config/config_parser.hpp"
#include "experiments/run/atomic_file.hpp"
#include "experiments/run/run_folder.hpp"
#include "experiments/run/training_run.hpp"

namespace dpt {

namespace fs = std::filesystem;

namespace {

bool is_root(const RunOptions& options) { return options.communicator == nullptr || options.communicator->is_root(); }

}  // namespace

std::string run_experiment(const ExperimentConfig& config, const RunOptions& options) {
  const std::string run_dir =
      options.out_dir.empty() ? (fs::path(config.output.dir) / config.name).string() : options.out_dir;
  ExperimentConfig resolved = config;
  if (resolved.privacy.ledger) resolved.privacy.ledger = fs::absolute(*resolved.privacy.ledger).lexically_normal().string();
  if (!is_root(options)) {  // another rank of a job: trains, writes nothing (rank 0 owns the folder)
    TrainingRun(resolved, run_dir, options, /*resuming=*/false).train();
    return run_dir;
  }
  if (options.debug_kill_after_write > 0) set_debug_kill_after_write(options.debug_kill_after_write);
  // Claimed (created, locked) before data loading and calibration: an unusable path fails at once.
  RunFolder folder = RunFolder::claim_new(run_dir);
  // The ledger is named by an absolute path in config.json (above), so a resume from anywhere finds it.
  std::optional<TrainingRun> trainer;
  try {
    trainer.emplace(resolved, run_dir, options, /*resuming=*/false);  // validates everything before writing
    trainer->charge_ledger(/*resuming=*/false);  // a refused charge starts nothing
  } catch (...) {
    folder.discard();  // a refused config (or ledger) leaves nothing behind
    throw;
  }
  trainer->write_run_files();
  folder.mark_started();
  trainer->train();
  return run_dir;
}

std::string resume_experiment(const std::string& run_dir, const RunOptions& options) {
  if (!is_root(options)) {  // another rank: config.json only; rank 0 verifies the folder and sends the state
    TrainingRun(load_config((fs::path(run_dir) / "config.json").string()), run_dir, options, /*resuming=*/true).train();
    return run_dir;
  }
  if (options.debug_kill_after_write > 0) set_debug_kill_after_write(options.debug_kill_after_write);
  RunFolder folder = RunFolder::claim_existing(run_dir);
  folder.mark_started();  // a run killed between manifest.json and the marker's removal
  TrainingRun trainer(load_config((fs::path(run_dir) / "config.json").string()), run_dir, options, /*resuming=*/true);
  trainer.charge_ledger(/*resuming=*/true);  // already charged: a no-op
  trainer.train();
  return run_dir;
}

}  // namespace dpt
