// The ledger's lock (see ledger_lock.hpp): flock with a bounded wait; the holder writes its PID
// into the lock file so that a waiter can name it.
#include "experiments/ledger/ledger_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "experiments/ledger/ledger_error.hpp"

namespace dpt {
namespace {

std::string holder_of(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos ? std::string() : " (PID " + pid + ")";
}

}  // namespace

LedgerLock::LedgerLock(const std::string& lock_file, double timeout_s, Mode mode) {
  const bool exclusive = mode == Mode::kExclusive;
  fd_ = exclusive ? ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)
                  : ::open(lock_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd_ < 0 && !exclusive && errno == ENOENT) return;  // never charged: nothing to wait for
  if (fd_ < 0) {
    throw LedgerIoError(fmt::format("{}: cannot open the ledger's lock file ({}){}", lock_file, std::strerror(errno),
                                    exclusive ? "; nothing was charged" : ""));
  }
  struct stat st{};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {  // O_RDONLY opens a directory too
    ::close(fd_);
    throw LedgerIoError(fmt::format("{}: the ledger's lock file is not a regular file{}", lock_file,
                                    exclusive ? "; nothing was charged" : ""));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (::flock(fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int err = errno;
      ::close(fd_);
      throw LedgerIoError(fmt::format("{}: cannot lock ({}){}", lock_file, std::strerror(err), exclusive ? "; nothing was charged" : ""));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string holder = holder_of(fd_);
      ::close(fd_);
      throw LedgerIoError(fmt::format("{}: the ledger is locked by another dptrain process{} and stayed locked for {:g} s; "
                                      "{}try again when it has finished",
                                      lock_file, holder, timeout_s, exclusive ? "nothing was charged — " : ""));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!exclusive) return;
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t n = ::pwrite(fd_, pid.data(), pid.size(), 0);  // only for messages
  }
}

LedgerLock::~LedgerLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace dpt
