// epsilon of one ledger by several accountants side by side, and the headline: the smallest
// VALID UPPER bound among them (the GDP approximation is listed but never the headline; a PRV
// whose domain or delta_error was exceeded is listed as invalid and skipped). Used by
// `dptrain epsilon --accountant all` and by the run's privacy report.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dp/accounting/accountant_registry.hpp"
#include "dp/accounting/privacy_accountant.hpp"

namespace dpt {

// (AccountantSettings, accountant_names(), make_accountant and accountant_factory live in
// accountant_registry.hpp, which this header includes.)

struct EpsilonEstimate {
  AccountantKind kind = AccountantKind::kRdp;
  std::string accountant;           // accountant_name(kind)
  double epsilon = 0.0;             // the accountant's answer: an upper bound, or (gdp) an approximation
  std::optional<double> lower;      // prv: lower bound on the true epsilon
  std::optional<double> estimate;   // prv: point estimate
  std::optional<double> upper;      // rdp, pld, prv: upper bound
  bool upper_bound = true;          // false: an approximation, never a guarantee
  bool valid = true;                // false: the method's domain was exceeded (see status); not usable
  std::string status = "ok";
  std::optional<double> optimal_order;  // rdp: the order of the tightest conversion
  bool order_at_grid_edge = false;      // rdp: that order is the smallest or largest of the grid
  nlohmann::json details = nlohmann::json::object();  // optimal order, grid, mesh, ...
  double seconds = 0.0;             // wall time of the computation
};

// epsilon at `delta` of the events in `ledger` by accountant `kind`. Throws AccountingError only
// for an unknown name, invalid `settings`, or `delta` outside [0, 1] (checked before anything
// is computed). Otherwise it never throws, whatever the events (any q in [0, 1], sigma >= 0, any
// counts): a method that cannot answer returns epsilon = inf with valid = false and a status
// ("domain_exceeded", "infinity_mass_above_delta", "delta_too_small", "eps_error_relaxed",
// "unsupported: ...", "error: ..." for anything else, e.g. counts that overflow or memory). So
// a caller can check every accountant before training and fall back on an invalid one.
EpsilonEstimate estimate_epsilon(AccountantKind kind, const std::vector<LedgerEntry>& ledger, double delta,
                                 const AccountantSettings& settings = {});
// The same by name (parse_accountant's AccountingError on an unknown one).
EpsilonEstimate estimate_epsilon(const std::string& name, const std::vector<LedgerEntry>& ledger, double delta,
                                 const AccountantSettings& settings = {});

// The smallest valid upper bound's index in `estimates`, or -1 if there is none.
int headline_index(const std::vector<EpsilonEstimate>& estimates);

// {"accountant", "epsilon", "bound": "upper"|"approximation", "valid", "status", "lower"?,
//  "estimate"?, "upper"?, ...details}; infinities as the string "inf".
nlohmann::json to_json(const EpsilonEstimate& estimate);

}  // namespace dpt
