// Claiming a run folder: lock, start marker, modes (see run_folder.hpp).
#include "experiments/run/run_folder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "core/error.hpp"
#include "experiments/run/atomic_file.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& path, const std::string& what, int err = 0) {
  throw IoError(path + ": " + what + (err != 0 ? std::string(" (") + std::strerror(err) + ")" : ""));
}

// The folder exists and is a directory, or fails naming it.
void require_folder(const std::string& dir) {
  std::error_code ec;
  const fs::file_status s = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) fail(dir, "cannot inspect the run folder", ec.value());
  if (!fs::exists(s)) fail(dir, "no such run folder");
  if (!fs::is_directory(s)) fail(dir, "exists and is not a folder");
}

// Opens <dir>/.lock and takes its write lock, or names the process holding it.
int lock_folder(const std::string& dir) {
  const std::string path = (fs::path(dir) / RunFolder::kLockFile).string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) fail(path, "cannot open the run folder's lock file", errno);
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  if (::fcntl(fd, F_SETLK, &lock) == 0) return fd;
  const int err = errno;
  struct flock holder {};
  holder.l_type = F_WRLCK;
  holder.l_whence = SEEK_SET;
  const bool known = ::fcntl(fd, F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK;
  ::close(fd);
  if (err == EACCES || err == EAGAIN) {
    fail(dir, known ? "in use by another dptrain (process " + std::to_string(holder.l_pid) +
                          "); wait for it to finish, or choose another folder"
                    : "in use by another dptrain; wait for it to finish, or choose another folder");
  }
  fail(path, "cannot lock the run folder", err);
}

bool exists_in(const std::string& dir, const char* name) {
  std::error_code ec;
  return fs::exists(fs::path(dir) / name, ec);
}

}  // namespace

RunFolder RunFolder::claim_new(const std::string& dir) {
  if (dir.empty()) fail("--out", "the run folder must not be empty");
  std::error_code ec;
  const fs::path path(dir);
  if (path.has_parent_path() && !fs::exists(path.parent_path(), ec)) {
    fs::create_directories(path.parent_path(), ec);
    if (ec) fail(path.parent_path().string(), "cannot create the folder for run folders", ec.value());
  }
  const bool created = ::mkdir(dir.c_str(), 0700) == 0;
  if (!created && errno != EEXIST) fail(dir, "cannot create the run folder", errno);
  require_folder(dir);
  const bool had_lock = exists_in(dir, kLockFile);
  RunFolder folder(dir, lock_folder(dir));
  folder.created_folder_ = created;
  folder.added_lock_ = !had_lock;
  if (exists_in(dir, "manifest.json")) {
    fail(dir, "already holds a run (resume it with `dptrain resume " + dir + "`, or choose another --out)");
  }
  const bool never_started = exists_in(dir, kStartingFile);
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name == kLockFile || name == kStartingFile) continue;
    if (!never_started) {
      fail(dir, "is not empty and holds no dptrain run (found " + name + "); choose another --out");
    }
    fs::remove_all(e.path(), ec);  // what a killed start left: config.json, metrics.jsonl, ...
    if (ec) fail(e.path().string(), "cannot clear what an interrupted start left", ec.value());
  }
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) fail(dir, "cannot make the run folder private (mode 0700)", ec.value());
  folder.added_marker_ = !never_started;
  write_file_atomic((path / kStartingFile).string(), "a dptrain run is starting here; it has no manifest.json yet\n");
  return folder;
}

RunFolder RunFolder::claim_existing(const std::string& dir) {
  require_folder(dir);
  RunFolder folder(dir, lock_folder(dir));
  if (!exists_in(dir, "manifest.json")) {
    if (exists_in(dir, kStartingFile)) {
      fail(dir, "this run never started (it stopped before its first files were complete): start it again with "
                "`dptrain run CONFIG --out " + dir + "`, which reuses the folder");
    }
    fail(dir, "is not a run folder (no manifest.json)");
  }
  return folder;
}

RunFolder::RunFolder(RunFolder&& other) noexcept
    : dir_(std::move(other.dir_)),
      lock_fd_(std::exchange(other.lock_fd_, -1)),
      created_folder_(other.created_folder_),
      added_lock_(other.added_lock_),
      added_marker_(other.added_marker_) {}

void RunFolder::discard() {
  std::error_code ec;
  if (created_folder_) {
    fs::remove_all(dir_, ec);
    return;
  }
  if (added_marker_) fs::remove(fs::path(dir_) / kStartingFile, ec);
  if (added_lock_) fs::remove(fs::path(dir_) / kLockFile, ec);
}

RunFolder::~RunFolder() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing the descriptor releases the lock
}

void RunFolder::mark_started() {
  const std::string marker = (fs::path(dir_) / kStartingFile).string();
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT) fail(marker, "cannot remove the start marker", errno);
  fsync_path(dir_);
}

}  // namespace dpt
