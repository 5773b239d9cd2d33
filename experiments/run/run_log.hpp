// The run's lines on the terminal (stderr): one per epoch when stderr is not a terminal, a
// progress line rewritten every step when it is. Timings live here only, never in
// metrics.jsonl, so that metrics.jsonl is identical across reruns.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace dpt {

// Costs of an epoch's end, in milliseconds.
struct EpochTimings {
  double evaluation_ms = 0.0;
  double report_ms = 0.0;
  double checkpoint_ms = 0.0;
};

// "epoch E  step S/T  train loss L  validation loss V accuracy A  ε X  (evaluation … ms, …)" from
// an epoch line of metrics.jsonl.
std::string epoch_log_line(const nlohmann::ordered_json& epoch_line, int64_t steps, const EpochTimings& timings);

// "test  loss L [accuracy A] [rmse R (original units)] [bits/byte B]  (N examples, <split> split;
// outside the DP guarantee)" from the test metrics of metrics.jsonl's test line.
std::string test_log_line(const nlohmann::ordered_json& test, const std::string& split_kind);

// What the progress line shows after a step.
struct StepProgress {
  int64_t step = 0;            // steps done
  int64_t steps = 0;           // planned
  double loss = 0.0;           // the step's mean loss
  double rdp_epsilon = 0.0;    // NaN without privacy
  double examples_per_s = 0.0;
  double eta_s = 0.0;
};

// "\rstep S/T  loss L  ε(rdp) X  N examples/s  ETA E s   " (no newline: rewritten in place).
std::string progress_log_line(const StepProgress& p);

}  // namespace dpt
