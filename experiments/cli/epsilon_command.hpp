// `dptrain epsilon`: epsilon spent by DP-SGD for a noise multiplier, sampling rate, steps and
// delta, like TF Privacy's compute_dp_sgd_privacy; with --repeat-and-select, the epsilon of
// releasing the best of a random number of such runs. Bad input exits 2, naming the flag.
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
  // "MEAN[,SHAPE]": the run is one trial of a hyperparameter search with a random number of
  // trials K (E[K] = MEAN; SHAPE eta of the truncated negative binomial, or "poisson", the
  // default) releasing only the best trial (Papernot & Steinke 2022; RDP only). Empty: off.
  std::string repeat_and_select;
};

// Registers the subcommand on `app`; the options are filled when it parses.
CLI::App* add_epsilon_command(CLI::App& app, EpsilonOptions& options);

// Runs it; returns the process exit code (0 ok, 2 bad input). Errors go to stderr; stdout holds
// the report only on success.
int run_epsilon_command(const EpsilonOptions& options);

}  // namespace dpt
