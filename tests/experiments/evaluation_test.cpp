// evaluate() (experiments/run/evaluation.hpp): the mean loss and accuracy of a split do not
// depend on the evaluation batch size, accuracy is the share of argmax hits, an empty split has
// no loss, and a regression task has no accuracy. The task metrics (confusion matrix, MSE in
// original units, bits per byte) on hand-made outputs, with hand-checked numbers.
#include <doctest/doctest.h>

#include <cmath>

#include "core/random/counter_rng.hpp"
#include "experiments/run/evaluation.hpp"

namespace dpt {
namespace {

Dataset toy_classification(int n) {
  Dataset d;
  d.task = TaskKind::kClassification;
  d.vocab_size = 6;
  d.num_classes = 3;
  const CounterRng rng(3);
  uint64_t k = 0;
  for (int i = 0; i < n; ++i) {
    Example e;
    const int length = 1 + static_cast<int>(rng.bits(k++) % 5);  // variable lengths: padding is skipped
    for (int t = 0; t < length; ++t) e.tokens.push_back(static_cast<int32_t>(rng.bits(k++) % 6));
    e.label = static_cast<int32_t>(rng.bits(k++) % 3);
    d.test.push_back(e);
  }
  return d;
}

SequenceModel<float> toy_model(int outputs) {
  SequenceModelSpec s;
  s.vocab_size = 6;
  s.embedding_dim = 4;
  s.recurrent = dpt::lstm_layers({5});
  s.outputs = outputs;
  return SequenceModel<float>(s, 9);
}

TEST_CASE("loss and accuracy of a split do not depend on the evaluation batch size") {
  const Dataset d = toy_classification(23);
  SequenceModel<float> model = toy_model(3);
  const Evaluation one = evaluate(model, d, d.test, 64), many = evaluate(model, d, d.test, 4), single = evaluate(model, d, d.test, 1);
  CHECK(one.examples == 23);
  CHECK(many.examples == 23);
  CHECK(one.loss == doctest::Approx(many.loss).epsilon(1e-6));
  CHECK(one.loss == doctest::Approx(single.loss).epsilon(1e-6));
  CHECK(one.accuracy == many.accuracy);
  CHECK(one.accuracy == single.accuracy);
  // accuracy counts whole examples: a multiple of 1/23
  CHECK(std::fabs(one.accuracy * 23 - std::round(one.accuracy * 23)) < 1e-9);
  // cross-entropy of an untrained 3-class model is near log 3
  CHECK(one.loss == doctest::Approx(std::log(3.0)).epsilon(0.3));
}

TEST_CASE("an empty split has no loss and no accuracy; the JSON says so by leaving accuracy out") {
  const Dataset d = toy_classification(0);
  SequenceModel<float> model = toy_model(3);
  const Evaluation e = evaluate(model, d, d.test, 8);
  CHECK(e.examples == 0);
  CHECK(std::isnan(e.loss));
  CHECK(std::isnan(e.accuracy));
  const nlohmann::ordered_json j = to_json(e);
  CHECK(j.contains("loss"));
  CHECK(j["examples"] == 0);
  CHECK_FALSE(j.contains("accuracy"));
}

TEST_CASE("a regression split has a loss and no accuracy") {
  Dataset d;
  d.task = TaskKind::kRegression;
  d.input_dim = 2;
  d.output_dim = 1;
  for (int i = 0; i < 5; ++i) {
    Example e;
    const auto x = static_cast<float>(i);
    e.features = {0.1f * x, -0.2f, 0.3f, 0.05f * x};  // T = 2 steps of 2 features
    e.target = {0.5f * x};
    d.test.push_back(e);
  }
  SequenceModelSpec s;
  s.input_dim = 2;
  s.recurrent = dpt::lstm_layers({3});
  s.outputs = 1;
  SequenceModel<float> model(s, 2);
  const Evaluation e = evaluate(model, d, d.test, 2);
  CHECK(e.examples == 5);
  CHECK(std::isfinite(e.loss));
  CHECK(e.loss > 0.0);
  CHECK(std::isnan(e.accuracy));
  CHECK_FALSE(to_json(e).contains("accuracy"));
}

TEST_CASE("classification: confusion matrix rows are true classes, columns predicted; per-class counts") {
  Dataset d;
  d.task = TaskKind::kClassification;
  d.num_classes = 3;
  d.class_names = {"a", "b", "c"};
  // 4 examples: true 0 -> predicted 0, true 0 -> 2, true 1 -> 1, true 2 -> 1.
  MatrixF z(4, 3);
  z << 2, 0, 1,  //
      0, 1, 3,   //
      0, 5, 1,   //
      1, 2, 0;
  Vector<float> losses(4);
  losses << 1.0f, 2.0f, 3.0f, 4.0f;
  EvaluationSums sums;
  accumulate(sums, d.task, d.num_classes, z, *BatchLayout::flat(4), {0, 0, 1, 2}, losses);
  const Evaluation e = summarize(sums, d);
  CHECK(e.examples == 4);
  CHECK(e.loss == doctest::Approx(2.5));
  CHECK(e.accuracy == doctest::Approx(0.5));
  CHECK(e.confusion == std::vector<std::vector<int64_t>>{{1, 0, 1}, {0, 1, 0}, {0, 1, 0}});
  const nlohmann::ordered_json j = to_json(e);
  // the keys of earlier versions first, in their order: metrics lines only gain keys
  auto key = j.begin();
  CHECK(key.key() == "loss");
  CHECK((++key).key() == "examples");
  CHECK((++key).key() == "accuracy");
  CHECK(j["per_class"][0] == nlohmann::ordered_json{{"class", "a"}, {"examples", 2}, {"correct", 1}});
  CHECK(j["per_class"][1]["correct"] == 1);
  CHECK(j["per_class"][2] == nlohmann::ordered_json{{"class", "c"}, {"examples", 1}, {"correct", 0}});
  CHECK(j["confusion_matrix"] == nlohmann::json::parse("[[1,0,1],[0,1,0],[0,1,0]]"));
}

TEST_CASE("regression: the MSE is the loss; in original units it is scaled by the target's stddev squared") {
  Dataset d;
  d.task = TaskKind::kRegression;
  d.input_dim = 1;
  d.output_dim = 1;
  d.standardization.kind = "train";
  d.standardization.target = {"v", 100.0, 3.0};
  MatrixF z = MatrixF::Zero(2, 1);
  Vector<float> losses(2);
  losses << 0.5f, 1.5f;
  EvaluationSums sums;
  accumulate(sums, d.task, 0, z, *BatchLayout::flat(2), {}, losses);
  Evaluation e = summarize(sums, d);
  CHECK(e.mse == doctest::Approx(1.0));
  CHECK(e.mse_original_units == doctest::Approx(9.0));
  CHECK(e.rmse_original_units == doctest::Approx(3.0));
  const nlohmann::ordered_json j = to_json(e);
  CHECK(j["mse_original_units"] == doctest::Approx(9.0));
  CHECK_FALSE(j.contains("accuracy"));
  d.standardization.kind = "none";  // not standardised: original units are the model's
  e = summarize(sums, d);
  CHECK(e.mse_original_units == doctest::Approx(1.0));
}

TEST_CASE("language model: bits per byte pools every predicted byte, unlike the per-example mean loss") {
  Dataset d;
  d.task = TaskKind::kLanguageModel;
  d.vocab_size = 2;
  // Two sequences of lengths 3 and 1, time-major: rows 0, 2, 4 are example 0 (steps 0..2), row 1
  // is example 1 (step 0), rows 3 and 5 padding. Example 0 predicts two bytes (steps 0 and 1),
  // example 1 none.
  const LayoutPtr layout = BatchLayout::sequence({3, 1});
  MatrixF z = MatrixF::Zero(6, 2);
  z(2, 0) = static_cast<float>(std::log(3.0));  // step 1: p(0) = 3/4
  // step 0: logits (0, 0), target 1: p = 1/2 -> 1 bit, argmax 0 (first of a tie): wrong
  // step 1: target 0, p = 3/4 -> -log2(3/4) = 0.415037... bits, argmax 0: right
  const std::vector<int32_t> labels{1, -1, 0, -1, -1, -1};
  Vector<float> losses(2);
  losses << static_cast<float>((std::log(2.0) - std::log(0.75)) / 2.0), 0.0f;  // example 0's mean over its 2 positions
  EvaluationSums sums;
  accumulate(sums, d.task, 0, z, *layout, labels, losses);
  const Evaluation e = summarize(sums, d);
  CHECK(e.predicted_bytes == 2);
  CHECK(e.accuracy == doctest::Approx(0.5));
  CHECK(e.bits_per_byte == doctest::Approx((1.0 - std::log2(0.75)) / 2.0));
  CHECK(e.bits_per_byte == doctest::Approx(0.7075187));
  // The loss averages per example (example 1 counts as 0): half of example 0's mean, in nats.
  CHECK(e.loss == doctest::Approx((std::log(2.0) - std::log(0.75)) / 4.0).epsilon(1e-6));
  CHECK(e.loss / std::log(2.0) != doctest::Approx(e.bits_per_byte));
  CHECK(to_json(e)["bits_per_byte"] == doctest::Approx(0.7075187));
}

}  // namespace
}  // namespace dpt
