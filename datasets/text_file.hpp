// Reading a data file whole, and cutting it into numbered lines, for the loaders.
// Bytes are taken as they are: no encoding is assumed or checked here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dpt {

// The file's bytes (any size). Throws DatasetError "<path>: ..." if it is missing, unreadable,
// or not a regular file ("<path>: not a regular file (a directory); ...", also for devices,
// FIFOs and sockets; checked before reading, so /dev/zero or a FIFO never reads forever).
std::string read_file_bytes(const std::string& path);

struct TextLine {
  int64_t number;         // 1-based line number in the file
  std::string_view text;  // without the '\n' and a trailing '\r'
};

// The lines of `bytes` (split at '\n'); a final line without '\n' counts, an empty tail does not.
std::vector<TextLine> split_lines(std::string_view bytes);

// `bytes` without a leading UTF-8 byte-order mark.
std::string_view strip_utf8_bom(std::string_view bytes);

// `bytes` for an error message: printable ASCII kept, other bytes as \xNN, cut to `max_bytes`
// with "..." (so messages stay valid UTF-8 and short whatever the file holds).
std::string printable_excerpt(std::string_view bytes, size_t max_bytes = 40);

// True if `s` is well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// True if `line` holds only spaces, tabs and '\r'.
bool is_blank(std::string_view line);

}  // namespace dpt
