// Whole-file reads of regular files only (see regular_file.hpp).
#include "core/io/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace dpt {

const char* file_type_name(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

FileRead read_regular_file(const std::string& path, uint64_t max_bytes) {
  FileRead out;
  const auto failed = [&](FileReadFailure why) {
    out.failure = why;
    out.os_error = errno;
    out.bytes.clear();
    return out;
  };
  struct Descriptor {
    int fd;
    ~Descriptor() {
      if (fd >= 0) ::close(fd);
    }
  } const d{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (d.fd < 0) return failed(FileReadFailure::kOpen);
  struct stat st {};
  if (::fstat(d.fd, &st) != 0) return failed(FileReadFailure::kRead);
  if (!S_ISREG(st.st_mode)) {
    out.file_type = file_type_name(st.st_mode);
    return failed(FileReadFailure::kNotRegular);
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    out.size = static_cast<uint64_t>(st.st_size);
    return failed(FileReadFailure::kTooLarge);
  }
  out.bytes.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(d.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed(FileReadFailure::kRead);
    if (n == 0) break;
    out.bytes.append(buffer, static_cast<size_t>(n));
    if (out.bytes.size() > max_bytes) {  // it grew while being read
      out.size = out.bytes.size();
      out.grew = true;
      return failed(FileReadFailure::kTooLarge);
    }
  }
  return out;
}

}  // namespace dpt
