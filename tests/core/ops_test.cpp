// Finite-difference checks (double, whole Jacobians, relative error <= 1e-6) of every op.
#include <doctest/doctest.h>

#include "core/batch_layout.hpp"
#include "core/error.hpp"
#include "core/ops/elementwise.hpp"
#include "core/ops/linalg.hpp"
#include "core/ops/param_ops.hpp"
#include "core/ops/pooling.hpp"
#include "tests/core/gradcheck.hpp"
#include "tests/core/test_util.hpp"

using namespace dpt;
using dpt::testing::check_jacobian;
using dpt::testing::GradInput;
using dpt::testing::random_matrix;

namespace {
constexpr double kOpTolerance = 1e-6;
}

TEST_CASE("matmul: Jacobian matches finite differences") {
  std::vector<GradInput> in{{random_matrix(3, 4, 1), BatchLayout::flat(3), "a"},
                            {random_matrix(4, 2, 2), BatchLayout::flat(4), "b"}};
  CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& t, const std::vector<Var>& v) { return matmul(t, v[0], v[1]); }),
                 kOpTolerance);
}

TEST_CASE("add: same shape and bias broadcast") {
  SUBCASE("same shape") {
    std::vector<GradInput> in{{random_matrix(3, 4, 3), BatchLayout::flat(3), "a"},
                              {random_matrix(3, 4, 4), BatchLayout::flat(3), "b"}};
    CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& t, const std::vector<Var>& v) { return add(t, v[0], v[1]); }),
                   kOpTolerance);
  }
  SUBCASE("row broadcast") {
    std::vector<GradInput> in{{random_matrix(3, 4, 5), BatchLayout::flat(3), "a"},
                              {random_matrix(1, 4, 6), BatchLayout::flat(1), "b"}};
    CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& t, const std::vector<Var>& v) { return add(t, v[0], v[1]); }),
                   kOpTolerance);
  }
  SUBCASE("a shape mismatch is an error") {
    Tape<double> t;
    Var a = t.leaf(random_matrix(3, 4, 1), BatchLayout::flat(3));
    Var b = t.leaf(random_matrix(2, 4, 1), BatchLayout::flat(2));
    CHECK_THROWS_AS(add(t, a, b), InvalidArgument);
  }
}

TEST_CASE("elementwise ops: mul, sigmoid, tanh, scale") {
  std::vector<GradInput> in{{random_matrix(3, 5, 7), BatchLayout::flat(3), "a"},
                            {random_matrix(3, 5, 8), BatchLayout::flat(3), "b"}};
  SUBCASE("mul") {
    CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& t, const std::vector<Var>& v) { return mul(t, v[0], v[1]); }),
                   kOpTolerance);
  }
  SUBCASE("sigmoid") {
    CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& t, const std::vector<Var>& v) { return sigmoid(t, v[0]); }),
                   kOpTolerance);
  }
  SUBCASE("tanh") {
    CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& t, const std::vector<Var>& v) { return tanh(t, v[1]); }),
                   kOpTolerance);
  }
  SUBCASE("scale") {
    CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& t, const std::vector<Var>& v) { return scale(t, v[0], -2.5); }),
                   kOpTolerance);
  }
  SUBCASE("a value used twice accumulates both paths") {
    CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& t, const std::vector<Var>& v) {
                     return mul(t, sigmoid(t, v[0]), tanh(t, v[0]));
                   }),
                   kOpTolerance);
  }
}

TEST_CASE("concat_cols and slice_cols") {
  std::vector<GradInput> in{{random_matrix(3, 2, 9), BatchLayout::flat(3), "a"},
                            {random_matrix(3, 3, 10), BatchLayout::flat(3), "b"}};
  CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& t, const std::vector<Var>& v) {
                   Var c = concat_cols(t, {v[0], v[1], v[0]});
                   return tanh(t, slice_cols(t, c, 1, 5));
                 }),
                 kOpTolerance);
  Tape<double> t;
  Var a = t.leaf(random_matrix(3, 2, 1), BatchLayout::flat(3));
  CHECK_THROWS_AS(slice_cols(t, a, 1, 2), InvalidArgument);
}

TEST_CASE("dropout: seeded mask, inverted scaling, exact gradient") {
  const MatrixD x = random_matrix(20, 30, 11);
  Tape<double> t1, t2, t3;
  const MatrixD y1 = t1.value(dropout(t1, t1.leaf(x, BatchLayout::flat(20)), 0.25, 42));
  const MatrixD y2 = t2.value(dropout(t2, t2.leaf(x, BatchLayout::flat(20)), 0.25, 42));
  const MatrixD y3 = t3.value(dropout(t3, t3.leaf(x, BatchLayout::flat(20)), 0.25, 43));
  CHECK(y1 == y2);   // same seed, same mask
  CHECK(y1 != y3);   // different seed, different mask
  int kept = 0;
  for (Index k = 0; k < x.size(); ++k) {
    const bool keep = y1.data()[k] != 0.0;
    kept += keep;
    if (keep) CHECK(y1.data()[k] == doctest::Approx(x.data()[k] / 0.75).epsilon(1e-15));
  }
  CHECK(kept == doctest::Approx(0.75 * 600).epsilon(0.1));  // 600 draws: well within 10%
  std::vector<GradInput> in{{random_matrix(4, 5, 12), BatchLayout::flat(4), "x"}};
  CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& t, const std::vector<Var>& v) { return dropout(t, v[0], 0.5, 7); }),
                 kOpTolerance);
  Tape<double> t;
  CHECK_THROWS_AS(dropout(t, t.leaf(x, BatchLayout::flat(20)), 1.0, 1), InvalidArgument);
}

