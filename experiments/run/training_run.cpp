// One training run, step by step (see training_run.hpp).
#include "experiments/run/training_run.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>

#include "core/error.hpp"
#include "core/io/regular_file.hpp"
#include "core/io/safetensors.hpp"
#include "core/models/sequence_model.hpp"
#include "core/random/counter_rng.hpp"
#include "datasets/sha256.hpp"
#include "dp/poisson_sampler.hpp"
#include "dp/privatizer.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/config/config_json.hpp"
#include "experiments/run/atomic_file.hpp"
#include "experiments/run/checkpoint.hpp"
#include "experiments/run/dp_step.hpp"
#include "experiments/run/data_description.hpp"
#include "experiments/run/evaluation.hpp"
#include "experiments/run/manifest.hpp"
#include "experiments/run/metrics_log.hpp"
#include "experiments/run/optimizer_setup.hpp"
#include "experiments/run/resume_checks.hpp"
#include "experiments/run/run_accounting.hpp"
#include "experiments/run/run_checks.hpp"
#include "experiments/run/run_model.hpp"
#include "experiments/run/run_plot_files.hpp"
#include "experiments/run/run_key.hpp"
#include "experiments/ledger/ledger_error.hpp"
#include "experiments/run/run_ledger.hpp"
#include "experiments/run/run_log.hpp"
#include "experiments/run/run_report.hpp"
#include "experiments/run/run_setup.hpp"
#include "experiments/run/warm_start.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

}  // namespace

TrainingRun::TrainingRun(ExperimentConfig config, std::string run_dir, const RunOptions& options, bool resuming)
    : config_(std::move(config)), run_dir_(std::move(run_dir)), options_(options), metrics_(path("metrics.jsonl")) {
  if (options_.threads > 0) omp_set_num_threads(options_.threads);
  // Every stream is derived from the run key (docs/reproducibility.md): a run that differs
  // in anything draws independent sampling, noise and dropout. Secure mode draws sampling
  // and noise from the OS CSPRNG; the split, initialisation and dropout still come from the
  // key (not privacy-relevant), so its test split is well defined.
  // A warm start's file is read (and hashed: the run key covers its sha256) before the key is
  // derived; a resume takes its weights from the checkpoint instead.
  std::optional<WarmStartFile> init;
  if (!resuming) init = read_warm_start(config_.model);
  RunSetup setup = prepare_run(config_);
  data_ = std::move(setup.data);
  resolved_ = setup.resolved;
  key_ = setup.key;
  if (config_.privacy.secure_mode) {
    randomness_ = std::make_unique<SecureRandomness>();
  } else {
    randomness_ = std::make_unique<ReproducibleRandomness>(key_.stream_seed);
  }
  model_ = std::make_unique<SequenceModel<float>>(model_spec(config_.model, data_), setup.init_seed);
  params_ = model_->parameters();
  if (init) (void)apply_warm_start(*init, config_.model.init_select, params_);  // over the fresh initialisation
  init_record_ = warm_start_json(config_.model, params_);
  task_ = std::make_unique<TrainingSplitTask>(*model_, data_);
  optimizer_ = make_optimizer(config_.training.optimizer);
  schedule_ = std::make_unique<LrSchedule>(make_schedule(config_.training, resolved_.steps));
  sampler_ = std::make_unique<PoissonSampler>(resolved_.dataset_size, resolved_.sampling_rate, *randomness_);
  if (config_.privacy.enabled) set_up_privacy();
  make_step();
  warnings_ = run_warnings(data_, config_.data, resolved_);
  if (distributed() && root() && config_.training.max_physical_batch_size == 0) {
    // the chunk is the unit of work over ranks (docs/distributed.md): one chunk per step leaves
    // K - 1 idle. The log only: the report and metrics stay those of one process.
    fmt::print(stderr, "warning: {}\n", fmt::format("training.max_physical_batch_size is 0: every step is one chunk, which rank 0 processes "
                                    "alone while the other {} ranks wait; set it to about expected batch / (2 x ranks) = {} "
                                    "to share the steps (the result does not change with the rank count)",
                                    options_.communicator->size() - 1,
                                    std::max<int64_t>(1, static_cast<int64_t>(sampler_->expected_batch_size() /
                                                                              (2.0 * options_.communicator->size())))));
  }
  if (root()) {
    for (const std::string& w : warnings_) fmt::print(stderr, "warning: {}\n", w);
    if (resuming) restore();
  }
  if (distributed()) sync_ranks();
}

