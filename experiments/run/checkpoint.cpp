// Atomic checkpoints (see checkpoint.hpp).
#include "experiments/run/checkpoint.hpp"

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "core/error.hpp"
#include "core/io/safetensors.hpp"
#include "datasets/sha256.hpp"
#include "experiments/run/atomic_file.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;

constexpr int kFormatVersion = 2;  // 2: digests (issue 12)
constexpr const char* kModelFile = "model.safetensors";
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr const char* kStateFile = "state.json";

// A double as JSON: a number, or "inf", "-inf", "nan" (JSON has no such numbers, and nlohmann
// would write null): a training loss sum is +inf when an example's loss overflowed.
nlohmann::json double_to_json(double x) {
  if (std::isfinite(x)) return x;
  return std::isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf");
}

nlohmann::json progress_to_json(const TrainingProgress& p) {
  return {{"next_step", p.next_step},           {"epochs_done", p.epochs_done},
          {"epoch_loss_sum", double_to_json(p.epoch_loss_sum)}, {"epoch_examples", p.epoch_examples},
          {"nonfinite_examples", p.nonfinite_examples}, {"epoch_nonfinite", p.epoch_nonfinite},
          {"metrics_bytes", p.metrics_bytes},
          {"epsilon_history", p.epsilon_history}};
}

// progress.<key>, which must be a JSON integer >= 0 (6.9, -1 or "6" is damage, not 6).
template <typename T>
T count_at(const nlohmann::json& progress, const char* key, const std::string& state_path) {
  const nlohmann::json& v = progress.at(key);
  const bool ok = v.is_number_unsigned() ? v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
                                         : v.is_number_integer() && v.get<int64_t>() >= 0;
  if (!ok) throw IoError(state_path + ": progress." + key + " must be a whole number >= 0, but is " + v.dump());
  return v.get<T>();
}

double double_at(const nlohmann::json& progress, const char* key, const std::string& state_path) {
  const nlohmann::json& v = progress.at(key);
  if (v.is_number()) return v.get<double>();
  if (v == "inf") return std::numeric_limits<double>::infinity();
  if (v == "-inf") return -std::numeric_limits<double>::infinity();
  if (v == "nan") return std::numeric_limits<double>::quiet_NaN();
  throw IoError(state_path + ": progress." + key + " must be a number, \"inf\", \"-inf\" or \"nan\", but is " + v.dump());
}

TrainingProgress progress_from_json(const nlohmann::json& j, const std::string& state_path) {
  TrainingProgress p;
  p.next_step = count_at<int64_t>(j, "next_step", state_path);
  p.epochs_done = count_at<int64_t>(j, "epochs_done", state_path);
  p.epoch_loss_sum = double_at(j, "epoch_loss_sum", state_path);
  p.epoch_examples = count_at<int64_t>(j, "epoch_examples", state_path);
  p.nonfinite_examples = count_at<int64_t>(j, "nonfinite_examples", state_path);
  p.epoch_nonfinite = count_at<int64_t>(j, "epoch_nonfinite", state_path);
  p.metrics_bytes = count_at<uint64_t>(j, "metrics_bytes", state_path);
  p.epsilon_history = j.at("epsilon_history");
  return p;
}

// Optimizer moment buffers as F64 tensors "<parameter>/<slot>".
std::string optimizer_bytes(const OptimizerState& state) {
  std::vector<Parameter<double>> tensors;
  tensors.reserve(state.buffers.size());
  for (const MomentBuffer& b : state.buffers) {
    Parameter<double> t{b.parameter + "/" + b.slot, MatrixD(b.rows, b.cols), 2};
    for (Index k = 0; k < t.value.size(); ++k) t.value.data()[k] = b.values[static_cast<size_t>(k)];
    tensors.push_back(std::move(t));
  }
  ParameterList<double> list;
  for (Parameter<double>& t : tensors) list.push_back(&t);
  return serialize_safetensors(list, {{"optimizer", state.optimizer}, {"step", std::to_string(state.step)}});
}

OptimizerState optimizer_from_file(const std::string& path) {
  const SafetensorsFile file = read_safetensors(path);
  OptimizerState state;
  try {
    state.optimizer = file.metadata.at("optimizer");
    state.step = std::stoll(file.metadata.at("step"));
  } catch (const std::exception&) {
    throw IoError(path + ": lacks the optimizer kind or step in its metadata");
  }
  for (const auto& [name, t] : file.tensors) {
    const size_t slash = name.rfind('/');
    if (slash == std::string::npos || t.shape.size() != 2) throw IoError(path + ": tensor '" + name + "' is not <parameter>/<slot>");
    state.buffers.push_back({name.substr(0, slash), name.substr(slash + 1), t.shape[0], t.shape[1], t.values});
  }
  return state;
}

}  // namespace

