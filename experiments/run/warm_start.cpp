// Warm start from a safetensors file (see warm_start.hpp).
#include "experiments/run/warm_start.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "core/error.hpp"
#include "datasets/sha256.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/run/atomic_file.hpp"

namespace dpt {
namespace {

namespace fs = std::filesystem;

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
  return s + "]";
}

std::vector<int64_t> parameter_shape(const Parameter<float>& p) {
  if (p.rank == 1) return {static_cast<int64_t>(p.value.size())};
  return {static_cast<int64_t>(p.value.rows()), static_cast<int64_t>(p.value.cols())};
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

std::optional<WarmStartFile> read_warm_start(ModelConfig& model) {
  if (!model.init_from) return std::nullopt;
  WarmStartFile w;
  w.path = fs::absolute(*model.init_from).lexically_normal().string();
  std::error_code ec;
  if (!fs::exists(w.path, ec)) {
    throw ConfigError("model.init_from", fmt::format("{}: no such file (the safetensors weights to start from)", w.path));
  }
  std::string bytes;
  try {
    bytes = read_file(w.path);  // a regular file, checked on the descriptor it is read from
  } catch (const IoError& e) {
    throw ConfigError("model.init_from", e.what());
  }
  w.sha256 = sha256_hex(bytes);
  if (model.init_sha256 && *model.init_sha256 != w.sha256) {
    throw ConfigError("model.init_sha256", fmt::format("{} has sha256 {}, not the {} the config pins (the file changed)", w.path,
                                                       w.sha256, *model.init_sha256));
  }
  try {
    w.file = parse_safetensors(bytes, w.path);  // the bytes just hashed: what is loaded is what the key covers
  } catch (const IoError& e) {
    throw ConfigError("model.init_from", e.what());
  }
  model.init_from = w.path;
  model.init_sha256 = w.sha256;
  return w;
}

bool init_selected(const InitSelect& select, const std::string& name) {
  auto any = [&](const std::vector<std::string>& prefixes) {
    for (const std::string& p : prefixes) {
      if (starts_with(name, p)) return true;
    }
    return false;
  };
  return (!select.include || any(*select.include)) && !any(select.exclude);
}

std::vector<std::string> init_tensor_names(const InitSelect& select, const ParameterList<float>& params) {
  std::string names;
  for (const Parameter<float>* p : params) names += (names.empty() ? "" : ", ") + p->name;
  std::vector<std::string> taken;
  for (const Parameter<float>* p : params) {
    if (init_selected(select, p->name)) taken.push_back(p->name);
  }
  if (taken.empty()) throw ConfigError("model.init_select", "takes no tensor of the model (its tensors: " + names + ")");
  return taken;
}

std::vector<std::string> apply_warm_start(const WarmStartFile& init, const InitSelect& select, const ParameterList<float>& params) {
  // A prefix must start the name of some tensor of the model or of the file: a misspelt one
  // would silently take everything (exclude) or nothing (include).
  auto check_matches = [&](const std::vector<std::string>& prefixes, const char* key) {
    for (size_t i = 0; i < prefixes.size(); ++i) {
      bool matched = false;
      for (const Parameter<float>* p : params) matched = matched || starts_with(p->name, prefixes[i]);
      for (const auto& [name, t] : init.file.tensors) matched = matched || starts_with(name, prefixes[i]);
      if (!matched) {
        throw ConfigError(fmt::format("model.init_select.{}[{}]", key, i),
                          fmt::format("\"{}\" is the prefix of no tensor of the model or of {}", prefixes[i], init.path));
      }
    }
  };
  if (select.include) check_matches(*select.include, "include");
  check_matches(select.exclude, "exclude");
  const std::vector<std::string> taken = init_tensor_names(select, params);
  auto refuse = [&](const std::string& what) {
    throw ConfigError("model.init_from", fmt::format("{}: {}; nothing was trained", init.path, what));
  };
  std::map<std::string, const Parameter<float>*> by_name;
  for (const Parameter<float>* p : params) by_name[p->name] = p;
  // Every selected tensor of the file must be one of the model's (a different model otherwise).
  for (const auto& [name, t] : init.file.tensors) {
    if (!init_selected(select, name)) continue;
    if (!by_name.count(name)) {
      refuse(fmt::format("tensor '{}' {} is selected by model.init_select but is not a parameter of this model", name,
                         shape_text(t.shape)));
    }
  }
  for (const std::string& name : taken) {
    const Parameter<float>& p = *by_name.at(name);
    const auto it = init.file.tensors.find(name);
    if (it == init.file.tensors.end()) {
      refuse(fmt::format("has no tensor '{}' (the model's is {}; model.init_select takes it)", name, shape_text(parameter_shape(p))));
    }
    const SafetensorsTensor& t = it->second;
    if (t.shape != parameter_shape(p)) {
      refuse(fmt::format("tensor '{}' has shape {} in the file but {} in the model", name, shape_text(t.shape),
                         shape_text(parameter_shape(p))));
    }
    if (t.dtype != "F32") refuse(fmt::format("tensor '{}' is {}, not F32 (the model's float32)", name, t.dtype));
    for (double v : t.values) {
      if (!std::isfinite(v)) refuse(fmt::format("tensor '{}' holds a non-finite value", name));
    }
  }
  // Checked in full: now overwrite. F32 widened to double and narrowed back is exact.
  for (Parameter<float>* p : params) {
    if (!init_selected(select, p->name)) continue;
    const std::vector<double>& v = init.file.tensors.at(p->name).values;
    for (Index k = 0; k < p->value.size(); ++k) p->value.data()[k] = static_cast<float>(v[static_cast<size_t>(k)]);
  }
  return taken;
}

std::string warm_start_statement(const std::string& path, const std::string& sha256) {
  return fmt::format(
      "The initial weights come from {} (sha256 {}). They are assumed to be independent of the private training data "
      "(for example, trained on public data only): ε covers this run's use of the training data, not whatever data "
      "produced those weights — if they were trained on this data, this run's ε does not cover that.",
      path, sha256);
}

nlohmann::ordered_json warm_start_json(const ModelConfig& model, const ParameterList<float>& params) {
  if (!model.init_from) return nullptr;
  const std::string sha = model.init_sha256.value_or("");
  return {{"path", *model.init_from},
          {"sha256", "sha256:" + sha},
          {"tensors", init_tensor_names(model.init_select, params)},
          {"assumption", warm_start_statement(*model.init_from, sha)}};
}

}  // namespace dpt
