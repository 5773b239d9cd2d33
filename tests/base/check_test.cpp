// base/check.hpp: each check's condition (NaN and infinities included) and its message,
// "<name> must be <requirement>, but is <value>.", thrown as the caller's exception type.
#include "base/check.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

class TestError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The message `f` throws as TestError ("" if it does not throw).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const TestError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("must_be_message has google/dp's shape") {
  CHECK(must_be_message("sigma", "finite and > 0", "-1") == "sigma must be finite and > 0, but is -1.");
}

TEST_CASE("check_finite_non_negative accepts [0, inf) and refuses the rest, NaN included") {
  CHECK(error_of([] { check_finite_non_negative<TestError>(0.0, "sigma"); }).empty());
  CHECK(error_of([] { check_finite_non_negative<TestError>(2.5, "sigma"); }).empty());
  CHECK(error_of([] { check_finite_non_negative<TestError>(-1.0, "sigma"); }) ==
        "sigma must be finite and non-negative, but is -1.");
  CHECK(error_of([] { check_finite_non_negative<TestError>(kInf, "sigma"); }) ==
        "sigma must be finite and non-negative, but is inf.");
  CHECK(error_of([] { check_finite_non_negative<TestError>(kNaN, "sigma"); }) ==
        "sigma must be finite and non-negative, but is nan.");
}

TEST_CASE("check_finite_positive and check_finite_above exclude the bound") {
  CHECK(error_of([] { check_finite_positive<TestError>(1e-300, "clip_norm"); }).empty());
  CHECK(error_of([] { check_finite_positive<TestError>(0.0, "clip_norm"); }) ==
        "clip_norm must be finite and > 0, but is 0.");
  CHECK(error_of([] { check_finite_positive<TestError>(-kInf, "clip_norm"); }) ==
        "clip_norm must be finite and > 0, but is -inf.");
  CHECK(error_of([] { check_finite_above<TestError>(1.0, 1.0, "order"); }) == "order must be finite and > 1, but is 1.");
  CHECK(error_of([] { check_finite_above<TestError>(kInf, 1.0, "order"); }) == "order must be finite and > 1, but is inf.");
  CHECK(error_of([] { check_finite_above<TestError>(1.5, 1.0, "order"); }).empty());
}

TEST_CASE("check_at_least and check_at_most include the bound, for integers and doubles") {
  CHECK(error_of([] { check_at_least<TestError>(int64_t{1}, 1, "count"); }).empty());
  CHECK(error_of([] { check_at_least<TestError>(int64_t{0}, 1, "count"); }) == "count must be >= 1, but is 0.");
  CHECK(error_of([] { check_at_least<TestError>(-3, 0, "warmup_steps"); }) == "warmup_steps must be >= 0, but is -3.");
  CHECK(error_of([] { check_at_least<TestError>(kInf, 0.0, "mu"); }).empty());
  CHECK(error_of([] { check_at_least<TestError>(kNaN, 0.0, "mu"); }) == "mu must be >= 0, but is nan.");
  CHECK(error_of([] { check_at_most<TestError>(1e9, 10000.0, "order"); }) == "order must be <= 10000, but is 1e+09.");
  CHECK(error_of([] { check_at_most<TestError>(10000.0, 10000.0, "order"); }).empty());
}

TEST_CASE("check_in: each kind of interval, its notation, and NaN refused") {
  SUBCASE("closed") {
    CHECK(error_of([] { check_in<TestError>(0.0, Bounds::closed(0.0, 1.0), "q"); }).empty());
    CHECK(error_of([] { check_in<TestError>(1.0, Bounds::closed(0.0, 1.0), "q"); }).empty());
    CHECK(error_of([] { check_in<TestError>(1.5, Bounds::closed(0.0, 1.0), "q"); }) == "q must be in [0, 1], but is 1.5.");
  }
  SUBCASE("open") {
    CHECK(error_of([] { check_in<TestError>(0.0, Bounds::open(0.0, 1.0), "delta"); }) ==
          "delta must be in (0, 1), but is 0.");
    CHECK(error_of([] { check_in<TestError>(1.0, Bounds::open(0.0, 1.0), "delta"); }) ==
          "delta must be in (0, 1), but is 1.");
  }
  SUBCASE("left open (lo, hi]") {
    CHECK(error_of([] { check_in<TestError>(1.0, Bounds::left_open(0.0, 1.0), "q"); }).empty());
    CHECK(error_of([] { check_in<TestError>(0.0, Bounds::left_open(0.0, 1.0), "q"); }) == "q must be in (0, 1], but is 0.");
  }
  SUBCASE("right open [lo, hi)") {
    CHECK(error_of([] { check_in<TestError>(0.0, Bounds::right_open(0.0, 1.0), "momentum"); }).empty());
    CHECK(error_of([] { check_in<TestError>(1.0, Bounds::right_open(0.0, 1.0), "momentum"); }) ==
          "momentum must be in [0, 1), but is 1.");
  }
  SUBCASE("NaN and infinities") {
    CHECK(error_of([] { check_in<TestError>(kNaN, Bounds::closed(-kInf, kInf), "x"); }) ==
          "x must be in [-inf, inf], but is nan.");
    CHECK(error_of([] { check_in<TestError>(kInf, Bounds::closed(0.0, 1e-6), "t"); }) ==
          "t must be in [0, 1e-06], but is inf.");
  }
}

TEST_CASE("check_that carries any requirement; DPT_BASE_CHECK any message; both evaluate lazily") {
  CHECK(error_of([] { check_that<TestError>(false, "max_bins", "in [1024, 2^26]", int64_t{5}); }) ==
        "max_bins must be in [1024, 2^26], but is 5.");
  CHECK(error_of([] { check_that<TestError>(true, "max_bins", "in [1024, 2^26]", int64_t{5}); }).empty());
  int evaluated = 0;
  const auto message = [&] {
    ++evaluated;
    return std::string("orders must not be empty.");
  };
  CHECK(error_of([&] { DPT_BASE_CHECK(TestError, true, message()); }).empty());
  CHECK(evaluated == 0);
  CHECK(error_of([&] { DPT_BASE_CHECK(TestError, false, message()); }) == "orders must not be empty.");
  CHECK(evaluated == 1);
}

}  // namespace
}  // namespace dpt
