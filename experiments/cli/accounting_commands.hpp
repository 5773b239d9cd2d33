// `dptrain epsilon` (epsilon spent by DP-SGD for a noise multiplier, sampling rate, steps and
// delta) and `dptrain calibrate` (the noise multiplier for a target epsilon), like TF Privacy's
// compute_dp_sgd_privacy and Opacus's get_noise_multiplier. Bad input exits 2, naming the flag.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace dpt {

// The question both commands share, as typed on the command line (validated by run_*):
// q from --sampling-rate or --batch-size/--dataset-size, steps from --steps or --epochs.
struct PrivacyQuestionOptions {
  std::string sampling_rate;
  std::string batch_size;
  std::string dataset_size;
  std::string steps;
  std::string epochs;
  std::string delta;
  std::string accountant = "rdp";
  std::string conversion = "improved";
  std::string orders;  // comma-separated; empty = the default grid
  std::string value_discretization_interval = "1e-4";  // pld
  std::string eps_error = "0.01";                        // prv
  std::string delta_error;                               // prv; empty = delta / 1000
  bool json = false;
};

struct EpsilonOptions {
  PrivacyQuestionOptions question;
  std::string noise_multiplier;
};

struct CalibrateOptions {
  PrivacyQuestionOptions question;
  std::string target_epsilon;
  std::string tolerance = "1e-6";
};

// Register the subcommands on `app`; the options are filled when it parses.
CLI::App* add_epsilon_command(CLI::App& app, EpsilonOptions& options);
CLI::App* add_calibrate_command(CLI::App& app, CalibrateOptions& options);

// Run them; return the process exit code (0 ok, 1 no answer e.g. unreachable target,
// 2 bad input). Errors go to stderr; stdout holds the report only on success.
int run_epsilon_command(const EpsilonOptions& options);
int run_calibrate_command(const CalibrateOptions& options);

}  // namespace dpt
