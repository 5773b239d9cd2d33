// The interface every privacy accountant answers (RDP, PLD, PRV and the GDP approximation), shaped like
// dp_accounting's PrivacyAccountant: supports / compose (validate first, then change state) /
// get_epsilon / get_delta, plus the ledger of composed events, serialisable to JSON.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "dp/accounting/dp_event.hpp"

namespace dpt {

// Which datasets are neighbours. Only add/remove-one (D' = D plus or minus one record) is
// implemented: it is the relation of Poisson-sampled DP-SGD and of every reference value.
// Replace-one would need other RDP/PLD formulas and is deliberately absent.
enum class NeighbouringRelation { kAddOrRemoveOne };

std::string to_string(NeighbouringRelation relation);  // "add_or_remove_one"

// One line of the ledger: `event` composed `count` times (consecutive identical events are
// merged into one line).
struct LedgerEntry {
  DpEvent event;
  int64_t count = 1;
};

class PrivacyAccountant {
 public:
  virtual ~PrivacyAccountant() = default;

  // Short name used in reports and JSON, e.g. "rdp".
  virtual std::string name() const = 0;
  NeighbouringRelation neighbouring_relation() const { return NeighbouringRelation::kAddOrRemoveOne; }

  // Whether compose(event) would succeed.
  virtual bool supports(const DpEvent& event) const = 0;

  // Charges `event` `count` (>= 1) times. Validates everything first: on any error
  // (unsupported event -> UnsupportedEventError, count < 1 -> AccountingError) it throws and the
  // accountant is unchanged.
  virtual void compose(const DpEvent& event, int64_t count = 1) = 0;

  // The smallest epsilon this accountant can certify at `delta` in [0, 1] (+inf if none).
  virtual double get_epsilon(double delta) const = 0;

  // The smallest delta this accountant can certify at `epsilon` >= 0 (finite), in [0, 1].
  virtual double get_delta(double epsilon) const = 0;

  // Every event composed so far, in order.
  virtual const std::vector<LedgerEntry>& ledger() const = 0;

  // Settings and ledger; the accountant's from_json replays the ledger to restore it.
  virtual nlohmann::json to_json() const = 0;
};

// Makes a fresh (empty) accountant: calibration and budget searches are generic over it.
using AccountantFactory = std::function<std::unique_ptr<PrivacyAccountant>()>;

// [{"event": {...}, "count": n}, ...] and back (errors name the JSON path, e.g.
// "ledger[3].count must be >= 1, but is 0.").
nlohmann::json ledger_to_json(const std::vector<LedgerEntry>& ledger);
std::vector<LedgerEntry> ledger_from_json(const nlohmann::json& j, const std::string& path = "ledger");

}  // namespace dpt
