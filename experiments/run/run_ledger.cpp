// A run's ledger charge (see run_ledger.hpp).
#include "experiments/run/run_ledger.hpp"

#include <fmt/core.h>

#include <array>

#include "dp/random/random_streams.hpp"
#include "experiments/ledger/budget_ledger.hpp"
#include "experiments/ledger/ledger_error.hpp"

namespace dpt {

std::string ledger_charge_key(const RunKey& key, bool secure_mode) {
  if (!secure_mode) return key.id;
  std::array<unsigned char, 16> nonce{};
  try {
    os_random_bytes(nonce.data(), nonce.size());
  } catch (const std::exception& e) {
    throw LedgerIoError(std::string("no random bytes from the OS (") + e.what() + "); nothing was charged");
  }
  std::string hex;
  for (const unsigned char b : nonce) hex += fmt::format("{:02x}", b);
  return key.id + ":" + hex;
}

nlohmann::ordered_json RunLedgerCharge::to_json() const { return {{"path", path}, {"key", key}, {"seq", seq}}; }

RunLedgerCharge charge_run_to_ledger(const std::string& path, const std::string& key, const std::string& label,
                                     const DpEvent& planned, const std::string& data_hash) {
  const LedgerCharge c = check_and_charge(path, key, label, planned, data_hash);
  if (c.outcome == ChargeOutcome::kRefused) throw LedgerRefused(c.message);
  fmt::print(stderr, "{}\n", c.message);
  return {path, key, c.seq, c.outcome == ChargeOutcome::kAlreadyCharged};
}

}  // namespace dpt
