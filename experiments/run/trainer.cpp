// The experiment runner (see trainer.hpp). Setup resolves the config against the data (q, steps,
// δ, σ), then the loop runs one DP-SGD step at a time; checkpoints make it resumable bit for bit.
#include "experiments/run/trainer.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>

#include "core/error.hpp"
#include "core/io/safetensors.hpp"
#include "core/losses/loss.hpp"
#include "core/models/sequence_model.hpp"
#include "core/per_example/gradient_sum.hpp"
#include "core/random/counter_rng.hpp"
#include "datasets/batching.hpp"
#include "datasets/sha256.hpp"
#include "dp/accounting/epsilon_summary.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "dp/physical_batches.hpp"
#include "dp/poisson_sampler.hpp"
#include "dp/privatizer.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/config/config_json.hpp"
#include "experiments/config/config_parser.hpp"
#include "experiments/run/atomic_file.hpp"
#include "experiments/run/checkpoint.hpp"
#include "experiments/run/manifest.hpp"
#include "experiments/run/privacy_report.hpp"
#include "experiments/run/resume_checks.hpp"
#include "experiments/run/run_folder.hpp"
#include "experiments/run/run_model.hpp"
#include "experiments/run/run_key.hpp"
#include "experiments/run/run_setup.hpp"
#include "optim/adam.hpp"
#include "optim/lr_schedule.hpp"
#include "optim/sgd.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;

constexpr double kMaxDroppedShare = 0.5;     // of an epoch's examples (check_dropped_share)
constexpr double kMaxGradientScale = 1e30;   // float holds up to 3.4e38 (check_scale)

std::unique_ptr<Optimizer<float>> make_optimizer(const OptimizerConfig& c) {
  if (c.name == "sgd") return std::make_unique<Sgd<float>>(SgdOptions{c.momentum, c.nesterov, c.weight_decay});
  const AdamOptions a{c.beta1, c.beta2, c.eps, c.weight_decay};
  if (c.name == "adamw") return std::make_unique<AdamW<float>>(a);
  return std::make_unique<Adam<float>>(a);
}

LrSchedule make_schedule(const TrainingConfig& t, int64_t steps) {
  const ScheduleConfig& s = t.schedule;
  const double lr = t.optimizer.learning_rate;
  LrSchedule base = s.kind == "step"     ? LrSchedule::step(lr, s.step_size, s.gamma)
                    : s.kind == "cosine" ? LrSchedule::cosine(lr, std::max<int64_t>(1, steps - s.warmup_steps), s.min_learning_rate)
                                         : LrSchedule::constant(lr);
  return base.with_warmup(s.warmup_steps);
}

// Mean loss and the task's accuracy over a split, in fixed-size batches, without gradients.
struct Evaluation {
  double loss = 0.0;
  double accuracy = std::nan("");  // classification and language models
  int64_t examples = 0;
};

Evaluation evaluate(SequenceModel<float>& model, const Dataset& data, const std::vector<Example>& split, int batch_size) {
  Evaluation e;
  double loss_sum = 0.0, correct = 0.0, counted = 0.0;
  for (size_t begin = 0; begin < split.size(); begin += static_cast<size_t>(batch_size)) {
    std::vector<int64_t> idx;
    for (size_t i = begin; i < std::min(split.size(), begin + static_cast<size_t>(batch_size)); ++i) idx.push_back(static_cast<int64_t>(i));
    const TrainingBatch batch = make_batch(data, split, idx);
    Tape<float> tape;
    const Var out = model.forward(tape, batch.inputs, /*training=*/false, 0);
    const LossResult<float> loss = task_loss(tape, out, batch, data.task);
    loss_sum += loss.per_example.cast<double>().sum();
    if (data.task != TaskKind::kRegression) {
      const MatrixF& z = tape.value(out);
      for (Index r = 0; r < z.rows(); ++r) {
        if (batch.labels[static_cast<size_t>(r)] < 0 || tape.layout(out)->example_of(static_cast<int>(r)) < 0) continue;
        Index arg = 0;
        z.row(r).maxCoeff(&arg);
        correct += arg == batch.labels[static_cast<size_t>(r)];
        counted += 1.0;
      }
    }
  }
  e.examples = static_cast<int64_t>(split.size());
  e.loss = split.empty() ? std::nan("") : loss_sum / static_cast<double>(split.size());
  if (counted > 0) e.accuracy = correct / counted;
  return e;
}

