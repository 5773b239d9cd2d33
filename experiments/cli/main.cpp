// The dptrain command line: one subcommand per job (CLI11 parses flags and prints help).
#include <CLI/CLI.hpp>
#include <exception>
#include <fmt/core.h>

#include <filesystem>
#include <new>

#include "core/runtime/allocator.hpp"
#include "core/error.hpp"
#include "experiments/cli/calibrate_command.hpp"
#include "experiments/cli/demo_command.hpp"
#include "experiments/cli/epsilon_command.hpp"
#include "experiments/cli/inference_commands.hpp"
#include "experiments/cli/ledger_command.hpp"
#include "experiments/cli/plot_command.hpp"
#include "experiments/cli/run_commands.hpp"
#include "experiments/cli/sweep_command.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/ledger/ledger_error.hpp"
#include "datasets/dataset_error.hpp"
#include "dp/accounting/accounting_error.hpp"

int main(int argc, char** argv) {
  dpt::keep_freed_memory_in_process();
  CLI::App app{"dptrain: differentially private LSTM training"};
  app.require_subcommand(1);

  dpt::DemoOptions demo;
  CLI::App* demo_cmd = app.add_subcommand("demo", "train a tiny LSTM classifier on generated sequences");
  demo_cmd->add_option("--steps", demo.steps, "training steps")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--batch-size", demo.batch_size, "examples per step")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--lr", demo.learning_rate, "SGD learning rate")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--seed", demo.seed, "master seed");

  dpt::RunCommands runs;
  runs.add_to(app);
  dpt::InferenceCommands inference;
  inference.add_to(app);
  dpt::SweepCommand sweep;
  sweep.add_to(app);
  dpt::PlotCommand plot;
  plot.add_to(app);
  dpt::LedgerCommand ledger;
  ledger.add_to(app);
  dpt::EpsilonOptions epsilon;
  CLI::App* epsilon_cmd = dpt::add_epsilon_command(app, epsilon);
  dpt::CalibrateOptions calibrate;
  CLI::App* calibrate_cmd = dpt::add_calibrate_command(app, calibrate);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help (exit 0) or the error
    return code == 0 ? 0 : 2;       // every parse error exits 2
  }
  try {
    if (*demo_cmd) return dpt::run_demo(demo);
    if (*epsilon_cmd) return dpt::run_epsilon_command(epsilon);
    if (*calibrate_cmd) return dpt::run_calibrate_command(calibrate);
    if (const int code = runs.dispatch(); code >= 0) return code;
    if (const int code = inference.dispatch(); code >= 0) return code;
    if (const int code = sweep.dispatch(); code >= 0) return code;
    if (const int code = plot.dispatch(); code >= 0) return code;
    if (const int code = ledger.dispatch(); code >= 0) return code;
  } catch (const dpt::ConfigError& e) {  // a bad config: nothing was written
    fmt::print(stderr, "dptrain: {}\n", e.what());
    return 2;
  } catch (const dpt::AccountingError& e) {  // e.g. a target epsilon no noise multiplier reaches
    fmt::print(stderr, "dptrain: {}\n", e.what());
    return 2;
  } catch (const dpt::DatasetError& e) {  // bad input data (a missing or malformed file, overlapping splits): nothing was written
    fmt::print(stderr, "dptrain: {}\n", e.what());
    return 2;
  } catch (const dpt::LedgerError& e) {  // a ledger refused the run, or is damaged, or is for other data: nothing was charged
    fmt::print(stderr, "dptrain: {}\n", e.what());
    return 2;
  } catch (const dpt::LedgerIoError& e) {  // the ledger's lock or a write failed: nothing was charged
    fmt::print(stderr, "dptrain: error: {}\n", e.what());
    return 1;
  } catch (const dpt::Error& e) {
    fmt::print(stderr, "dptrain: error: {}\n", e.what());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {  // the environment (a full or read-only disk, permissions), not a bug
    fmt::print(stderr, "dptrain: error: {}: {}\n", e.path1().string(), e.code().message());
    return 1;
  } catch (const std::bad_alloc&) {  // sizes that cannot fit are refused earlier, naming the field (memory_estimate)
    fmt::print(stderr, "dptrain: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "dptrain: internal error: {}\n", e.what());
    return 3;
  }
  return 0;
}
