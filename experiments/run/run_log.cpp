// The run's terminal lines (see run_log.hpp).
#include "experiments/run/run_log.hpp"

#include <fmt/format.h>

namespace dpt {

std::string epoch_log_line(const nlohmann::ordered_json& line, int64_t steps, const EpochTimings& t) {
  std::string text = fmt::format("epoch {}  step {}/{}  train loss {:.4f}", line["epoch"].get<int64_t>() + 1,
                                 line["step"].get<int64_t>(), steps, line["train_loss"].get<double>());
  if (line.contains("validation")) {
    text += fmt::format("  validation loss {:.4f}", line["validation"]["loss"].get<double>());
    if (line["validation"].contains("accuracy")) text += fmt::format(" accuracy {:.3f}", line["validation"]["accuracy"].get<double>());
  }
  if (line.contains("epsilon")) text += fmt::format("  ε {:.4f}", line["epsilon"].get<double>());
  text += fmt::format("  (evaluation {:.1f} ms, report {:.1f} ms, checkpoint {:.1f} ms)", t.evaluation_ms, t.report_ms,
                      t.checkpoint_ms);
  return text;
}

std::string test_log_line(const nlohmann::ordered_json& test, const std::string& split_kind) {
  const int64_t examples = test.value("examples", int64_t{0});
  if (examples == 0 || !test["loss"].is_number()) return "test: no test split (no example held out for it)";
  std::string text = fmt::format("test  loss {:.4f}", test["loss"].get<double>());
  if (test.contains("accuracy")) text += fmt::format(" accuracy {:.3f}", test["accuracy"].get<double>());
  if (test.contains("rmse_original_units")) text += fmt::format(" rmse {:.6g} (original units)", test["rmse_original_units"].get<double>());
  if (test.contains("bits_per_byte")) text += fmt::format(" bits/byte {:.4f}", test["bits_per_byte"].get<double>());
  return text + fmt::format("  ({} examples, {} split; outside the DP guarantee)", examples, split_kind);
}

std::string progress_log_line(const StepProgress& p) {
  return fmt::format("\rstep {}/{}  loss {:.4f}  ε(rdp) {:.3f}  {:.0f} examples/s  ETA {:.0f} s   ", p.step, p.steps, p.loss,
                     p.rdp_epsilon, p.examples_per_s, p.eta_s);
}

}  // namespace dpt
