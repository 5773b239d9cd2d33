// Whole-file reads with errors that name the file, and line splitting shared by the CSV and
// JSONL loaders (line numbers are 1-based, as editors show them).
#include "datasets/text_file.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "datasets/dataset_error.hpp"

namespace dpt {

std::string read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw DatasetError::in_file(path, "no such file");
  if (!std::filesystem::is_regular_file(path, ec)) throw DatasetError::in_file(path, "not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DatasetError::in_file(path, "cannot open the file for reading");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DatasetError::in_file(path, "read error");
  return bytes;
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

}  // namespace dpt
