// The accountant JSON header check and checked field reads (accountant_json.hpp).
#include "dp/accounting/accountant_json.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "dp/accounting/accounting_error.hpp"

namespace dpt {

void check_accountant_json_header(const nlohmann::json& j, std::string_view accountant,
                                  std::initializer_list<std::string_view> keys) {
  const std::string where = std::string(accountant) + " accountant";
  if (!j.is_object()) throw AccountingError(where + " must be a JSON object, but is " + j.dump() + ".");
  for (const std::string_view key : keys) {
    if (!j.contains(std::string(key))) throw AccountingError(std::string(key) + " is missing from the " + where + " JSON.");
  }
  for (const auto& [key, value] : j.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      throw AccountingError(key + " is not a field of the " + where + " JSON.");
  }
  const nlohmann::json& name = j.at("accountant");
  if (name != std::string(accountant)) {
    throw AccountingError("accountant must be \"" + std::string(accountant) + "\", but is " + name.dump() + ".");
  }
  const nlohmann::json& version = j.at("format_version");
  if (version != kAccountantFormatVersion) {
    throw AccountingError("format_version must be " + format_number(kAccountantFormatVersion) + ", but is " +
                          version.dump() + ".");
  }
  const nlohmann::json& relation = j.at("neighbouring_relation");
  if (relation != "add_or_remove_one") {
    throw AccountingError("neighbouring_relation must be \"add_or_remove_one\", but is " + relation.dump() + ".");
  }
}

double json_number(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = j.at(key);
  if (!v.is_number()) throw AccountingError(std::string(key) + " must be a number, but is " + v.dump() + ".");
  return v.get<double>();
}

int64_t json_int64(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = j.at(key);
  const bool fits = v.is_number_integer() &&
                    !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()});
  if (!fits) throw AccountingError(std::string(key) + " must be a 64-bit integer, but is " + v.dump() + ".");
  return v.get<int64_t>();
}

}  // namespace dpt
