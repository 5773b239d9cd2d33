// `dptrain sweep SWEEP.json [--jobs N] [--threads T] [--out DIR] [--plan]`: many runs of one base
// config over axes and seeds, the selected run and the privacy price of selecting it
// (experiments/sweep/, docs/sweep.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "experiments/sweep/sweep_session.hpp"

namespace dpt {

struct SweepCommand {
  CLI::App* sweep = nullptr;
  std::string file;
  SweepOptions options;

  void add_to(CLI::App& app);
  // Runs the sweep if it was selected; returns the exit code, or -1 if it was not.
  int dispatch() const;
};

}  // namespace dpt