nlohmann::ordered_json eval_json(const Evaluation& e) {
  nlohmann::ordered_json j{{"loss", e.loss}, {"examples", e.examples}};
  if (!std::isnan(e.accuracy)) j["accuracy"] = e.accuracy;
  return j;
}

class Trainer {
 public:
  Trainer(ExperimentConfig config, std::string run_dir, const RunOptions& options, bool resuming)
      : config_(std::move(config)), run_dir_(std::move(run_dir)), options_(options) {
    if (options_.threads > 0) omp_set_num_threads(options_.threads);
    // Every stream is derived from the run key (docs/reproducibility.md): a run that differs
    // in anything draws independent sampling, noise and dropout. Secure mode draws sampling
    // and noise from the OS CSPRNG; the split, initialisation and dropout still come from the
    // key (not privacy-relevant), so its test split is well defined.
    RunSetup setup = prepare_run(config_);
    data_ = std::move(setup.data);
    resolved_ = setup.resolved;
    key_ = setup.key;
    if (config_.privacy.secure_mode) {
      randomness_ = std::make_unique<SecureRandomness>();
    } else {
      randomness_ = std::make_unique<ReproducibleRandomness>(key_.stream_seed);
    }
    dropout_seed_ = derive_seed(key_.stream_seed, static_cast<uint64_t>(StreamPurpose::kDropout));
    model_ = std::make_unique<SequenceModel<float>>(model_spec(config_.model, data_), setup.init_seed);
    params_ = model_->parameters();
    optimizer_ = make_optimizer(config_.training.optimizer);
    schedule_ = std::make_unique<LrSchedule>(make_schedule(config_.training, resolved_.steps));
    sampler_ = std::make_unique<PoissonSampler>(resolved_.dataset_size, resolved_.sampling_rate, *randomness_);
    if (config_.privacy.enabled) {
      noise_ = std::make_unique<GaussianNoise>(*randomness_);
      PrivatizerConfig pc;
      pc.noise_multiplier = resolved_.noise_multiplier;
      pc.clipping = clipping_config(config_.privacy, params_);
      pc.expected_batch_size = sampler_->expected_batch_size();
      privatizer_ = std::make_unique<Privatizer>(pc, *noise_);
      accountant_ = std::make_unique<RdpAccountant>();
      check_accountants_at_planned_steps();
    }
    check_scale();
    collect_warnings();
    if (resuming) restore();
  }

  // The clipped sum is at most C per example and the noise has std σC, all in float: a scale
  // float cannot hold would train a model of Inf and NaN.
  void check_scale() const {
    if (!privatizer_) return;
    const double C = config_.privacy.clip_norm;
    const double scale = C * (sampler_->expected_batch_size() + 10.0 * resolved_.noise_multiplier);
    if (!(scale <= kMaxGradientScale)) {
      const bool noise = 10.0 * resolved_.noise_multiplier > sampler_->expected_batch_size();
      throw ConfigError(noise ? "privacy.noise_multiplier" : "privacy.clip_norm", fmt::format("clip_norm x (expected batch size + 10 noise_multiplier) must be <= {:g} "
                                                         "(float gradients), got {:g} (clip_norm {:g}, noise_multiplier {:g})",
                                                         kMaxGradientScale, scale, C, resolved_.noise_multiplier));
    }
  }

  void collect_warnings() {
    const int64_t N = resolved_.dataset_size;
    if (N < 10) {
      warnings_.push_back(fmt::format("the training split has only {} examples: with so few, (ε, δ) says little, and δ = {:g} is "
                                      "{} in {} odds of releasing one example outright",
                                      N, resolved_.delta, 1, static_cast<int64_t>(std::llround(1.0 / resolved_.delta))));
    }
    if (resolved_.delta > 0.1 / static_cast<double>(N)) {
      warnings_.push_back(fmt::format("privacy.delta = {:g} is above 1/(10 N) = {:g}: a guarantee that fails with probability near "
                                      "1/N for a dataset of N examples",
                                      resolved_.delta, 0.1 / static_cast<double>(N)));
    }
    if (data_.task == TaskKind::kClassification && !data_.train.empty()) {
      const int32_t first = data_.train.front().label;
      const bool one_class = std::all_of(data_.train.begin(), data_.train.end(), [&](const Example& e) { return e.label == first; });
      if (one_class) warnings_.push_back(fmt::format("every training example has the same label ({}): nothing to learn", first));
    }
    for (const std::string& w : warnings_) fmt::print(stderr, "warning: {}\n", w);
  }

