// Whole-file reads with errors that name the file, and line splitting shared by the CSV and
// JSONL loaders (line numbers are 1-based, as editors show them). Only regular files are read
// (a device such as /dev/zero, a FIFO or a directory is refused before reading); any size.
#include "datasets/text_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "datasets/dataset_error.hpp"

namespace dpt {

namespace {

// What a path that is not a regular file is, for the message.
const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

std::string read_file_bytes(const std::string& path) {
  // Opened without blocking (a FIFO would wait for a writer) and checked with fstat on the open
  // descriptor, so a device, FIFO or directory is refused before a byte is read.
  struct Descriptor {
    int fd;
    ~Descriptor() { if (fd >= 0) ::close(fd); }
  } const d{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (d.fd < 0) {
    if (errno == ENOENT) throw DatasetError::in_file(path, "no such file");
    throw DatasetError::in_file(path, std::string("cannot open the file for reading: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(d.fd, &st) != 0) throw DatasetError::in_file(path, std::string("cannot stat the file: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    throw DatasetError::in_file(path, std::string("not a regular file (") + file_type_name(st.st_mode) +
                                          "); data files must be regular files");
  }
  std::string bytes;
  bytes.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(d.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw DatasetError::in_file(path, std::string("read error: ") + std::strerror(errno));
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
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
