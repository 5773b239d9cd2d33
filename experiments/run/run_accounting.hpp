// A run's privacy accounting: the RDP accountant charged once per DP-SGD step (its ledger is the
// run's record of what was spent) and the ε every reported accountant gives for that ledger
// (privacy.accountant: rdp | pld | prv | all). The headline ε is the smallest valid upper bound;
// RDP is added as a fallback when none of the reported accountants gives one (docs/privacy_report.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dp/accounting/epsilon_summary.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "experiments/config/experiment_config.hpp"
#include "experiments/run/run_setup.hpp"

namespace dpt {

class RunAccounting {
 public:
  // `debug_fail_accountant` (tests): this accountant throws in every estimate after check_planned.
  RunAccounting(const PrivacyConfig& privacy, const Resolved& resolved, std::string debug_fail_accountant = "");

  // Before anything is written: every reported accountant at the planned number of steps (the
  // ledger the last report will hold). One that throws refuses the run with a ConfigError on
  // privacy.accountant; the result is kept for the last report.
  void check_planned();

  // The accountant DpStep charges (one Poisson-sampled Gaussian per step).
  PrivacyAccountant& charged() { return accountant_; }
  // Charges `steps` steps already taken (resume, after the checkpoint's ledger was verified).
  void charge_taken_steps(int64_t steps);
  int64_t steps_charged() const;

  // ε by every reported accountant for the steps charged so far (cached per step count).
  const std::vector<EpsilonEstimate>& estimates() const;
  // The smallest valid upper bound among estimates() (inf if there is none).
  double headline_epsilon() const;
  // The headline ε after `steps` steps of this run (what an epoch's report said then).
  double headline_epsilon_at(int64_t steps) const;
  // ε by every reported accountant after `steps` steps of this run (epsilon.svg's curves). Kept
  // per step count, so an epoch's estimates are computed once: by its report, or on resume by
  // the check of the checkpoint's epsilon history.
  const std::vector<EpsilonEstimate>& estimates_at(int64_t steps) const;
  // RDP's ε for the charged steps: cheap enough for a progress line per step.
  double rdp_epsilon() const { return accountant_.get_epsilon(delta_); }
  EpsilonResult rdp_result() const { return accountant_.get_epsilon_result(delta_); }

  nlohmann::json to_json() const { return accountant_.to_json(); }
  // The event of one step as resolved (what the planned check, resume and epoch ε recompute
  // with); the trainer checks that DpStep charges exactly this.
  DpEvent step_event() const { return DpEvent::poisson_sampled_gaussian(q_, sigma_); }
  // The whole run as planned: step_event() self-composed over the planned steps (what the last
  // report will hold, and what a budget ledger is charged before the first step).
  DpEvent planned_event() const { return DpEvent::self_composed(step_event(), planned_steps_); }

 private:
  std::vector<EpsilonEstimate> estimates_for(const std::vector<LedgerEntry>& ledger) const;
  EpsilonEstimate safe_estimate(AccountantKind kind, const std::vector<LedgerEntry>& ledger) const;
  void add_rdp_fallback(std::vector<EpsilonEstimate>& out, const std::vector<LedgerEntry>& ledger) const;

  std::optional<AccountantKind> setting_;  // privacy.accountant (absent: all)
  std::vector<AccountantKind> reported_;
  double q_, sigma_, delta_;
  int64_t planned_steps_;
  std::string debug_fail_;
  RdpAccountant accountant_;
  mutable std::optional<std::pair<int64_t, std::vector<EpsilonEstimate>>> cache_;        // (steps, estimates)
  mutable std::map<int64_t, std::vector<EpsilonEstimate>> by_steps_;                     // estimates_at
  std::optional<std::pair<nlohmann::json, std::vector<EpsilonEstimate>>> planned_;      // (ledger, estimates)
};

}  // namespace dpt
