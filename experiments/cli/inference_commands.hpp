// `dptrain evaluate` and `dptrain predict`: using a finished run folder without training. Both
// open the folder through open_finished_run (every file verified first, nothing written to it)
// and are post-processing of the released model (docs/inference.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace dpt {

struct InferenceCommands {
  CLI::App* evaluate = nullptr;
  CLI::App* predict = nullptr;
  std::string run_dir;
  std::string split = "test";
  std::string data;
  std::string input;
  std::string out;
  int top_k = 5;

  // Registers the subcommands on `app`.
  void add_to(CLI::App& app);
  // Runs whichever of them was selected; returns the exit code, or -1 if none was.
  int dispatch() const;
};

}  // namespace dpt
