// Whole-file reads with errors that name the file, and line splitting shared by the CSV and
// JSONL loaders (line numbers are 1-based, as editors show them). Only regular files are read
// (a device such as /dev/zero, a FIFO or a directory is refused before reading); any size.
#include "datasets/text_file.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/io/regular_file.hpp"
#include "datasets/dataset_error.hpp"

namespace dpt {

std::string read_file_bytes(const std::string& path) {
  FileRead r = read_regular_file(path);
  switch (r.failure) {
    case FileReadFailure::kNone:
      return std::move(r.bytes);
    case FileReadFailure::kOpen:
      if (r.os_error == ENOENT) throw DatasetError::in_file(path, "no such file");
      throw DatasetError::in_file(path, std::string("cannot open the file for reading: ") + std::strerror(r.os_error));
    case FileReadFailure::kNotRegular:
      throw DatasetError::in_file(path, std::string("not a regular file (") + r.file_type +
                                            "); data files must be regular files");
    case FileReadFailure::kTooLarge:  // no limit was asked for
    case FileReadFailure::kRead:
      break;
  }
  throw DatasetError::in_file(path, std::string("read error: ") + std::strerror(r.os_error));
}

std::vector<TextLine> split_lines(std::string_view bytes) {
  std::vector<TextLine> lines;
  int64_t number = 1;
  size_t begin = 0;
  while (begin < bytes.size()) {
    size_t end = bytes.find('\n', begin);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view text = bytes.substr(begin, end - begin);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    lines.push_back({number++, text});
    begin = end + 1;
  }
  return lines;
}

std::string_view strip_utf8_bom(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  return bytes;
}

std::string printable_excerpt(std::string_view bytes, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max_bytes; ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      out.push_back(static_cast<char>(byte));
    } else {
      out += "\\x";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  if (bytes.size() > max_bytes) out += "...";
  return out;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      n = 1, cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2, cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3, cp = b & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace dpt
