// Temp file + fsync + rename/link + directory fsync (see durable_write.hpp).
#include "experiments/ledger/durable_write.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "experiments/ledger/ledger_error.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;

int g_fail_at_write = 0;  // inject_ledger_write_error: tests only
int g_fail_error = 0;

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw LedgerIoError(fmt::format("{}: {} ({}); the ledger was not changed", path, what, std::strerror(err)));
}

std::string directory_of(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

void fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(dir, "cannot open the directory to sync it", errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) fail(dir, "fsync of the directory failed", err);
}

// Writes `content` to a fresh temporary file beside `path`, fsync'ed; returns its name.
std::string write_temp(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  ::unlink(tmp.c_str());  // a stale one of a killed process with this PID
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) fail(tmp, "cannot create the temporary file", errno);
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = 0;
    if (g_fail_at_write > 0 && --g_fail_at_write == 0) {
      n = -1;
      errno = g_fail_error;
    } else {
      n = ::write(fd, content.data() + written, content.size() - written);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(tmp, "write failed", err);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(tmp, "fsync failed", err);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(tmp, "close failed", err);
  }
  return tmp;
}

}  // namespace

void replace_file_durably(const std::string& path, const std::string& content) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    throw LedgerIoError(path + ": exists and is not a regular file; refusing to replace it");
  }
  const std::string tmp = write_temp(path, content);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path, "cannot rename the written file into place", err);
  }
  fsync_directory(directory_of(path));
}

void create_file_durably(const std::string& path, const std::string& content) {
  const std::string tmp = write_temp(path, content);
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) throw LedgerError(path + ": already exists; a ledger is never overwritten");
    fail(path, "cannot create", err);
  }
  ::unlink(tmp.c_str());
  fsync_directory(directory_of(path));
}

void inject_ledger_write_error(int k, int error) {
  g_fail_at_write = k;
  g_fail_error = error;
}

}  // namespace dpt
