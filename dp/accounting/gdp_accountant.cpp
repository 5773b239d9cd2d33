// GDP / CLT approximation: mu from the ledger groups, delta(eps) in log space, eps(delta) by
// bisection (bounded: at most ~1100 evaluations).
#include "dp/accounting/gdp_accountant.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "dp/accounting/accountant_json.hpp"
#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/ledger_groups.hpp"
#include "dp/accounting/log_math.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxEpsilon = 1e6;

// log Phi(x) = log(erfc(-x / sqrt 2) / 2).
double log_normal_cdf(double x) { return log_erfc(-x / std::sqrt(2.0)) - std::log(2.0); }

}  // namespace

double gdp_delta(double mu, double epsilon) {
  check_at_least<AccountingError>(mu, 0.0, "mu");            // mu = inf: delta = 1
  check_at_least<AccountingError>(epsilon, 0.0, "epsilon");  // epsilon = inf: delta = 0
  if (mu == 0.0) return 0.0;
  if (std::isinf(mu)) return 1.0;
  if (std::isinf(epsilon)) return 0.0;
  const double a = log_normal_cdf(-epsilon / mu + mu / 2.0);
  const double b = epsilon + log_normal_cdf(-epsilon / mu - mu / 2.0);
  if (!(a > b)) return 0.0;
  return std::clamp(std::exp(log_sub(a, b)), 0.0, 1.0);
}

double gdp_epsilon(double mu, double delta) {
  check_in<AccountingError>(delta, Bounds::closed(0.0, 1.0), "delta");
  if (std::isinf(mu)) return delta >= 1.0 ? 0.0 : kInf;
  if (gdp_delta(mu, 0.0) <= delta) return 0.0;
  // mu > 0 here, and delta(epsilon) > 0 for every finite epsilon: delta 0 is reached only at
  // infinity (the doubling below would stop where delta(epsilon) underflows to 0, near 16).
  if (delta == 0.0) return kInf;
  double lo = 0.0;
  double hi = 1.0;
  while (gdp_delta(mu, hi) > delta) {
    lo = hi;
    hi *= 2.0;
    if (hi > kMaxEpsilon) return kInf;
  }

  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (gdp_delta(mu, mid) > delta ? lo : hi) = mid;
  }
  return hi;
}

bool GdpAccountant::supports(const DpEvent& event) const { return is_gaussian_event(event); }

void GdpAccountant::compose(const DpEvent& event, int64_t count) { append_gaussian_event(ledger_, event, count, name()); }

double GdpAccountant::mu() const {
  const LedgerGroups groups = group_ledger(ledger_);
  if (groups.non_private) return kInf;
  double mu2 = 0.0;
  for (const GaussianStepGroup& g : groups.groups) {
    if (g.noise_multiplier == 0.0) return kInf;
    const double s2 = g.noise_multiplier * g.noise_multiplier;
    const double n = static_cast<double>(g.count);
    // q = 1: exactly (1/sigma)-GDP per step; otherwise the CLT of Bu et al. 2020.
    mu2 += g.sampling_rate == 1.0 ? n / s2 : n * g.sampling_rate * g.sampling_rate * std::expm1(1.0 / s2);
  }
  return std::sqrt(mu2);
}

double GdpAccountant::get_epsilon(double delta) const { return gdp_epsilon(mu(), delta); }

double GdpAccountant::get_delta(double epsilon) const {
  check_finite_non_negative<AccountingError>(epsilon, "epsilon");
  return gdp_delta(mu(), epsilon);
}

nlohmann::json GdpAccountant::to_json() const {
  return {{"accountant", name()},
          {"format_version", kAccountantFormatVersion},
          {"neighbouring_relation", to_string(neighbouring_relation())},
          {"bound", "approximation"},
          {"ledger", ledger_to_json(ledger_)}};
}

GdpAccountant GdpAccountant::from_json(const nlohmann::json& j) {
  check_accountant_json_header(j, "gdp", {"accountant", "format_version", "neighbouring_relation", "bound", "ledger"});
  if (j.at("bound") != "approximation")
    throw AccountingError("bound must be \"approximation\", but is " + j.at("bound").dump() + ".");
  GdpAccountant accountant;
  for (const LedgerEntry& entry : ledger_from_json(j.at("ledger"))) accountant.compose(entry.event, entry.count);
  return accountant;
}

AccountantFactory gdp_accountant_factory() {
  return []() -> std::unique_ptr<PrivacyAccountant> { return std::make_unique<GdpAccountant>(); };
}

}  // namespace dpt
