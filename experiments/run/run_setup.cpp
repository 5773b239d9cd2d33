// Run setup (see run_setup.hpp): data, resolution, run key, split.
#include "experiments/run/run_setup.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/random/counter_rng.hpp"
#include "datasets/load_dataset.hpp"
#include "dp/accounting/accountant_registry.hpp"
#include "dp/accounting/calibration.hpp"
#include "dp/accounting/epsilon_summary.hpp"
#include "dp/random/random_streams.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/run/memory_estimate.hpp"

namespace dpt {
namespace {

double default_delta(int64_t n) {
  // The largest power of ten <= 1/(10 N): below 1/N, as DP-SGD's delta must be.
  return std::pow(10.0, std::floor(std::log10(1.0 / (10.0 * static_cast<double>(n)))));
}

// Calibration uses the tightest accountant the run reports (PLD for "all"), never an
// approximation (GDP): an approximation calibrates with RDP instead.
AccountantFactory calibration_factory(const std::optional<AccountantKind>& setting) {
  const AccountantKind kind = setting.value_or(AccountantKind::kPld);
  const AccountantCapabilities can = capabilities(kind);
  return accountant_factory(can.upper_bound && can.supports_calibration ? kind : AccountantKind::kRdp);
}

}  // namespace

nlohmann::ordered_json to_json(const Resolved& r) {
  return {{"dataset_size", r.dataset_size},
          {"sampling_rate", r.sampling_rate},
          {"steps", r.steps},
          {"steps_per_epoch", r.steps_per_epoch},
          {"delta", r.delta},
          {"delta_source", r.delta_source},
          {"noise_multiplier", r.noise_multiplier},
          {"noise_multiplier_calibrated", r.calibrated}};
}

std::vector<AccountantKind> reported_accountants(const std::optional<AccountantKind>& setting) {
  // RDP is the one charged at every step (cheap, checkpointed); the others are rebuilt from its
  // ledger, the record of truth, when a report is written.
  if (!setting) return {kAccountantKinds.begin(), kAccountantKinds.end()};  // rdp, pld, prv, gdp (an approximation)
  return {*setting};
}

Resolved resolve(const ExperimentConfig& config, int64_t dataset_size) {
  Resolved r;
  r.dataset_size = dataset_size;
  const int64_t B = config.training.batch_size;
  if (B > r.dataset_size) {
    throw ConfigError("training.batch_size", fmt::format("must be <= the training split's size {}, got {}", r.dataset_size, B));
  }
  r.sampling_rate = static_cast<double>(B) / static_cast<double>(r.dataset_size);
  r.steps_per_epoch = (r.dataset_size + B - 1) / B;
  // steps = ceil(epochs * N / B), as `dptrain epsilon --epochs` counts them; an epoch (for
  // evaluation and reports) is ceil(N / B) steps, so the last one may be shorter.
  r.steps = config.training.steps > 0 ? config.training.steps
                                      : (static_cast<int64_t>(config.training.epochs) * r.dataset_size + B - 1) / B;
  const PrivacyConfig& p = config.privacy;
  if (p.delta) {
    r.delta = *p.delta;
    r.delta_source = "config";
    if (r.delta >= 1.0 / static_cast<double>(r.dataset_size)) {
      throw ConfigError("privacy.delta", fmt::format("must be < 1/N = {:.3g} for N = {} training examples, got {:g}",
                                                     1.0 / static_cast<double>(r.dataset_size), r.dataset_size, r.delta));
    }
  } else {
    r.delta = default_delta(r.dataset_size);
    r.delta_source = fmt::format("default: the largest power of ten <= 1/(10 N), N = {}", r.dataset_size);
  }
  if (!p.enabled) return r;
  if (p.noise_multiplier) {
    r.noise_multiplier = *p.noise_multiplier;
  } else {
    const NoiseCalibration c = calibrate_noise_multiplier(*p.target_epsilon, r.sampling_rate, r.steps, r.delta,
                                                          calibration_factory(p.accountant));
    r.noise_multiplier = c.noise_multiplier;
    r.calibrated = true;
  }
  return r;
}

ExperimentConfig with_resolved_defaults(const ExperimentConfig& config, const Resolved& resolved) {
  ExperimentConfig c = config;
  c.privacy.delta = resolved.delta;
  c.training.steps = resolved.steps;
  return c;
}

RunSetup prepare_run(const ExperimentConfig& config) {
  // A generated dataset is defined by its parameters and the seed (its content hash covers
  // both), drawn from the derivation dptrain has always used; in secure mode from seed 0.
  const uint64_t data_seed = derive_seed(config.seed.value_or(0), static_cast<uint64_t>(StreamPurpose::kDataSplit));
  // Sizes that cannot fit are refused before they are allocated: what the config alone says
  // before anything is read or generated, the rest as soon as the data is known.
  const AvailableMemory memory = available_memory();
  check_memory(config, memory_inputs(config), memory);
  UnsplitDataset source = read_dataset(config.data, data_seed);
  check_memory(config, memory_inputs(config, source), memory);
  RunSetup s;
  s.resolved = resolve(config, source.counts.train);
  s.key_material = run_key_material(with_resolved_defaults(config, s.resolved), source.dataset.content_hash,
                                    s.resolved.noise_multiplier);
  s.key = make_run_key(s.key_material);
  const uint64_t k = s.key.stream_seed;
  // Fixed on purpose, a seed S gives the split (initialisation) that seed S gave before run
  // keys existed: the same derivation, from S instead of the key.
  s.split_seed = derive_seed(config.data.split_seed.value_or(k), static_cast<uint64_t>(StreamPurpose::kDataSplit));
  s.init_seed = derive_seed(config.model.init_seed.value_or(k), static_cast<uint64_t>(StreamPurpose::kInit));
  s.data = split_dataset(std::move(source), s.split_seed);
  return s;
}

}  // namespace dpt
