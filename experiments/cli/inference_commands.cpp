// `dptrain evaluate` and `dptrain predict` (see inference_commands.hpp; docs/inference.md).
#include "experiments/cli/inference_commands.hpp"

#include <fmt/core.h>

#include <string>

#include "experiments/run/atomic_file.hpp"
#include "experiments/run/finished_run.hpp"
#include "experiments/run/inference.hpp"

namespace dpt {
namespace {

const CLI::Validator kNotEmpty([](std::string& v) { return v.empty() ? std::string("must not be empty") : std::string(); }, "PATH",
                               "not empty");

int run_evaluate(const InferenceCommands& c) {
  const FinishedRun run = open_finished_run(c.run_dir);
  fmt::print("{}\n", evaluation_json(run, c.split, c.data));
  return 0;
}

}  // namespace

void InferenceCommands::add_to(CLI::App& app) {
  evaluate = app.add_subcommand("evaluate", "metrics of a finished run's model on a split of its data or on a new file (JSON)");
  evaluate->add_option("run_dir", run_dir, "finished run folder")->required();
  CLI::Option* split_opt = evaluate->add_option("--split", split, "test (default), validation or train: rebuilt from the run's data, checked against data.json")
                               ->check(CLI::IsMember({"test", "validation", "train"}));
  evaluate->add_option("--data", data, "a new file (folder, for source folder) in the run's source format, encoded as the run encodes")
      ->check(kNotEmpty)
      ->excludes(split_opt);

  predict = app.add_subcommand(
      "predict",
      "JSON lines of a finished run's predictions. --input: text classifiers and language models read JSONL lines "
      "{\"text\": \"...\"} (one class distribution per line / the top-k next bytes after each prompt); regression reads a "
      "CSV with the run's input columns (one prediction per window of data.window rows, in original units)");
  predict->add_option("run_dir", run_dir, "finished run folder")->required();
  predict->add_option("--input", input, "JSONL texts or prompts, or CSV rows (see above)")->required()->check(kNotEmpty);
  predict->add_option("--out", out, "write the JSON lines to this file, atomically (default: stdout)")->check(kNotEmpty);
  predict->add_option("--top-k", top_k, "language models: the k most probable next bytes, 1 .. the vocabulary's bytes (default 5)");
}

int InferenceCommands::dispatch() const {
  if (evaluate != nullptr && *evaluate) return run_evaluate(*this);
  if (predict != nullptr && *predict) {
    const FinishedRun run = open_finished_run(run_dir);
    const std::string lines = prediction_lines(run, input, top_k, predict->count("--top-k") > 0);
    fmt::print(stderr, "{}\n", kPredictNote);
    if (out.empty()) {
      fmt::print("{}", lines);
    } else {
      write_file_atomic(out, lines);
      fmt::print(stderr, "wrote {}\n", out);
    }
    return 0;
  }
  return -1;
}

}  // namespace dpt
