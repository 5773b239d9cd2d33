// What a sweep's release costs in privacy (docs/sweep.md, "The price of selection"):
//  - plain composition: every run's DP-SGD event composed (PLD, and RDP beside it). Valid for
//    releasing everything the runs produced, the selected model included.
//  - tuning (selection.trials): the best of K ~ Poisson(mean) or truncated negative binomial
//    trials, each at a uniformly drawn point of the search space (Papernot & Steinke 2022,
//    Theorems 2 and 6). The base mechanism is the mixture "draw a point, train it"; by joint
//    quasi-convexity of the Renyi divergence its RDP at each order is at most the largest RDP
//    among the search space's points, so the bound takes that maximum over every point of the
//    space (not only the ones the draw picked). Valid for releasing the selected model only.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dp/accounting/dp_event.hpp"
#include "experiments/sweep/sweep_spec.hpp"

namespace dpt {

// One run's DP-SGD mechanism as planned (before it trains) or as done (privacy.json).
struct RunMechanism {
  bool is_private = true;
  double sampling_rate = 0.0;     // q
  double noise_multiplier = 0.0;  // sigma
  int64_t steps = 0;
  double delta = 0.0;             // the run's delta
  std::string data_hash;          // the run's Dataset::content_hash (what a ledger is for)
  bool secure = false;            // privacy.secure_mode: a resume is a new release (docs/ledger.md)
};

// The mechanism `config` (a validated config object) will run: data read, N, q, steps, delta
// and sigma resolved exactly as `dptrain run` resolves them (prepare_run; calibration included).
// Throws ConfigError / DatasetError as a run would.
RunMechanism planned_mechanism(const nlohmann::json& config);

// SelfComposed(PoissonSampled(q, Gaussian(sigma)), steps); NonPrivate for a non-private run.
DpEvent event_of(const RunMechanism& mechanism);

struct SweepPrice {
  double delta = 0.0;
  int64_t runs = 0;                  // runs composed
  double composed_epsilon = 0.0;     // PLD (the tightest; +inf if it failed and RDP is shown)
  double composed_epsilon_rdp = 0.0; // RDP of the same composition
  double largest_run_epsilon = 0.0;  // the largest single-run epsilon as the runs reported it, for scale
  std::optional<double> tuning_epsilon;  // RDP bound of the tuning mechanism (selection.trials)
  std::optional<double> tuning_order;    // the order attaining it
  std::optional<double> space_composed_epsilon;  // trials: the plain composition of the whole search space, each point once (PLD)
  std::string note;                  // e.g. why a value is +inf
};

// The price of the runs `done` (their events) at `delta`, and with `trials`, the tuning bound over
// the search space's mechanisms `space`.
SweepPrice sweep_price(const std::vector<RunMechanism>& done, const std::vector<RunMechanism>& space,
                       const std::optional<TuningTrials>& trials, double delta);

// The RDP at `orders` of the tuning mechanism over `space` (the max over points, then repeat and
// select): what a ledger is charged for a tuning sweep.
std::vector<double> tuning_rdp(const std::vector<RunMechanism>& space, const TuningTrials& trials,
                               const std::vector<double>& orders);

}  // namespace dpt
