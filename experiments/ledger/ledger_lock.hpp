// The ledger's advisory lock (docs/ledger.md, "Locking"): flock(2) on the sidecar LEDGER.lock,
// never on the ledger itself (which every charge replaces by rename). A charge holds it from
// reading the ledger to the rename of the new one, so two processes never both see room for a
// run that only one of them fits.
#pragma once

#include <string>

namespace dpt {

inline constexpr double kLedgerLockTimeoutSeconds = 30.0;

class LedgerLock {
 public:
  // Opens (creating, 0644) `lock_file` and waits up to `timeout_s` for the exclusive lock. Throws
  // LedgerIoError naming the file: it cannot be opened, or it stayed locked (with the holder's PID).
  LedgerLock(const std::string& lock_file, double timeout_s = kLedgerLockTimeoutSeconds);
  ~LedgerLock();
  LedgerLock(const LedgerLock&) = delete;
  LedgerLock& operator=(const LedgerLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace dpt
