// The dptrain command line: one subcommand per job (CLI11 parses flags and prints help).
// Under an MPI launcher (mpirun -np K dptrain run ...; docs/distributed.md) every rank runs this
// main; a rank that fails prints its error, naming its rank, and ends the whole job with its exit
// code (MPI_Abort), so no rank waits for a peer that is gone.
#include <CLI/CLI.hpp>
#include <exception>
#include <fmt/core.h>
#include <unistd.h>

#include <filesystem>
#include <new>
#include <string>

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
#include "experiments/distributed/communicator.hpp"
#include "experiments/run/trainer.hpp"

namespace {

// How a command ended, for a job of several ranks (main below).
enum class Ending {
  kReturned,    // it returned its exit code: every collective is done
  kError,       // an error left it, perhaps while its peers wait in a collective
  kCollective,  // an error every rank meets at the same point (the start check, a stopped run)
};

int run_command(int argc, char** argv, const dpt::Communicator* comm, const std::string& prog, Ending& ending) {
  ending = Ending::kReturned;
  const bool root = comm == nullptr || comm->is_root();
  CLI::App app{"dptrain: differentially private LSTM training"};
  app.require_subcommand(1);

  dpt::DemoOptions demo;
  CLI::App* demo_cmd = app.add_subcommand("demo", "train a tiny LSTM classifier on generated sequences");
  demo_cmd->add_option("--steps", demo.steps, "training steps")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--batch-size", demo.batch_size, "examples per step")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--lr", demo.learning_rate, "SGD learning rate")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--seed", demo.seed, "master seed");

  dpt::RunCommands runs;
  runs.communicator = comm;
  runs.add_to(app);
  dpt::InferenceCommands inference;
  inference.add_to(app);
  dpt::SweepCommand sweep;
  sweep.options.communicator = comm;
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
  if (comm != nullptr && comm->size() > 1 && !*runs.run && !*runs.resume && !*sweep.sweep) {
    if (comm->is_root()) {
      fmt::print(stderr, "dptrain: only `run`, `resume` and `sweep` run on several ranks (this job has {}); start `{}` as one process\n",
                 comm->size(), app.get_subcommands().empty() ? std::string("it") : app.get_subcommands()[0]->get_name());
    }
    return 2;
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
  } catch (const dpt::RanksDisagree& e) {  // every rank of the job finds it: rank 0 says it
    ending = Ending::kCollective;
    if (root) fmt::print(stderr, "{}: {}\n", prog, e.what());
    return 2;
  } catch (const dpt::TrainingStopped& e) {  // every rank stops at the same step; rank 0 wrote the report
    ending = Ending::kCollective;
    if (root) fmt::print(stderr, "{}: error: {}\n", prog, e.what());
    return 1;
  } catch (const dpt::ConfigError& e) {  // a bad config: nothing was written
    ending = Ending::kError;
    fmt::print(stderr, "{}: {}\n", prog, e.what());
    return 2;
  } catch (const dpt::AccountingError& e) {  // e.g. a target epsilon no noise multiplier reaches
    ending = Ending::kError;
    fmt::print(stderr, "{}: {}\n", prog, e.what());
    return 2;
  } catch (const dpt::DatasetError& e) {  // bad input data (a missing or malformed file, overlapping splits): nothing was written
    ending = Ending::kError;
    fmt::print(stderr, "{}: {}\n", prog, e.what());
    return 2;
  } catch (const dpt::LedgerError& e) {  // a ledger refused the run, or is damaged, or is for other data: nothing was charged
    ending = Ending::kError;
    fmt::print(stderr, "{}: {}\n", prog, e.what());
    return 2;
  } catch (const dpt::LedgerIoError& e) {  // the ledger's lock or a write failed: nothing was charged
    ending = Ending::kError;
    fmt::print(stderr, "{}: error: {}\n", prog, e.what());
    return 1;
  } catch (const dpt::Error& e) {
    ending = Ending::kError;
    fmt::print(stderr, "{}: error: {}\n", prog, e.what());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {  // the environment (a full or read-only disk, permissions), not a bug
    ending = Ending::kError;
    fmt::print(stderr, "{}: error: {}: {}\n", prog, e.path1().string(), e.code().message());
    return 1;
  } catch (const std::bad_alloc&) {  // sizes that cannot fit are refused earlier, naming the field (memory_estimate)
    ending = Ending::kError;
    fmt::print(stderr, "{}: error: out of memory\n", prog);
    return 1;
  } catch (const std::exception& e) {
    ending = Ending::kError;
    fmt::print(stderr, "{}: internal error: {}\n", prog, e.what());
    return 3;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  dpt::keep_freed_memory_in_process();
  const dpt::Communicator* comm = dpt::world_communicator();  // null: this process alone
  const bool ranks = comm != nullptr && comm->size() > 1;
  const std::string prog = ranks ? fmt::format("dptrain (rank {} of {})", comm->rank(), comm->size()) : "dptrain";
  Ending ending = Ending::kReturned;
  const int code = run_command(argc, argv, comm, prog, ending);
  if (ranks && code != 0 && ending != Ending::kReturned) {
    // The other ranks may be waiting for this one. An error every rank meets: rank 0 (which wrote
    // what there was to write) ends the job with its code, the others leave quietly. Any other
    // error ends the job from here, the other ranks after 5 s, so that rank 0, if it met the
    // same error, says why and leaves its folder consistent first (every write is atomic).
    if (ending == Ending::kCollective && !comm->is_root()) {
      dpt::finalize_world_communicator();
      return 0;
    }
    if (!comm->is_root()) ::sleep(5);
    comm->abort(code);
  }
  dpt::finalize_world_communicator();
  return code;
}