  // The first files of a run; manifest.json comes last and marks the run as started (a folder
  // stopped before it never started: run_folder.hpp).
  void write_run_files() {
    config_text_ = to_json(with_resolved_defaults(config_, resolved_)).dump(2) + "\n";
    write_file_atomic(path("config.json"), config_text_);
    write_file_atomic(path("metrics.jsonl"), "");
    write_report();
    RunManifest m;
    m.config_hash = sha256_hex(config_text_);
    m.data_hash = data_.content_hash;
    m.seed = config_.privacy.secure_mode ? std::optional<uint64_t>() : config_.seed;
    m.run_id = key_.id;
    m.threads = omp_get_max_threads();
    m.resolved = {{"dataset_size", resolved_.dataset_size},   {"sampling_rate", resolved_.sampling_rate},
                  {"steps", resolved_.steps},                 {"steps_per_epoch", resolved_.steps_per_epoch},
                  {"delta", resolved_.delta},                 {"delta_source", resolved_.delta_source},
                  {"noise_multiplier", resolved_.noise_multiplier},
                  {"noise_multiplier_calibrated", resolved_.calibrated}};
    manifest_text_ = manifest_json(m).dump(2) + "\n";
    write_file_atomic(path("manifest.json"), manifest_text_);
  }

  void train() {
    std::ofstream metrics(path("metrics.jsonl"), std::ios::app | std::ios::binary);
    if (!metrics) throw IoError(path("metrics.jsonl") + ": cannot open for appending");
    const auto start = std::chrono::steady_clock::now();
    const int64_t first = progress_.next_step;
    const bool interactive = options_.progress && isatty(STDERR_FILENO);
    for (int64_t step = progress_.next_step; step < resolved_.steps; ++step) {
      if (step == options_.debug_kill_at_step) std::raise(SIGKILL);
      const double lr = schedule_->learning_rate(step);
      const StepResult s = run_step(step, lr);
      progress_.epoch_loss_sum += s.loss_sum;
      progress_.epoch_examples += s.batch_size;
      progress_.next_step = step + 1;
      nlohmann::ordered_json line{{"kind", "step"}, {"step", step}, {"epoch", step / resolved_.steps_per_epoch},
                                  {"batch_size", s.batch_size},
                                  {"loss", s.batch_size > 0 ? s.loss_sum / s.batch_size : std::nan("")},
                                  {"learning_rate", lr}};
      if (privatizer_) {
        line["clipped"] = s.clipped;
        line["nonfinite"] = s.nonfinite;
      }
      append(metrics, line);
      check_health(step, s);
      const bool epoch_end = (step + 1) % resolved_.steps_per_epoch == 0 || step + 1 == resolved_.steps;
      if (epoch_end) check_dropped_share(step);
      nlohmann::ordered_json epoch_line;
      double report_ms = 0.0, checkpoint_ms = 0.0;
      if (epoch_end) {
        const auto t0 = std::chrono::steady_clock::now();
        epoch_line = end_epoch(metrics, step);
        report_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      }
      const bool checkpoint_due = config_.output.checkpoint_every_steps > 0
                                      ? (step + 1) % config_.output.checkpoint_every_steps == 0
                                      : epoch_end;
      if (checkpoint_due || step + 1 == resolved_.steps) {
        const auto t0 = std::chrono::steady_clock::now();
        checkpoint(metrics);
        checkpoint_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      }
      if (interactive) {
        progress_line(step, first, start, s);
      } else if (epoch_end) {
        log_epoch(epoch_line, report_ms, checkpoint_ms);
      }
    }
    if (interactive) fmt::print(stderr, "\n");
    finish(metrics);
  }

  const std::string& run_dir() const { return run_dir_; }

 private:
  struct StepResult {
    int batch_size = 0;
    double loss_sum = 0.0;
    int clipped = 0;
    int nonfinite = 0;
  };

