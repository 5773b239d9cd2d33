// Opening a finished run folder (see finished_run.hpp). The checks run in the order the files
// depend on each other: the manifest's version first (another version's files may mean other
// things), then the digests it records, then the weights against all three.
#include "experiments/run/finished_run.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/io/safetensors.hpp"
#include "datasets/sha256.hpp"
#include "experiments/config/config_parser.hpp"
#include "experiments/run/atomic_file.hpp"
#include "experiments/run/data_description.hpp"
#include "experiments/run/manifest.hpp"
#include "experiments/run/run_model.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json parse_json(const std::string& file, const std::string& text) {
  try {
    json j = json::parse(text);
    if (!j.is_object()) throw IoError(file + ": must be a JSON object");
    return j;
  } catch (const json::parse_error& e) {
    throw IoError(fmt::format("{}: not valid JSON ({})", file, e.what()));
  }
}

std::string string_field(const std::string& file, const json& j, const std::string& key) {
  if (!j.contains(key) || !j.at(key).is_string()) throw IoError(fmt::format("{}: \"{}\" is missing or not a string", file, key));
  return j.at(key).get<std::string>();
}

// "sha256:<hex>" -> "<hex>".
std::string digest_field(const std::string& file, const json& j, const std::string& key) {
  const std::string v = string_field(file, j, key);
  if (v.rfind("sha256:", 0) != 0 || v.size() != 7 + 64) throw IoError(fmt::format("{}: \"{}\" is not a sha256:<hex> digest", file, key));
  return v.substr(7);
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out;
  for (const int64_t d : shape) out += (out.empty() ? "" : ", ") + std::to_string(d);
  return "[" + out + "]";
}

std::vector<int64_t> shape_of(const Parameter<float>& p) {
  if (p.rank == 1) return {static_cast<int64_t>(p.value.size())};
  return {static_cast<int64_t>(p.value.rows()), static_cast<int64_t>(p.value.cols())};
}

// model.safetensors names this run, config.json and data.json.
void check_metadata(const std::string& file, const SafetensorsFile& weights, const std::string& run_id,
                    const std::string& config_sha, const std::string& data_sha) {
  const auto expect = [&](const std::string& key, const std::string& want, const std::string& what) {
    const auto it = weights.metadata.find(key);
    if (it == weights.metadata.end()) throw IoError(fmt::format("{}: metadata \"{}\" is missing (not the weights of a dptrain run)", file, key));
    if (it->second != want) {
      throw IoError(fmt::format("{}: metadata \"{}\" is \"{}\", but {} is \"{}\": these weights are not this run's", file, key,
                                it->second, what, want));
    }
  };
  expect("run_id", "sha256:" + run_id, "manifest.json's run_id");
  expect("config_sha256", config_sha, "the SHA-256 of config.json");
  expect("data_json_sha256", data_sha, "the SHA-256 of data.json");
}

// Exactly the model's tensors, by name and shape; then its weights are filled from them.
void load_weights(const std::string& file, const SafetensorsFile& weights, SequenceModel<float>& model) {
  const ParameterList<float> params = model.parameters();
  std::set<std::string> names;
  for (const Parameter<float>* p : params) {
    names.insert(p->name);
    const auto it = weights.tensors.find(p->name);
    if (it == weights.tensors.end()) {
      throw IoError(fmt::format("{}: has no tensor '{}', which the model of config.json has (shape {})", file, p->name,
                                shape_text(shape_of(*p))));
    }
    if (it->second.shape != shape_of(*p)) {
      throw IoError(fmt::format("{}: tensor '{}' has shape {}, but the model of config.json needs {}", file, p->name,
                                shape_text(it->second.shape), shape_text(shape_of(*p))));
    }
  }
  for (const auto& [name, tensor] : weights.tensors) {
    if (!names.count(name)) throw IoError(fmt::format("{}: tensor '{}' is not a parameter of the model of config.json", file, name));
  }
  for (Parameter<float>* p : params) {
    const std::vector<double>& v = weights.tensors.at(p->name).values;
    for (Index k = 0; k < p->value.size(); ++k) p->value.data()[k] = static_cast<float>(v[k]);
  }
}

}  // namespace

