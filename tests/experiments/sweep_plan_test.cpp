// Sweep files and their plans (experiments/sweep): grid and random expansion, seeds, overrides,
// trials, and every refusal naming the file, the key or the point; the tuning bound's RDP takes
// the largest RDP of the whole search space.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <unistd.h>

#include "datasets/sha256.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "dp/accounting/repeat_and_select.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/sweep/sweep_plan.hpp"
#include "experiments/sweep/sweep_privacy.hpp"
#include "experiments/sweep/sweep_spec.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* kBase = R"({"name": "tiny", "seed": 7,
  "data": {"source": "generated", "task": "marker", "size": 400, "min_length": 3, "max_length": 12},
  "model": {"embedding_dim": 8, "lstm": [{"hidden": 12}], "dense": [8]},
  "training": {"epochs": 3, "batch_size": 32, "optimizer": {"name": "adam", "learning_rate": 0.01}},
  "privacy": {"enabled": true, "clip_norm": 1.0, "noise_multiplier": 1.0}})";

// Writes `text` as a sweep file (beside base.json) and returns its path.
std::string sweep_file(const std::string& text) {
  static int n = 0;
  const fs::path dir = fs::temp_directory_path() / ("dpt_sweep_plan_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "base.json") << kBase;
  const fs::path file = dir / ("sweep" + std::to_string(n++) + ".json");
  std::ofstream(file) << text;
  return file.string();
}

std::string refusal(const std::string& text) {
  try {
    (void)dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(text)));
  } catch (const dpt::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a grid crosses its axes in path order, the last fastest, then the seeds") {
  const dpt::SweepPlan plan = dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(R"({"name": "g", "base": "base.json",
      "grid": {"training.optimizer.learning_rate": [0.001, 0.01, 0.1], "privacy.noise_multiplier": [0.8, 2]},
      "seeds": 2})")));
  REQUIRE(plan.points.size() == 12);
  CHECK(plan.trials == -1);
  CHECK(plan.points[0].id == "run-000");
  CHECK(plan.points[11].id == "run-011");
  // Paths in alphabetical order: privacy.noise_multiplier slowest, then the learning rate, then the seed.
  CHECK(plan.points[0].axes.dump() == R"({"privacy.noise_multiplier":0.8,"training.optimizer.learning_rate":0.001,"seed":7})");
  CHECK(plan.points[1].axes.dump() == R"({"privacy.noise_multiplier":0.8,"training.optimizer.learning_rate":0.001,"seed":8})");
  CHECK(plan.points[2].axes.dump() == R"({"privacy.noise_multiplier":0.8,"training.optimizer.learning_rate":0.01,"seed":7})");
  CHECK(plan.points[6].axes.dump() == R"({"privacy.noise_multiplier":2,"training.optimizer.learning_rate":0.001,"seed":7})");
  const json& c = plan.points[11].config;
  CHECK(c["privacy"]["noise_multiplier"] == 2);
  CHECK(c["training"]["optimizer"]["learning_rate"] == 0.1);
  CHECK(c["training"]["optimizer"]["name"] == "adam");  // the rest of the base is kept
  CHECK(c["seed"] == 8);
  CHECK(c["name"] == "g-run-011");
  CHECK(dpt::describe_axes(plan.points[11].axes) == "privacy.noise_multiplier=2, training.optimizer.learning_rate=0.1, seed=8");
}

TEST_CASE("explicit seeds, an inline base, fixed overrides and indexed paths") {
  const std::string file = sweep_file(R"({"name": "s", "base": )" + std::string(kBase) + R"(,
      "set": {"training.epochs": 1, "privacy.noise_multiplier": null, "privacy.target_epsilon": 4},
      "grid": {"model.lstm[0].hidden": [4, 16]}, "seeds": [3, 11]})");
  const dpt::SweepPlan plan = dpt::plan_sweep(dpt::load_sweep_spec(file));
  REQUIRE(plan.points.size() == 4);
  CHECK(plan.points[3].config["model"]["lstm"][0]["hidden"] == 16);
  CHECK(plan.points[3].config["training"]["epochs"] == 1);
  CHECK(plan.points[3].config["privacy"]["target_epsilon"] == 4);
  CHECK(plan.points[2].config["seed"] == 3);
  CHECK(plan.points[3].config["seed"] == 11);
}

