// Crash-safe file writes for run folders and checkpoints: write to a temporary file in the
// same directory, fsync it, rename it over the target, fsync the directory. A reader (or a
// resumed run) sees either the old content or the new, never a torn file, whenever the
// process is killed.
#pragma once

#include <string>

namespace dpt {

// Replaces `path` with `content` atomically; the file is created with mode 0600 (run folders hold
// the seed). An existing `path` that is not a regular file (a device such as /dev/null, a FIFO,
// a symbolic link, a directory) is refused, never replaced. Throws IoError naming the path and
// the OS's reason.
void write_file_atomic(const std::string& path, const std::string& content);

// Tests (the kill-at-every-write test of run folders): raise SIGKILL right after the k-th
// write_file_atomic of this process completes (k >= 1; 0 disables).
void set_debug_kill_after_write(long k);

// Reads a whole regular file (a FIFO, device or directory is refused before reading, so nothing
// read from a run folder can block or read forever). Throws IoError naming the path.
std::string read_file(const std::string& path);

// fsync a file or directory by path (directories: after a rename or create inside them).
void fsync_path(const std::string& path);

}  // namespace dpt
