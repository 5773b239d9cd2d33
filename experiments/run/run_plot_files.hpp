// A run's plots as files beside its report (docs/plots.md): epsilon.svg (ε after each epoch by
// every reported accountant, private runs only) and training.svg (losses and the validation
// metric per epoch). Written with every report, from the report, the run's accounting and
// metrics.jsonl's epoch lines, so they depend on the run's numbers only and a resumed run
// writes the same bytes; `dptrain plot RUN_DIR` writes them again from the folder's files.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/plots/run_plots.hpp"
#include "experiments/run/privacy_report.hpp"
#include "experiments/run/run_accounting.hpp"

namespace dpt {

// epsilon.svg's input: the report's epsilon history and, per reported accountant, its ε at each
// epoch's step count (cached in `accounting`, so during a run this costs nothing new).
EpsilonPlotInput epsilon_plot_input(const PrivacyReport& report, const RunAccounting& accounting);

// Writes epsilon.svg (private runs: `accounting` not null) and training.svg into `dir`
// (atomically). Throws IoError naming the file it could not write.
void write_run_plots(const std::string& dir, const PrivacyReport& report, const RunAccounting* accounting,
                     const std::vector<nlohmann::json>& epoch_lines);

// The {"kind": "epoch"} lines of a metrics.jsonl text, in order; a line that is not JSON (a torn
// last line) is skipped.
std::vector<nlohmann::json> epoch_lines_of(const std::string& metrics_text);

}  // namespace dpt