TEST_CASE("a random sample is reproducible from its seed and stays in its ranges") {
  const std::string text = R"({"name": "r", "base": "base.json", "random": {"samples": 40, "seed": 5, "axes": {
      "training.optimizer.learning_rate": {"log_uniform": [0.0001, 0.1]}, "privacy.clip_norm": {"uniform": [0.5, 2]},
      "model.lstm[0].hidden": {"int_uniform": [4, 8]}, "training.optimizer.name": ["sgd", "adam"]}}})";
  const dpt::SweepPlan a = dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(text)));
  const dpt::SweepPlan b = dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(text)));
  REQUIRE(a.points.size() == 40);
  std::set<int64_t> hidden;
  std::set<std::string> names;
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    CHECK(a.points[i].axes == b.points[i].axes);
    const double lr = a.points[i].axes["training.optimizer.learning_rate"];
    const double clip = a.points[i].axes["privacy.clip_norm"];
    CHECK(lr >= 0.0001);
    CHECK(lr <= 0.1);
    CHECK(clip >= 0.5);
    CHECK(clip <= 2.0);
    hidden.insert(a.points[i].axes["model.lstm[0].hidden"].get<int64_t>());
    names.insert(a.points[i].axes["training.optimizer.name"].get<std::string>());
  }
  CHECK(hidden == std::set<int64_t>{4, 5, 6, 7, 8});
  CHECK(names.size() == 2);
  const std::string other = R"({"name": "r", "base": "base.json", "random": {"samples": 40, "seed": 6, "axes": {
      "training.optimizer.learning_rate": {"log_uniform": [0.0001, 0.1]}}}})";
  CHECK(dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(other))).points[0].axes["training.optimizer.learning_rate"] !=
        a.points[0].axes["training.optimizer.learning_rate"]);
}

TEST_CASE("tuning trials: K from the trials seed, each trial a fresh seed at a drawn point") {
  const std::string text = R"({"name": "t", "base": "base.json", "grid": {"privacy.noise_multiplier": [0.8, 1, 2]},
      "selection": {"metric": "validation.accuracy", "mode": "max",
                    "trials": {"distribution": "poisson", "mean": 6, "seed": 1}}})";
  const dpt::SweepPlan a = dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(text)));
  const dpt::SweepPlan b = dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(text)));
  CHECK(a.trials >= 0);
  CHECK(a.trials == b.trials);
  CHECK(a.search_space == 3);
  CHECK(a.space_configs.size() == 3);
  REQUIRE(static_cast<int64_t>(a.points.size()) == a.trials);
  std::set<uint64_t> seeds;
  for (const dpt::SweepPoint& p : a.points) {
    seeds.insert(p.config["seed"].get<uint64_t>());
    const double sigma = p.config["privacy"]["noise_multiplier"];
    CHECK((sigma == 0.8 || sigma == 1.0 || sigma == 2.0));
  }
  CHECK(static_cast<int64_t>(seeds.size()) == a.trials);  // no two trials are the same run
  // Over seeds 0..49 the mean number of trials is near 6 (50 draws: standard error 0.35).
  double total = 0;
  for (int s = 0; s < 50; ++s) {
    std::string t = text;
    t.replace(t.find("\"seed\": 1"), 9, "\"seed\": " + std::to_string(s));
    total += static_cast<double>(dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(t))).trials);
  }
  CHECK(total / 50 == doctest::Approx(6.0).epsilon(0.25));
}