// K ranks start from one state (docs/distributed.md): the same dptrain build, config and data
// everywhere (checked by hash: a rank that read other files is refused), then rank 0's parameters and
// progress (its fresh or warm-started initialisation, or the checkpoint it verified).
void TrainingRun::sync_ranks() {
  const Communicator& comm = *options_.communicator;
  // The binary itself, not only its version: builds of one commit with other flags (-march) or
  // local edits may round differently, and the bits would then depend on K.
  const FileRead exe = read_regular_file("/proc/self/exe", uint64_t{1} << 31);
  const std::string binary = exe.failure == FileReadFailure::kNone ? sha256_hex(exe.bytes) : "unreadable";
  const std::string mine = fmt::format("dptrain {} ({}, binary {}) config {} data {}", DPT_VERSION, DPT_GIT_COMMIT, binary,
                                       sha256_hex(to_json(config_).dump()), data_.content_hash);
  const std::vector<std::string> all = comm.all_gather(mine);
  for (size_t r = 1; r < all.size(); ++r) {
    if (all[r] != all[0]) {
      throw RanksDisagree("", fmt::format("rank {} of {} has another dptrain, config or data than rank 0 ({} vs {}): every rank "
                                        "must run the same dptrain and read the same config and data files (docs/distributed.md)",
                                        r, all.size(), all[r], all[0]));
    }
  }
  for (Parameter<float>* p : params_) comm.broadcast(p->value.data(), static_cast<size_t>(p->value.size()) * sizeof(float));
  int64_t state[6] = {progress_.next_step, progress_.epochs_done, progress_.epoch_examples, progress_.nonfinite_examples,
                      progress_.epoch_nonfinite, last_checkpoint_step_};
  comm.broadcast(state, sizeof state);
  double loss_sum = progress_.epoch_loss_sum;
  comm.broadcast(&loss_sum, sizeof loss_sum);
  if (root()) return;
  progress_.next_step = state[0];
  progress_.epochs_done = state[1];
  progress_.epoch_examples = state[2];
  progress_.nonfinite_examples = state[3];
  progress_.epoch_nonfinite = state[4];
  last_checkpoint_step_ = state[5];
  progress_.epoch_loss_sum = loss_sum;
  if (accounting_ && progress_.next_step > 0) accounting_->charge_taken_steps(progress_.next_step);
}

// The first files of a run; manifest.json comes last and marks the run as started (a folder
// stopped before it never started: run_folder.hpp).
void TrainingRun::write_run_files() {
  config_text_ = to_json(with_resolved_defaults(config_, resolved_)).dump(2) + "\n";
  write_file_atomic(path("config.json"), config_text_);
  write_file_atomic(path("metrics.jsonl"), "");
  data_text_ = data_description_text(data_);
  write_file_atomic(path("data.json"), data_text_);
  write_report();
  RunManifest m;
  m.config_hash = sha256_hex(config_text_);
  m.data_hash = data_.content_hash;
  m.data_json_hash = sha256_hex(data_text_);
  m.seed = config_.privacy.secure_mode ? std::optional<uint64_t>() : config_.seed;
  m.run_id = key_.id;
  m.threads = omp_get_max_threads();
  m.resolved = to_json(resolved_);
  m.ledger = ledger_charge_;
  if (!init_record_.is_null()) m.init_from = init_record_;
  manifest_text_ = manifest_json(m).dump(2) + "\n";
  write_file_atomic(path("manifest.json"), manifest_text_);
}