  // One DP-SGD step (Abadi et al. 2016, Algorithm 1, with Poisson sampling). With
  // training.max_physical_batch_size, steps 2-5 run per chunk of the sampled batch; the noise
  // (step 6) is drawn once.
  StepResult run_step(int64_t step, double lr) {
    const uint64_t t = static_cast<uint64_t>(step);
    std::vector<int64_t> idx = sampler_->sample(t);                                  // 1 Poisson sample
    order_longest_first(data_, data_.train, idx);                                    //   (processing order only)
    StepResult r;
    r.batch_size = static_cast<int>(idx.size());
    ClippedBatchSum<float> clipped;                                                   // DP: sum_i c_i g_i
    std::vector<MatrixF> plain;                                                       // not private: sum_i g_i
    const uint64_t step_seed = derive_seed(dropout_seed_, t);
    const std::vector<std::vector<int64_t>> chunks = physical_batches(idx, config_.training.max_physical_batch_size);
    for (size_t chunk = 0; chunk < chunks.size(); ++chunk) {
      const std::vector<int64_t>& part = chunks[chunk];
      const TrainingBatch batch = make_batch(data_, data_.train, part);
      Tape<float> tape;
      const Var out = model_->forward(tape, batch.inputs, /*training=*/true,         // 2 forward
                                      chunk == 0 ? step_seed : derive_seed(step_seed, chunk));
      const LossResult<float> loss = task_loss(tape, out, batch, data_.task);
      tape.backward(loss.total);                                                     // 3 backward: (A, G) per use
      r.loss_sum += loss.per_example.cast<double>().sum();
      if (privatizer_) {
        privatizer_->accumulate(tape.uses(), params_, batch.size(), clipped);        // 4-5 norms, clip, sum
      } else if (batch.size() > 0) {
        std::vector<MatrixF> g = gradient_sum(tape.uses(), params_);
        if (plain.empty()) {
          plain = std::move(g);
        } else {
          for (size_t p = 0; p < plain.size(); ++p) plain[p] += g[p];
        }
      }
    }
    if (privatizer_) {
      const PrivatizedGradient<float> g = privatizer_->finish(std::move(clipped), params_, t);  // 6 noise, / (q·N)
      optimizer_->step(params_, g.gradients, lr);                                    // 7 post-processing
      accountant_->compose(DpEvent::poisson_sampled_gaussian(                        // 8 charge the step
          resolved_.sampling_rate, resolved_.noise_multiplier));
      r.clipped = g.clipped_examples;
      r.nonfinite = g.nonfinite_examples;
      progress_.nonfinite_examples += g.nonfinite_examples;
      progress_.epoch_nonfinite += g.nonfinite_examples;
    } else if (!idx.empty()) {
      for (MatrixF& m : plain) m /= static_cast<float>(idx.size());                  // not private: mean gradient
      optimizer_->step(params_, plain, lr);
    }
    return r;
  }

  // No silent garbage (issue 12; docs/run_folders.md): a run whose weights become NaN or Inf, or
  // whose loss does without an example to blame, stops here — before the next checkpoint, so the
  // last one (from before) stays the one a resume starts from. The report says why, charged for
  // every step that ran.
  void check_health(int64_t step, const StepResult& s) {
    bool finite = true;
    for (const Parameter<float>* p : params_) finite = finite && p->value.allFinite();
    if (!finite) stop(step, "the weights became NaN or Inf (the run diverged)");
    if (!std::isfinite(s.loss_sum) && s.nonfinite == 0) stop(step, "the training loss became NaN or Inf (the run diverged)");
  }

  // A run that drops more than kMaxDroppedShare of an epoch's examples for NaN/Inf gradients
  // trains on what is left of its data without saying so: it stops instead.
  void check_dropped_share(int64_t step) {
    const int64_t dropped = progress_.epoch_nonfinite, seen = progress_.epoch_examples;
    if (seen > 0 && static_cast<double>(dropped) > kMaxDroppedShare * static_cast<double>(seen)) {
      stop(step, fmt::format("{} of the epoch's {} examples had NaN or Inf gradients and were dropped (more than {:.0f}%)", dropped,
                             seen, 100.0 * kMaxDroppedShare));
    }
  }

