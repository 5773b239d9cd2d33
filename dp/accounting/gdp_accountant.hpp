// The Gaussian-DP / central-limit approximation (Dong, Roth & Su 2019; Bu et al. 2020, Opacus's
// GDP accountant): T steps of the Poisson-subsampled Gaussian are treated as mu-GDP with
// mu = q sqrt(T (e^{1/sigma^2} - 1)) (groups combine as mu^2 = sum of mu_i^2; a bare Gaussian
// step is exactly (1/sigma)-GDP), and delta(eps) = Phi(-eps/mu + mu/2) - e^eps Phi(-eps/mu - mu/2).
// THIS IS AN APPROXIMATION, NOT A BOUND: it can be far below the true epsilon (small T, small q).
// Never use it as a guarantee; reports label it "approximation" and never make it the headline.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "dp/accounting/privacy_accountant.hpp"

namespace dpt {

// delta(eps) of mu-GDP (Dong, Roth & Su 2019, Cor. 2.13), in [0, 1]; mu >= 0, eps >= 0.
double gdp_delta(double mu, double epsilon);
// The smallest eps >= 0 with gdp_delta(mu, eps) <= delta (bisection to 1e-12 relative); inf when
// mu is inf or eps would exceed 1e6.
double gdp_epsilon(double mu, double delta);

class GdpAccountant final : public PrivacyAccountant {
 public:
  GdpAccountant() = default;

  std::string name() const override { return "gdp"; }
  bool supports(const DpEvent& event) const override;
  void compose(const DpEvent& event, int64_t count = 1) override;
  // The CLT approximation of epsilon: NOT an upper bound.
  double get_epsilon(double delta) const override;
  double get_delta(double epsilon) const override;
  const std::vector<LedgerEntry>& ledger() const override { return ledger_; }

  // mu of the composition (inf for NonPrivate or sigma = 0).
  double mu() const;

  // {"accountant": "gdp", "format_version": 1, "neighbouring_relation": ..., "bound": "approximation",
  //  "ledger": [...]}
  nlohmann::json to_json() const override;
  static GdpAccountant from_json(const nlohmann::json& j);

 private:
  std::vector<LedgerEntry> ledger_;
};

AccountantFactory gdp_accountant_factory();

}  // namespace dpt
