// Side-by-side epsilon of the accountants and the choice of the headline bound.
#include "dp/accounting/epsilon_summary.hpp"

#include <chrono>
#include <cmath>
#include <exception>
#include <limits>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/gdp_accountant.hpp"
#include "dp/accounting/pld_accountant.hpp"
#include "dp/accounting/prv_accountant.hpp"
#include "dp/accounting/rdp_accountant.hpp"

namespace dpt {
namespace {

nlohmann::json number(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(x > 0 ? "inf" : (x < 0 ? "-inf" : "nan"));
}

// An estimate of `kind` before it is computed: which accountant, and whether its answer is a bound.
EpsilonEstimate blank(AccountantKind kind) {
  EpsilonEstimate e;
  e.kind = kind;
  e.accountant = accountant_name(kind);
  e.upper_bound = capabilities(kind).upper_bound;
  return e;
}

// An estimate that certifies nothing: epsilon = inf, not valid, `status` says why.
EpsilonEstimate failed(AccountantKind kind, const std::string& status) {
  EpsilonEstimate e = blank(kind);
  e.epsilon = std::numeric_limits<double>::infinity();
  if (e.upper_bound) e.upper = e.epsilon;
  e.valid = false;
  e.status = status;
  return e;
}

template <typename Accountant>
void compose_all(Accountant& a, const std::vector<LedgerEntry>& ledger) {
  for (const LedgerEntry& entry : ledger) a.compose(entry.event, entry.count);
}

EpsilonEstimate rdp_estimate(const std::vector<LedgerEntry>& ledger, double delta, const AccountantSettings& s) {
  RdpAccountant a(s.rdp_orders, s.rdp_conversion);
  compose_all(a, ledger);
  const EpsilonResult r = a.get_epsilon_result(delta);
  EpsilonEstimate e = blank(AccountantKind::kRdp);
  e.epsilon = r.epsilon;
  e.upper = r.epsilon;
  e.optimal_order = r.optimal_order;
  e.order_at_grid_edge = r.order_at_grid_edge;
  e.details = {{"conversion", to_string(s.rdp_conversion)},
               {"optimal_order", r.optimal_order},
               {"order_at_grid_edge", r.order_at_grid_edge}};
  return e;
}

EpsilonEstimate pld_estimate(const std::vector<LedgerEntry>& ledger, double delta, const AccountantSettings& s) {
  PldAccountant a(s.pld);
  compose_all(a, ledger);
  const PldEpsilonResult r = a.get_epsilon_result(delta);
  EpsilonEstimate e = blank(AccountantKind::kPld);
  e.epsilon = r.epsilon;
  e.upper = r.epsilon;
  e.details = {{"value_discretization_interval", s.pld.value_discretization_interval},
               {"interval_used", r.interval},
               {"discretisation", to_string(s.pld.discretisation)},
               {"epsilon_remove", number(r.epsilon_remove)},
               {"epsilon_add", number(r.epsilon_add)},
               {"truncated_mass", r.truncated_mass}};
  e.details["total_variation_bound"] = r.total_variation;
  if (r.coarsenings > 0) e.status = "coarsened";  // still an upper bound, looser
  if (r.domain_exceeded) {
    e.status = "domain_exceeded";
    e.valid = false;
  } else if (r.delta_below_floor) {
    e.status = "infinity_mass_above_delta";
    e.valid = false;
  }
  return e;
}

EpsilonEstimate prv_estimate(const std::vector<LedgerEntry>& ledger, double delta, const AccountantSettings& s) {
  PrvAccountant a(s.prv);
  compose_all(a, ledger);
  const PrvEpsilonResult r = a.get_epsilon_result(delta);
  EpsilonEstimate e = blank(AccountantKind::kPrv);
  e.epsilon = r.upper;
  e.lower = r.lower;
  e.estimate = r.estimate;
  e.upper = r.upper;
  e.status = to_string(r.status);
  e.valid = r.upper_valid();
  e.details = {{"eps_error", r.eps_error},
               {"delta_error", r.delta_error},
               {"mesh", r.mesh},
               {"total_variation_bound", r.total_variation}};
  return e;
}

EpsilonEstimate gdp_estimate(const std::vector<LedgerEntry>& ledger, double delta) {
  GdpAccountant a;
  compose_all(a, ledger);
  EpsilonEstimate e = blank(AccountantKind::kGdp);
  e.epsilon = a.get_epsilon(delta);
  e.details = {{"mu", number(a.mu())},
               {"note", "central-limit approximation (Bu et al. 2020): NOT a bound, may be below the true epsilon"}};
  if (std::isinf(e.epsilon)) e.status = "out_of_range";
  return e;
}

EpsilonEstimate estimate_of(AccountantKind kind, const std::vector<LedgerEntry>& ledger, double delta,
                            const AccountantSettings& settings) {
  switch (kind) {
    case AccountantKind::kRdp: return rdp_estimate(ledger, delta, settings);
    case AccountantKind::kPld: return pld_estimate(ledger, delta, settings);
    case AccountantKind::kPrv: return prv_estimate(ledger, delta, settings);
    case AccountantKind::kGdp: return gdp_estimate(ledger, delta);
  }
  throw AccountingError("accountant kind " + std::to_string(static_cast<int>(kind)) + " does not exist.");
}

}  // namespace

EpsilonEstimate estimate_epsilon(AccountantKind kind, const std::vector<LedgerEntry>& ledger, double delta,
                                 const AccountantSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  (void)make_accountant(kind, settings);  // invalid settings throw AccountingError here
  DPT_ACCOUNTING_CHECK(delta >= 0.0 && delta <= 1.0, "delta must be in [0, 1], but is " + format_number(delta) + ".");
  EpsilonEstimate e;
  try {
    e = estimate_of(kind, ledger, delta, settings);
  } catch (const UnsupportedEventError& error) {
    e = failed(kind, std::string("unsupported: ") + error.what());
  } catch (const std::exception& error) {
    // Fail closed: whatever went wrong (a ledger whose counts overflow, memory), no bound is claimed.
    e = failed(kind, std::string("error: ") + error.what());
  }
  if (std::isnan(e.epsilon)) {
    e.valid = false;
    e.status = "nan";
  }
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

EpsilonEstimate estimate_epsilon(const std::string& name, const std::vector<LedgerEntry>& ledger, double delta,
                                 const AccountantSettings& settings) {
  return estimate_epsilon(parse_accountant(name), ledger, delta, settings);
}

int headline_index(const std::vector<EpsilonEstimate>& estimates) {
  int best = -1;
  for (size_t k = 0; k < estimates.size(); ++k) {
    const EpsilonEstimate& e = estimates[k];
    if (!e.upper_bound || !e.valid || !e.upper) continue;
    if (best < 0 || *e.upper < *estimates[static_cast<size_t>(best)].upper) best = static_cast<int>(k);
  }
  return best;
}

nlohmann::json to_json(const EpsilonEstimate& e) {
  nlohmann::json j = {{"accountant", e.accountant},
                      {"epsilon", number(e.epsilon)},
                      {"bound", e.upper_bound ? "upper" : "approximation"},
                      {"valid", e.valid},
                      {"status", e.status}};
  if (e.lower) j["lower"] = number(*e.lower);
  if (e.estimate) j["estimate"] = number(*e.estimate);
  if (e.upper) j["upper"] = number(*e.upper);
  for (const auto& [key, value] : e.details.items()) j[key] = value;
  return j;
}

}  // namespace dpt
