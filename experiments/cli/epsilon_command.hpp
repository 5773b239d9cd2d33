// `dptrain epsilon`: epsilon spent by DP-SGD for a noise multiplier, sampling rate, steps and
// delta, like TF Privacy's compute_dp_sgd_privacy. Bad input exits 2, naming the flag.
#pragma once

#include <string>

#include "experiments/cli/privacy_question.hpp"

namespace CLI {
class App;
}

namespace dpt {

struct EpsilonOptions {
  PrivacyQuestionOptions question;
  std::string noise_multiplier;
};

// Registers the subcommand on `app`; the options are filled when it parses.
CLI::App* add_epsilon_command(CLI::App& app, EpsilonOptions& options);

// Runs it; returns the process exit code (0 ok, 2 bad input). Errors go to stderr; stdout holds
// the report only on success.
int run_epsilon_command(const EpsilonOptions& options);

}  // namespace dpt
