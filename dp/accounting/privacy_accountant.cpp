// Ledger (de)serialisation shared by every accountant (see privacy_accountant.hpp).
#include "dp/accounting/privacy_accountant.hpp"

#include <nlohmann/json.hpp>

#include "dp/accounting/accounting_error.hpp"

namespace dpt {

std::string to_string(NeighbouringRelation) { return "add_or_remove_one"; }

nlohmann::json ledger_to_json(const std::vector<LedgerEntry>& ledger) {
  nlohmann::json out = nlohmann::json::array();
  for (const LedgerEntry& entry : ledger) out.push_back({{"event", to_json(entry.event)}, {"count", entry.count}});
  return out;
}

std::vector<LedgerEntry> ledger_from_json(const nlohmann::json& j, const std::string& path) {
  if (!j.is_array()) throw AccountingError(path + " must be an array, but is " + j.dump() + ".");
  std::vector<LedgerEntry> ledger;
  ledger.reserve(j.size());
  for (size_t k = 0; k < j.size(); ++k) {
    const std::string at = path + "[" + std::to_string(k) + "]";
    const nlohmann::json& entry = j[k];
    if (!entry.is_object()) throw AccountingError(at + " must be an object, but is " + entry.dump() + ".");
    for (const auto& [key, value] : entry.items()) {
      if (key != "event" && key != "count")
        throw AccountingError(at + "." + key + " is not a field of a ledger entry.");
    }
    if (!entry.contains("event")) throw AccountingError(at + ".event is missing.");
    if (!entry.contains("count")) throw AccountingError(at + ".count is missing.");
    const nlohmann::json& count = entry["count"];
    if (!count.is_number_integer() || (count.is_number_unsigned() && count.get<uint64_t>() > INT64_MAX)) {
      throw AccountingError(at + ".count must be a 64-bit integer, but is " + count.dump() + ".");
    }
    const int64_t n = count.get<int64_t>();
    if (n < 1) throw AccountingError(at + ".count must be >= 1, but is " + std::to_string(n) + ".");
    ledger.push_back(LedgerEntry{dp_event_from_json(entry["event"], at + ".event"), n});
  }
  return ledger;
}

}  // namespace dpt