  [[noreturn]] void stop(int64_t step, const std::string& why) {
    stopped_ = fmt::format("stopped at step {}: {}", step, why);
    write_report();
    const std::string resumable = last_checkpoint_step_ >= 0
                                      ? fmt::format("its last checkpoint, at step {}, is from before", last_checkpoint_step_)
                                      : std::string("it has no checkpoint yet");
    throw TrainingStopped(fmt::format("{}: training {}. Nothing was released; {} (resuming repeats the same steps). Check the data, "
                                      "or lower training.optimizer.learning_rate.",
                                      run_dir_, stopped_, resumable));
  }

  // Plain log line (stderr) when not on a terminal: timings stay out of metrics.jsonl so that it
  // is identical across reruns.
  void log_epoch(const nlohmann::ordered_json& line, double report_ms, double checkpoint_ms) const {
    std::string text = fmt::format("epoch {}  step {}/{}  train loss {:.4f}", line["epoch"].get<int64_t>() + 1,
                                   line["step"].get<int64_t>(), resolved_.steps, line["train_loss"].get<double>());
    if (line.contains("validation")) {
      text += fmt::format("  validation loss {:.4f}", line["validation"]["loss"].get<double>());
      if (line["validation"].contains("accuracy")) text += fmt::format(" accuracy {:.3f}", line["validation"]["accuracy"].get<double>());
    }
    if (line.contains("epsilon")) text += fmt::format("  ε {:.4f}", line["epsilon"].get<double>());
    text += fmt::format("  (evaluation {:.1f} ms, report {:.1f} ms, checkpoint {:.1f} ms)", report_ms - last_report_ms_,
                        last_report_ms_, checkpoint_ms);
    fmt::print(stderr, "{}\n", text);
  }

  nlohmann::ordered_json end_epoch(std::ofstream& metrics, int64_t step) {
    const int64_t epoch = step / resolved_.steps_per_epoch;
    nlohmann::ordered_json line{{"kind", "epoch"}, {"epoch", epoch}, {"step", step + 1},
                                {"train_loss", progress_.epoch_examples > 0
                                                   ? progress_.epoch_loss_sum / static_cast<double>(progress_.epoch_examples)
                                                   : std::nan("")}};
    if ((epoch + 1) % config_.eval.every_epochs == 0 || step + 1 == resolved_.steps) {
      line["validation"] = eval_json(evaluate(*model_, data_, data_.validation, config_.eval.batch_size));
    }
    const auto t0 = std::chrono::steady_clock::now();  // report cost: accountants + files
    if (accountant_) {
      const double eps = headline_epsilon();
      line["epsilon"] = eps;
      progress_.epsilon_history.push_back({{"epoch", epoch}, {"step", step + 1}, {"epsilon", eps}});
    }
    append(metrics, line);
    progress_.epochs_done = epoch + 1;
    progress_.epoch_loss_sum = 0.0;
    progress_.epoch_examples = 0;
    progress_.epoch_nonfinite = 0;
    write_report();
    last_report_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return line;
  }

  void checkpoint(std::ofstream& metrics) {
    metrics.flush();
    fsync_path(path("metrics.jsonl"));
    if (fs::file_size(path("metrics.jsonl")) != metrics_written_) {
      throw IoError(path("metrics.jsonl") + ": changed by something other than this run (" +
                    std::to_string(fs::file_size(path("metrics.jsonl"))) + " bytes, this run wrote " +
                    std::to_string(metrics_written_) + ")");
    }
    progress_.metrics_bytes = metrics_written_;
    Checkpoint c;
    c.progress = progress_;
    c.optimizer = optimizer_->state();
    c.accountant = accountant_ ? accountant_->to_json() : nlohmann::json(nullptr);
    c.metrics_sha256 = metrics_hash_.hex_digest();
    c.config_sha256 = sha256_hex(config_text_);
    c.manifest_sha256 = sha256_hex(manifest_text_);
    save_checkpoint(run_dir_, params_, c);
    last_checkpoint_step_ = progress_.next_step;
  }

  void finish(std::ofstream& metrics) {
    nlohmann::ordered_json line{{"kind", "test"}, {"step", resolved_.steps},
                                {"test", eval_json(evaluate(*model_, data_, data_.test, config_.eval.batch_size))}};
    append(metrics, line);
    metrics.flush();
    fsync_path(path("metrics.jsonl"));
    complete_ = true;
    write_report();
    write_file_atomic(path("model.safetensors"), serialize_safetensors(params_, {{"format", "pt"}, {"run", config_.name}}));
  }

