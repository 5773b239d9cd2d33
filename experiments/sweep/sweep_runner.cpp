// Running a sweep's runs (see sweep_runner.hpp).
#include "experiments/sweep/sweep_runner.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include "core/error.hpp"
#include "core/io/regular_file.hpp"
#include "experiments/run/atomic_file.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Child {
  std::size_t point = 0;
  Clock::time_point start;
};

std::string status_file(const std::string& dir, const SweepPoint& p) { return dir + "/logs/" + p.id + ".status.json"; }

// This process's environment without an MPI launcher's variables: a sweep on K ranks
// (docs/distributed.md) starts each run as a process of its own, not as a rank of the job.
std::vector<std::string> environment_without_mpi() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string v = *e;
    if (v.rfind("OMPI_", 0) == 0 || v.rfind("PMIX_", 0) == 0 || v.rfind("PMI_", 0) == 0) continue;
    env.push_back(v);
  }
  return env;
}

// Starts `argv` with stdout and stderr appended to `log`; the child gets SIGKILL when the sweep dies.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(log + ": cannot open the run's log: " + std::strerror(errno));
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::vector<std::string> env = environment_without_mpi();
  std::vector<char*> envp;
  for (const std::string& v : env) envp.push_back(const_cast<char*>(v.c_str()));
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    throw IoError(std::string("cannot start a run: fork: ") + std::strerror(errno));
  }
  if (pid == 0) {  // the child: only async-signal-safe calls until exec
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the sweep died before prctl
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(fd);
  return pid;
}

std::vector<std::string> command_for(const std::string& exe, const std::string& dir, const SweepPoint& p, int threads) {
  const std::string run = run_dir_of(dir, p);
  if (fs::exists(fs::path(run) / "manifest.json")) {
    return {exe, "resume", run, "--threads", std::to_string(threads)};
  }
  return {exe, "run", dir + "/configs/" + p.id + ".json", "--out", run, "--threads", std::to_string(threads)};
}

void write_status(const std::string& dir, const SweepPoint& p, int exit_code, double seconds) {
  nlohmann::ordered_json s{{"id", p.id}, {"exit", exit_code}, {"wall_seconds", seconds}};
  write_file_atomic(status_file(dir, p), s.dump(2) + "\n");
}

std::optional<double> recorded_wall(const std::string& dir, const SweepPoint& p) {
  const FileRead r = read_regular_file(status_file(dir, p), 1 << 16);
  if (r.failure != FileReadFailure::kNone) return std::nullopt;
  const nlohmann::json s = nlohmann::json::parse(r.bytes, nullptr, false);
  if (!s.is_object() || !s.contains("wall_seconds") || !s["wall_seconds"].is_number()) return std::nullopt;
  if (!s.contains("exit") || s["exit"] != 0) return std::nullopt;
  return s["wall_seconds"].get<double>();
}

}  // namespace

std::string run_dir_of(const std::string& dir, const SweepPoint& point) { return dir + "/runs/" + point.id; }

bool run_is_complete(const std::string& run_dir) {
  const FileRead r = read_regular_file(run_dir + "/privacy.json", 64 << 20);
  if (r.failure != FileReadFailure::kNone) return false;
  const nlohmann::json j = nlohmann::json::parse(r.bytes, nullptr, false);
  return j.is_object() && j.contains("complete") && j["complete"] == true;
}

std::vector<RunOutcome> run_sweep_points(const SweepPlan& plan, const SweepRunOptions& options) {
  const std::string& dir = options.dir;
  const int cores = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(std::max<std::size_t>(1, plan.points.size()))));
  const int threads = std::max(1, cores / jobs);
  std::vector<RunOutcome> out(plan.points.size());
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < plan.points.size(); ++i) {
    const SweepPoint& p = plan.points[i];
    out[i].id = p.id;
    out[i].log = dir + "/logs/" + p.id + ".log";
    if (run_is_complete(run_dir_of(dir, p))) {
      out[i].complete = true;
      out[i].reused = true;
      out[i].wall_seconds = recorded_wall(dir, p);
    } else {
      todo.push_back(i);
    }
  }
  std::map<pid_t, Child> running;
  // If spawning or bookkeeping throws while runs train, they are stopped and reaped before the
  // error leaves (SIGTERM ends them; run folders are kill-safe, so each stays resumable).
  struct StopRunning {
    std::map<pid_t, Child>& running;
    ~StopRunning() {
      for (const auto& [pid, child] : running) ::kill(pid, SIGTERM);
      for (const auto& [pid, child] : running) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
      }
    }
  } stop_running{running};
  std::size_t next = 0;
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < jobs) {
      const std::size_t i = todo[next++];
      const SweepPoint& p = plan.points[i];
      fmt::print(stderr, "sweep: {} {} ({})\n", fs::exists(fs::path(run_dir_of(dir, p)) / "manifest.json") ? "resuming" : "starting",
                 p.id, describe_axes(p.axes));
      running[spawn(command_for(options.executable, dir, p, threads), out[i].log)] = Child{i, Clock::now()};
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw IoError(std::string("waiting for the sweep's runs: ") + std::strerror(errno));
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const Child child = it->second;
    running.erase(it);
    const double seconds = std::chrono::duration<double>(Clock::now() - child.start).count();
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    RunOutcome& o = out[child.point];
    o.exit_code = code;
    o.complete = code == 0 && run_is_complete(run_dir_of(dir, plan.points[child.point]));
    o.wall_seconds = seconds;
    write_status(dir, plan.points[child.point], code, seconds);
    fmt::print(stderr, "sweep: {} {} in {:.1f} s{}\n", o.id, o.complete ? "finished" : "FAILED", seconds,
               o.complete ? "" : fmt::format(" (exit {}; see {})", code, o.log));
  }
  return out;
}

}  // namespace dpt
