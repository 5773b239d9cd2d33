// The kinds of privacy accountant dptrain has, without their machinery: what a config or a
// command-line flag selects. Names, capabilities and factories are in accountant_registry.hpp.
#pragma once

#include <array>
#include <string_view>

namespace dpt {

enum class AccountantKind { kRdp, kPld, kPrv, kGdp };

// Every kind, in the order reports list them (rdp, pld, prv, gdp).
inline constexpr std::array<AccountantKind, 4> kAccountantKinds = {AccountantKind::kRdp, AccountantKind::kPld,
                                                                    AccountantKind::kPrv, AccountantKind::kGdp};

// The name that selects every kind side by side (`--accountant all`, privacy.accountant "all").
inline constexpr std::string_view kAllAccountantsName = "all";

}  // namespace dpt
