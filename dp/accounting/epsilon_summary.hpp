// epsilon of one ledger by several accountants side by side, and the headline: the smallest
// VALID UPPER bound among them (the GDP approximation is listed but never the headline; a PRV
// whose domain or delta_error was exceeded is listed as invalid and skipped). Used by
// `dptrain epsilon --accountant all` and by the run's privacy report.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dp/accounting/pld_accountant.hpp"
#include "dp/accounting/privacy_accountant.hpp"
#include "dp/accounting/prv_accountant.hpp"
#include "dp/accounting/rdp_accountant.hpp"

namespace dpt {

// Settings of every accountant.
struct AccountantSettings {
  std::vector<double> rdp_orders = RdpAccountant::default_orders();
  RdpConversion rdp_conversion = RdpConversion::kImproved;
  PldOptions pld;
  PrvOptions prv;
};

// "rdp", "pld", "prv", "gdp".
const std::vector<std::string>& accountant_names();

// An empty accountant by name (throws AccountingError on an unknown name).
std::unique_ptr<PrivacyAccountant> make_accountant(const std::string& name, const AccountantSettings& settings = {});
AccountantFactory accountant_factory(const std::string& name, const AccountantSettings& settings = {});

struct EpsilonEstimate {
  std::string accountant;
  double epsilon = 0.0;             // the accountant's answer: an upper bound, or (gdp) an approximation
  std::optional<double> lower;      // prv: lower bound on the true epsilon
  std::optional<double> estimate;   // prv: point estimate
  std::optional<double> upper;      // rdp, pld, prv: upper bound
  bool upper_bound = true;          // false: an approximation, never a guarantee
  bool valid = true;                // false: the method's domain was exceeded (see status); not usable
  std::string status = "ok";
  nlohmann::json details = nlohmann::json::object();  // optimal order, grid, mesh, ...
  double seconds = 0.0;             // wall time of the computation
};

// epsilon at `delta` of the events in `ledger` by accountant `name`. Throws AccountingError only
// for an unknown `name`, invalid `settings`, or `delta` outside [0, 1] (checked before anything
// is computed). Otherwise it never throws, whatever the events (any q in [0, 1], sigma >= 0, any
// counts): a method that cannot answer returns epsilon = inf with valid = false and a status
// ("domain_exceeded", "infinity_mass_above_delta", "delta_too_small", "eps_error_relaxed",
// "unsupported: ...", "error: ..." for anything else, e.g. counts that overflow or memory). So
// a caller can check every accountant before training and fall back on an invalid one.
EpsilonEstimate estimate_epsilon(const std::string& name, const std::vector<LedgerEntry>& ledger, double delta,
                                 const AccountantSettings& settings = {});

// The smallest valid upper bound's index in `estimates`, or -1 if there is none.
int headline_index(const std::vector<EpsilonEstimate>& estimates);

// {"accountant", "epsilon", "bound": "upper"|"approximation", "valid", "status", "lower"?,
//  "estimate"?, "upper"?, ...details}; infinities as the string "inf".
nlohmann::json to_json(const EpsilonEstimate& estimate);

}  // namespace dpt
