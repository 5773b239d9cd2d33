// Atomic replace-by-rename with fsync (see atomic_file.hpp).
#include "experiments/run/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/error.hpp"
#include "core/io/regular_file.hpp"

namespace dpt {
namespace {

long g_kill_after_write = 0;  // set_debug_kill_after_write: tests only
long g_writes = 0;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw IoError(path + ": " + what + (errno != 0 ? std::string(" (") + std::strerror(errno) + ")" : ""));
}

}  // namespace

void fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, "cannot open to sync");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail(path, "fsync failed");
}

void write_file_atomic(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmp_name(".");  // (built in steps: GCC 12 warns falsely on "." + string, PR 105651)
  tmp_name += target.filename().string();
  tmp_name += ".tmp";
  const std::string tmp = (dir / tmp_name).string();
  errno = 0;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {  // never rename over a device, FIFO or link
    errno = 0;
    fail(path, std::string("exists and is ") + file_type_name(st.st_mode) + ", not a regular file; refusing to replace it");
  }
  errno = 0;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail(tmp, "cannot create");
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(tmp, "write failed");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    fail(tmp, "fsync failed");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    fail(path, "cannot rename the written file into place");
  }
  fsync_path(dir.string());
  if (g_kill_after_write > 0 && ++g_writes == g_kill_after_write) std::raise(SIGKILL);
}

void set_debug_kill_after_write(long k) {
  g_kill_after_write = k;
  g_writes = 0;
}

std::string read_file(const std::string& path) {
  FileRead r = read_regular_file(path);
  switch (r.failure) {
    case FileReadFailure::kNone:
      return std::move(r.bytes);
    case FileReadFailure::kOpen:
      throw IoError(path + ": cannot open for reading (" + std::strerror(r.os_error) + ")");
    case FileReadFailure::kNotRegular:
      throw IoError(path + ": is " + r.file_type + ", not a regular file (a run folder holds only regular files)");
    case FileReadFailure::kTooLarge:  // no limit was asked for
    case FileReadFailure::kRead:
      break;
  }
  throw IoError(path + ": read failed (" + std::strerror(r.os_error) + ")");
}

}  // namespace dpt
