// What `dptrain evaluate` and `dptrain predict` compute (see inference.hpp; docs/inference.md).
#include "experiments/run/inference.hpp"

#include <fmt/core.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "datasets/data_config.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/run/data_description.hpp"
#include "experiments/run/evaluation.hpp"
#include "experiments/run/new_data.hpp"
#include "experiments/run/prediction.hpp"
#include "experiments/run/prediction_inputs.hpp"
#include "experiments/run/run_encoding.hpp"
#include "experiments/run/run_setup.hpp"

namespace dpt {

const char* const kPredictNote =
    "dptrain predict: predictions are post-processing of the released model (no privacy cost to the training data); "
    "they are not private with respect to the inputs given here";

namespace {

using nlohmann::ordered_json;

constexpr const char* kHeldOutNote =
    "post-processing of the released model: no privacy cost to the training data; metrics of held-out data are computed "
    "from that data directly and are not covered by the DP guarantee";
constexpr const char* kTrainNote =
    "computed from the TRAINING data directly, outside the DP mechanism: publishing these metrics is not covered by the "
    "run's epsilon";

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

}  // namespace

std::string evaluation_json(const FinishedRun& run, const std::string& split, const std::string& data_file) {
  Dataset data;
  std::vector<Example> examples;
  ordered_json out;
  out["run"] = run.config.name;
  out["run_id"] = "sha256:" + run.run_id;
  if (!data_file.empty()) {
    data = load_new_data(run, data_file);
    examples = std::move(data.train);
    out["data"] = data_file;
  } else {
    const SplitMembership& m = run.description.membership;
    const std::vector<int64_t>& ids = split == "train" ? m.train : split == "validation" ? m.validation : m.test;
    if (ids.empty()) throw ConfigError("--split", fmt::format("the run has no {} split (data.json: 0 examples)", split));
    examples = rebuilt_split(run, split, data);
    out["split"] = split;
  }
  const Evaluation e = evaluate(*run.model, data, examples, run.config.eval.batch_size);
  out["examples"] = e.examples;
  out["metrics"] = to_json(e);
  if (run.description.task == TaskKind::kClassification) out["classes"] = run.description.class_names;
  out["privacy"] = data_file.empty() && split == "train" ? kTrainNote : kHeldOutNote;
  // Paths are bytes: one that is not UTF-8 (--data) is written with U+FFFD rather than refused.
  return out.dump(2, ' ', false, ordered_json::error_handler_t::replace);
}

namespace {

bool is_text_classifier(DataSourceKind s) {
  return s == DataSourceKind::kJsonl || s == DataSourceKind::kNames || s == DataSourceKind::kSpam || s == DataSourceKind::kFolder;
}

}  // namespace

// One JSON line per input, as documented in docs/inference.md.
std::string prediction_lines(const FinishedRun& run, const std::string& input, int top_k_count, bool top_k_given) {
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
    const PredictionInputs in = read_text_inputs(input, run.config.data, /*truncate=*/true, encoding);
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
    const PredictionInputs in = read_csv_windows(input, d, run.config.data.window, encoding);
    const std::vector<std::vector<double>> rows = output_rows(*run.model, d, in.examples, batch);
    for (size_t i = 0; i < rows.size(); ++i) {
      const ordered_json line{{"index", i}, {"last_row", in.lines[i]}, {"prediction", encoding.target_in_original_units(rows[i].at(0))}};
      text += line.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
    }
  } else {
    const int bytes = d.vocab_size - 1;  // every id but <pad>
    if (top_k_count < 1 || top_k_count > bytes) {
      throw ConfigError("--top-k", fmt::format("must be in [1, {}] (the run's vocabulary holds {} bytes), but is {}", bytes, bytes, top_k_count));
    }
    const PredictionInputs in = read_text_inputs(input, run.config.data, /*truncate=*/false, encoding);
    const std::vector<std::vector<double>> rows = output_rows(*run.model, d, in.examples, batch);
    for (size_t i = 0; i < rows.size(); ++i) {
      ordered_json next = ordered_json::array();
      for (const Ranked& r : top_k(softmax(rows[i]), top_k_count, /*first_id=*/1)) {
        next.push_back({{"byte", encoding.byte_of_token(r.id)}, {"text", d.vocabulary.at(static_cast<size_t>(r.id))}, {"p", r.p}});
      }
      const ordered_json line{{"index", i}, {"line", in.lines[i]}, {"next", next}};
      text += line.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
    }
  }
  return text;
}

}  // namespace dpt