// The whole planned run is charged, before its first step: a run killed half way stays charged
// in full (docs/ledger.md, "Runs"). A non-private run spends epsilon = inf and is refused.
// In secure mode a resume draws fresh OS noise from its checkpoint on, so every continuation is a
// release of its own (a copied folder resumed twice gives two models): it is charged the steps it
// has left under a fresh key, never "already charged".
void TrainingRun::charge_ledger(bool resuming) {
  if (!config_.privacy.ledger) return;
  if (resuming && config_.privacy.secure_mode && accounting_) {
    const int64_t left = resolved_.steps - progress_.next_step;
    if (left <= 0) return;  // finished: the resume trains nothing
    const std::string key = ledger_charge_key(key_, /*secure_mode=*/true) + fmt::format(":from-step-{}", progress_.next_step);
    const DpEvent rest = DpEvent::self_composed(accounting_->step_event(), left);
    try {
      (void)charge_run_to_ledger(*config_.privacy.ledger, key,
                                 fmt::format("{} (secure resume from step {})", run_dir_, progress_.next_step), rest, data_.content_hash);
    } catch (const LedgerRefused& e) {
      throw LedgerRefused(fmt::format("secure resume of {}: its {} steps left draw fresh noise, a release of their own that the "
                                      "ledger is charged for (docs/ledger.md), and the budget cannot pay for them. The folder is "
                                      "unchanged and can be resumed once there is budget. {}",
                                      run_dir_, left, e.what()));
    }
    return;
  }
  // A fresh run, or a reproducible resume: the run id, which the resumed run shares with the run it
  // continues (already charged: a no-op). Secure resumes were charged above.
  const std::string key = ledger_charge_key(key_, config_.privacy.secure_mode);
  const DpEvent planned = accounting_ ? accounting_->planned_event() : DpEvent::non_private();
  const RunLedgerCharge c = charge_run_to_ledger(*config_.privacy.ledger, key, run_dir_, planned, data_.content_hash);
  ledger_charge_ = c.to_json();
}

