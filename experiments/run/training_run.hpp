// One training run in its run folder: what `dptrain run` and `dptrain resume` drive
// (trainer.hpp). Set up from a config (run_setup.hpp resolves q, steps, δ, σ and the run key),
// it runs DpStep after DpStep, and at an epoch's end writes the epoch's line of metrics.jsonl,
// the report (run_report.hpp) and a checkpoint; checkpoints make it resumable bit for bit.
// The privacy guarantee is DpStep's and RunAccounting's; everything here is bookkeeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/models/sequence_model.hpp"
#include "datasets/dataset.hpp"
#include "dp/noise/gaussian_noise.hpp"
#include "dp/poisson_sampler.hpp"
#include "dp/privatizer.hpp"
#include "experiments/config/experiment_config.hpp"
#include "experiments/run/checkpoint.hpp"
#include "experiments/run/dp_step.hpp"
#include "experiments/run/metrics_log.hpp"
#include "experiments/run/run_accounting.hpp"
#include "experiments/run/run_key.hpp"
#include "experiments/run/run_model.hpp"
#include "experiments/run/run_setup.hpp"
#include "experiments/run/trainer.hpp"
#include "optim/lr_schedule.hpp"
#include "optim/optimizer.hpp"

namespace dpt {

class TrainingRun {
 public:
  // Resolves and checks everything before anything is written (a refused config throws
  // ConfigError); `resuming` verifies and loads the folder's latest checkpoint.
  TrainingRun(ExperimentConfig config, std::string run_dir, const RunOptions& options, bool resuming);

  // The first files of a new run; manifest.json comes last and marks the run as started.
  void write_run_files();
  // The remaining steps, then the test split and model.safetensors. Throws TrainingStopped when
  // the run diverges or drops most of an epoch.
  void train();
  // With privacy.ledger: charges the run's planned event to the ledger before anything is written
  // (a new run) or finds it charged (a resume: the key comes from manifest.json). Throws
  // LedgerRefused when it does not fit. Without privacy.ledger: nothing.
  void charge_ledger(bool resuming);

 private:
  void set_up_privacy();
  void make_step();
  void record_step(int64_t step, double lr, const StepResult& s);
  [[noreturn]] void stop(int64_t step, const std::string& why);
  nlohmann::ordered_json end_epoch(int64_t step);
  void checkpoint();
  void finish();
  void restore();
  void sync_ranks();
  bool root() const { return options_.communicator == nullptr || options_.communicator->is_root(); }
  bool distributed() const { return options_.communicator != nullptr && options_.communicator->size() > 1; }
  void write_report();
  void log_epoch(const nlohmann::ordered_json& line, double report_ms, double checkpoint_ms) const;
  void progress_line(int64_t step, int64_t first, std::chrono::steady_clock::time_point start, const StepResult& s) const;
  std::string path(const std::string& file) const;

  ExperimentConfig config_;
  std::string run_dir_;
  RunOptions options_;
  MetricsLog metrics_;
  std::unique_ptr<RandomnessSource> randomness_;
  Dataset data_;
  Resolved resolved_;
  RunKey key_;
  std::unique_ptr<SequenceModel<float>> model_;
  ParameterList<float> params_;
  std::unique_ptr<TrainingSplitTask> task_;
  std::unique_ptr<Optimizer<float>> optimizer_;
  std::unique_ptr<LrSchedule> schedule_;
  std::unique_ptr<PoissonSampler> sampler_;
  std::unique_ptr<GaussianNoise> noise_;
  std::unique_ptr<Privatizer> privatizer_;
  std::unique_ptr<RunAccounting> accounting_;  // its accountant is charged by every private step
  std::unique_ptr<DpStep> step_;
  TrainingProgress progress_;
  std::vector<nlohmann::json> epoch_lines_;  // metrics.jsonl's epoch lines so far (training.svg)
  bool complete_ = false;
  std::string stopped_;                 // why the run stopped early, if it did
  int64_t last_checkpoint_step_ = -1;   // next_step of the newest checkpoint (-1: none)
  std::vector<std::string> warnings_;   // degenerate data, large delta: in the log and the report
  std::string config_text_, manifest_text_;  // as written at the start: checkpoints record their digests
  std::string data_text_;                    // data.json as written (or verified on resume): the model names its digest
  double last_report_ms_ = 0.0;  // time of the last privacy.json + privacy.md write
  struct {
    double evaluation_ms = 0.0, report_ms = 0.0, checkpoint_ms = 0.0;  // this process's, summed over the epochs
  } time_;
  nlohmann::ordered_json test_;  // the test split's metrics, once finished
  std::string model_sha256_;     // of model.safetensors, once finished
  std::optional<nlohmann::ordered_json> ledger_charge_;
  nlohmann::ordered_json init_record_ = nullptr;  // a warm start's record (warm_start_json): manifest and report  // manifest.json's "ledger", once charged
};

}  // namespace dpt
