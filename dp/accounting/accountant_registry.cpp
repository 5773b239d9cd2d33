// The accountant registry (see accountant_registry.hpp). Each `switch` lists every kind and has
// no `default`, so a new kind that is not handled everywhere is a compiler warning (-Wswitch).
#include "dp/accounting/accountant_registry.hpp"

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/gdp_accountant.hpp"

namespace dpt {
namespace {

[[noreturn]] void invalid_kind(AccountantKind kind) {
  throw AccountingError("accountant kind " + std::to_string(static_cast<int>(kind)) + " does not exist.");
}

}  // namespace

std::string_view accountant_name(AccountantKind kind) {
  switch (kind) {
    case AccountantKind::kRdp: return "rdp";
    case AccountantKind::kPld: return "pld";
    case AccountantKind::kPrv: return "prv";
    case AccountantKind::kGdp: return "gdp";
  }
  invalid_kind(kind);
}

std::optional<AccountantKind> find_accountant(std::string_view name) {
  for (const AccountantKind kind : kAccountantKinds) {
    if (accountant_name(kind) == name) return kind;
  }
  return std::nullopt;
}

AccountantKind parse_accountant(std::string_view name) {
  if (const std::optional<AccountantKind> kind = find_accountant(name)) return *kind;
  throw AccountingError("accountant must be one of " + accountant_name_list() + ", but is \"" + std::string(name) +
                        "\".");
}

std::string accountant_name_list() {
  std::string list;
  for (const AccountantKind kind : kAccountantKinds) {
    if (!list.empty()) list += ", ";
    list += accountant_name(kind);
  }
  return list;
}

const std::vector<std::string>& accountant_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const AccountantKind kind : kAccountantKinds) out.emplace_back(accountant_name(kind));
    return out;
  }();
  return names;
}

AccountantCapabilities capabilities(AccountantKind kind) {
  switch (kind) {
    case AccountantKind::kRdp: return {.upper_bound = true, .supports_calibration = true, .label = "RDP"};
    case AccountantKind::kPld: return {.upper_bound = true, .supports_calibration = true, .label = "PLD"};
    case AccountantKind::kPrv: return {.upper_bound = true, .supports_calibration = true, .label = "PRV"};
    // The central-limit approximation (Bu et al. 2020): calibrating to it meets the target for the
    // approximation only, which the CLI says beside the noise multiplier.
    case AccountantKind::kGdp: return {.upper_bound = false, .supports_calibration = true, .label = "GDP"};
  }
  invalid_kind(kind);
}

std::unique_ptr<PrivacyAccountant> make_accountant(AccountantKind kind, const AccountantSettings& s) {
  switch (kind) {
    case AccountantKind::kRdp: return std::make_unique<RdpAccountant>(s.rdp_orders, s.rdp_conversion);
    case AccountantKind::kPld: return std::make_unique<PldAccountant>(s.pld);
    case AccountantKind::kPrv: return std::make_unique<PrvAccountant>(s.prv);
    case AccountantKind::kGdp: return std::make_unique<GdpAccountant>();
  }
  invalid_kind(kind);
}

AccountantFactory accountant_factory(AccountantKind kind, const AccountantSettings& settings) {
  (void)make_accountant(kind, settings);  // invalid settings throw now, not inside the calibration
  return [kind, settings]() { return make_accountant(kind, settings); };
}

std::unique_ptr<PrivacyAccountant> make_accountant(const std::string& name, const AccountantSettings& settings) {
  return make_accountant(parse_accountant(name), settings);
}

AccountantFactory accountant_factory(const std::string& name, const AccountantSettings& settings) {
  return accountant_factory(parse_accountant(name), settings);
}

}  // namespace dpt