TEST_CASE("refusals name the file, the key and the point") {
  const std::string unknown = refusal(R"({"name": "u", "base": "base.json", "grid": {"training.optimizer.learnig_rate": [0.1]}})");
  CHECK(contains(unknown, "grid.training.optimizer.learnig_rate"));
  CHECK(contains(unknown, "did you mean 'training.optimizer.learning_rate'"));
  CHECK(contains(unknown, ".json"));
  CHECK(contains(refusal(R"({"name": "e", "base": "base.json", "grid": {}})"), "grid: is empty"));
  CHECK(contains(refusal(R"({"name": "e", "base": "base.json", "grid": {"training.epochs": []}})"), "empty axis"));
  CHECK(contains(refusal(R"({"name": "e", "base": "base.json"})"), "a sweep needs a grid"));
  const std::string bad_point = refusal(R"({"name": "p", "base": "base.json", "grid": {"training.batch_size": [16, -4]}})");
  CHECK(contains(bad_point, "run-001 (training.batch_size=-4)"));
  CHECK(contains(bad_point, "training.batch_size"));
  CHECK(contains(refusal(R"({"name": "i", "base": "base.json", "grid": {"model.lstm[1].hidden": [4]}})"), "no element [1]"));
  CHECK(contains(refusal(R"({"name": "b", "base": "missing.json", "grid": {"training.epochs": [1]}})"), "missing.json"));
  CHECK(contains(refusal(R"({"name": "../x", "base": "base.json", "grid": {"training.epochs": [1]}})"), "name"));
  CHECK(contains(refusal(R"({"name": "x", "base": "base.json", "grid": {"training.epochs": [1]}, "selection": {"metric": "test.accuracy"}})"),
                 "must be a validation metric"));
  CHECK(contains(refusal(R"({"name": "x", "base": "base.json", "seeds": 2,
      "selection": {"trials": {"distribution": "poisson", "mean": 3, "seed": 1}}})"), "seeds: must be absent with selection.trials"));
  CHECK(contains(refusal(R"({"name": "x", "base": "base.json", "grid": {"training.epochs": [1]}, "grdi": 1})"), "unknown key"));
  CHECK(contains(refusal(R"({"name": "x", "base": "base.json", "grid": {"training.epochs": [1]}, "seeds": [1, 1]})"), "repeats seed 1"));
  CHECK(contains(refusal(R"({"name": "x", "base": "base.json", "grid": {"training.epochs": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]},
      "seeds": 101})"), "at most 1000"));
}

TEST_CASE("the tuning bound takes the largest RDP of the whole search space, order by order") {
  // Two bare Gaussian mechanisms (q = 1, one step): RDP alpha / (2 sigma^2), so sigma = 1 dominates.
  dpt::RunMechanism loud{true, 1.0, 1.0, 1, 1e-5};
  dpt::RunMechanism quiet{true, 1.0, 2.0, 1, 1e-5};
  const std::vector<double> orders = {2.0, 3.0, 4.0};
  const dpt::TuningTrials geometric{"truncated_negative_binomial", 10.0, 1.0, 0};
  const std::vector<double> expected = dpt::repeat_and_select_rdp(orders, {1.0, 1.5, 2.0}, 10.0, 1.0);
  CHECK(dpt::tuning_rdp({quiet, loud}, geometric, orders) == expected);
  CHECK(dpt::tuning_rdp({loud, quiet}, geometric, orders) == expected);
  // By hand, Theorem 2 with eta = 1 (geometric), mean 10 so gamma = 0.1 and E[K] = 10:
  //   eps'(lambda) = eps_lambda + (1 + eta) c + log(E[K]) / (lambda - 1),
  //   c = min over lambda_hat in {1, 2, 3, 4} of (1 - 1/lambda_hat) eps_lambda_hat + log(1/gamma) / lambda_hat
  //     = min(log 10, 0.5 + log(10)/2, 1 + log(10)/3, 1.5 + log(10)/4) = min(2.3026, 1.6513, 1.7675, 2.0756)
  //     = 0.5 + log(10)/2;  (1 + eta) c = 1 + log 10 = 3.302585.
  //   lambda = 2: 1   + 3.302585 + log(10)   = 6.605170
  //   lambda = 3: 1.5 + 3.302585 + log(10)/2 = 5.953878
  //   lambda = 4: 2   + 3.302585 + log(10)/3 = 6.070113
  // RDP is non-decreasing in the order, so order 2 also has the bound of order 3: 5.953878.
  CHECK(expected[0] == doctest::Approx(2.5 + 1.5 * std::log(10.0)).epsilon(1e-9));
  CHECK(expected[1] == doctest::Approx(2.5 + 1.5 * std::log(10.0)).epsilon(1e-9));
  CHECK(expected[2] == doctest::Approx(3.0 + std::log(10.0) * (1.0 + 1.0 / 3.0)).epsilon(1e-9));
  // A non-private point makes the bound infinite.
  dpt::RunMechanism open{false, 0.0, 0.0, 0, 1e-5};
  CHECK(std::isinf(dpt::tuning_rdp({loud, open}, geometric, orders)[0]));
}

TEST_CASE("a warm start's weights are pinned by content in every point: model.init_sha256 from the file") {
  const fs::path dir = fs::temp_directory_path() / ("dpt_sweep_plan_warm_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string weights = (dir / "public.safetensors").string();
  std::ofstream(weights) << "any bytes: the plan hashes them, the run parses them";
  const std::string sha = dpt::sha256_hex("any bytes: the plan hashes them, the run parses them");
  const dpt::SweepPlan plan = dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(R"({"name": "w", "base": "base.json",
      "set": {"model.init_from": ")" + weights + R"("}, "seeds": 2})")));
  REQUIRE(plan.points.size() == 2);
  for (const dpt::SweepPoint& p : plan.points) CHECK(p.config["model"]["init_sha256"] == sha);
  // A point that pins the weights itself keeps a matching pin, and a pin the file does not match
  // is refused before anything runs, naming the point.
  const dpt::SweepPlan own = dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(R"({"name": "w", "base": "base.json",
      "set": {"model.init_from": ")" + weights + R"(", "model.init_sha256": ")" + sha + R"("}, "seeds": 2})")));
  CHECK(own.points[0].config["model"]["init_sha256"] == sha);
  const std::string wrong = refusal(R"({"name": "w", "base": "base.json", "set": {"model.init_from": ")" + weights +
                                    R"(", "model.init_sha256": ")" + std::string(64, 'a') + R"("}, "seeds": 2})");
  CHECK(contains(wrong, "run-000"));
  CHECK(contains(wrong, "model.init_sha256"));
  CHECK(contains(wrong, sha));
  // The file changed: the plan's configs change, so a sweep folder planned before refuses them.
  std::ofstream(weights) << "other weights";
  const dpt::SweepPlan later = dpt::plan_sweep(dpt::load_sweep_spec(sweep_file(R"({"name": "w", "base": "base.json",
      "set": {"model.init_from": ")" + weights + R"("}, "seeds": 2})")));
  CHECK(later.points[0].config != plan.points[0].config);
  fs::remove(weights);
  const std::string missing = refusal(R"({"name": "w", "base": "base.json", "set": {"model.init_from": ")" + weights + R"("}, "seeds": 2})");
  CHECK(contains(missing, "run-000"));
  CHECK(contains(missing, "model.init_from"));
  fs::remove_all(dir);
}
