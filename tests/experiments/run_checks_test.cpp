// run_checks.hpp: a gradient scale float cannot hold is refused naming the dominating field;
// degenerate runs (tiny N, δ above 1/(10N), one class) are warned about, and a sound one is not.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "experiments/config/config_error.hpp"
#include "experiments/run/run_checks.hpp"

namespace dpt {
namespace {

Resolved resolved(int64_t N, double delta, double sigma = 1.0) {
  Resolved r;
  r.dataset_size = N;
  r.sampling_rate = 64.0 / static_cast<double>(N);
  r.delta = delta;
  r.noise_multiplier = sigma;
  return r;
}

std::string refused_field(const PrivacyConfig& p, const Resolved& r) {
  try {
    check_gradient_scale(p, r);
  } catch (const ConfigError& e) {
    return e.path();
  }
  return "";
}

TEST_CASE("check_gradient_scale refuses C (qN + 10 sigma) > 1e30, naming the larger term") {
  PrivacyConfig p;
  p.clip_norm = 1.0;
  CHECK(refused_field(p, resolved(1000, 1e-5)) == "");
  p.clip_norm = 1e29;  // 1e29 x 74 > 1e30: the batch term dominates
  CHECK(refused_field(p, resolved(1000, 1e-5)) == "privacy.clip_norm");
  p.clip_norm = 1e20;  // 1e20 x 10 x 1e12: the noise term dominates
  CHECK(refused_field(p, resolved(1000, 1e-5, 1e12)) == "privacy.noise_multiplier");
  p.clip_norm = std::nan("");
  CHECK(refused_field(p, resolved(1000, 1e-5)) != "");  // NaN is never a scale
}

TEST_CASE("run_warnings: one sentence per degenerate property, none for a sound run") {
  Dataset d;
  d.task = TaskKind::kClassification;
  for (int i = 0; i < 20; ++i) {
    Example e;
    e.label = i % 2;
    d.train.push_back(e);
  }
  CHECK(run_warnings(d, DataConfig{}, resolved(20000, 1e-6)).empty());
  const std::vector<std::string> tiny = run_warnings(d, DataConfig{}, resolved(5, 0.05));  // N < 10 and delta > 1/(10 N) = 0.02
  REQUIRE(tiny.size() == 2);
  CHECK(tiny[0].find("only 5 examples") != std::string::npos);
  CHECK(tiny[1].find("privacy.delta = 0.05 is above 1/(10 N)") == 0);
  for (Example& e : d.train) e.label = 1;
  const std::vector<std::string> one_class = run_warnings(d, DataConfig{}, resolved(20000, 1e-6));
  REQUIRE(one_class.size() == 1);
  CHECK(one_class[0] == "every training example has the same label (1): nothing to learn");
}

TEST_CASE("run_warnings: truncation of more than 5% of the texts is a warning with the count") {
  Dataset d;
  for (int i = 0; i < 20; ++i) d.train.push_back(Example{});
  d.task = TaskKind::kLanguageModel;  // no label check
  DataConfig c;
  c.max_length = 24;
  d.stats["texts"] = 1000;
  d.stats["truncated_texts"] = 50;  // exactly 5%: no warning
  CHECK(run_warnings(d, c, resolved(20000, 1e-6)).empty());
  d.stats["truncated_texts"] = 750;
  const std::vector<std::string> cut = run_warnings(d, c, resolved(20000, 1e-6));
  REQUIRE(cut.size() == 1);
  CHECK(cut[0] == "data.max_length = 24 cut 750 of 1000 texts (75.0%) to their first 24 bytes: raise data.max_length to "
                  "train on more of each text");
}

}  // namespace
}  // namespace dpt

namespace dpt {
namespace {

TEST_CASE("divergence: NaN or Inf weights stop a run; a NaN loss only when no example is to blame") {
  Parameter<float> w{"w", MatrixF::Ones(2, 2)};
  const ParameterList<float> params{&w};
  CHECK_FALSE(divergence(params, 1.5, 0));
  CHECK(divergence(params, std::nan(""), 0).value() == "the training loss became NaN or Inf (the run diverged)");
  CHECK_FALSE(divergence(params, std::nan(""), 1));  // the dropped example explains it
  w.value(1, 0) = std::numeric_limits<float>::infinity();
  CHECK(divergence(params, 1.5, 0).value() == "the weights became NaN or Inf (the run diverged)");
}

TEST_CASE("dropped_share_problem: more than half of an epoch's examples dropped stops the run") {
  CHECK_FALSE(dropped_share_problem(0, 0));
  CHECK_FALSE(dropped_share_problem(50, 100));  // exactly half: still trains
  CHECK(dropped_share_problem(51, 100).value() ==
        "51 of the epoch's 100 examples had NaN or Inf gradients and were dropped (more than 50%)");
}

}  // namespace
}  // namespace dpt