void TrainingRun::train() {
  if (root()) metrics_.open();
  const auto start = Clock::now();
  const int64_t first = progress_.next_step;
  const bool interactive = options_.progress && isatty(STDERR_FILENO);
  for (int64_t step = progress_.next_step; step < resolved_.steps; ++step) {
    if (step == options_.debug_kill_at_step &&
        (options_.debug_kill_rank < 0 || (options_.communicator ? options_.communicator->rank() : 0) == options_.debug_kill_rank)) {
      std::raise(SIGKILL);
    }
    if (options_.stop_requested && options_.stop_requested()) {
      if (interactive) fmt::print(stderr, "\n");
      throw RunInterrupted(fmt::format("interrupted before step {}: resume the run with `dptrain resume {}`", step, run_dir_));
    }
    const double lr = schedule_->learning_rate(step);
    const StepResult s = step_->run(*task_, step, lr);
    record_step(step, lr, s);
    if (const auto why = divergence(params_, s.loss_sum, s.nonfinite)) stop(step, *why);
    const bool epoch_end = (step + 1) % resolved_.steps_per_epoch == 0 || step + 1 == resolved_.steps;
    if (epoch_end) {
      if (const auto why = dropped_share_problem(progress_.epoch_nonfinite, progress_.epoch_examples)) stop(step, *why);
    }
    if (!root()) {  // another rank: the running sums that decide a stop, nothing written
      if (epoch_end) {
        progress_.epochs_done = step / resolved_.steps_per_epoch + 1;
        progress_.epoch_loss_sum = 0.0;
        progress_.epoch_examples = 0;
        progress_.epoch_nonfinite = 0;
      }
      continue;
    }
    nlohmann::ordered_json epoch_line;
    double report_ms = 0.0, checkpoint_ms = 0.0;
    if (epoch_end) {
      const auto t0 = Clock::now();
      epoch_line = end_epoch(step);
      report_ms = ms_since(t0);
    }
    const bool checkpoint_due = config_.output.checkpoint_every_steps > 0
                                    ? (step + 1) % config_.output.checkpoint_every_steps == 0
                                    : epoch_end;
    if (checkpoint_due || step + 1 == resolved_.steps) {
      const auto t0 = Clock::now();
      checkpoint();
      checkpoint_ms = ms_since(t0);
    }
    if (epoch_end) {
      time_.evaluation_ms += report_ms - last_report_ms_;
      time_.report_ms += last_report_ms_;
    }
    time_.checkpoint_ms += checkpoint_ms;
    if (interactive) {
      progress_line(step, first, start, s);
    } else if (epoch_end) {
      log_epoch(epoch_line, report_ms, checkpoint_ms);
    }
  }
  if (interactive) fmt::print(stderr, "\n");
  if (!root()) return;
  const auto t_finish = Clock::now();
  finish();
  // Where this process's training time went (bench/whole_run_bench.sh reads it; docs/performance.md).
  const StepCommStats& st = step_->comm_stats();
  fmt::print(stderr, "timing: {} steps {:.3f} s ({:.2f} ms/step), epoch evaluations {:.3f} s, reports {:.3f} s, checkpoints "
             "{:.3f} s, finish {:.3f} s, in all {:.3f} s\n", st.steps, st.total_ms / 1e3,
             st.total_ms / static_cast<double>(std::max<int64_t>(st.steps, 1)), time_.evaluation_ms / 1e3, time_.report_ms / 1e3,
             time_.checkpoint_ms / 1e3, ms_since(t_finish) / 1e3, ms_since(start) / 1e3);
  if (options_.communicator != nullptr) {  // under an MPI launcher, also with one rank (the benchmark's baseline)
    const StepCommStats& c = step_->comm_stats();
    const double steps = static_cast<double>(std::max<int64_t>(c.steps, 1));
    fmt::print(stderr, "distributed: {} ranks x {} threads, {} steps, {:.2f} ms/step, of which {:.2f} ms/step communication "
               "on rank 0 ({:.2f} MB/step)\n", options_.communicator->size(), omp_get_max_threads(), c.steps, c.total_ms / steps,
               c.comm_ms / steps, c.bytes / steps / 1e6);
  }
}

// σ, C and the accountant exist only in a private run; every reported accountant is tried at
// the planned steps before anything is written (run_accounting.hpp).
void TrainingRun::set_up_privacy() {
  noise_ = std::make_unique<GaussianNoise>(*randomness_);
  PrivatizerConfig pc;
  pc.noise_multiplier = resolved_.noise_multiplier;
  pc.clipping = clipping_config(config_.privacy, params_);
  pc.expected_batch_size = sampler_->expected_batch_size();
  privatizer_ = std::make_unique<Privatizer>(pc, *noise_);
  accounting_ = std::make_unique<RunAccounting>(config_.privacy, resolved_, options_.debug_fail_accountant);
  accounting_->check_planned();
  check_gradient_scale(config_.privacy, resolved_);
}

void TrainingRun::make_step() {
  DpStepParts parts;
  parts.params = params_;
  parts.optimizer = optimizer_.get();
  parts.sampler = sampler_.get();
  parts.privatizer = privatizer_.get();
  parts.accountant = accounting_ ? &accounting_->charged() : nullptr;
  parts.max_physical_batch_size = config_.training.max_physical_batch_size;
  parts.dropout_seed = derive_seed(key_.stream_seed, static_cast<uint64_t>(StreamPurpose::kDropout));
  parts.communicator = options_.communicator;
  step_ = std::make_unique<DpStep>(std::move(parts));
  // One (q, σ) everywhere: what each step charges is what the reports and resume recompute.
  if (accounting_ && !(step_->charged_event() == accounting_->step_event())) {
    throw std::logic_error("TrainingRun: the step charges " + step_->charged_event().describe() + " but the accounting expects " +
                           accounting_->step_event().describe());
  }
}

