// `dptrain plot DIR`: writes a folder's plots again from its files (docs/plots.md) — a run
// folder's epsilon.svg and training.svg (privacy.json, metrics.jsonl), or a sweep folder's
// frontier.svg (sweep.json, summary.jsonl, selection.json). A missing or damaged file exits 2
// naming it; nothing else in the folder is touched.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace dpt {

struct PlotCommand {
  CLI::App* plot = nullptr;
  std::string dir;

  void add_to(CLI::App& app);
  // Writes the plots if the command was selected; returns the exit code, or -1 if it was not.
  int dispatch() const;
};

// The plots of the run folder or sweep folder `dir`; returns the files written. Throws
// UsageError naming the folder or file that is missing or damaged, IoError if a plot cannot be
// written (or the run is in use by another dptrain).
std::vector<std::string> write_folder_plots(const std::string& dir);

}  // namespace dpt
