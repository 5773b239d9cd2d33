// Adam and AdamW against hand-computed first steps (m̂/sqrt(v̂) = sign(g) while the gradient is
// constant), the difference between Adam's L2 and AdamW's decoupled decay, convergence, and
// hyper-parameter validation.
#include "optim/adam.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <memory>

#include "optim/lr_schedule.hpp"
#include "tests/optim/quadratic.hpp"

namespace dpt {
namespace {

using test::error_of;
using test::scalar_parameter;
using test::scalar_quadratic;
using test::trajectory;

TEST_CASE("adam moves each coordinate by lr·sign(g) while the gradient is constant") {
  // With g constant, m_t = (1−β1ᵗ)·g and v_t = (1−β2ᵗ)·g², so m̂ = g, v̂ = g² and with ε = 0 the
  // step is η·g/|g|, whatever the gradient's scale.
  Parameter<double> w{"w", MatrixD{{1.0, 1.0, 1.0}}, 2};
  const MatrixD g{{1e-3, -50.0, 2.0}};
  Adam<double> opt(AdamOptions{.eps = 0.0});
  for (int t = 1; t <= 3; ++t) {
    opt.step({&w}, {g}, 0.1);
    INFO("after step " << t);
    CHECK(w.value(0, 0) == doctest::Approx(1.0 - 0.1 * t).epsilon(1e-14));
    CHECK(w.value(0, 1) == doctest::Approx(1.0 + 0.1 * t).epsilon(1e-14));
    CHECK(w.value(0, 2) == doctest::Approx(1.0 - 0.1 * t).epsilon(1e-14));
  }
}

TEST_CASE("adam follows its closed-form first steps on a quadratic") {
  // f = ½·2·p², g = 2p, p0 = 1, η = 0.1, β = (0.9, 0.999), ε = 0.
  //   t=1: g=2, m̂ = g, v̂ = g² -> p1 = 1 − 0.1·sign(2) = 0.9
  //   t=2: g=1.8, m = 0.9·0.2 + 0.1·1.8 = 0.36,   m̂ = 0.36/0.19
  //        v = 0.999·0.004 + 0.001·3.24 = 0.007236, v̂ = 0.007236/0.001999
  //        p2 = 0.9 − 0.1·(0.36/0.19)/sqrt(0.007236/0.001999) = 0.8004122276712476
  Parameter<double> w = scalar_parameter(1.0);
  Adam<double> opt(AdamOptions{.eps = 0.0});
  const std::vector<double> p = trajectory(opt, w, scalar_quadratic(2.0), 0.1, 3);
  CHECK(p[0] == doctest::Approx(0.9).epsilon(1e-15));
  CHECK(p[1] == doctest::Approx(0.9 - 0.1 * (0.36 / 0.19) / std::sqrt(0.007236 / 0.001999)).epsilon(1e-14));
  CHECK(p[1] == doctest::Approx(0.8004122276712476).epsilon(1e-14));
  CHECK(p[2] == doctest::Approx(0.7015862713876456).epsilon(1e-14));  // same recursion, t=3
}

TEST_CASE("adamw decays the weights apart from the adaptive step; adam's L2 goes through it") {
  // λ = 0.1, η = 0.1, ε = 1e-8, p0 = 1.
  SUBCASE("zero loss gradient") {
    // Adam + L2: g = λp = 0.1 is normalised away: p1 = 1 − η·0.1/(0.1 + ε) ≈ 0.9, a fixed step.
    // AdamW: p <- p·(1 − ηλ) = 0.99·p, then m = v = 0 and the adaptive step is exactly 0.
    Parameter<double> a = scalar_parameter(1.0);
    Parameter<double> b = scalar_parameter(1.0);
    Adam<double> adam(AdamOptions{.weight_decay = 0.1});
    AdamW<double> adamw(AdamOptions{.weight_decay = 0.1});
    const auto flat = scalar_quadratic(0.0);
    const std::vector<double> pa = trajectory(adam, a, flat, 0.1, 3);
    const std::vector<double> pb = trajectory(adamw, b, flat, 0.1, 3);
    CHECK(pa[0] == doctest::Approx(0.9).epsilon(1e-7));
    CHECK(pa[1] == doctest::Approx(0.8004122480821506).epsilon(1e-14));
    CHECK(pa[2] == doctest::Approx(0.7015863025553359).epsilon(1e-14));
    CHECK(pb[0] == 0.99);
    CHECK(pb[1] == 0.99 * 0.99);
    CHECK(pb[2] == 0.99 * 0.99 * 0.99);
  }
  SUBCASE("on the quadratic g = 2p") {
    // Adam + L2: g = 2 + 0.1 = 2.1 -> p1 = 1 − 0.1·2.1/(2.1 + ε) ≈ 0.9.
    // AdamW: the gradient is taken at p0 (g = 2), p <- 0.99, then − 0.1·2/(2 + ε): p1 ≈ 0.89.
    Parameter<double> a = scalar_parameter(1.0);
    Parameter<double> b = scalar_parameter(1.0);
    Adam<double> adam(AdamOptions{.weight_decay = 0.1});
    AdamW<double> adamw(AdamOptions{.weight_decay = 0.1});
    const auto q = scalar_quadratic(2.0);
    const std::vector<double> pa = trajectory(adam, a, q, 0.1, 2);
    const std::vector<double> pb = trajectory(adamw, b, q, 0.1, 2);
    CHECK(pa[0] == doctest::Approx(0.9000000004761904).epsilon(1e-14));
    CHECK(pa[1] == doctest::Approx(0.8004122286431954).epsilon(1e-14));
    CHECK(pb[0] == doctest::Approx(0.8900000004999999).epsilon(1e-14));
    CHECK(pb[1] == doctest::Approx(0.7815718559365048).epsilon(1e-14));
  }
  SUBCASE("without weight decay, adam and adamw are the same update") {
    Parameter<double> a = scalar_parameter(1.0);
    Parameter<double> b = scalar_parameter(1.0);
    Adam<double> adam;
    AdamW<double> adamw(AdamOptions{.weight_decay = 0.0});
    const auto q = scalar_quadratic(2.0);
    CHECK(trajectory(adam, a, q, 0.1, 5) == trajectory(adamw, b, q, 0.1, 5));
  }
}

TEST_CASE("adamw defaults to torch's weight_decay 0.01") {
  AdamW<double> opt;
  CHECK(opt.options().weight_decay == 0.01);
  CHECK(opt.options().beta1 == 0.9);
  CHECK(opt.options().beta2 == 0.999);
  CHECK(opt.options().eps == 1e-8);
  CHECK(opt.kind() == "adamw");
  CHECK(Adam<double>().options().weight_decay == 0.0);
}

TEST_CASE("adam converges on a badly conditioned quadratic under a cosine schedule") {
  // f = ½(1·(p0 − 3)² + 100·(p1 + 2)²). With a constant rate Adam hovers at distance ~η; the
  // cosine decay to 0 lets it settle.
  test::Quadratic<double> q{MatrixD{{1.0, 100.0}}, MatrixD{{3.0, -2.0}}};
  const LrSchedule schedule = LrSchedule::cosine(0.1, 2000).with_warmup(20);
  for (bool decoupled : {false, true}) {
    INFO((decoupled ? "adamw" : "adam"));
    Parameter<double> w{"w", MatrixD::Zero(1, 2), 2};
    std::unique_ptr<Optimizer<double>> opt;
    if (decoupled) {
      opt = std::make_unique<AdamW<double>>(AdamOptions{.weight_decay = 0.0});
    } else {
      opt = std::make_unique<Adam<double>>();
    }
    for (int64_t s = 0; s < 2020; ++s) opt->step({&w}, {q.gradient(w.value)}, schedule.learning_rate(s));
    CHECK((w.value - q.c).norm() < 1e-3);
  }
}

TEST_CASE("adam rejects bad hyper-parameters, naming the field") {
  CHECK(error_of([] { Adam<double>(AdamOptions{.beta1 = 1.5}); }) == "beta1 must be in [0, 1), but is 1.5.");
  CHECK(error_of([] { Adam<double>(AdamOptions{.beta1 = -0.5}); }) == "beta1 must be in [0, 1), but is -0.5.");
  CHECK(error_of([] { AdamW<double>(AdamOptions{.beta2 = 1.0}); }) == "beta2 must be in [0, 1), but is 1.");
  CHECK(error_of([] { Adam<double>(AdamOptions{.eps = -1e-8}); }) ==
        "eps must be finite and non-negative, but is -1e-08.");
  CHECK(error_of([] { AdamW<double>(AdamOptions{.weight_decay = -0.01}); }) ==
        "weight_decay must be finite and non-negative, but is -0.01.");
  CHECK(error_of([] { Adam<double>(AdamOptions{.weight_decay = std::nan("")}); }) ==
        "weight_decay must be finite and non-negative, but is nan.");
}

}  // namespace
}  // namespace dpt