  // Resume: nothing of the folder is used before it is verified (resume_checks.hpp); every
  // check reads only, so a refused resume leaves the folder as it was.
  void restore() {
    config_text_ = read_file(path("config.json"));
    manifest_text_ = read_file(path("manifest.json"));
    resolved_.delta_source = verify_manifest(path("manifest.json"), manifest_text_, resolved_, key_.id);
    const std::optional<Checkpoint> c = load_latest_checkpoint(run_dir_, params_);
    if (!c) {
      // Stopped before its first checkpoint: nothing was released, start again from step 0.
      write_file_atomic(path("metrics.jsonl"), "");
      return;
    }
    const std::string metrics = verify_checkpoint(run_dir_, *c, resolved_, accountant_ != nullptr, config_text_, manifest_text_,
                                                  [this](int64_t steps) { return headline_epsilon_at(steps); });
    progress_ = c->progress;
    last_checkpoint_step_ = progress_.next_step;
    if (!c->optimizer.buffers.empty() || c->optimizer.step > 0) optimizer_->load_state(params_, c->optimizer);
    if (accountant_ && progress_.next_step > 0) {
      accountant_->compose(DpEvent::poisson_sampled_gaussian(resolved_.sampling_rate, resolved_.noise_multiplier),
                           progress_.next_step);  // exactly what verify_checkpoint found in the checkpoint
    }
    // Metrics written after the checkpoint are produced again by the resumed steps: truncated to
    // the verified prefix, never padded.
    fs::resize_file(path("metrics.jsonl"), progress_.metrics_bytes);
    metrics_hash_.update(metrics);
    metrics_written_ = progress_.metrics_bytes;
  }

  void write_report() {
    const PrivacyReport r = report();
    write_file_atomic(path("privacy.json"), to_json(r).dump(2) + "\n");
    write_file_atomic(path("privacy.md"), to_markdown(r));
  }

  // Before anything is written: every accountant the run reports, at the planned number of
  // steps (the ledger the last report will hold). One that throws refuses the run now, instead
  // of failing after training; the result seeds the cache of the last report.
  void check_accountants_at_planned_steps() {
    RdpAccountant planned;
    planned.compose(DpEvent::poisson_sampled_gaussian(resolved_.sampling_rate, resolved_.noise_multiplier), resolved_.steps);
    std::vector<EpsilonEstimate> out;
    for (const std::string& name : reported_accountants(config_.privacy.accountant)) {
      try {
        out.push_back(estimate_epsilon(name, planned.ledger(), resolved_.delta));
      } catch (const std::exception& e) {
        throw ConfigError("privacy.accountant",
                          fmt::format("the {} accountant cannot account for this run (q = {:g}, noise_multiplier = {:g}, {} steps, "
                                      "delta = {:g}): {}; choose another accountant",
                                      name, resolved_.sampling_rate, resolved_.noise_multiplier, resolved_.steps,
                                      resolved_.delta, e.what()));
      }
    }
    add_rdp_fallback(out, planned.ledger());
    if (headline_index(out) < 0) {
      fmt::print(stderr, "warning: no accountant gives a finite epsilon for the planned {} steps; the report will say epsilon = inf\n",
                 resolved_.steps);
    }
    planned_estimates_.emplace(ledger_to_json(planned.ledger()), std::move(out));
  }

  // estimate_epsilon, which never throws for a valid ledger and delta; if it does all the same,
  // the report names the accountant as failed instead of losing the run's files.
  EpsilonEstimate safe_estimate(const std::string& name, const std::vector<LedgerEntry>& ledger) const {
    try {
      if (name == options_.debug_fail_accountant) throw Error("injected failure (--debug-fail-accountant)");
      return estimate_epsilon(name, ledger, resolved_.delta);
    } catch (const std::exception& e) {
      EpsilonEstimate failed;
      failed.accountant = name;
      failed.epsilon = std::numeric_limits<double>::infinity();
      failed.valid = false;
      failed.status = std::string("failed: ") + e.what();
      return failed;
    }
  }

  // RDP is added as the fallback when none of the reported accountants gives a valid upper bound.
  void add_rdp_fallback(std::vector<EpsilonEstimate>& out, const std::vector<LedgerEntry>& ledger) const {
    if (headline_index(out) < 0 && config_.privacy.accountant != "rdp") out.push_back(safe_estimate("rdp", ledger));
  }

