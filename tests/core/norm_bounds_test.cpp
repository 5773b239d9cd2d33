// The rounding-error bounds of core/per_example/norm_bounds.hpp at their edges: every result is
// >= the exact value it bounds, also for rows wide enough that float's γ_d has no bound, squares
// that overflow or underflow float, and computed values that contradict the analysis.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/per_example/norm_bounds.hpp"
#include "core/tensor.hpp"

using namespace dpt;
namespace nb = dpt::norm_bounds;

TEST_CASE("round_up never rounds down, and fails closed where gamma has no bound") {
  for (const double x : {0.0, 1e-300, 1.0, 3.0e100}) {
    CHECK(nb::round_up(x, 1.0) > x);
    CHECK(nb::round_up(x, 1e6) > x);
  }
  CHECK(nb::round_up(2.0, 1e6) <= 2.0 * (1.0 + 1e-9));             // tight: 2 γ_k is 2.2e-10 here
  CHECK(std::isinf(nb::round_up(2.0, 0x1.0p52)));                   // γ_k unbounded: +inf, not a small number
  CHECK(std::isnan(nb::round_up(std::nan(""), 1.0)));
  CHECK(std::isinf(nb::gamma(0x1.0p23, nb::unit_roundoff<float>())));
}

TEST_CASE("sq_norm_up bounds the exact squared norm at every edge of float") {
  SUBCASE("a row wider than float's gamma_d can bound (8,388,607 entries) goes to double") {
    const Index d = (Index{1} << 23) - 1;
    const MatrixF x = MatrixF::Ones(1, d);
    const double bound = nb::sq_norm_up(x);
    CHECK(bound >= static_cast<double>(d));
    CHECK(bound <= static_cast<double>(d) * (1.0 + 1e-6));
  }
  SUBCASE("squares that overflow float are summed in double") {
    MatrixF x = MatrixF::Constant(2, 5, 1e20f);
    const double exact = 10.0 * static_cast<double>(1e20f) * static_cast<double>(1e20f);
    CHECK(std::isfinite(nb::sq_norm_up(x)));
    CHECK(nb::sq_norm_up(x) >= exact);
  }
  SUBCASE("squares that underflow float still count") {
    const MatrixF x = MatrixF::Constant(3, 7, 1e-30f);  // 1e-60 is below float's smallest subnormal
    const double exact = 21.0 * static_cast<double>(1e-30f) * static_cast<double>(1e-30f);
    CHECK(nb::sq_norm_up(x) >= exact);
    CHECK(nb::norm_up(x) >= std::sqrt(exact));
  }
  SUBCASE("an ordinary block is bounded tightly") {
    MatrixF x(4, 9);
    for (Index k = 0; k < x.size(); ++k) x.data()[k] = static_cast<float>(std::sin(static_cast<double>(k)) * 3.0);
    const double exact = x.cast<double>().squaredNorm();
    CHECK(nb::sq_norm_up(x) >= exact);
    CHECK(nb::sq_norm_up(x) <= exact * (1.0 + 2e-6));
  }
}

TEST_CASE("a bound the analysis contradicts falls back to the triangle bound, a non-finite input stays non-finite") {
  const double U = 5.0;
  CHECK(nb::ghost_sq_bound(-1e6, U, 1.0, 1.0, 2.0, 3.0, 3.0) >= U * U);     // negative Ŝ + E: U²
  CHECK(nb::ghost_sq_bound(std::nan(""), U, 1.0, 1.0, 2.0, 3.0, 3.0) >= U * U);
  CHECK(nb::ghost_sq_bound(1e9, U, 1.0, 1.0, 2.0, 3.0, 3.0) >= U * U);      // above U²: U² is the tighter bound
  CHECK(nb::ghost_sq_bound(1e9, U, 1.0, 1.0, 2.0, 3.0, 3.0) <= U * U * (1.0 + 1e-12));
  CHECK(nb::sq_from_norm_bounds(std::numeric_limits<double>::infinity(), U) >= U * U);
  CHECK(nb::sq_from_norm_bounds(-1.0, U) >= U * U);
  CHECK(std::isnan(nb::sq_from_norm_bounds(1.0, std::nan(""))));
  CHECK(std::isinf(nb::sq_from_norm_bounds(1.0, std::numeric_limits<double>::infinity())));
  // The materialised bound adds the GEMM's error: never below the computed norm.
  const double err = 64.0 * nb::unit_roundoff<float>() * 100.0;  // >= 64 u U, below γ_64 U
  CHECK(nb::materialised_sq_bound<float>(2.0, 100.0, 64.0, 1e4) >= (2.0 + err) * (2.0 + err));
}