std::string run_file(const FinishedRun& run, const std::string& file) { return (fs::path(run.dir) / file).string(); }

// The report names the released weights by their digest (privacy.json's results.model_sha256):
// model.safetensors must be exactly those bytes, so flipped weight bits are refused too.
void check_released_weights(const FinishedRun& run, const std::string& model_file) {
  const std::string report_file = run_file(run, "privacy.json");
  const json report = parse_json(report_file, read_file(report_file));
  const auto results = report.find("results");
  if (results == report.end() || !results->is_object() || !results->contains("model_sha256") ||
      !results->at("model_sha256").is_string()) {
    throw IoError(report_file + ": no results.model_sha256 naming the released weights (the run did not finish, or the "
                                "report was replaced)");
  }
  const std::string named = results->at("model_sha256").get<std::string>();
  const std::string actual = "sha256:" + sha256_hex(read_file(model_file));
  if (named != actual) {
    throw IoError(fmt::format("{}: its SHA-256 is {}, but privacy.json names the released weights {} (the weights were "
                              "changed or replaced)", model_file, actual, named));
  }
}

FinishedRun open_finished_run(const std::string& dir) {
  FinishedRun run;
  run.dir = dir;
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw IoError(dir + ": no such run folder");
  if (!fs::is_directory(dir, ec)) throw IoError(dir + ": not a run folder (not a directory)");

  const std::string manifest_file = run_file(run, "manifest.json");
  if (!fs::exists(manifest_file, ec)) throw IoError(manifest_file + ": missing: not a run folder, or a run that never started");
  const json manifest = parse_json(manifest_file, read_file(manifest_file));
  string_field(manifest_file, manifest, "dptrain_version");  // present and a string
  check_manifest_version(manifest_file, manifest, "evaluate or predict");
  run.run_id = digest_field(manifest_file, manifest, "run_id");

  const std::string config_file = run_file(run, "config.json");
  const std::string config_text = read_file(config_file);
  const std::string config_sha = sha256_hex(config_text);
  if (config_sha != digest_field(manifest_file, manifest, "config_hash")) {
    throw IoError(config_file + ": its SHA-256 differs from manifest.json's config_hash (edited since the run started)");
  }
  run.config = parse_config_text(config_text, config_file);

  const std::string data_file = run_file(run, "data.json");
  const std::string data_text = read_file(data_file);
  const std::string data_sha = sha256_hex(data_text);
  if (data_sha != digest_field(manifest_file, manifest, "data_json_hash")) {
    throw IoError(data_file + ": its SHA-256 differs from manifest.json's data_json_hash (edited since the run started)");
  }
  run.description = read_data_description(data_file, data_text);
  const json data = json::parse(data_text);  // well formed: read_data_description checked it
  for (const char* split : {"train", "validation", "test"}) {
    const json& s = data.at("split").at(split);
    if (!s.contains("sha256") || !s.at("sha256").is_string()) throw IoError(fmt::format("{}: split.{}.sha256: missing", data_file, split));
    run.split_digests[split] = s.at("sha256").get<std::string>();
  }

  const std::string model_file = run_file(run, "model.safetensors");
  if (!fs::exists(model_file, ec)) {
    throw IoError(fmt::format("{}: the run has not finished: no model.safetensors (`dptrain resume {}` first)", dir, dir));
  }
  const SafetensorsFile weights = read_safetensors(model_file);
  check_metadata(model_file, weights, run.run_id, config_sha, data_sha);
  run.model = std::make_unique<SequenceModel<float>>(model_spec(run.config.model, run.description), /*seed=*/0);
  load_weights(model_file, weights, *run.model);
  check_released_weights(run, model_file);  // last: the more specific refusals above name what is wrong
  return run;
}

}  // namespace dpt
