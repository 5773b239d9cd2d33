// The run key (experiments/run/run_key.hpp): every field of the resolved config that can change
// a computed number changes the key, and only the listed fields leave it alone; so do the data
// hash, the resolved noise multiplier and the seed.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "experiments/config/config_json.hpp"
#include "experiments/config/config_parser.hpp"
#include "experiments/run/run_key.hpp"

using namespace dpt;

namespace {

const char* const kData = "0000000000000000000000000000000000000000000000000000000000000001";

ExperimentConfig base_config() {
  return parse_config_text(R"({"name": "k", "seed": 3, "data": {"split_seed": 5},
                               "privacy": {"noise_multiplier": 1.5, "delta": 1e-5},
                               "training": {"steps": 10}})",
                           "base.json");
}

// Every leaf of the resolved config as a JSON pointer, e.g. "/training/optimizer/learning_rate".
void leaves(const nlohmann::json& j, const std::string& at, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) leaves(value, at + "/" + key, out);
  } else if (j.is_array() && !j.empty()) {
    for (size_t i = 0; i < j.size(); ++i) leaves(j[i], at + "/" + std::to_string(i), out);
  } else {
    out.push_back(at);
  }
}

// Another value of the same kind (a field's validity does not matter to the key).
nlohmann::json other_value(const nlohmann::json& v) {
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number_unsigned()) return v.get<uint64_t>() + 1;
  if (v.is_number_integer()) return v.get<int64_t>() + 1;
  if (v.is_number_float()) return v.get<double>() * 1.5 + 0.25;
  if (v.is_string()) return v.get<std::string>() + "x";
  if (v.is_array()) return nlohmann::json::array({7});
  return 11;  // null: an absent optional set
}

bool excluded(const std::string& pointer) {
  return std::any_of(std::begin(kRunKeyExcludedFields), std::end(kRunKeyExcludedFields), [&](std::string_view field) {
    std::string p = "/";  // appended, not "/" + ...: GCC 12 -Wrestrict false positive (PR 105651)
    p += field;
    std::replace(p.begin(), p.end(), '.', '/');
    return p == pointer;
  });
}

}  // namespace

TEST_CASE("the run key changes with every field that can change a computed number, and only with those") {
  const ExperimentConfig c = base_config();
  const std::string base = make_run_key(run_key_material(c, kData, 1.5)).id;
  const nlohmann::json j = to_json(c);
  std::vector<std::string> paths;
  leaves(j, "", paths);
  REQUIRE(paths.size() > 40);
  int covered = 0;
  for (const std::string& pointer : paths) {
    CAPTURE(pointer);
    // Change one leaf in the material's config directly: run_key_material must carry it.
    nlohmann::json material = run_key_material(c, kData, 1.5);
    const nlohmann::json::json_pointer p(pointer);
    if (excluded(pointer)) {
      CHECK_FALSE(material.at("config").contains(p));
      continue;
    }
    REQUIRE(material.at("config").contains(p));
    material["config"][p] = other_value(material["config"][p]);
    const RunKey changed = make_run_key(material);
    CHECK(changed.id != base);
    CHECK(changed.stream_seed != make_run_key(run_key_material(c, kData, 1.5)).stream_seed);
    ++covered;
  }
  MESSAGE(covered << " of " << paths.size() << " config fields are covered by the run key");
}

TEST_CASE("the excluded fields leave the key alone, through the config itself") {
  const ExperimentConfig c = base_config();
  const std::string base = make_run_key(run_key_material(c, kData, 1.5)).id;
  ExperimentConfig d = c;
  d.name = "another-name";
  d.data.path = "elsewhere/same-bytes.jsonl";
  d.output.dir = "other-runs";
  d.output.checkpoint_every_steps = 3;
  CHECK(make_run_key(run_key_material(d, kData, 1.5)).id == base);
  // Predefined split files moved elsewhere: the content hash (which names each file's split) decides.
  ExperimentConfig e = c;
  e.data.splits = SplitPaths{"a/train.jsonl", "a/dev.jsonl", ""};
  ExperimentConfig f = c;
  f.data.splits = SplitPaths{"b/train.jsonl", "b/validation.jsonl", ""};
  CHECK(make_run_key(run_key_material(e, kData, 1.5)).id == make_run_key(run_key_material(f, kData, 1.5)).id);
}

TEST_CASE("the key covers the seed, the data, the resolved sigma and the scheme") {
  const ExperimentConfig c = base_config();
  const std::string base = make_run_key(run_key_material(c, kData, 1.5)).id;
  ExperimentConfig other_seed = c;
  other_seed.seed = 4;
  CHECK(make_run_key(run_key_material(other_seed, kData, 1.5)).id != base);
  CHECK(make_run_key(run_key_material(c, "0000000000000000000000000000000000000000000000000000000000000002", 1.5)).id != base);
  CHECK(make_run_key(run_key_material(c, kData, 1.5000000000000002)).id != base);  // one ulp of sigma
  const nlohmann::json material = run_key_material(c, kData, 1.5);
  CHECK(material.at("scheme") == std::string(kRunKeyScheme));
  CHECK(material.contains("dptrain_version"));
  CHECK(make_run_key(material).id == base);  // deterministic
}

TEST_CASE("the stream seed is a digest of its own, not a part of the published id") {
  const RunKey k = make_run_key(run_key_material(base_config(), kData, 1.5));
  REQUIRE(k.id.size() == 64);
  uint64_t id_prefix = 0;
  for (int i = 0; i < 16; ++i) id_prefix = id_prefix * 16 + static_cast<uint64_t>(std::stoi(k.id.substr(static_cast<size_t>(i), 1), nullptr, 16));
  CHECK(k.stream_seed != id_prefix);
  CHECK(k.id.find(fmt::format("{:016x}", k.stream_seed)) == std::string::npos);
}

TEST_CASE("model.lstm and model.recurrent spell one LSTM stack: one config.json, one run key; a cell or a direction changes it") {
  const auto key_of = [](const std::string& model) {
    const ExperimentConfig c = parse_config_text(R"({"name": "k", "seed": 3, "data": {"split_seed": 5}, "model": )" + model +
                                                     R"(, "privacy": {"noise_multiplier": 1.5}, "training": {"steps": 10}})",
                                                 "spelling.json");
    return std::make_pair(to_json(c).dump(), make_run_key(run_key_material(c, kData, 1.5)).id);
  };
  const auto lstm = key_of(R"({"lstm": [{"hidden": 8, "return_sequences": true}, {"hidden": 4}]})");
  const auto recurrent = key_of(R"({"recurrent": [{"cell": "lstm", "hidden": 8, "return_sequences": true}, {"cell": "lstm", "hidden": 4}]})");
  CHECK(lstm == recurrent);
  CHECK(lstm.first.find(R"("lstm":[{"hidden":8,"return_sequences":true,"dropout":0.0})") != std::string::npos);
  const auto gru = key_of(R"({"recurrent": [{"cell": "lstm", "hidden": 8, "return_sequences": true}, {"cell": "gru", "hidden": 4}]})");
  const auto bidirectional =
      key_of(R"({"recurrent": [{"cell": "lstm", "hidden": 8, "bidirectional": true, "return_sequences": true}, {"cell": "lstm", "hidden": 4}]})");
  CHECK(gru.second != lstm.second);
  CHECK(bidirectional.second != lstm.second);
  CHECK(bidirectional.second != gru.second);
  CHECK(gru.first.find(R"("recurrent":[{"cell":"lstm","hidden":8,"bidirectional":false)") != std::string::npos);
}
