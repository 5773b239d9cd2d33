// SGD, momentum, Nesterov and weight decay against hand-computed trajectories on the quadratic
// f(p) = ½·2·p² (gradient 2p) from p0 = 1 at η = 0.1, and their hyper-parameter validation.
#include "optim/sgd.hpp"

#include <doctest/doctest.h>

#include "tests/optim/quadratic.hpp"

namespace dpt {
namespace {

using test::error_of;
using test::scalar_parameter;
using test::scalar_quadratic;
using test::trajectory;

void check_trajectory(const std::vector<double>& got, const std::vector<double>& expected) {
  REQUIRE(got.size() == expected.size());
  for (size_t s = 0; s < got.size(); ++s) {
    INFO("after step " << s + 1);
    CHECK(got[s] == doctest::Approx(expected[s]).epsilon(1e-14));
  }
}

TEST_CASE("sgd follows its closed-form trajectory on a quadratic") {
  Parameter<double> w = scalar_parameter(1.0);
  const auto q = scalar_quadratic(2.0);

  SUBCASE("plain: p <- p - 0.1·2p = 0.8·p") {
    Sgd<double> opt;
    check_trajectory(trajectory(opt, w, q, 0.1, 3), {0.8, 0.64, 0.512});
  }
  SUBCASE("momentum 0.9: the first buffer is the gradient itself") {
    // g=2, b=2, p=1-0.2=0.8; g=1.6, b=1.8+1.6=3.4, p=0.8-0.34=0.46; g=0.92, b=3.06+0.92=3.98, p=0.062
    Sgd<double> opt(SgdOptions{.momentum = 0.9});
    check_trajectory(trajectory(opt, w, q, 0.1, 3), {0.8, 0.46, 0.062});
  }
  SUBCASE("nesterov 0.9: step along g + μ·b") {
    // g=2, b=2, d=2+1.8=3.8, p=0.62; g=1.24, b=1.8+1.24=3.04, d=1.24+2.736=3.976, p=0.2224;
    // g=0.4448, b=2.736+0.4448=3.1808, d=0.4448+2.86272=3.30752, p=-0.108352
    Sgd<double> opt(SgdOptions{.momentum = 0.9, .nesterov = true});
    check_trajectory(trajectory(opt, w, q, 0.1, 3), {0.62, 0.2224, -0.108352});
  }
  SUBCASE("weight decay 0.5 adds 0.5·p to the gradient") {
    // g = 2p + 0.5p = 2.5p, p <- 0.75·p
    Sgd<double> opt(SgdOptions{.weight_decay = 0.5});
    check_trajectory(trajectory(opt, w, q, 0.1, 3), {0.75, 0.5625, 0.421875});
  }
  SUBCASE("weight decay enters the momentum buffer") {
    // g=2.5, b=2.5, p=0.75; g=1.875, b=2.25+1.875=4.125, p=0.75-0.4125=0.3375
    Sgd<double> opt(SgdOptions{.momentum = 0.9, .weight_decay = 0.5});
    check_trajectory(trajectory(opt, w, q, 0.1, 2), {0.75, 0.3375});
  }
}

TEST_CASE("sgd uses the learning rate passed to each step") {
  Parameter<double> w = scalar_parameter(1.0);
  Sgd<double> opt;
  opt.step({&w}, {MatrixD::Constant(1, 1, 1.0)}, 0.5);
  opt.step({&w}, {MatrixD::Constant(1, 1, 1.0)}, 0.25);
  opt.step({&w}, {MatrixD::Constant(1, 1, 1.0)}, 0.0);
  CHECK(w.value(0, 0) == 0.25);
  CHECK(opt.steps_taken() == 3);
}

TEST_CASE("sgd converges on a badly conditioned quadratic") {
  // f = ½(1·(p0 − 3)² + 10·(p1 + 2)²); stable for η < 2/10.
  test::Quadratic<double> q{MatrixD{{1.0, 10.0}}, MatrixD{{3.0, -2.0}}};
  struct Variant {
    const char* name;
    SgdOptions options;
    double lr;
  };
  for (const Variant& v : {Variant{"plain", {}, 0.15}, Variant{"momentum", {.momentum = 0.5}, 0.1},
                           Variant{"nesterov", {.momentum = 0.5, .nesterov = true}, 0.1}}) {
    INFO(v.name);
    Parameter<double> w{"w", MatrixD::Zero(1, 2), 2};
    Sgd<double> opt(v.options);
    for (int s = 0; s < 400; ++s) opt.step({&w}, {q.gradient(w.value)}, v.lr);
    CHECK((w.value - q.c).norm() < 1e-10);
  }
}

TEST_CASE("sgd rejects bad hyper-parameters, naming the field") {
  SUBCASE("momentum") {
    CHECK(error_of([] { Sgd<double>(SgdOptions{.momentum = 1.5}); }) == "momentum must be in [0, 1), but is 1.5.");
    CHECK(error_of([] { Sgd<double>(SgdOptions{.momentum = -0.1}); }) == "momentum must be in [0, 1), but is -0.1.");
    CHECK(error_of([] { Sgd<double>(SgdOptions{.momentum = 1.0}); }) == "momentum must be in [0, 1), but is 1.");
    CHECK(error_of([] { Sgd<double>(SgdOptions{.momentum = std::nan("")}); }) ==
          "momentum must be in [0, 1), but is nan.");
  }
  SUBCASE("nesterov without momentum") {
    CHECK(error_of([] { Sgd<double>(SgdOptions{.nesterov = true}); }) ==
          "nesterov needs momentum > 0, but momentum is 0.");
  }
  SUBCASE("weight_decay") {
    CHECK(error_of([] { Sgd<double>(SgdOptions{.weight_decay = -1.0}); }) ==
          "weight_decay must be finite and non-negative, but is -1.");
    CHECK(error_of([] { Sgd<double>(SgdOptions{.weight_decay = HUGE_VAL}); }) ==
          "weight_decay must be finite and non-negative, but is inf.");
  }
  SUBCASE("learning_rate, at each step") {
    Parameter<double> w = scalar_parameter(1.0);
    Sgd<double> opt;
    CHECK(error_of([&] { opt.step({&w}, {MatrixD::Ones(1, 1)}, -0.1); }) ==
          "learning_rate must be finite and non-negative, but is -0.1.");
    CHECK(error_of([&] { opt.step({&w}, {MatrixD::Ones(1, 1)}, std::nan("")); }) ==
          "learning_rate must be finite and non-negative, but is nan.");
    CHECK(w.value(0, 0) == 1.0);
    CHECK(opt.steps_taken() == 0);
  }
}

}  // namespace
}  // namespace dpt