TEST_CASE("pooling over padded sequences") {
  const LayoutPtr layout = BatchLayout::sequence({3, 1, 2});
  std::vector<GradInput> in{{random_matrix(9, 4, 13), layout, "x"}};
  SUBCASE("last valid step") {
    Tape<double> t;
    const MatrixD y = t.value(last_valid_step(t, t.leaf(in[0].value, layout)));
    CHECK(y.row(0) == in[0].value.row(2 * 3 + 0));
    CHECK(y.row(1) == in[0].value.row(0 * 3 + 1));
    CHECK(y.row(2) == in[0].value.row(1 * 3 + 2));
    CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& tp, const std::vector<Var>& v) { return last_valid_step(tp, v[0]); }),
                   kOpTolerance);
  }
  SUBCASE("masked mean") {
    Tape<double> t;
    const MatrixD y = t.value(masked_mean(t, t.leaf(in[0].value, layout)));
    const MatrixD& x = in[0].value;
    CHECK((y.row(0) - (x.row(0) + x.row(3) + x.row(6)) / 3.0).norm() < 1e-15);
    CHECK((y.row(2) - (x.row(2) + x.row(5)) / 2.0).norm() < 1e-15);
    CHECK_JACOBIAN(check_jacobian(in, {}, [](Tape<double>& tp, const std::vector<Var>& v) { return masked_mean(tp, v[0]); }),
                   kOpTolerance);
  }
}

TEST_CASE("parameter ops: linear, add_bias, embedding lookup") {
  Parameter<double> W{"w", random_matrix(3, 4, 14), 2};
  Parameter<double> b{"b", random_matrix(1, 3, 15), 1};
  SUBCASE("linear with bias: inputs and parameters") {
    std::vector<GradInput> in{{random_matrix(5, 4, 16), BatchLayout::flat(5), "x"}};
    CHECK_JACOBIAN(check_jacobian(in, {&W, &b}, [&](Tape<double>& t, const std::vector<Var>& v) { return linear(t, v[0], W, &b); }),
                   kOpTolerance);
  }
  SUBCASE("tied weight used twice") {
    Parameter<double> S{"s", random_matrix(4, 4, 17), 2};
    std::vector<GradInput> in{{random_matrix(5, 4, 18), BatchLayout::flat(5), "x"}};
    CHECK_JACOBIAN(check_jacobian(in, {&S}, [&](Tape<double>& t, const std::vector<Var>& v) {
                     return linear(t, tanh(t, linear(t, v[0], S, nullptr)), S, nullptr);
                   }),
                   kOpTolerance);
  }
  SUBCASE("add_bias") {
    std::vector<GradInput> in{{random_matrix(5, 3, 19), BatchLayout::flat(5), "x"}};
    CHECK_JACOBIAN(check_jacobian(in, {&b}, [&](Tape<double>& t, const std::vector<Var>& v) { return add_bias(t, v[0], b); }),
                   kOpTolerance);
  }
  SUBCASE("embedding lookup with repeated ids") {
    Parameter<double> E{"e", random_matrix(6, 3, 20), 2};
    auto ids = std::make_shared<const std::vector<int32_t>>(std::vector<int32_t>{1, 4, 1, 0, 5});
    std::vector<GradInput> none;
    CHECK_JACOBIAN(check_jacobian(none, {&E}, [&](Tape<double>& t, const std::vector<Var>&) {
                     return tanh(t, embedding_lookup(t, ids, E, BatchLayout::flat(5)));
                   }),
                   kOpTolerance);
    Tape<double> t;
    auto bad = std::make_shared<const std::vector<int32_t>>(std::vector<int32_t>{1, 6, 1, 0, 5});
    CHECK_THROWS_AS(embedding_lookup(t, bad, E, BatchLayout::flat(5)), InvalidArgument);
  }
  SUBCASE("a feature-count mismatch names the parameter") {
    Tape<double> t;
    Var x = t.leaf(random_matrix(5, 2, 1), BatchLayout::flat(5));
    try {
      linear(t, x, W, &b);
      FAIL("expected an error");
    } catch (const InvalidArgument& e) {
      CHECK(std::string(e.what()).find("w:") != std::string::npos);
    }
  }
}
