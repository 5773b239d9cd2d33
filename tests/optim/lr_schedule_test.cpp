// Learning-rate schedules at their key steps: step boundaries, cosine endpoints and midpoint,
// warm-up ramps composed with each base schedule, and argument validation.
#include "optim/lr_schedule.hpp"

#include <doctest/doctest.h>

#include "tests/optim/quadratic.hpp"

namespace dpt {
namespace {

using test::error_of;

TEST_CASE("a constant schedule is constant") {
  const LrSchedule s = LrSchedule::constant(0.05);
  CHECK(s.learning_rate(0) == 0.05);
  CHECK(s.learning_rate(1'000'000'000'000) == 0.05);
  CHECK(s.warmup_steps() == 0);
}

TEST_CASE("a step schedule multiplies by gamma at every multiple of step_size") {
  const LrSchedule s = LrSchedule::step(1.0, 10, 0.5);
  CHECK(s.learning_rate(0) == 1.0);
  CHECK(s.learning_rate(9) == 1.0);
  CHECK(s.learning_rate(10) == 0.5);
  CHECK(s.learning_rate(19) == 0.5);
  CHECK(s.learning_rate(20) == 0.25);
  CHECK(s.learning_rate(35) == 0.125);
  CHECK(LrSchedule::step(0.1, 1, 1.0).learning_rate(12345) == 0.1);
}

TEST_CASE("cosine annealing starts at the peak, halves at the midpoint, ends at the minimum") {
  SUBCASE("to zero") {
    const LrSchedule s = LrSchedule::cosine(0.1, 100);
    CHECK(s.learning_rate(0) == 0.1);
    CHECK(s.learning_rate(50) == doctest::Approx(0.05).epsilon(1e-15));
    CHECK(s.learning_rate(25) == doctest::Approx(0.05 * (1.0 + std::sqrt(0.5))).epsilon(1e-15));
    CHECK(s.learning_rate(100) == 0.0);
    CHECK(s.learning_rate(150) == 0.0);  // held at the minimum, no restart
  }
  SUBCASE("to a floor") {
    const LrSchedule s = LrSchedule::cosine(0.1, 100, 0.02);
    CHECK(s.learning_rate(0) == 0.1);
    CHECK(s.learning_rate(50) == doctest::Approx(0.06).epsilon(1e-15));
    CHECK(s.learning_rate(100) == 0.02);
    CHECK(s.learning_rate(1000) == 0.02);
  }
  SUBCASE("is non-increasing") {
    const LrSchedule s = LrSchedule::cosine(1.0, 37, 0.1);
    for (int64_t t = 1; t <= 40; ++t) CHECK(s.learning_rate(t) <= s.learning_rate(t - 1));
  }
}

TEST_CASE("linear warm-up ramps to the peak, then the base schedule starts its clock") {
  SUBCASE("constant") {
    const LrSchedule s = LrSchedule::constant(0.1).with_warmup(4);
    CHECK(s.learning_rate(0) == doctest::Approx(0.025).epsilon(1e-15));  // never 0
    CHECK(s.learning_rate(1) == doctest::Approx(0.05).epsilon(1e-15));
    CHECK(s.learning_rate(2) == doctest::Approx(0.075).epsilon(1e-15));
    CHECK(s.learning_rate(3) == 0.1);
    CHECK(s.learning_rate(4) == 0.1);
  }
  SUBCASE("step") {
    const LrSchedule s = LrSchedule::step(1.0, 10, 0.1).with_warmup(5);
    CHECK(s.learning_rate(0) == doctest::Approx(0.2).epsilon(1e-15));
    CHECK(s.learning_rate(4) == 1.0);
    CHECK(s.learning_rate(14) == 1.0);                                  // base step 9
    CHECK(s.learning_rate(15) == doctest::Approx(0.1).epsilon(1e-15));  // base step 10
  }
  SUBCASE("cosine") {
    const LrSchedule s = LrSchedule::cosine(0.1, 100).with_warmup(10);
    CHECK(s.learning_rate(0) == doctest::Approx(0.01).epsilon(1e-15));
    CHECK(s.learning_rate(9) == 0.1);
    CHECK(s.learning_rate(10) == 0.1);                                   // base step 0
    CHECK(s.learning_rate(60) == doctest::Approx(0.05).epsilon(1e-15));  // base midpoint
    CHECK(s.learning_rate(110) == 0.0);                                  // base end
  }
  SUBCASE("zero warm-up steps is no warm-up") {
    const LrSchedule s = LrSchedule::step(1.0, 2, 0.5).with_warmup(3).with_warmup(0);
    CHECK(s.warmup_steps() == 0);
    CHECK(s.learning_rate(0) == 1.0);
    CHECK(s.learning_rate(2) == 0.5);
  }
}

TEST_CASE("schedules reject bad arguments, naming them") {
  CHECK(error_of([] { LrSchedule::constant(0.0); }) == "learning_rate must be finite and > 0, but is 0.");
  CHECK(error_of([] { LrSchedule::constant(-1.0); }) == "learning_rate must be finite and > 0, but is -1.");
  CHECK(error_of([] { LrSchedule::constant(HUGE_VAL); }) == "learning_rate must be finite and > 0, but is inf.");
  CHECK(error_of([] { LrSchedule::step(0.1, 0, 0.5); }) == "step_size must be >= 1, but is 0.");
  CHECK(error_of([] { LrSchedule::step(0.1, 10, 1.5); }) == "gamma must be in (0, 1], but is 1.5.");
  CHECK(error_of([] { LrSchedule::step(0.1, 10, 0.0); }) == "gamma must be in (0, 1], but is 0.");
  CHECK(error_of([] { LrSchedule::cosine(0.1, 0); }) == "total_steps must be >= 1, but is 0.");
  CHECK(error_of([] { LrSchedule::cosine(0.1, 10, 0.2); }) ==
        "min_learning_rate must be in [0, learning_rate = 0.1], but is 0.2.");
  CHECK(error_of([] { LrSchedule::cosine(0.1, 10, -0.01); }) ==
        "min_learning_rate must be in [0, learning_rate = 0.1], but is -0.01.");
  CHECK(error_of([] { LrSchedule::constant(0.1).with_warmup(-1); }) == "warmup_steps must be >= 0, but is -1.");
  CHECK(error_of([] { LrSchedule::constant(0.1).learning_rate(-1); }) == "step must be >= 0, but is -1.");
}

}  // namespace
}  // namespace dpt
