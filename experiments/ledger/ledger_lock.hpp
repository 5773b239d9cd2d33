// The ledger's advisory lock (docs/ledger.md, "Locking"): flock(2) on the sidecar LEDGER.lock,
// never on the ledger itself (which every charge replaces by rename). A charge holds it from
// reading the ledger to the rename of the new one, so two processes never both see room for a
// run that only one of them fits; readers take it shared.
#pragma once

#include <string>

namespace dpt {

inline constexpr double kLedgerLockTimeoutSeconds = 30.0;

class LedgerLock {
 public:
  enum class Mode {
    kExclusive,  // a charge: opens (creating, 0644) the file, writes its PID into it
    kShared,     // a reader (verify, show, a sweep's preview): never creates or writes the file;
                 // a missing lock file means no charge ever ran, and nothing is locked
  };
  // Opens `lock_file` and waits up to `timeout_s` for the lock. Readers share it with each other
  // and wait for a charge to finish, so they never see a new ledger beside an old LEDGER.head.
  // Throws LedgerIoError naming the file: it cannot be opened, or it stayed locked (with the
  // holder's PID).
  LedgerLock(const std::string& lock_file, double timeout_s = kLedgerLockTimeoutSeconds, Mode mode = Mode::kExclusive);
  ~LedgerLock();
  LedgerLock(const LedgerLock&) = delete;
  LedgerLock& operator=(const LedgerLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace dpt
