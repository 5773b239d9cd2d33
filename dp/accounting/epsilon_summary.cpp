// Side-by-side epsilon of the accountants and the choice of the headline bound.
#include "dp/accounting/epsilon_summary.hpp"

#include <chrono>
#include <cmath>
#include <exception>
#include <limits>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/gdp_accountant.hpp"

namespace dpt {
namespace {

nlohmann::json number(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(x > 0 ? "inf" : (x < 0 ? "-inf" : "nan"));
}

// An estimate that certifies nothing: epsilon = inf, not valid, `status` says why.
EpsilonEstimate failed(const std::string& name, const std::string& status) {
  EpsilonEstimate e;
  e.accountant = name;
  e.epsilon = std::numeric_limits<double>::infinity();
  e.upper_bound = name != "gdp";
  if (e.upper_bound) e.upper = e.epsilon;
  e.valid = false;
  e.status = status;
  return e;
}

}  // namespace

const std::vector<std::string>& accountant_names() {
  static const std::vector<std::string> names = {"rdp", "pld", "prv", "gdp"};
  return names;
}

std::unique_ptr<PrivacyAccountant> make_accountant(const std::string& name, const AccountantSettings& s) {
  if (name == "rdp") return std::make_unique<RdpAccountant>(s.rdp_orders, s.rdp_conversion);
  if (name == "pld") return std::make_unique<PldAccountant>(s.pld);
  if (name == "prv") return std::make_unique<PrvAccountant>(s.prv);
  if (name == "gdp") return std::make_unique<GdpAccountant>();
  throw AccountingError("accountant must be one of rdp, pld, prv, gdp, but is \"" + name + "\".");
}

AccountantFactory accountant_factory(const std::string& name, const AccountantSettings& settings) {
  (void)make_accountant(name, settings);  // validate the name now
  return [name, settings]() { return make_accountant(name, settings); };
}

EpsilonEstimate estimate_epsilon(const std::string& name, const std::vector<LedgerEntry>& ledger, double delta,
                                 const AccountantSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  (void)make_accountant(name, settings);  // an unknown name or invalid settings throw AccountingError here
  DPT_ACCOUNTING_CHECK(delta >= 0.0 && delta <= 1.0, "delta must be in [0, 1], but is " + format_number(delta) + ".");
  EpsilonEstimate e;
  e.accountant = name;
  try {
    if (name == "rdp") {
      RdpAccountant a(settings.rdp_orders, settings.rdp_conversion);
      for (const LedgerEntry& entry : ledger) a.compose(entry.event, entry.count);
      const EpsilonResult r = a.get_epsilon_result(delta);
      e.epsilon = r.epsilon;
      e.upper = r.epsilon;
      e.details = {{"conversion", to_string(settings.rdp_conversion)},
                   {"optimal_order", r.optimal_order},
                   {"order_at_grid_edge", r.order_at_grid_edge}};
    } else if (name == "pld") {
      PldAccountant a(settings.pld);
      for (const LedgerEntry& entry : ledger) a.compose(entry.event, entry.count);
      const PldEpsilonResult r = a.get_epsilon_result(delta);
      e.epsilon = r.epsilon;
      e.upper = r.epsilon;
      e.details = {{"value_discretization_interval", settings.pld.value_discretization_interval},
                   {"interval_used", r.interval},
                   {"discretisation", to_string(settings.pld.discretisation)},
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
    } else if (name == "prv") {
      PrvAccountant a(settings.prv);
      for (const LedgerEntry& entry : ledger) a.compose(entry.event, entry.count);
      const PrvEpsilonResult r = a.get_epsilon_result(delta);
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
    } else if (name == "gdp") {
      GdpAccountant a;
      for (const LedgerEntry& entry : ledger) a.compose(entry.event, entry.count);
      e.epsilon = a.get_epsilon(delta);
      e.upper_bound = false;
      e.details = {{"mu", number(a.mu())},
                   {"note", "central-limit approximation (Bu et al. 2020): NOT a bound, may be below the true epsilon"}};
      if (std::isinf(e.epsilon)) e.status = "out_of_range";
    }
  } catch (const UnsupportedEventError& error) {
    e = failed(name, std::string("unsupported: ") + error.what());
  } catch (const std::exception& error) {
    // Fail closed: whatever went wrong (a ledger whose counts overflow, memory), no bound is claimed.
    e = failed(name, std::string("error: ") + error.what());
  }
  if (std::isnan(e.epsilon)) {
    e.valid = false;
    e.status = "nan";
  }
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
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