// The step's line of metrics.jsonl and the epoch's running sums.
void TrainingRun::record_step(int64_t step, double lr, const StepResult& s) {
  progress_.epoch_loss_sum += s.loss_sum;
  progress_.epoch_examples += s.batch_size;
  progress_.nonfinite_examples += s.nonfinite;
  progress_.epoch_nonfinite += s.nonfinite;
  progress_.next_step = step + 1;
  nlohmann::ordered_json line{{"kind", "step"}, {"step", step}, {"epoch", step / resolved_.steps_per_epoch},
                              {"batch_size", s.batch_size},
                              {"loss", s.batch_size > 0 ? s.loss_sum / s.batch_size : std::nan("")},
                              {"learning_rate", lr}};
  if (step_->is_private()) {
    line["clipped"] = s.clipped;
    line["nonfinite"] = s.nonfinite;
  }
  if (root()) metrics_.append(line);
}

// No silent garbage (issue 12; docs/run_folders.md): a run that diverged or dropped most of an
// epoch (run_checks.hpp) stops before the next checkpoint, so the last one (from before) stays
// the one a resume starts from. The report says why, charged for every step that ran.
void TrainingRun::stop(int64_t step, const std::string& why) {
  stopped_ = fmt::format("stopped at step {}: {}", step, why);
  if (root()) write_report();
  const std::string resumable = last_checkpoint_step_ >= 0
                                    ? fmt::format("its last checkpoint, at step {}, is from before", last_checkpoint_step_)
                                    : std::string("it has no checkpoint yet");
  throw TrainingStopped(fmt::format("{}: training {}. Nothing was released; {} (resuming repeats the same steps). Check the data, "
                                    "or lower training.optimizer.learning_rate.",
                                    run_dir_, stopped_, resumable));
}

// The epoch's line of metrics.jsonl (train loss, validation every eval.every_epochs, ε) and
// the report of the steps charged so far.
nlohmann::ordered_json TrainingRun::end_epoch(int64_t step) {
  const int64_t epoch = step / resolved_.steps_per_epoch;
  nlohmann::ordered_json line{{"kind", "epoch"}, {"epoch", epoch}, {"step", step + 1},
                              {"train_loss", progress_.epoch_examples > 0
                                                 ? progress_.epoch_loss_sum / static_cast<double>(progress_.epoch_examples)
                                                 : std::nan("")}};
  const bool eval_epoch = (epoch + 1) % config_.eval.every_epochs == 0 || step + 1 == resolved_.steps;
  if (eval_epoch && !data_.validation.empty()) {  // no validation split: no validation entry (not a NaN loss)
    line["validation"] = to_json(evaluate(*model_, data_, data_.validation, config_.eval.batch_size));
  }
  const auto t0 = Clock::now();  // report cost: accountants + files
  if (accounting_) {
    const double eps = accounting_->headline_epsilon();
    line["epsilon"] = eps;
    progress_.epsilon_history.push_back({{"epoch", epoch}, {"step", step + 1}, {"epsilon", eps}});
  }
  metrics_.append(line);
  epoch_lines_.push_back(nlohmann::json::parse(line.dump()));  // as training.svg reads it back from metrics.jsonl
  progress_.epochs_done = epoch + 1;
  progress_.epoch_loss_sum = 0.0;
  progress_.epoch_examples = 0;
  progress_.epoch_nonfinite = 0;
  write_report();
  last_report_ms_ = ms_since(t0);
  return line;
}

void TrainingRun::checkpoint() {
  metrics_.sync();
  progress_.metrics_bytes = metrics_.bytes();
  Checkpoint c;
  c.progress = progress_;
  c.optimizer = optimizer_->state();
  c.accountant = accounting_ ? accounting_->to_json() : nlohmann::json(nullptr);
  c.metrics_sha256 = metrics_.digest();
  c.config_sha256 = sha256_hex(config_text_);
  c.manifest_sha256 = sha256_hex(manifest_text_);
  save_checkpoint(run_dir_, params_, c);
  last_checkpoint_step_ = progress_.next_step;
}

