// Atomic checkpoints (see checkpoint.hpp).
#include "experiments/run/checkpoint.hpp"

#include <filesystem>
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

nlohmann::json progress_to_json(const TrainingProgress& p) {
  return {{"next_step", p.next_step},           {"epochs_done", p.epochs_done},
          {"epoch_loss_sum", p.epoch_loss_sum}, {"epoch_examples", p.epoch_examples},
          {"nonfinite_examples", p.nonfinite_examples}, {"epoch_nonfinite", p.epoch_nonfinite},
          {"metrics_bytes", p.metrics_bytes},
          {"epsilon_history", p.epsilon_history}};
}

TrainingProgress progress_from_json(const nlohmann::json& j) {
  TrainingProgress p;
  p.next_step = j.at("next_step").get<int64_t>();
  p.epochs_done = j.at("epochs_done").get<int64_t>();
  p.epoch_loss_sum = j.at("epoch_loss_sum").get<double>();
  p.epoch_examples = j.at("epoch_examples").get<int64_t>();
  p.nonfinite_examples = j.at("nonfinite_examples").get<int64_t>();
  p.epoch_nonfinite = j.at("epoch_nonfinite").get<int64_t>();
  p.metrics_bytes = j.at("metrics_bytes").get<uint64_t>();
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
  if (!fs::exists(latest)) return std::nullopt;
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
    if (state.at("format_version").get<int>() != kFormatVersion) {
      throw IoError(state_path + ": checkpoint format " + state.at("format_version").dump() + ", expected " +
                    std::to_string(kFormatVersion));
    }
    c.progress = progress_from_json(state.at("progress"));
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
