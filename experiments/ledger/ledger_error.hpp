// How the budget ledger fails (docs/ledger.md), so that callers can map each to an exit code:
//   LedgerError     the ledger file or an argument is bad (malformed, tampered, wrong data,
//                   out-of-range budget): the input is refused, exit 2 in the CLI;
//   LedgerRefused   a charge does not fit the remaining budget: nothing was charged, exit 2;
//   LedgerIoError   the environment: the lock was not obtained in time, a write, fsync or rename
//                   failed (a full or read-only disk). Nothing was charged, exit 1.
#pragma once

#include <stdexcept>

namespace dpt {

class LedgerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LedgerRefused : public LedgerError {
 public:
  using LedgerError::LedgerError;
};

class LedgerIoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dpt