void TrainingRun::finish() {
  test_ = to_json(evaluate(*model_, data_, data_.test, config_.eval.batch_size));
  metrics_.append({{"kind", "test"}, {"step", resolved_.steps}, {"test", test_}});
  metrics_.sync();
  complete_ = true;
  const std::string model =
      serialize_safetensors(params_, model_metadata(config_, key_.id, config_text_, data_text_));
  model_sha256_ = sha256_hex(model);
  write_report();  // names the weights it covers by their digest
  write_file_atomic(path("model.safetensors"), model);
  fmt::print(stderr, "{}\n", test_log_line(test_, data_.membership.kind));
}

// Resume: nothing of the folder is used before it is verified (resume_checks.hpp); every
// check reads only, so a refused resume leaves the folder as it was.
void TrainingRun::restore() {
  config_text_ = read_file(path("config.json"));
  manifest_text_ = read_file(path("manifest.json"));
  resolved_.delta_source = verify_manifest(path("manifest.json"), manifest_text_, resolved_, key_.id);
  data_text_ = read_file(path("data.json"));
  verify_data_description(path("data.json"), data_text_, data_);  // equal to what the data describes
  const std::optional<Checkpoint> c = load_latest_checkpoint(run_dir_, params_);
  if (!c) {
    // Stopped before its first checkpoint: nothing was released, start again from step 0 — from
    // the warm start's weights again, which must still be the file config.json pins by sha256.
    if (config_.model.init_from) {
      ModelConfig model = config_.model;
      (void)apply_warm_start(*read_warm_start(model), model.init_select, params_);
    }
    write_file_atomic(path("metrics.jsonl"), "");
    return;
  }
  const std::string metrics =
      verify_checkpoint(run_dir_, *c, resolved_, accounting_ != nullptr, config_text_, manifest_text_,
                        [this](int64_t steps) { return accounting_->headline_epsilon_at(steps); });
  progress_ = c->progress;
  last_checkpoint_step_ = progress_.next_step;
  if (!c->optimizer.buffers.empty() || c->optimizer.step > 0) optimizer_->load_state(params_, c->optimizer);
  if (accounting_) accounting_->charge_taken_steps(progress_.next_step);  // exactly what verify_checkpoint found
  metrics_.continue_after(metrics);  // truncated to the verified prefix, never padded
  epoch_lines_ = epoch_lines_of(metrics);
}

void TrainingRun::write_report() {
  const PrivacyReport r =
      make_privacy_report(config_, data_, resolved_, key_, accounting_.get(),
                          {progress_, complete_, stopped_, warnings_, complete_ ? &test_ : nullptr, model_sha256_, init_record_});
  write_run_plots(run_dir_, r, accounting_.get(), epoch_lines_);  // before the report that links them
  write_file_atomic(path("privacy.json"), to_json(r).dump(2) + "\n");
  write_file_atomic(path("privacy.md"), to_markdown(r));
}

void TrainingRun::log_epoch(const nlohmann::ordered_json& line, double report_ms, double checkpoint_ms) const {
  fmt::print(stderr, "{}\n", epoch_log_line(line, resolved_.steps, {report_ms - last_report_ms_, last_report_ms_, checkpoint_ms}));
}

void TrainingRun::progress_line(int64_t step, int64_t first, std::chrono::steady_clock::time_point start, const StepResult& s) const {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double done = static_cast<double>(step + 1 - first);
  StepProgress p;
  p.step = step + 1;
  p.steps = resolved_.steps;
  p.loss = s.batch_size > 0 ? s.loss_sum / s.batch_size : 0.0;
  p.rdp_epsilon = accounting_ ? accounting_->rdp_epsilon() : std::nan("");  // RDP: cheap per step
  p.examples_per_s = done * sampler_->expected_batch_size() / std::max(seconds, 1e-9);
  p.eta_s = seconds / done * static_cast<double>(resolved_.steps - step - 1);
  fmt::print(stderr, "{}", progress_log_line(p));
}

std::string TrainingRun::path(const std::string& file) const { return (fs::path(run_dir_) / file).string(); }

}  // namespace dpt
