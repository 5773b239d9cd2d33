// Crash-safe file writes for run folders and checkpoints: write to a temporary file in the
// same directory, fsync it, rename it over the target, fsync the directory. A reader (or a
// resumed run) sees either the old content or the new, never a torn file, whenever the
// process is killed.
#pragma once

#include <string>

namespace dpt {

// Replaces `path` with `content` atomically. Throws IoError naming the path.
void write_file_atomic(const std::string& path, const std::string& content);

// Reads a whole file. Throws IoError naming the path.
std::string read_file(const std::string& path);

// fsync a file or directory by path (directories: after a rename or create inside them).
void fsync_path(const std::string& path);

}  // namespace dpt
