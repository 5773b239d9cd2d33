// A dataset's privacy budget ledger on disk (docs/ledger.md): create it, read and verify it,
// preview a charge, and charge a DP event to it once per key. A charge is all or nothing: under
// the lock (ledger_lock.hpp) the whole ledger is read back and verified (ledger_format.hpp), the
// event is tried against the Rényi filter (dp/accounting/renyi_filter.hpp), and the ledger with the new line is
// written to a temporary file and renamed into place (durable_write.hpp); LEDGER.head follows.
// The files: LEDGER (the ledger), LEDGER.lock (the lock), LEDGER.head (the charge count and last
// hash, which catches a deleted last line).
//
// For callers that start runs (dptrain run, a sweep): charge before the run touches data,
//   const LedgerCharge c = check_and_charge(path, run_key, label, planned_event, data_hash);
//   if (c.outcome == ChargeOutcome::kRefused) throw LedgerRefused(c.message);
// a resume calls it again with the same key (kAlreadyCharged); would_fit previews without writing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dp/accounting/dp_event.hpp"
#include "experiments/ledger/ledger_format.hpp"
#include "experiments/ledger/ledger_lock.hpp"
#include "dp/accounting/renyi_filter.hpp"

namespace dpt {

struct LedgerPaths {
  std::string ledger, lock, head;
  static LedgerPaths of(const std::string& ledger);  // LEDGER, LEDGER.lock, LEDGER.head
};

enum class ChargeOutcome {
  kCharged,         // the event was appended as charge `seq`
  kAlreadyCharged,  // the key was charged before (charge `seq`): nothing was written
  kRefused,         // it does not fit: nothing was written
};

struct LedgerCharge {
  ChargeOutcome outcome = ChargeOutcome::kRefused;
  int64_t seq = 0;            // the key's charge (charged or already charged)
  double run_epsilon = 0.0;   // the filter's conversion of this event alone (RenyiFilter::epsilon_of)
  double budget_epsilon = 0.0, budget_delta = 0.0;
  FilterStatus before, after;  // after == before unless charged
  std::string message;         // one line for people, naming the ledger
};

struct LedgerOptions {
  double lock_timeout_s = kLedgerLockTimeoutSeconds;
};

// `dptrain ledger init`: a new ledger with no charge at the filter's default orders. Refuses
// (LedgerError) an existing file or an invalid budget / data hash; LedgerIoError if it cannot be written.
LedgerContents create_ledger(const std::string& path, double epsilon, double delta,
                             const std::optional<std::string>& data_hash, const LedgerOptions& options = {});

// Reads and verifies the ledger and its head (LedgerError naming the file and the first bad line).
LedgerContents read_ledger(const std::string& path);

// What check_and_charge would answer now, under the shared lock and without writing (a later charge
// may still be refused: another run may be charged in between).
LedgerCharge would_fit(const std::string& path, const std::string& key, const DpEvent& event,
                       const std::optional<std::string>& data_hash);

// Charges `event` under `key` (labelled `label`) unless `key` was charged already or it does not
// fit. Throws LedgerError for a bad ledger, an empty key, the same key with another event, or data
// the ledger is not for ("ledger X is for data H1, this run's data is H2"); UnsupportedEventError
// for an event the RDP accountant cannot account for; LedgerIoError when the lock or a write fails
// (then nothing was charged, unless only LEDGER.head failed after the ledger was in place).
LedgerCharge check_and_charge(const std::string& path, const std::string& key, const std::string& label,
                              const DpEvent& event, const std::optional<std::string>& data_hash,
                              const LedgerOptions& options = {});

// "budget ε = 2 (δ = 1e-05), spent ε = 1.53 in 3 charges, remaining ε = 0.47 (RDP headroom at order 12)".
std::string describe_budget(const LedgerContents& contents);

}  // namespace dpt
