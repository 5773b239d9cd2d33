// Losses: finite-difference checks, per-example values against closed forms, masking.
#include <doctest/doctest.h>

#include <cmath>

#include "core/batch_layout.hpp"
#include "core/error.hpp"
#include "core/losses/loss.hpp"
#include "tests/core/gradcheck.hpp"
#include "tests/core/test_util.hpp"

using namespace dpt;
using dpt::testing::check_jacobian;
using dpt::testing::GradInput;
using dpt::testing::random_matrix;

TEST_CASE("mse_loss: per-example values and gradient") {
  const MatrixD target = random_matrix(4, 2, 30);
  std::vector<GradInput> in{{random_matrix(4, 2, 31), BatchLayout::flat(4), "pred"}};
  Tape<double> t;
  const LossResult<double> loss = mse_loss(t, t.leaf(in[0].value, in[0].layout), target);
  for (int i = 0; i < 4; ++i) {
    CHECK(loss.per_example(i) == doctest::Approx((in[0].value.row(i) - target.row(i)).squaredNorm() / 2.0).epsilon(1e-14));
  }
  CHECK(t.value(loss.total)(0, 0) == doctest::Approx(loss.per_example.sum()).epsilon(1e-14));
  CHECK_JACOBIAN(check_jacobian(in, {}, [&](Tape<double>& tp, const std::vector<Var>& v) { return mse_loss(tp, v[0], target).total; }),
                 1e-6);
  CHECK_THROWS_AS(mse_loss(t, t.leaf(in[0].value, in[0].layout), MatrixD(3, 2)), InvalidArgument);
}

TEST_CASE("mse_loss over sequences ignores padding rows") {
  const LayoutPtr layout = BatchLayout::sequence({2, 3});
  MatrixD target = random_matrix(6, 1, 32);
  std::vector<GradInput> in{{random_matrix(6, 1, 33), layout, "pred"}};
  Tape<double> t;
  const LossResult<double> a = mse_loss(t, t.leaf(in[0].value, layout), target);
  target(4, 0) = 1e6;  // row 4 = step 2 of example 0: padding
  in[0].value(4, 0) = -1e6;
  Tape<double> t2;
  const LossResult<double> b = mse_loss(t2, t2.leaf(in[0].value, layout), target);
  CHECK(a.per_example == b.per_example);
  t2.backward(b.total);
  CHECK(t2.grad(Var{0})(4, 0) == 0.0);
  CHECK_JACOBIAN(check_jacobian(in, {}, [&](Tape<double>& tp, const std::vector<Var>& v) { return mse_loss(tp, v[0], target).total; }),
                 1e-6);
}

TEST_CASE("cross_entropy_loss: classification") {
  const std::vector<int32_t> labels{2, 0, 1};
  std::vector<GradInput> in{{random_matrix(3, 4, 34, 3.0), BatchLayout::flat(3), "logits"}};
  Tape<double> t;
  const LossResult<double> loss = cross_entropy_loss(t, t.leaf(in[0].value, in[0].layout), labels);
  for (int i = 0; i < 3; ++i) {
    const auto z = in[0].value.row(i).array();
    const double expected = std::log(z.exp().sum()) - z(labels[i]);
    CHECK(loss.per_example(i) == doctest::Approx(expected).epsilon(1e-13));
  }
  CHECK_JACOBIAN(check_jacobian(in, {}, [&](Tape<double>& tp, const std::vector<Var>& v) {
                   return cross_entropy_loss(tp, v[0], labels).total;
                 }),
                 1e-6);
  SUBCASE("stable for huge logits") {
    MatrixD z(1, 3);
    z << 1000.0, -1000.0, 999.0;
    Tape<double> tz;
    const LossResult<double> l = cross_entropy_loss(tz, tz.leaf(z, BatchLayout::flat(1)), {0});
    CHECK(std::isfinite(l.per_example(0)));
    CHECK(l.per_example(0) == doctest::Approx(std::log1p(std::exp(-1.0))).epsilon(1e-12));
  }
  SUBCASE("out-of-range label is an error") {
    Tape<double> tz;
    CHECK_THROWS_AS(cross_entropy_loss(tz, tz.leaf(in[0].value, in[0].layout), {2, 0, 4}), InvalidArgument);
    CHECK_THROWS_AS(cross_entropy_loss(tz, tz.leaf(in[0].value, in[0].layout), {2, 0}), InvalidArgument);
  }
}

TEST_CASE("cross_entropy_loss: per-token LM loss with padding and ignore index") {
  const LayoutPtr layout = BatchLayout::sequence({3, 2});  // rows: t*2 + b, row 5 is padding
  std::vector<int32_t> targets{1, 0, 2, -1, 0, 7};         // row 3 ignored; row 5 padding (7 is out of range: never read)
  std::vector<GradInput> in{{random_matrix(6, 3, 35), layout, "logits"}};
  Tape<double> t;
  const LossResult<double> loss = cross_entropy_loss(t, t.leaf(in[0].value, layout), targets);
  auto token = [&](int r) {
    const auto z = in[0].value.row(r).array();
    return std::log(z.exp().sum()) - z(targets[r]);
  };
  CHECK(loss.per_example(0) == doctest::Approx((token(0) + token(2) + token(4)) / 3.0).epsilon(1e-13));
  CHECK(loss.per_example(1) == doctest::Approx(token(1)).epsilon(1e-13));  // row 3 ignored
  CHECK_JACOBIAN(check_jacobian(in, {}, [&](Tape<double>& tp, const std::vector<Var>& v) {
                   return cross_entropy_loss(tp, v[0], targets).total;
                 }),
                 1e-6);
  t.backward(loss.total);
  const MatrixD g = t.grad(Var{0});
  CHECK(g.row(3).isZero(0.0));
  CHECK(g.row(5).isZero(0.0));
}
