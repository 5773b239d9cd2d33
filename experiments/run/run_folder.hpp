// A run folder claimed by one process (issue 12): one writer per folder, no dead ends.
//   <run>/.lock      an advisory POSIX write lock (fcntl), held for the whole `run` / `resume`;
//                    a second writer is refused at once, naming the holder's PID
//   <run>/.starting  written when `run` claims the folder, removed once manifest.json — the last
//                    of the first files — is in place. A folder killed before that never started:
//                    `run` may reuse it (clearing what the interrupted start left), `resume` says so.
// Folders are created 0700 and files 0600 (write_file_atomic): the seed that the report says must
// stay secret is in config.json. Claiming happens before data loading and calibration, so an
// unusable output path fails at once, with the path and the OS's reason.
#pragma once

#include <string>

namespace dpt {

class RunFolder {
 public:
  // For `run`: creates the folder (0700) or reuses an empty or never-started one, locks it and
  // writes .starting. Throws IoError if it is in use, holds a started run, is not a folder, or
  // holds files that are not a dptrain run's.
  static RunFolder claim_new(const std::string& dir);
  // For `resume`: locks an existing run folder. Throws IoError if it is in use, is not a run
  // folder, or never started.
  static RunFolder claim_existing(const std::string& dir);

  RunFolder(RunFolder&& other) noexcept;
  RunFolder& operator=(RunFolder&&) = delete;
  RunFolder(const RunFolder&) = delete;
  ~RunFolder();  // releases the lock

  const std::string& dir() const { return dir_; }
  // The first files are complete (manifest.json written): removes .starting.
  void mark_started();
  // The run was refused before writing anything: removes what claim_new added — the folder if it
  // created it, else .starting (and .lock) if they were not there before.
  void discard();

  static constexpr const char* kLockFile = ".lock";
  static constexpr const char* kStartingFile = ".starting";

 private:
  RunFolder(std::string dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}

  std::string dir_;
  int lock_fd_ = -1;
  bool created_folder_ = false;  // claim_new made the folder
  bool added_lock_ = false;      // ... or at least the lock file
  bool added_marker_ = false;    // ... and the start marker
};

}  // namespace dpt
