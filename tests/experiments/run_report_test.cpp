// make_privacy_report (experiments/run/run_report.hpp) and the terminal lines (run_log.hpp):
// the report carries the run's accounting as RunAccounting computes it, with report entries in
// a fixed key order; a non-private run's report says nothing about ε.
#include <doctest/doctest.h>

#include <cmath>

#include "dp/accounting/dp_event.hpp"
#include "experiments/run/run_log.hpp"
#include "experiments/run/run_report.hpp"

namespace dpt {
namespace {

struct Fixture {
  Fixture() {
    config.name = "report-test";
    config.privacy.accountant = std::nullopt;  // "all"
    config.privacy.clip_norm = 0.7;
    data.privacy_unit = "one toy example";
    data.stats = {{"pii.email", 3}, {"truncated", 9}};
    resolved.dataset_size = 400;
    resolved.sampling_rate = 0.1;
    resolved.steps = 50;
    resolved.steps_per_epoch = 10;
    resolved.delta = 1e-5;
    resolved.delta_source = "config";
    resolved.noise_multiplier = 1.3;
    key.id = "abc";
    progress.next_step = 30;
  }
  ExperimentConfig config;
  Dataset data;
  Resolved resolved;
  RunKey key;
  TrainingProgress progress;
  std::string stopped = "stopped at step 29: test";
  std::vector<std::string> warnings{"a warning"};
};

TEST_CASE("a private run's report: the accounting's headline, the mechanism, the run's state") {
  Fixture f;
  RunAccounting accounting(f.config.privacy, f.resolved);
  accounting.charge_taken_steps(30);
  const PrivacyReport r = make_privacy_report(f.config, f.data, f.resolved, f.key, &accounting, {f.progress, false, f.stopped, f.warnings, nullptr, ""});
  CHECK(r.epsilon == accounting.headline_epsilon());
  CHECK(r.steps_done == 30);
  CHECK(r.steps_planned == 50);
  CHECK(r.expected_batch_size == doctest::Approx(40.0));
  CHECK(r.noise_multiplier == 1.3);
  CHECK(r.clip_norm == 0.7);
  CHECK(r.pii_replaced.size() == 1);
  CHECK(r.pii_replaced.at("email") == 3);
  CHECK(r.stopped == f.stopped);
  CHECK(r.warnings == f.warnings);
  REQUIRE(r.accountants.size() == 4);
  for (const auto& entry : r.accountants) {
    auto it = entry.begin();
    CHECK(it.key() == "accountant");
    CHECK((++it).key() == "epsilon");
    CHECK((++it).key() == "bound");
  }
  bool headline_listed = false;
  for (const auto& entry : r.accountants) headline_listed = headline_listed || entry["accountant"] == r.headline_accountant;
  CHECK(headline_listed);
}

TEST_CASE("a non-private run's report has no accounting") {
  Fixture f;
  f.config.privacy.enabled = false;
  const nlohmann::ordered_json test{{"loss", 0.25}, {"examples", 40}, {"accuracy", 0.875}};
  f.data.membership.kind = "predefined";
  const PrivacyReport r =
      make_privacy_report(f.config, f.data, f.resolved, f.key, nullptr, {f.progress, true, f.stopped, f.warnings, &test, "ab12"});
  CHECK_FALSE(r.enabled);
  CHECK(r.complete);
  CHECK(r.accountants.empty());
  CHECK(r.epsilon == 0.0);
  CHECK(r.steps_done == 30);
  // The test metrics are shown, marked as outside the guarantee, with the released weights' digest.
  const nlohmann::ordered_json j = to_json(r);
  CHECK(j["results"]["test"] == test);
  CHECK(j["results"]["covered_by_dp"] == false);
  CHECK(j["results"]["split"] == "predefined");
  CHECK(j["results"]["model_sha256"] == "sha256:ab12");
  const std::string md = to_markdown(r);
  CHECK(md.find("## Results (outside the DP guarantee)") != std::string::npos);
  CHECK(md.find("| accuracy | 0.8750 |") != std::string::npos);
  CHECK(md.find("| examples | 40 |") != std::string::npos);
}

TEST_CASE("the test line on the terminal") {
  CHECK(test_log_line({{"loss", 0.61234}, {"examples", 800}, {"accuracy", 0.8}}, "shuffled") ==
        "test  loss 0.6123 accuracy 0.800  (800 examples, shuffled split; outside the DP guarantee)");
  CHECK(test_log_line({{"loss", nullptr}, {"examples", 0}}, "shuffled") == "test: no test split (no example held out for it)");
  CHECK(test_log_line({{"loss", 0.16477}, {"examples", 546}, {"mse", 0.16477}, {"rmse_original_units", 952.70425}}, "ordered") ==
        "test  loss 0.1648 rmse 952.704 (original units)  (546 examples, ordered split; outside the DP guarantee)");
  CHECK(test_log_line({{"loss", 2.1}, {"examples", 9}, {"accuracy", 0.5}, {"bits_per_byte", 3.02996}}, "ordered") ==
        "test  loss 2.1000 accuracy 0.500 bits/byte 3.0300  (9 examples, ordered split; outside the DP guarantee)");
}

TEST_CASE("epoch and progress lines") {
  nlohmann::ordered_json line{{"kind", "epoch"}, {"epoch", 1}, {"step", 20}, {"train_loss", 0.51234}};
  CHECK(epoch_log_line(line, 100, {1.0, 2.25, 3.0}) ==
        "epoch 2  step 20/100  train loss 0.5123  (evaluation 1.0 ms, report 2.2 ms, checkpoint 3.0 ms)");
  line["validation"] = {{"loss", 0.6}, {"examples", 10}, {"accuracy", 0.75}};
  line["epsilon"] = 1.5;
  CHECK(epoch_log_line(line, 100, {}) ==
        "epoch 2  step 20/100  train loss 0.5123  validation loss 0.6000 accuracy 0.750  ε 1.5000  "
        "(evaluation 0.0 ms, report 0.0 ms, checkpoint 0.0 ms)");
  StepProgress p;
  p.step = 3;
  p.steps = 10;
  p.loss = 0.25;
  p.rdp_epsilon = std::nan("");
  p.examples_per_s = 1234.4;
  p.eta_s = 7.6;
  CHECK(progress_log_line(p) == "\rstep 3/10  loss 0.2500  ε(rdp) nan  1234 examples/s  ETA 8 s   ");
}

}  // namespace
}  // namespace dpt
