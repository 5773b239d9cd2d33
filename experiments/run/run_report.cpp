// A run's state as its privacy report (see run_report.hpp).
#include "experiments/run/run_report.hpp"

#include <limits>

#include "dp/clipping.hpp"
#include "experiments/config/config_schema.hpp"

namespace dpt {

nlohmann::ordered_json report_entry(const EpsilonEstimate& estimate) {
  nlohmann::ordered_json j;
  const nlohmann::json u = to_json(estimate);
  for (const char* key : {"accountant", "epsilon", "bound", "lower", "estimate", "upper", "valid", "status"}) {
    if (u.contains(key)) j[key] = u[key];
  }
  for (const auto& [key, value] : u.items()) {
    if (!j.contains(key)) j[key] = value;
  }
  return j;
}

PrivacyReport make_privacy_report(const ExperimentConfig& config, const Dataset& data, const Resolved& resolved, const RunKey& key,
                                  const RunAccounting* accounting, const RunStatus& status) {
  PrivacyReport r;
  r.run_name = config.name;
  r.enabled = config.privacy.enabled;
  r.complete = status.complete;
  r.privacy_unit = data.privacy_unit;
  for (const auto& [stat, count] : data.stats) {
    if (stat.rfind("pii.", 0) == 0) r.pii_replaced[stat.substr(4)] = count;
  }
  r.dataset_size = resolved.dataset_size;
  r.steps_planned = resolved.steps;
  r.steps_done = status.progress.next_step;
  if (status.test != nullptr) r.test = *status.test;
  r.model_sha256 = status.model_sha256;
  r.split_kind = data.membership.kind;
  r.init_from = status.init_from;
  if (accounting == nullptr) return r;
  const EpsilonResult rdp = accounting->rdp_result();
  const std::vector<EpsilonEstimate>& all = accounting->estimates();
  const int best = headline_index(all);
  r.accountant = std::string(config_schema::name_of(config_schema::kAccountants, config.privacy.accountant));
  r.headline_accountant = best >= 0 ? all[static_cast<size_t>(best)].accountant : "none";
  r.accountants = nlohmann::ordered_json::array();
  for (const EpsilonEstimate& x : all) r.accountants.push_back(report_entry(x));
  r.epsilon = best >= 0 ? *all[static_cast<size_t>(best)].upper : std::numeric_limits<double>::infinity();
  r.delta = resolved.delta;
  r.delta_source = resolved.delta_source;
  r.optimal_order = rdp.optimal_order;
  r.order_at_grid_edge = rdp.order_at_grid_edge;
  r.target_epsilon = config.privacy.target_epsilon;
  r.sampling_rate = resolved.sampling_rate;
  r.noise_multiplier = resolved.noise_multiplier;
  r.noise_multiplier_calibrated = resolved.calibrated;
  r.clip_norm = config.privacy.clip_norm;
  r.clipping = to_string(config.privacy.clipping);
  r.expected_batch_size = resolved.sampling_rate * static_cast<double>(resolved.dataset_size);  // q·N
  r.secure_mode = config.privacy.secure_mode;
  r.run_id = key.id;
  r.run_key_covers = run_key_coverage(config.model.init_from.has_value());
  r.nonfinite_examples = status.progress.nonfinite_examples;
  r.stopped = status.stopped;
  r.warnings = status.warnings;
  r.epsilon_history = status.progress.epsilon_history;
  return r;
}

}  // namespace dpt
