// A run's accountant and its reported ε (see run_accounting.hpp).
#include "experiments/run/run_accounting.hpp"

#include <fmt/format.h>

#include <exception>
#include <limits>

#include "core/error.hpp"
#include "experiments/config/config_error.hpp"

namespace dpt {
namespace {

double headline_of(const std::vector<EpsilonEstimate>& e) {
  const int best = headline_index(e);
  return best >= 0 ? *e[static_cast<size_t>(best)].upper : std::numeric_limits<double>::infinity();
}

}  // namespace

RunAccounting::RunAccounting(const PrivacyConfig& privacy, const Resolved& resolved, std::string debug_fail_accountant)
    : setting_(privacy.accountant),
      reported_(reported_accountants(privacy.accountant)),
      q_(resolved.sampling_rate),
      sigma_(resolved.noise_multiplier),
      delta_(resolved.delta),
      planned_steps_(resolved.steps),
      debug_fail_(std::move(debug_fail_accountant)) {}

void RunAccounting::check_planned() {
  RdpAccountant planned;
  planned.compose(step_event(), planned_steps_);
  std::vector<EpsilonEstimate> out;
  for (const AccountantKind kind : reported_) {
    try {
      out.push_back(estimate_epsilon(kind, planned.ledger(), delta_));
    } catch (const std::exception& e) {
      throw ConfigError("privacy.accountant",
                        fmt::format("the {} accountant cannot account for this run (q = {:g}, noise_multiplier = {:g}, {} steps, "
                                    "delta = {:g}): {}; choose another accountant",
                                    accountant_name(kind), q_, sigma_, planned_steps_, delta_, e.what()));
    }
  }
  add_rdp_fallback(out, planned.ledger());
  if (headline_index(out) < 0) {
    fmt::print(stderr, "warning: no accountant gives a finite epsilon for the planned {} steps; the report will say epsilon = inf\n",
               planned_steps_);
  }
  planned_.emplace(ledger_to_json(planned.ledger()), std::move(out));
}

void RunAccounting::charge_taken_steps(int64_t steps) {
  if (steps > 0) accountant_.compose(step_event(), steps);
}

int64_t RunAccounting::steps_charged() const {
  int64_t steps = 0;
  for (const LedgerEntry& e : accountant_.ledger()) steps += e.count;
  return steps;
}

const std::vector<EpsilonEstimate>& RunAccounting::estimates() const {
  const int64_t steps = steps_charged();
  if (cache_ && cache_->first == steps) return cache_->second;
  if (planned_ && steps == planned_steps_ && debug_fail_.empty() && planned_->first == ledger_to_json(accountant_.ledger())) {
    return planned_->second;  // the last report: computed before the first step
  }
  cache_.emplace(steps, estimates_for(accountant_.ledger()));
  by_steps_.emplace(steps, cache_->second);
  return cache_->second;
}

double RunAccounting::headline_epsilon() const { return headline_of(estimates()); }

double RunAccounting::headline_epsilon_at(int64_t steps) const { return headline_of(estimates_at(steps)); }

// The same ledger (one line: `steps` times the step event, as compose merges them) gives the
// same estimates, so a cached epoch equals what its report computed.
const std::vector<EpsilonEstimate>& RunAccounting::estimates_at(int64_t steps) const {
  if (const auto it = by_steps_.find(steps); it != by_steps_.end()) return it->second;
  if (steps == steps_charged()) return estimates();
  RdpAccountant charged;
  if (steps > 0) charged.compose(step_event(), steps);
  return by_steps_.emplace(steps, estimates_for(charged.ledger())).first->second;
}

// The accountants are independent and single-threaded: each on a thread of its own (PLD, the
// slowest, beside RDP + PRV + GDP on two cores), each writing its own slot, so the estimates are
// the same values in the same order as one after the other (docs/performance.md, "Whole runs").
std::vector<EpsilonEstimate> RunAccounting::estimates_for(const std::vector<LedgerEntry>& ledger) const {
  std::vector<EpsilonEstimate> out(reported_.size());
  const int n = static_cast<int>(reported_.size());
#pragma omp parallel for schedule(dynamic, 1) if (n > 1)
  for (int k = 0; k < n; ++k) out[static_cast<size_t>(k)] = safe_estimate(reported_[static_cast<size_t>(k)], ledger);
  add_rdp_fallback(out, ledger);
  return out;
}

// estimate_epsilon never throws for a valid ledger and delta; if it does all the same, the
// report names the accountant as failed instead of losing the run's files.
EpsilonEstimate RunAccounting::safe_estimate(AccountantKind kind, const std::vector<LedgerEntry>& ledger) const {
  try {
    if (accountant_name(kind) == debug_fail_) throw Error("injected failure (--debug-fail-accountant)");
    return estimate_epsilon(kind, ledger, delta_);
  } catch (const std::exception& e) {
    EpsilonEstimate failed;
    failed.kind = kind;
    failed.accountant = std::string(accountant_name(kind));
    failed.epsilon = std::numeric_limits<double>::infinity();
    failed.valid = false;
    failed.status = std::string("failed: ") + e.what();
    return failed;
  }
}

// RDP is added as the fallback when none of the reported accountants gives a valid upper bound.
void RunAccounting::add_rdp_fallback(std::vector<EpsilonEstimate>& out, const std::vector<LedgerEntry>& ledger) const {
  if (headline_index(out) < 0 && setting_ != AccountantKind::kRdp) out.push_back(safe_estimate(AccountantKind::kRdp, ledger));
}

}  // namespace dpt
