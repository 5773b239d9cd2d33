// The dptrain command line: one subcommand per job (CLI11 parses flags and prints help).
#include <CLI/CLI.hpp>
#include <exception>
#include <fmt/core.h>

#include "core/error.hpp"
#include "experiments/cli/demo_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"dptrain: differentially private LSTM training"};
  app.require_subcommand(1);

  dpt::DemoOptions demo;
  CLI::App* demo_cmd = app.add_subcommand("demo", "train a tiny LSTM classifier on generated sequences");
  demo_cmd->add_option("--steps", demo.steps, "training steps")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--batch-size", demo.batch_size, "examples per step")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--lr", demo.learning_rate, "SGD learning rate")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--seed", demo.seed, "master seed");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*demo_cmd) return dpt::run_demo(demo);
  } catch (const dpt::Error& e) {
    fmt::print(stderr, "dptrain: error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "dptrain: internal error: {}\n", e.what());
    return 3;
  }
  return 0;
}
