// Reading a whole file that must be a regular file: no device (/dev/zero reads forever), no FIFO
// (blocks until a writer comes), no socket or directory. The path is opened without blocking and
// checked with fstat on the open descriptor, so the file checked is the file read (no race with a
// rename in between). Callers turn a failure into their own typed error and message.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace dpt {

enum class FileReadFailure {
  kNone,
  kOpen,        // open(2) failed: os_error (ENOENT for a missing file, EACCES, ...)
  kNotRegular,  // file_type says what it is ("a directory", "a FIFO", "a character device", ...)
  kTooLarge,    // more than max_bytes (size holds the size seen)
  kRead,        // fstat(2) or read(2) failed: os_error
};

struct FileRead {
  std::string bytes;  // the whole file when failure == kNone
  FileReadFailure failure = FileReadFailure::kNone;
  int os_error = 0;              // errno, for kOpen and kRead
  const char* file_type = "";    // for kNotRegular
  uint64_t size = 0;             // for kTooLarge: the size fstat reported, or the bytes read so far
  bool grew = false;             // for kTooLarge: the file grew past max_bytes while it was read
};

// Reads `path` whole; never throws for a file system problem (only std::bad_alloc). A file
// that grows past `max_bytes` while it is read is kTooLarge too.
FileRead read_regular_file(const std::string& path, uint64_t max_bytes = std::numeric_limits<uint64_t>::max());

// What a st_mode that is not a regular file is, in words: "a directory", "a FIFO", ...
const char* file_type_name(unsigned mode);

}  // namespace dpt
