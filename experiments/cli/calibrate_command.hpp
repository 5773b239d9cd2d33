// `dptrain calibrate`: the smallest noise multiplier whose epsilon meets a target, like Opacus's
// get_noise_multiplier, for any accountant the registry lets calibrate. Bad input exits 2,
// naming the flag.
#pragma once

#include <string>

#include "experiments/cli/privacy_question.hpp"

namespace CLI {
class App;
}

namespace dpt {

struct CalibrateOptions {
  PrivacyQuestionOptions question;
  std::string target_epsilon;
  std::string tolerance = "1e-6";
};

// Registers the subcommand on `app`; the options are filled when it parses.
CLI::App* add_calibrate_command(CLI::App& app, CalibrateOptions& options);

// Runs it; returns the process exit code (0 ok, 1 no answer e.g. unreachable target, 2 bad
// input). Errors go to stderr; stdout holds the report only on success.
int run_calibrate_command(const CalibrateOptions& options);

}  // namespace dpt
