// Atomic checkpoints (see checkpoint.hpp).
#include "experiments/run/checkpoint.hpp"

#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "core/io/safetensors.hpp"
#include "experiments/run/atomic_file.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;

nlohmann::json progress_to_json(const TrainingProgress& p) {
  return {{"next_step", p.next_step},           {"epochs_done", p.epochs_done},
          {"epoch_loss_sum", p.epoch_loss_sum}, {"epoch_examples", p.epoch_examples},
          {"nonfinite_examples", p.nonfinite_examples}, {"metrics_bytes", p.metrics_bytes},
          {"epsilon_history", p.epsilon_history}};
}

TrainingProgress progress_from_json(const nlohmann::json& j) {
  TrainingProgress p;
  p.next_step = j.at("next_step").get<int64_t>();
  p.epochs_done = j.at("epochs_done").get<int64_t>();
  p.epoch_loss_sum = j.at("epoch_loss_sum").get<double>();
  p.epoch_examples = j.at("epoch_examples").get<int64_t>();
  p.nonfinite_examples = j.at("nonfinite_examples").get<int64_t>();
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
  write_file_atomic((dir / "model.safetensors").string(), serialize_safetensors(params));
  write_file_atomic((dir / "optimizer.safetensors").string(), optimizer_bytes(checkpoint.optimizer));
  const nlohmann::json state = {{"format_version", 1},
                                {"progress", progress_to_json(checkpoint.progress)},
                                {"accountant", checkpoint.accountant}};
  write_file_atomic((dir / "state.json").string(), state.dump(1) + "\n");
  fsync_path(root.string());
  write_file_atomic((root / "LATEST").string(), name + "\n");
  for (const fs::directory_entry& e : fs::directory_iterator(root)) {  // older checkpoints
    if (e.is_directory() && e.path().filename() != name) fs::remove_all(e.path());
  }
}

std::optional<Checkpoint> load_latest_checkpoint(const std::string& run_dir, const ParameterList<float>& params) {
  const fs::path root = fs::path(run_dir) / "checkpoint";
  const fs::path latest = root / "LATEST";
  if (!fs::exists(latest)) return std::nullopt;
  std::string name = read_file(latest.string());
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  if (name.rfind("step-", 0) != 0 || name.find('/') != std::string::npos) {
    throw IoError(latest.string() + ": does not name a checkpoint (\"" + name + "\")");
  }
  const fs::path dir = root / name;
  Checkpoint c;
  const std::string state_path = (dir / "state.json").string();
  try {
    const nlohmann::json state = nlohmann::json::parse(read_file(state_path));
    c.progress = progress_from_json(state.at("progress"));
    c.accountant = state.at("accountant");
  } catch (const nlohmann::json::exception& e) {
    throw IoError(state_path + ": corrupted checkpoint state (" + e.what() + ")");
  }
  c.optimizer = optimizer_from_file((dir / "optimizer.safetensors").string());
  load_safetensors((dir / "model.safetensors").string(), params);
  return c;
}

}  // namespace dpt
