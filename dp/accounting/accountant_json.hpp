// The JSON every accountant (rdp, pld, prv, gdp) serialises to shares one header —
//   {"accountant": name, "format_version": 1, "neighbouring_relation": "add_or_remove_one", ...}
// — checked here once, with checked reads of the numeric fields. Every failure is an
// AccountingError naming the key, never a raw nlohmann exception. Internal to dp/accounting.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace dpt {

inline constexpr int kAccountantFormatVersion = 1;

// `j` is an object whose fields are exactly `keys` (each present, no other), with
// accountant == `accountant`, format_version == 1 and neighbouring_relation ==
// "add_or_remove_one". `keys` must list those three. Messages: "pld accountant must be a JSON
// object, but is 3.", "ledger is missing from the pld accountant JSON.", "surprise is not a
// field of the pld accountant JSON.", "accountant must be \"pld\", but is \"rdp\".".
void check_accountant_json_header(const nlohmann::json& j, std::string_view accountant,
                                  std::initializer_list<std::string_view> keys);

// j[key] as a double: "eps_error must be a number, but is \"x\"."
double json_number(const nlohmann::json& j, const char* key);

// j[key] as an int64_t: "max_bins must be a 64-bit integer, but is 1.5." (also for integers
// beyond INT64_MAX, which would otherwise wrap).
int64_t json_int64(const nlohmann::json& j, const char* key);

}  // namespace dpt
