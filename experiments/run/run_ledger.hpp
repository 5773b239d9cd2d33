// A run charged to its dataset's privacy budget ledger (privacy.ledger; docs/ledger.md, "Runs"):
// the run's whole planned event is charged before its first step, under a key that makes a
// resume a no-op. The ledger itself is experiments/ledger/.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "dp/accounting/dp_event.hpp"
#include "experiments/run/run_key.hpp"

namespace dpt {

// The key a run is charged under. Reproducible mode: the run id — the same inputs give the same
// run, bit for bit, so rerunning it releases nothing new and is not charged again. Secure mode:
// the run id and 128 random bits from the OS, since two secure runs of one config draw different
// noise and are two releases.
std::string ledger_charge_key(const RunKey& key, bool secure_mode);

struct RunLedgerCharge {
  std::string path, key;
  int64_t seq = 0;
  bool already_charged = false;
  nlohmann::ordered_json to_json() const;  // manifest.json's "ledger": {"path", "key", "seq"}
};

// Charges `planned` to the ledger at `path` under `key` (labelled `label`, the run folder), or
// finds it charged; prints the ledger's one-line answer to stderr. Throws LedgerRefused when it
// does not fit (the message gives the budget, what was spent and what remains), LedgerError for a
// damaged ledger or one for other data, LedgerIoError when the lock or a write fails.
RunLedgerCharge charge_run_to_ledger(const std::string& path, const std::string& key, const std::string& label,
                                     const DpEvent& planned, const std::string& data_hash);

}  // namespace dpt