  // epsilon by every reported accountant for the steps charged so far (cached per step count).
  const std::vector<EpsilonEstimate>& estimates() const {
    if (estimates_ && estimates_->first == progress_.next_step) return estimates_->second;
    if (planned_estimates_ && progress_.next_step == resolved_.steps && options_.debug_fail_accountant.empty() &&
        planned_estimates_->first == ledger_to_json(accountant_->ledger())) {
      return planned_estimates_->second;  // the last report: computed before the first step
    }
    estimates_.emplace(progress_.next_step, estimates_for(accountant_->ledger()));
    return estimates_->second;
  }

  std::vector<EpsilonEstimate> estimates_for(const std::vector<LedgerEntry>& ledger) const {
    std::vector<EpsilonEstimate> out;
    for (const std::string& name : reported_accountants(config_.privacy.accountant)) out.push_back(safe_estimate(name, ledger));
    add_rdp_fallback(out, ledger);
    return out;
  }

  // The headline epsilon after `steps` steps of this run (what an epoch's report said then).
  double headline_epsilon_at(int64_t steps) const {
    RdpAccountant charged;
    if (steps > 0) charged.compose(DpEvent::poisson_sampled_gaussian(resolved_.sampling_rate, resolved_.noise_multiplier), steps);
    const std::vector<EpsilonEstimate> e = estimates_for(charged.ledger());
    const int best = headline_index(e);
    return best >= 0 ? *e[static_cast<size_t>(best)].upper : std::numeric_limits<double>::infinity();
  }

  // The smallest valid upper bound (inf if there is none).
  double headline_epsilon() const {
    const std::vector<EpsilonEstimate>& e = estimates();
    const int best = headline_index(e);
    return best >= 0 ? *e[static_cast<size_t>(best)].upper : std::numeric_limits<double>::infinity();
  }

  PrivacyReport report() const {
    PrivacyReport r;
    r.run_name = config_.name;
    r.enabled = config_.privacy.enabled;
    r.complete = complete_;
    r.privacy_unit = data_.privacy_unit;
    for (const auto& [key, count] : data_.stats) {
      if (key.rfind("pii.", 0) == 0) r.pii_replaced[key.substr(4)] = count;
    }
    r.dataset_size = resolved_.dataset_size;
    r.steps_planned = resolved_.steps;
    r.steps_done = progress_.next_step;
    if (!accountant_) return r;
    const EpsilonResult e = accountant_->get_epsilon_result(resolved_.delta);
    const std::vector<EpsilonEstimate>& all = estimates();
    const int best = headline_index(all);
    r.accountant = config_.privacy.accountant;
    r.headline_accountant = best >= 0 ? all[static_cast<size_t>(best)].accountant : "none";
    r.accountants = nlohmann::ordered_json::array();
    for (const EpsilonEstimate& x : all) {
      nlohmann::ordered_json j;  // fixed key order; no timings (privacy.json must be reproducible)
      const nlohmann::json u = to_json(x);
      for (const char* key : {"accountant", "epsilon", "bound", "lower", "estimate", "upper", "valid", "status"}) {
        if (u.contains(key)) j[key] = u[key];
      }
      for (const auto& [key, value] : u.items()) {
        if (!j.contains(key)) j[key] = value;
      }
      r.accountants.push_back(j);
    }
    r.epsilon = best >= 0 ? *all[static_cast<size_t>(best)].upper : std::numeric_limits<double>::infinity();
    r.delta = resolved_.delta;
    r.delta_source = resolved_.delta_source;
    r.optimal_order = e.optimal_order;
    r.order_at_grid_edge = e.order_at_grid_edge;
    r.target_epsilon = config_.privacy.target_epsilon;
    r.sampling_rate = resolved_.sampling_rate;
    r.noise_multiplier = resolved_.noise_multiplier;
    r.noise_multiplier_calibrated = resolved_.calibrated;
    r.clip_norm = config_.privacy.clip_norm;
    r.clipping = config_.privacy.clipping;
    r.expected_batch_size = sampler_->expected_batch_size();
    r.secure_mode = config_.privacy.secure_mode;
    r.run_id = key_.id;
    r.run_key_covers = run_key_coverage();
    r.nonfinite_examples = progress_.nonfinite_examples;
    r.stopped = stopped_;
    r.warnings = warnings_;
    r.epsilon_history = progress_.epsilon_history;
    return r;
  }

