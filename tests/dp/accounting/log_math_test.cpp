// Log-space helpers: log_erfc against mpmath (50 digits) across std::erfc's range and the
// asymptotic expansion's, continuity at the switch, log-add/sub, and the signed log-sum.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/log_math.hpp"
#include "tests/dp/accounting/test_helpers.hpp"

using namespace dpt;
using dpt::testing::rel_diff;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

TEST_CASE("log_erfc matches mpmath from the bulk to far in the tail") {
  // log(erfc(x)), mpmath 1.3.0 at 40 digits.
  const struct {
    double x, expected;
  } rows[] = {
      {-30.0, 0.69314718055994530942}, {-3.0, 0.69313613525044681032},   {0.5, -0.73501112983708440303},
      {5.0, -27.200889545537434422},   {19.99, -403.16894445224994344},  {20.0, -403.56934333410423496},
      {20.01, -403.96994196781421387}, {26.0, -679.83119976319423026},   {30.0, -903.97411711064387808},
      {100.0, -10005.177585122664333}, {1000.0, -1000007.4801207219062}, {1e5, -10000000012.085290408},
  };
  double worst = 0.0;
  for (const auto& r : rows) {
    const double rel = rel_diff(log_erfc(r.x), r.expected);
    CHECK_MESSAGE(rel < 1e-14, "x = ", r.x, ": ", log_erfc(r.x), " vs ", r.expected);
    worst = std::max(worst, rel);
  }
  CHECK(log_erfc(0.0) == 0.0);
  MESSAGE("log_erfc worst relative error vs mpmath: ", worst);
}

TEST_CASE("log_erfc: the asymptotic branch agrees with std::erfc where both are representable") {
  for (double x = 20.0; x < 26.5; x += 0.25) {
    const double direct = std::log(std::erfc(x));
    CHECK_MESSAGE(rel_diff(log_erfc(x), direct) < 1e-14, "x = ", x);
  }
  CHECK(std::isfinite(log_erfc(1e150)));
  CHECK(log_erfc(1e300) == -kInf);  // erfc underflows to 0 (x^2 overflows): log 0, never NaN
}

TEST_CASE("log_add and log_sub") {
  CHECK(log_add(std::log(2.0), std::log(3.0)) == doctest::Approx(std::log(5.0)).epsilon(1e-15));
  CHECK(log_add(-kInf, 1.5) == 1.5);
  CHECK(log_add(1000.0, 1000.0) == doctest::Approx(1000.0 + std::log(2.0)).epsilon(1e-15));
  CHECK(log_sub(std::log(5.0), std::log(3.0)) == doctest::Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(log_sub(1.0, -kInf) == 1.0);
  CHECK(log_sub(2.0, 2.0) == -kInf);
  CHECK_THROWS_AS(log_sub(1.0, 2.0), AccountingError);
}

TEST_CASE("log_expm1 and log1p_exp keep precision at both ends") {
  CHECK(log_expm1(1e-20) == doctest::Approx(std::log(1e-20)).epsilon(1e-15));
  CHECK(log_expm1(1000.0) == doctest::Approx(1000.0).epsilon(1e-15));
  CHECK(log_expm1(0.0) == -kInf);
  CHECK(log1p_exp(-50.0) == doctest::Approx(std::exp(-50.0)).epsilon(1e-15));
  CHECK(log1p_exp(800.0) == doctest::Approx(800.0).epsilon(1e-15));
}

TEST_CASE("SignedLogSum: cancellation, sign changes, huge and tiny terms") {
  SUBCASE("alternating harmonic series") {
    SignedLogSum s;
    double direct = 0.0;
    for (int k = 1; k <= 1000; ++k) {
      s.add(-std::log(static_cast<double>(k)), k % 2 ? 1 : -1);
      direct += (k % 2 ? 1.0 : -1.0) / k;
    }
    CHECK(s.sign() == 1);
    CHECK(std::exp(s.log_abs()) == doctest::Approx(direct).epsilon(1e-14));
  }
  SUBCASE("terms far beyond the double range") {
    SignedLogSum s;
    s.add(5000.0, 1);
    s.add(5000.0 + std::log(3.0), -1);
    CHECK(s.sign() == -1);
    CHECK(s.log_abs() == doctest::Approx(5000.0 + std::log(2.0)).epsilon(1e-15));
  }
  SUBCASE("exact cancellation") {
    SignedLogSum s;
    s.add(1.0, 1);
    s.add(1.0, -1);
    CHECK(s.sign() == 0);
    CHECK(s.log_abs() == -kInf);
  }
}