void save_checkpoint(const std::string& run_dir, const ParameterList<float>& params, const Checkpoint& checkpoint) {
  const fs::path root = fs::path(run_dir) / "checkpoint";
  const std::string name = "step-" + std::to_string(checkpoint.progress.next_step);
  const fs::path dir = root / name;
  fs::create_directories(dir);
  fs::permissions(root, fs::perms::owner_all, fs::perm_options::replace);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  const std::string model = serialize_safetensors(params);
  const std::string optimizer = optimizer_bytes(checkpoint.optimizer);
  write_file_atomic((dir / kModelFile).string(), model);
  write_file_atomic((dir / kOptimizerFile).string(), optimizer);
  const nlohmann::json state = {{"format_version", kFormatVersion},
                                {"progress", progress_to_json(checkpoint.progress)},
                                {"accountant", checkpoint.accountant},
                                {"sha256",
                                 {{kModelFile, sha256_hex(model)},
                                  {kOptimizerFile, sha256_hex(optimizer)},
                                  {"metrics.jsonl", checkpoint.metrics_sha256},
                                  {"config.json", checkpoint.config_sha256},
                                  {"manifest.json", checkpoint.manifest_sha256}}}};
  const std::string state_text = state.dump(1) + "\n";
  write_file_atomic((dir / kStateFile).string(), state_text);
  fsync_path(root.string());
  write_file_atomic((root / "LATEST").string(), name + " sha256:" + sha256_hex(state_text) + "\n");
  for (const fs::directory_entry& e : fs::directory_iterator(root)) {  // older checkpoints
    if (e.is_directory() && e.path().filename() != name) fs::remove_all(e.path());
  }
}

std::optional<Checkpoint> load_latest_checkpoint(const std::string& run_dir, const ParameterList<float>& params) {
  const fs::path root = fs::path(run_dir) / "checkpoint";
  const fs::path latest = root / "LATEST";
  std::error_code ec;
  const fs::file_status folder = fs::symlink_status(root, ec);
  if (fs::exists(folder) && !fs::is_directory(folder)) {
    throw IoError(root.string() + ": is not a folder (a run's checkpoints are a folder; something replaced it)");
  }
  if (!fs::exists(fs::symlink_status(latest, ec))) return std::nullopt;
  // "step-<k> sha256:<64 hex digits>\n"
  const std::string text = read_file(latest.string());
  const size_t space = text.find(' ');
  const std::string name = text.substr(0, space);
  const std::string digest = space == std::string::npos ? "" : text.substr(space + 1);
  const bool well_formed = name.rfind("step-", 0) == 0 && name.size() > 5 &&
                           name.find_first_not_of("0123456789", 5) == std::string::npos &&
                           digest.size() == 7 + 64 + 1 && digest.rfind("sha256:", 0) == 0 && digest.back() == '\n';
  if (!well_formed) throw IoError(latest.string() + ": does not name a checkpoint and its digest (\"step-<k> sha256:<hex>\")");
  const fs::path dir = root / name;
  const std::string state_path = (dir / kStateFile).string();
  const std::string state_text = read_file(state_path);
  if ("sha256:" + sha256_hex(state_text) + "\n" != digest) {
    throw IoError(state_path + ": does not match the digest in " + latest.string() + " (corrupted or replaced)");
  }
  Checkpoint c;
  std::string file_sha[2];  // model, optimizer
  try {
    const nlohmann::json state = nlohmann::json::parse(state_text);
    const nlohmann::json& format = state.at("format_version");
    if (!format.is_number_integer() || format.get<int64_t>() != kFormatVersion) {
      throw IoError(state_path + ": checkpoint format " + state.at("format_version").dump() + ", expected " +
                    std::to_string(kFormatVersion));
    }
    c.progress = progress_from_json(state.at("progress"), state_path);
    c.accountant = state.at("accountant");
    const nlohmann::json& sha = state.at("sha256");
    file_sha[0] = sha.at(kModelFile).get<std::string>();
    file_sha[1] = sha.at(kOptimizerFile).get<std::string>();
    c.metrics_sha256 = sha.at("metrics.jsonl").get<std::string>();
    c.config_sha256 = sha.at("config.json").get<std::string>();
    c.manifest_sha256 = sha.at("manifest.json").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw IoError(state_path + ": corrupted checkpoint state (" + e.what() + ")");
  }
  for (int k = 0; k < 2; ++k) {
    const std::string path = (dir / (k == 0 ? kModelFile : kOptimizerFile)).string();
    if (sha256_hex(read_file(path)) != file_sha[k]) {
      throw IoError(path + ": does not match the digest in " + state_path + " (corrupted or replaced)");
    }
  }
  c.optimizer = optimizer_from_file((dir / kOptimizerFile).string());
  load_safetensors((dir / kModelFile).string(), params);
  return c;
}

}  // namespace dpt
