// make_optimizer / make_schedule (experiments/run/optimizer_setup.hpp): each config kind gives
// its optimizer (no fallback) and each schedule its learning rates, warm-up first.
#include <doctest/doctest.h>

#include "experiments/run/optimizer_setup.hpp"

namespace dpt {
namespace {

TEST_CASE("every optimizer kind of the config builds that optimizer") {
  OptimizerConfig c;
  c.kind = OptimizerKind::kSgd;
  CHECK(make_optimizer(c)->kind() == "sgd");
  c.kind = OptimizerKind::kAdam;
  CHECK(make_optimizer(c)->kind() == "adam");
  c.kind = OptimizerKind::kAdamW;
  CHECK(make_optimizer(c)->kind() == "adamw");
}

TEST_CASE("schedules: constant, step and cosine after a linear warm-up") {
  TrainingConfig t;
  t.optimizer.learning_rate = 0.1;
  t.schedule.warmup_steps = 2;
  t.schedule.kind = ScheduleKind::kConstant;
  const LrSchedule constant = make_schedule(t, 10);
  CHECK(constant.learning_rate(0) < 0.1);  // warming up
  CHECK(constant.learning_rate(5) == doctest::Approx(0.1));
  CHECK(constant.learning_rate(9) == doctest::Approx(0.1));
  t.schedule.kind = ScheduleKind::kStep;
  t.schedule.step_size = 3;
  t.schedule.gamma = 0.5;
  const LrSchedule step = make_schedule(t, 10);
  CHECK(step.learning_rate(9) < step.learning_rate(2));
  t.schedule.kind = ScheduleKind::kCosine;
  t.schedule.min_learning_rate = 0.01;
  const LrSchedule cosine = make_schedule(t, 10);
  CHECK(cosine.learning_rate(9) < cosine.learning_rate(3));
  CHECK(cosine.learning_rate(9) >= 0.01 - 1e-12);
}

}  // namespace
}  // namespace dpt
