// A run's ledger charge (see run_ledger.hpp).
#include "experiments/run/run_ledger.hpp"

#include <fmt/core.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "experiments/ledger/budget_ledger.hpp"
#include "experiments/ledger/ledger_error.hpp"

namespace dpt {

std::string ledger_charge_key(const RunKey& key, bool secure_mode) {
  if (!secure_mode) return key.id;
  std::array<unsigned char, 16> nonce{};
  size_t got = 0;
  while (got < nonce.size()) {
    const ssize_t n = ::getrandom(nonce.data() + got, nonce.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw LedgerIoError(std::string("getrandom failed (") + std::strerror(errno) + "); nothing was charged");
    got += static_cast<size_t>(n);
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
