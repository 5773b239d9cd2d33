// Invariant 7 on whole runs: two one-step DP-SGD runs that differ only in σ (same seed), or only
// by one training example, draw independent noise. With SGD and one step,
//   w_1 = w_0 − η (S + z) / (q N),   z ~ N(0, σ² C² I),
// so (w_0 − w_1) is the noise up to the clipped sum S, which is small against z here (B = 32
// examples of norm <= C over > 10^5 coordinates, σ >= 2). The recovered vectors of the two runs
// must be uncorrelated; a rerun of the same config (same key) recovers the same vector.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/io/safetensors.hpp"
#include "core/models/sequence_model.hpp"
#include "core/random/counter_rng.hpp"
#include "experiments/config/config_parser.hpp"
#include "experiments/run/run_model.hpp"
#include "experiments/run/run_setup.hpp"
#include "experiments/run/trainer.hpp"
#include "tests/datasets/temp_dir.hpp"

using namespace dpt;

namespace {

std::string one_step_config(const std::string& data, double sigma) {
  return R"({"name": "one-step", "seed": 1, "data": )" + data + R"(,
             "model": {"embedding_dim": 32, "lstm": [{"hidden": 160}]},
             "training": {"steps": 1, "batch_size": 32, "optimizer": {"name": "sgd", "learning_rate": 0.5}},
             "privacy": {"noise_multiplier": )" + std::to_string(sigma) + R"(, "clip_norm": 1.0, "accountant": "rdp"}})";
}

// (w_0 − w_1) of a finished one-step run: w_0 as the run initialised it (prepare_run: the
// same split and initialisation seed), w_1 from its model.safetensors.
std::vector<double> recovered_update(const std::string& config_text, const testing::TempDir& dir, const std::string& name) {
  const ExperimentConfig config = parse_config_text(config_text, name + ".json");
  RunOptions options;
  options.out_dir = (dir.path() / name).string();
  options.threads = 1;
  run_experiment(config, options);
  const RunSetup setup = prepare_run(config);
  // The stream seed would let anyone regenerate the noise: no file of the run folder holds it.
  const std::string hex = fmt::format("{:016x}", setup.key.stream_seed), dec = std::to_string(setup.key.stream_seed);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(options.out_dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CAPTURE(entry.path().string());
    CHECK(bytes.find(hex) == std::string::npos);
    CHECK(bytes.find(dec) == std::string::npos);
  }
  SequenceModel<float> start(model_spec(config.model, setup.data), setup.init_seed);
  SequenceModel<float> end(model_spec(config.model, setup.data), 0);
  load_safetensors(options.out_dir + "/model.safetensors", end.parameters());
  std::vector<double> u;
  const ParameterList<float> p0 = start.parameters(), p1 = end.parameters();
  for (size_t k = 0; k < p0.size(); ++k) {
    for (Index i = 0; i < p0[k]->value.size(); ++i) {
      u.push_back(static_cast<double>(p0[k]->value.data()[i]) - static_cast<double>(p1[k]->value.data()[i]));
    }
  }
  return u;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// n labelled random lowercase texts, one JSON object per line.
std::vector<std::string> jsonl_lines(int n) {
  const CounterRng rng(99);
  std::vector<std::string> lines;
  uint64_t k = 0;
  for (int i = 0; i < n; ++i) {
    std::string text;
    const int length = 5 + static_cast<int>(rng.bits(k++) % 15);
    for (int c = 0; c < length; ++c) text += static_cast<char>('a' + rng.bits(k++) % 26);
    lines.push_back(R"({"text": ")" + text + R"(", "label": )" + std::to_string(rng.bits(k++) % 2) + "}");
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("two one-step runs that differ only in sigma draw independent noise") {
  testing::TempDir dir;
  const std::string data = R"({"source": "generated", "task": "marker", "size": 400})";
  const std::vector<double> a = recovered_update(one_step_config(data, 2.0), dir, "sigma2");
  const std::vector<double> b = recovered_update(one_step_config(data, 10.0), dir, "sigma10");
  const std::vector<double> a_again = recovered_update(one_step_config(data, 2.0), dir, "sigma2_again");
  REQUIRE(a.size() >= 100000);
  const double r = correlation(a, b);
  MESSAGE("sigma 2 vs 10: correlation " << r << " over " << a.size() << " coordinates");
  CHECK(std::abs(r) < 0.01);
  CHECK(a_again == a);  // the same config is the same run, bit for bit
}

TEST_CASE("retraining after deleting one example draws independent noise") {
  testing::TempDir dir;
  std::vector<std::string> lines = jsonl_lines(300);
  const std::string all = dir.write("all.jsonl", join(lines));
  lines.erase(lines.begin() + 17);  // the erasure request
  const std::string deleted = dir.write("deleted.jsonl", join(lines));
  auto data = [](const std::string& path) { return R"({"source": "jsonl", "path": ")" + path + R"(", "max_length": 24})"; };
  const std::vector<double> a = recovered_update(one_step_config(data(all), 3.0), dir, "all");
  const std::vector<double> b = recovered_update(one_step_config(data(deleted), 3.0), dir, "deleted");
  REQUIRE(a.size() >= 100000);
  const double r = correlation(a, b);
  MESSAGE("N vs N-1 examples: correlation " << r << " over " << a.size() << " coordinates");
  CHECK(std::abs(r) < 0.01);
}
