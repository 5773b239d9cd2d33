// `dptrain evaluate` and `dptrain predict` (see inference_commands.hpp; docs/inference.md).
#include "experiments/cli/inference_commands.hpp"

#include <fmt/core.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "datasets/data_config.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/run/atomic_file.hpp"
#include "experiments/run/data_description.hpp"
#include "experiments/run/evaluation.hpp"
#include "experiments/run/finished_run.hpp"
#include "experiments/run/new_data.hpp"
#include "experiments/run/prediction.hpp"
#include "experiments/run/prediction_inputs.hpp"
#include "experiments/run/run_encoding.hpp"
#include "experiments/run/run_setup.hpp"

namespace dpt {
namespace {

using nlohmann::ordered_json;

constexpr const char* kHeldOutNote =
    "post-processing of the released model: no privacy cost to the training data; metrics of held-out data are computed "
    "from that data directly and are not covered by the DP guarantee";
constexpr const char* kTrainNote =
    "computed from the TRAINING data directly, outside the DP mechanism: publishing these metrics is not covered by the "
    "run's epsilon";
constexpr const char* kPredictNote =
    "dptrain predict: predictions are post-processing of the released model (no privacy cost to the training data); "
    "they are not private with respect to the inputs given here";

const CLI::Validator kNotEmpty([](std::string& v) { return v.empty() ? std::string("must not be empty") : std::string(); }, "PATH",
                               "not empty");

// The split `name` of the run's data, re-read and re-split from config.json: refused unless it is
// the same data (the run key, which covers the data's content hash) and the same split (its digest
// in data.json).
std::vector<Example> rebuilt_split(const FinishedRun& run, const std::string& name, Dataset& data) {
  RunSetup setup = prepare_run(run.config);
  if (setup.key.id != run.run_id) {
    throw IoError(fmt::format("{}: the data config.json names ({}) gives run_id sha256:{}, not the run's sha256:{}: the data "
                              "changed since the run (or is another file); evaluate it with --data",
                              run_file(run, "manifest.json"), setup.data.name, setup.key.id, run.run_id));
  }
  std::vector<Example>& split = name == "train" ? setup.data.train : name == "validation" ? setup.data.validation : setup.data.test;
  if (split_digest(split) != run.split_digests.at(name)) {
    throw IoError(fmt::format("{}: split.{}.sha256 differs from the {} split rebuilt from {} (the data or the split changed)",
                              run_file(run, "data.json"), name, name, setup.data.name));
  }
  std::vector<Example> examples = std::move(split);
  data = std::move(setup.data);
  return examples;
}

int run_evaluate(const InferenceCommands& c) {
  const FinishedRun run = open_finished_run(c.run_dir);
  Dataset data;
  std::vector<Example> examples;
  ordered_json out;
  out["run"] = run.config.name;
  out["run_id"] = "sha256:" + run.run_id;
  if (!c.data.empty()) {
    data = load_new_data(run, c.data);
    examples = std::move(data.train);
    out["data"] = c.data;
  } else {
    const SplitMembership& m = run.description.membership;
    const std::vector<int64_t>& ids = c.split == "train" ? m.train : c.split == "validation" ? m.validation : m.test;
    if (ids.empty()) throw ConfigError("--split", fmt::format("the run has no {} split (data.json: 0 examples)", c.split));
    examples = rebuilt_split(run, c.split, data);
    out["split"] = c.split;
  }
  const Evaluation e = evaluate(*run.model, data, examples, run.config.eval.batch_size);
  out["examples"] = e.examples;
  out["metrics"] = to_json(e);
  if (run.description.task == TaskKind::kClassification) out["classes"] = run.description.class_names;
  out["privacy"] = c.data.empty() && c.split == "train" ? kTrainNote : kHeldOutNote;
  // Paths are bytes: one that is not UTF-8 (--data) is written with U+FFFD rather than refused.
  fmt::print("{}\n", out.dump(2, ' ', false, ordered_json::error_handler_t::replace));
  return 0;
}

bool is_text_classifier(DataSourceKind s) {
  return s == DataSourceKind::kJsonl || s == DataSourceKind::kNames || s == DataSourceKind::kSpam || s == DataSourceKind::kFolder;
}

// One JSON line per input, as documented in docs/inference.md.
std::string prediction_lines(const FinishedRun& run, const InferenceCommands& c, bool top_k_given) {
  const Dataset& d = run.description;
  const DataSourceKind source = run.config.data.source;
  if (source == DataSourceKind::kGenerated) {
    throw ConfigError(run_file(run, "config.json"), "the run's data is generated (data.source \"generated\"): predict reads "
                                                    "texts, CSV rows or prompts of a file source");
  }
  if (top_k_given && d.task != TaskKind::kLanguageModel) throw ConfigError("--top-k", "only for language models");
  const RunEncoding encoding(d);
  const int batch = run.config.eval.batch_size;
  std::string text;
  if (d.task == TaskKind::kClassification) {
    if (!is_text_classifier(source)) throw ConfigError(run_file(run, "config.json"), "predict reads texts for text classifiers only");
    const PredictionInputs in = read_text_inputs(c.input, run.config.data, /*truncate=*/true, encoding);
    const std::vector<std::vector<double>> rows = output_rows(*run.model, d, in.examples, batch);
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::vector<double> p = softmax(rows[i]);
      ordered_json probabilities;
      for (size_t k = 0; k < p.size(); ++k) probabilities[d.class_names.at(k)] = p[k];
      const Ranked best = top_k(p, 1).front();
      const ordered_json line{{"index", i}, {"line", in.lines[i]}, {"class", d.class_names.at(static_cast<size_t>(best.id))},
                              {"probabilities", probabilities}};
      text += line.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
    }
  } else if (d.task == TaskKind::kRegression) {
    const PredictionInputs in = read_csv_windows(c.input, d, run.config.data.window, encoding);
    const std::vector<std::vector<double>> rows = output_rows(*run.model, d, in.examples, batch);
    for (size_t i = 0; i < rows.size(); ++i) {
      const ordered_json line{{"index", i}, {"last_row", in.lines[i]}, {"prediction", encoding.target_in_original_units(rows[i].at(0))}};
      text += line.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
    }
  } else {
    const int bytes = d.vocab_size - 1;  // every id but <pad>
    if (c.top_k < 1 || c.top_k > bytes) {
      throw ConfigError("--top-k", fmt::format("must be in [1, {}] (the run's vocabulary holds {} bytes), but is {}", bytes, bytes, c.top_k));
    }
    const PredictionInputs in = read_text_inputs(c.input, run.config.data, /*truncate=*/false, encoding);
    const std::vector<std::vector<double>> rows = output_rows(*run.model, d, in.examples, batch);
    for (size_t i = 0; i < rows.size(); ++i) {
      ordered_json next = ordered_json::array();
      for (const Ranked& r : top_k(softmax(rows[i]), c.top_k, /*first_id=*/1)) {
        next.push_back({{"byte", encoding.byte_of_token(r.id)}, {"text", d.vocabulary.at(static_cast<size_t>(r.id))}, {"p", r.p}});
      }
      const ordered_json line{{"index", i}, {"line", in.lines[i]}, {"next", next}};
      text += line.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
    }
  }
  return text;
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
    const std::string lines = prediction_lines(run, *this, predict->count("--top-k") > 0);
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
