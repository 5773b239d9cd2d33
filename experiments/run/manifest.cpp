// The run manifest (see manifest.hpp).
#include "experiments/run/manifest.hpp"

#include "datasets/sha256.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/config/config_json.hpp"
#include "experiments/run/run_key.hpp"

#include <fstream>

#ifndef DPT_VERSION
#define DPT_VERSION "unknown"
#endif
#ifndef DPT_GIT_COMMIT
#define DPT_GIT_COMMIT "unknown"
#endif

namespace dpt {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

}  // namespace

std::map<std::string, std::string> model_metadata(const ExperimentConfig& config, const std::string& run_id,
                                                  const std::string& config_text, const std::string& data_json_text) {
  return {{"format", "pt"},
          {"run", config.name},
          {"run_id", "sha256:" + run_id},
          {"config_sha256", sha256_hex(config_text)},
          {"data_json_sha256", sha256_hex(data_json_text)},
          {"model", to_json(config).at("model").dump()}};
}

std::string dptrain_version() { return DPT_VERSION; }

void check_manifest_version(const std::string& manifest_file, const nlohmann::json& manifest, const std::string& use) {
  const auto v = manifest.find("dptrain_version");
  if (v == manifest.end()) return;
  const std::string version = v->is_string() ? v->get<std::string>() : v->dump();
  if (version != dptrain_version()) {
    throw ConfigError(manifest_file, "a run folder of dptrain " + version + "; this is dptrain " + dptrain_version() + " (" + use +
                                         " with that version; run keys, data.json and config.json differ between versions)");
  }
}
std::string dptrain_git_commit() { return DPT_GIT_COMMIT; }

nlohmann::ordered_json manifest_json(const RunManifest& m) {
  nlohmann::ordered_json j;
  j["dptrain_version"] = dptrain_version();
  j["git_commit"] = dptrain_git_commit();
  j["config_hash"] = "sha256:" + m.config_hash;
  j["data_hash"] = "sha256:" + m.data_hash;
  j["data_json_hash"] = "sha256:" + m.data_json_hash;
  j["seed"] = m.seed ? nlohmann::ordered_json(*m.seed) : nlohmann::ordered_json("none (secure mode)");
  j["run_id"] = "sha256:" + m.run_id;
  j["run_key_covers"] = run_key_coverage(m.init_from.has_value());
  j["threads"] = m.threads;
  j["cpu"] = cpu_model();
  j["resolved"] = m.resolved;
  if (m.ledger) j["ledger"] = *m.ledger;
  if (m.init_from) j["init_from"] = *m.init_from;
  return j;
}

}  // namespace dpt
