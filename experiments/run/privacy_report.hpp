// The epsilon budget report of a run (privacy.json, privacy.md, `dptrain report RUN_DIR`):
// what was spent, under which assumptions, and what it protects.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dpt {

struct PrivacyReport {
  std::string run_name;
  bool enabled = true;
  bool complete = false;            // the run reached its last step
  // Accounting
  std::string accountant = "rdp";   // the privacy.accountant setting: rdp | pld | prv | all
  std::string conversion = "improved";
  double epsilon = 0.0;             // spent so far, at delta: the smallest valid upper bound
  std::string headline_accountant = "rdp";  // the accountant giving `epsilon`
  // One object per reported accountant: accountant, epsilon, bound ("upper" / "approximation"),
  // lower/estimate/upper where it has them, valid, status, details.
  nlohmann::ordered_json accountants = nlohmann::ordered_json::array();
  double delta = 0.0;
  std::string delta_source;         // "config" or how the default was chosen
  double optimal_order = 0.0;       // RDP's (it is charged every step)
  bool order_at_grid_edge = false;
  std::optional<double> target_epsilon;
  // Mechanism
  double sampling_rate = 0.0;       // q
  double noise_multiplier = 0.0;    // sigma
  bool noise_multiplier_calibrated = false;
  double clip_norm = 0.0;           // C
  std::string clipping = "flat";
  int64_t steps_done = 0;
  int64_t steps_planned = 0;
  double expected_batch_size = 0.0; // q * N
  int64_t dataset_size = 0;         // N (training split)
  std::string privacy_unit;
  std::map<std::string, int64_t> pii_replaced;  // data.scrub_pii: replacements per kind
  bool secure_mode = false;
  std::string run_id;               // names the run key every random stream derives from (not the streams' seed)
  std::string run_key_covers;       // run_key_coverage()
  int64_t nonfinite_examples = 0;
  std::string stopped;              // why the run stopped early (docs/run_folders.md), empty if it did not
  std::vector<std::string> warnings;  // degenerate data, a large delta
  nlohmann::json epsilon_history = nlohmann::json::array();  // [{"epoch", "step", "epsilon"}]
  // Results, outside the DP guarantee: the test split's metrics once the run is complete (null
  // before), how the data was split, and the digest of the released weights.
  nlohmann::ordered_json test = nullptr;
  std::string split_kind;
  std::string model_sha256;
  // A warm start (model.init_from): {"path", "sha256", "tensors", "assumption"}; null otherwise.
  nlohmann::ordered_json init_from = nullptr;
};

nlohmann::ordered_json to_json(const PrivacyReport& report);
std::string to_markdown(const PrivacyReport& report);

}  // namespace dpt
