// The privacy-loss-distribution accountant (Koskela et al. 2020; dp_accounting's PLDAccountant):
// each (q, sigma) group of the ledger is discretised pessimistically (connect-the-dots by
// default), self-composed by FFT repeated squaring, and the groups are convolved, separately
// for the remove and the add direction of add/remove-one adjacency; epsilon and delta are the
// maxima over the two. The result is an upper bound (up to double round-off in the FFT, which is
// charged to delta). q = 1 steps are merged first, and delta >= the total-variation bound gives
// epsilon = 0 without any PLD (both exact; ledger_groups.hpp). Where no grid can hold the loss
// (q = 1, tiny sigma) or delta is below the mass put at +inf, epsilon = inf with a flag saying so.
// Supports Gaussian, PoissonSampled(Gaussian), SelfComposed, Composed, NoOp, NonPrivate.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "dp/accounting/pld_mechanism.hpp"
#include "dp/accounting/pld_pmf.hpp"
#include "dp/accounting/privacy_accountant.hpp"

namespace dpt {

struct PldOptions {
  double value_discretization_interval = 1e-4;  // dp_accounting's default
  PldDiscretisation discretisation = PldDiscretisation::kConnectTheDots;
  PldCompositionOptions composition;  // tail truncation 1e-15 per product, at most 2^21 bins
};

// epsilon with how it was obtained.
struct PldEpsilonResult {
  double epsilon = 0.0;         // max of the two directions; an upper bound
  double epsilon_remove = 0.0;
  double epsilon_add = 0.0;
  double interval = 0.0;        // grid step finally used (> the requested one after coarsening)
  int coarsenings = 0;          // grid doublings forced by max_bins (looser but still an upper bound)
  double truncated_mass = 0.0;  // mass moved by tail truncation (counted in delta)
  int64_t bins = 0;             // size of the larger composed PMF
  int64_t largest_fft = 0;
  int64_t convolutions = 0;
  // epsilon is inf only because the mass the discretisation put at +inf (truncated tails, ~4e-15;
  // losses above kMaxGridLoss = 300, which matter when sigma < ~0.1) exceeds delta: not a
  // statement about the mechanism; use another accountant.
  bool delta_below_floor = false;
  // No grid of at most max_bins holds the composition at an interval <= 1 (at most h * 2^40), or
  // one step alone (q = 1, sigma below ~1e-3): epsilon = inf is NOT a statement about the
  // mechanism; use another accountant.
  bool domain_exceeded = false;
  // total_variation_bound of the ledger (ledger_groups.hpp), an upper bound on delta(0).
  double total_variation = 1.0;
  // delta >= total_variation, so epsilon = 0 exactly and no PLD was computed (the other fields
  // are then 0).
  bool by_total_variation = false;
};

class PldAccountant final : public PrivacyAccountant {
 public:
  explicit PldAccountant(PldOptions options = {});

  std::string name() const override { return "pld"; }
  bool supports(const DpEvent& event) const override;
  void compose(const DpEvent& event, int64_t count = 1) override;
  double get_epsilon(double delta) const override;
  double get_delta(double epsilon) const override;
  const std::vector<LedgerEntry>& ledger() const override { return ledger_; }

  PldEpsilonResult get_epsilon_result(double delta) const;
  const PldOptions& options() const { return options_; }

  // {"accountant": "pld", "format_version": 1, "neighbouring_relation": "add_or_remove_one",
  //  "value_discretization_interval": h, "discretisation": "connect_the_dots",
  //  "tail_mass_truncation": t, "max_bins": n, "ledger": [...]}
  nlohmann::json to_json() const override;
  static PldAccountant from_json(const nlohmann::json& j);

 private:
  struct Composed {
    PldPmf remove;
    PldPmf add;
    PldCompositionStatus status;
    bool non_private = false;
    bool no_noise = false;  // some step has sigma = 0: its mass at +inf is genuine
    bool domain_exceeded = false;
  };
  // The composed PLDs of the ledger, computed on first use after a compose() (not thread-safe).
  const Composed& composed() const;

  PldOptions options_;
  std::vector<LedgerEntry> ledger_;
  mutable std::shared_ptr<const Composed> cache_;
};

// A factory of empty PLD accountants, for calibration.
AccountantFactory pld_accountant_factory(PldOptions options = {});

}  // namespace dpt
