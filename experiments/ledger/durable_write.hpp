// Crash-safe writes of the ledger and its head (docs/ledger.md, "Atomicity"): the new content
// goes to a temporary file beside the target, is fsync'ed, then renamed over the target (or, for
// a new ledger, linked to it, which fails if it exists), and the directory is fsync'ed. A reader
// sees the old file or the new one, never a mix; a failed write (a full or read-only disk) leaves
// the target as it was and throws.
#pragma once

#include <string>

namespace dpt {

// Replaces `path` with `content`. Throws LedgerIoError naming the path and the OS's reason.
void replace_file_durably(const std::string& path, const std::string& content);

// Creates `path` with `content`; throws LedgerError if it exists, LedgerIoError otherwise.
void create_file_durably(const std::string& path, const std::string& content);

// Tests: the k-th write(2) of the next durable writes of this process fails with `error`
// (e.g. ENOSPC), as a full disk would make it. k = 0 disables.
void inject_ledger_write_error(int k, int error);

}  // namespace dpt
