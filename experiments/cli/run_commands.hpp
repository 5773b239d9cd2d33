// `dptrain run`, `resume`, `report` and `grads`: the experiment subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "experiments/distributed/communicator.hpp"

namespace dpt {

struct RunCommands {
  CLI::App* run = nullptr;
  CLI::App* resume = nullptr;
  CLI::App* report = nullptr;
  CLI::App* grads = nullptr;
  std::string config_file;
  std::string run_dir;
  std::string out;
  int threads = 0;  // 0: one per core
  std::string debug_fail_accountant;
  long debug_kill_after_write = 0;
  int64_t debug_kill_at_step = -1;
  int debug_kill_rank = -1;
  std::vector<int64_t> examples;
  const Communicator* communicator = nullptr;  // the job's ranks under mpirun (docs/distributed.md)

  // Registers the subcommands on `app`.
  void add_to(CLI::App& app);
  // Runs whichever of them was selected; returns the exit code, or -1 if none was.
  int dispatch() const;
};

}  // namespace dpt