  void progress_line(int64_t step, int64_t first, std::chrono::steady_clock::time_point start, const StepResult& s) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double done = static_cast<double>(step + 1 - first);
    const double eta = seconds / done * static_cast<double>(resolved_.steps - step - 1);
    const double eps = accountant_ ? accountant_->get_epsilon(resolved_.delta) : std::nan("");  // RDP: cheap per step
    fmt::print(stderr, "\rstep {}/{}  loss {:.4f}  ε(rdp) {:.3f}  {:.0f} examples/s  ETA {:.0f} s   ", step + 1, resolved_.steps,
               s.batch_size > 0 ? s.loss_sum / s.batch_size : 0.0, eps,
               static_cast<double>(step + 1 - first) * sampler_->expected_batch_size() / std::max(seconds, 1e-9), eta);
  }

  // One line of metrics.jsonl, also hashed: a checkpoint records the digest of what was written.
  void append(std::ofstream& out, const nlohmann::ordered_json& line) {
    const std::string text = line.dump() + "\n";
    out << text;
    if (!out) throw IoError(path("metrics.jsonl") + ": write failed");
    metrics_hash_.update(text);
    metrics_written_ += text.size();
  }

  std::string path(const std::string& file) const { return (fs::path(run_dir_) / file).string(); }

  ExperimentConfig config_;
  std::string run_dir_;
  RunOptions options_;
  std::unique_ptr<RandomnessSource> randomness_;
  Dataset data_;
  Resolved resolved_;
  std::unique_ptr<SequenceModel<float>> model_;
  ParameterList<float> params_;
  std::unique_ptr<Optimizer<float>> optimizer_;
  std::unique_ptr<LrSchedule> schedule_;
  std::unique_ptr<PoissonSampler> sampler_;
  std::unique_ptr<GaussianNoise> noise_;
  std::unique_ptr<Privatizer> privatizer_;
  std::unique_ptr<RdpAccountant> accountant_;  // charged every step; its ledger feeds every report
  mutable std::optional<std::pair<int64_t, std::vector<EpsilonEstimate>>> estimates_;  // (steps, estimates)
  std::optional<std::pair<nlohmann::json, std::vector<EpsilonEstimate>>> planned_estimates_;  // (ledger, estimates)
  TrainingProgress progress_;
  RunKey key_;
  uint64_t dropout_seed_ = 0;
  bool complete_ = false;
  std::string stopped_;                 // why the run stopped early, if it did
  int64_t last_checkpoint_step_ = -1;   // next_step of the newest checkpoint (-1: none)
  std::vector<std::string> warnings_;   // degenerate data, large delta: in the log and the report
  std::string config_text_, manifest_text_;  // as written at the start: checkpoints record their digests
  Sha256 metrics_hash_;                      // of every byte of metrics.jsonl written so far
  uint64_t metrics_written_ = 0;
  double last_report_ms_ = 0.0;  // time of the last privacy.json + privacy.md write
};

}  // namespace

std::string run_experiment(const ExperimentConfig& config, const RunOptions& options) {
  const std::string run_dir =
      options.out_dir.empty() ? (fs::path(config.output.dir) / config.name).string() : options.out_dir;
  if (options.debug_kill_after_write > 0) set_debug_kill_after_write(options.debug_kill_after_write);
  // Claimed (created, locked) before data loading and calibration: an unusable path fails at once.
  RunFolder folder = RunFolder::claim_new(run_dir);
  std::optional<Trainer> trainer;
  try {
    trainer.emplace(config, run_dir, options, /*resuming=*/false);  // validates everything before writing
  } catch (...) {
    folder.discard();  // a refused config leaves nothing behind
    throw;
  }
  trainer->write_run_files();
  folder.mark_started();
  trainer->train();
  return run_dir;
}

std::string resume_experiment(const std::string& run_dir, const RunOptions& options) {
  if (options.debug_kill_after_write > 0) set_debug_kill_after_write(options.debug_kill_after_write);
  RunFolder folder = RunFolder::claim_existing(run_dir);
  folder.mark_started();  // a run killed between manifest.json and the marker's removal
  Trainer trainer(load_config((fs::path(run_dir) / "config.json").string()), run_dir, options, /*resuming=*/true);
  trainer.train();
  return run_dir;
}

}  // namespace dpt
