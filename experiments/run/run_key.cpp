// The run key (see run_key.hpp).
#include "experiments/run/run_key.hpp"

#include <fmt/format.h>

#include <array>

#include "datasets/sha256.hpp"
#include "experiments/config/config_json.hpp"
#include "experiments/run/manifest.hpp"

namespace dpt {

nlohmann::json run_key_material(const ExperimentConfig& resolved_config, const std::string& data_hash,
                                double noise_multiplier) {
  nlohmann::json config = to_json(resolved_config);  // unordered: dump() sorts the keys
  for (const std::string_view field : kRunKeyExcludedFields) {
    const size_t dot = field.find('.');
    if (dot == std::string_view::npos) {
      config.erase(std::string(field));
    } else {
      config.at(std::string(field.substr(0, dot))).erase(std::string(field.substr(dot + 1)));
    }
  }
  // A warm start's weights are covered by their content (model.init_sha256), not their path.
  config.at("model").erase("init_from");
  return {{"scheme", kRunKeyScheme},
          {"dptrain_version", dptrain_version()},
          {"config", std::move(config)},
          {"data_hash", data_hash},
          {"noise_multiplier", noise_multiplier}};
}

RunKey make_run_key(const nlohmann::json& material) {
  const std::string text = material.dump();
  Sha256 streams;
  streams.update("dptrain-run-streams\n");
  streams.update(text);
  const std::array<uint8_t, 32> d = streams.digest();
  uint64_t seed = 0;
  for (int b = 0; b < 8; ++b) seed = (seed << 8) | d[static_cast<size_t>(b)];  // big-endian: the first 16 hex digits
  return RunKey{sha256_hex("dptrain-run-id\n" + text), seed};
}

std::string run_key_coverage(bool warm_start) {
  std::string excluded;
  for (const std::string_view field : kRunKeyExcludedFields) {
    excluded += excluded.empty() ? "" : ", ";
    excluded += field;
  }
  return fmt::format("the seed, every field of the resolved config except {}, the training data's content hash, the "
                     "resolved noise multiplier and dptrain's version ({})",
                     excluded, kRunKeyScheme) +
         (warm_start ? "; model.init_from is covered by the file's content (model.init_sha256), not its path" : "");
}

}  // namespace dpt
