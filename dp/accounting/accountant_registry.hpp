// The one list of accountants: each AccountantKind's name, what its epsilon is (an upper bound or
// an approximation), and how to make it from the settings. Every other place that turns a name
// into an accountant (the CLI, the run setup, the epsilon summary) goes through here; adding a
// kind means adding a case to each `switch` below, which the compiler (-Wswitch) points out.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dp/accounting/accountant_kind.hpp"
#include "dp/accounting/pld_accountant.hpp"
#include "dp/accounting/privacy_accountant.hpp"
#include "dp/accounting/prv_accountant.hpp"
#include "dp/accounting/rdp_accountant.hpp"

namespace dpt {

// Settings of every accountant (each kind reads its own).
struct AccountantSettings {
  std::vector<double> rdp_orders = RdpAccountant::default_orders();
  RdpConversion rdp_conversion = RdpConversion::kImproved;
  PldOptions pld;
  PrvOptions prv;
};

// What a kind's epsilon means and what it can be used for.
struct AccountantCapabilities {
  bool upper_bound = true;           // false: an approximation, never a guarantee (gdp)
  bool supports_calibration = true;  // calibrate_noise_multiplier may search over it
  std::string_view label;            // for people: "RDP", "PLD", "PRV", "GDP"
};

// "rdp", "pld", "prv", "gdp": the name in configs, flags, JSON and ledgers.
std::string_view accountant_name(AccountantKind kind);
// The kind named `name`, or nullopt (names are case-sensitive; "all" is not a kind).
std::optional<AccountantKind> find_accountant(std::string_view name);
// The kind named `name`; throws AccountingError listing the available names:
// `accountant must be one of rdp, pld, prv, gdp, but is "moments".`
AccountantKind parse_accountant(std::string_view name);
// "rdp, pld, prv, gdp": for messages.
std::string accountant_name_list();
// The names of kAccountantKinds, in that order.
const std::vector<std::string>& accountant_names();

AccountantCapabilities capabilities(AccountantKind kind);

// An empty accountant of `kind` with its settings (throws AccountingError on invalid settings).
std::unique_ptr<PrivacyAccountant> make_accountant(AccountantKind kind, const AccountantSettings& settings = {});
// A factory of them, for calibration; the settings are checked now, by making one.
AccountantFactory accountant_factory(AccountantKind kind, const AccountantSettings& settings = {});

// The same by name (parse_accountant's error on an unknown one).
std::unique_ptr<PrivacyAccountant> make_accountant(const std::string& name, const AccountantSettings& settings = {});
AccountantFactory accountant_factory(const std::string& name, const AccountantSettings& settings = {});

}  // namespace dpt
