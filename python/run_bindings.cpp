// dptrain._dptrain: runs (see bindings.hpp). The C++ behind dptrain.run / resume and Run.evaluate /
// predict / verify (python/dptrain/runs.py): the same functions `dptrain run`, `resume`,
// `evaluate` and `predict` call, with the GIL released while they work. While training, SIGINT
// sets a flag the run checks before each step (RunOptions::stop_requested): it stops there, as a
// kill would leave it (resumable), and Python gets KeyboardInterrupt.
#include <pybind11/pybind11.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <string>

#include "experiments/config/config_parser.hpp"
#include "experiments/run/finished_run.hpp"
#include "experiments/run/inference.hpp"
#include "experiments/run/trainer.hpp"
#include "python/bindings.hpp"

namespace py = pybind11;

namespace dpt::python {
namespace {

std::atomic<bool> g_interrupted{false};
std::mutex g_handler_mutex;
int g_handler_users = 0;  // runs in progress (threads): the first installs, the last restores
struct sigaction g_previous {};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

// Our SIGINT handler for the lifetime of the guard (the previous one, normally Python's, back
// afterwards). If SIGINT came but the run finished anyway, Python still sees the Ctrl-C.
class SigintGuard {
 public:
  SigintGuard() {
    const std::lock_guard<std::mutex> lock(g_handler_mutex);
    if (g_handler_users++ == 0) {
      g_interrupted.store(false);
      struct sigaction action {};
      action.sa_handler = on_sigint;
      sigemptyset(&action.sa_mask);
      sigaction(SIGINT, &action, &g_previous);
    }
  }
  ~SigintGuard() {
    const std::lock_guard<std::mutex> lock(g_handler_mutex);
    if (--g_handler_users == 0) sigaction(SIGINT, &g_previous, nullptr);
  }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;
};

RunOptions options_for(const std::string& out, int threads) {
  RunOptions options;
  options.out_dir = out;
  options.threads = threads;
  options.stop_requested = [] { return g_interrupted.load(); };
  return options;
}

// A finished run that SIGINT did not stop: the Ctrl-C reaches Python as if it came now.
void pass_on_interrupt() {
  if (g_interrupted.exchange(false)) PyErr_SetInterrupt();
}

std::string run(const std::string& config, bool is_file, const std::string& out, int threads) {
  std::string dir;
  {
    const SigintGuard guard;
    const py::gil_scoped_release release;
    const ExperimentConfig parsed = is_file ? load_config(config) : parse_config_text(config, "config");
    dir = run_experiment(parsed, options_for(out, threads));
  }
  pass_on_interrupt();
  return dir;
}

std::string resume(const std::string& run_dir, int threads) {
  std::string dir;
  {
    const SigintGuard guard;
    const py::gil_scoped_release release;
    dir = resume_experiment(run_dir, options_for("", threads));
  }
  pass_on_interrupt();
  return dir;
}

void verify(const std::string& dir) {
  const py::gil_scoped_release release;
  open_finished_run(dir);
}

std::string evaluate(const std::string& dir, const std::string& split, const std::string& data) {
  const py::gil_scoped_release release;
  return evaluation_json(open_finished_run(dir), split, data);
}

std::string predict(const std::string& dir, const std::string& input, int top_k, bool top_k_given) {
  const py::gil_scoped_release release;
  return prediction_lines(open_finished_run(dir), input, top_k, top_k_given);
}

}  // namespace

void register_runs(py::module_& m) {
  using namespace py::literals;
  m.def("_run", &run, "config"_a, "is_file"_a, "out"_a, "threads"_a,
        "Trains `config` (JSON text, or a file when is_file) into `out` (\"\": <output.dir>/<name>); returns the run folder.");
  m.def("_resume", &resume, "run_dir"_a, "threads"_a, "Continues the run in `run_dir` from its latest checkpoint; returns it.");
  m.def("_verify", &verify, "run_dir"_a, "Opens and verifies the finished run folder `run_dir` (RunFolderError if damaged).");
  m.def("_evaluate", &evaluate, "run_dir"_a, "split"_a, "data"_a, "`dptrain evaluate`'s JSON document (text).");
  m.def("_predict", &predict, "run_dir"_a, "input"_a, "top_k"_a, "top_k_given"_a, "`dptrain predict`'s JSON lines (text).");
  m.attr("_predict_note") = kPredictNote;
}

}  // namespace dpt::python
