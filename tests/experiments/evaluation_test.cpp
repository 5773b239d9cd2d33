// evaluate() (experiments/run/evaluation.hpp): the mean loss and accuracy of a split do not
// depend on the evaluation batch size, accuracy is the share of argmax hits, an empty split has
// no loss, and a regression task has no accuracy.
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
  s.lstm_hidden = {5};
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
    e.features = {0.1f * i, -0.2f, 0.3f, 0.05f * i};  // T = 2 steps of 2 features
    e.target = {0.5f * i};
    d.test.push_back(e);
  }
  SequenceModelSpec s;
  s.input_dim = 2;
  s.lstm_hidden = {3};
  s.outputs = 1;
  SequenceModel<float> model(s, 2);
  const Evaluation e = evaluate(model, d, d.test, 2);
  CHECK(e.examples == 5);
  CHECK(std::isfinite(e.loss));
  CHECK(e.loss > 0.0);
  CHECK(std::isnan(e.accuracy));
  CHECK_FALSE(to_json(e).contains("accuracy"));
}

}  // namespace
}  // namespace dpt
