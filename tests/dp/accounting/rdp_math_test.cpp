// RDP of one step of the Poisson-subsampled Gaussian (Mironov, Talwar & Zhang 2019): closed
// forms, the integer and fractional expansions against each other and against mpmath, monotonicity,
// no overflow over the design's range, and errors naming the parameter.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "dp/accounting/rdp_math.hpp"
#include "tests/dp/accounting/test_helpers.hpp"

using namespace dpt;
using dpt::testing::rel_diff;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

TEST_CASE("rdp: closed forms at q = 1, q = 0 and sigma = 0") {
  for (const double alpha : {1.1, 1.5, 2.0, 7.3, 64.0, 1024.0}) {
    for (const double sigma : {0.3, 1.0, 10.0}) {
      CHECK(rdp_poisson_subsampled_gaussian(1.0, sigma, alpha) == alpha / (2.0 * sigma * sigma));
      CHECK(rdp_gaussian(sigma, alpha) == alpha / (2.0 * sigma * sigma));
      CHECK(rdp_poisson_subsampled_gaussian(0.0, sigma, alpha) == 0.0);
    }
    CHECK(rdp_poisson_subsampled_gaussian(0.01, 0.0, alpha) == kInf);
    CHECK(rdp_gaussian(0.0, alpha) == kInf);
  }
}

TEST_CASE("rdp: extra mpmath values, including tiny RDP and q near 1/2") {
  // 50-digit quadrature of A - 1 = E_mu0[L^a - 1 - a(L - 1)] (positive integrand), mpmath 1.3.0.
  const struct {
    double q, sigma, alpha, expected, tolerance;
  } rows[] = {
      {1e-6, 100.0, 1.1, 5.500275008671829999e-17, 1e-12},
      {1e-6, 100.0, 1.5, 7.5003750121252618235e-17, 1e-12},
      {1e-4, 10.0, 3.7, 1.8592840974391523043e-10, 1e-12},
      {0.3, 3.0, 2.5, 0.013315627064906435612, 1e-12},
      {0.5, 1.0, 1.1, 0.15613047568549298409, 1e-12},
      {0.99, 3.0, 1.7, 0.092635024067931562018, 1e-12},
      {0.49, 30.0, 1.5, 0.00020014002516100731653, 1e-11},
      // q = 1/2, sigma = 100, alpha = 1.1: the tail needs more than 200,000 terms; the truncated
      // sum plus its remainder bound is then an upper bound, close to the exact value.
      {0.5, 100.0, 1.1, 0.000013750206247507885579, 1e-9},
  };
  for (const auto& r : rows) {
    const double ours = rdp_poisson_subsampled_gaussian(r.q, r.sigma, r.alpha);
    CHECK_MESSAGE(rel_diff(ours, r.expected) < r.tolerance, "q = ", r.q, ", sigma = ", r.sigma, ", alpha = ", r.alpha,
                  ": ", ours, " vs mpmath ", r.expected);
  }
  CHECK(rdp_poisson_subsampled_gaussian(0.5, 100.0, 1.1) >= 0.000013750206247507885579);
}

TEST_CASE("rdp: the fractional expansion meets the integer one at integer orders") {
  for (const double q : {1e-4, 0.01, 0.2, 0.5, 0.9}) {
    for (const double sigma : {0.5, 1.0, 4.0}) {
      for (const int64_t alpha : {2, 3, 8, 32}) {
        const double a = static_cast<double>(alpha);
        const double exact = log_a_integer_order(q, sigma, alpha) / (a - 1.0);
        // Just off the integer the series is used; RDP is smooth in alpha.
        const double above = log_a_fractional_order(q, sigma, a + 1e-9) / (a + 1e-9 - 1.0);
        CHECK_MESSAGE(rel_diff(above, exact) < 1e-7, "q = ", q, ", sigma = ", sigma, ", alpha = ", alpha, ": ", above,
                      " vs ", exact);
      }
    }
  }
}

TEST_CASE("rdp: monotone in the order, the sampling rate and the noise multiplier") {
  const std::vector<double> orders = RdpAccountant::default_orders();
  SUBCASE("non-decreasing in alpha (Rényi divergences are)") {
    for (const double q : {1e-5, 0.01, 0.3, 0.5, 0.8}) {
      for (const double sigma : {0.3, 1.0, 5.0, 50.0}) {
        const std::vector<double> r = rdp_poisson_subsampled_gaussian(q, sigma, orders);
        for (size_t k = 1; k < r.size(); ++k) {
          CHECK_MESSAGE(r[k] >= r[k - 1] * (1.0 - 1e-12), "q = ", q, ", sigma = ", sigma, ", alpha = ", orders[k]);
        }
      }
    }
  }
  SUBCASE("increasing in q, decreasing in sigma") {
    for (const double alpha : {1.5, 2.0, 8.1, 63.0}) {
      double previous = 0.0;
      for (const double q : {1e-6, 1e-4, 1e-2, 0.1, 0.5, 0.9, 1.0}) {
        const double r = rdp_poisson_subsampled_gaussian(q, 1.0, alpha);
        CHECK(r > previous);
        previous = r;
      }
      previous = kInf;
      for (const double sigma : {0.3, 0.7, 1.0, 3.0, 10.0, 100.0}) {
        const double r = rdp_poisson_subsampled_gaussian(0.01, sigma, alpha);
        CHECK(r < previous);
        previous = r;
      }
    }
  }
}

TEST_CASE("rdp: finite and positive over sigma in [0.3, 100], q in [1e-6, 1], orders up to 10^4") {
  std::vector<double> orders = RdpAccountant::default_orders();
  for (const double alpha : {1.001, 2047.5, 4096.0, 9999.5, 10000.0}) orders.push_back(alpha);
  for (const double sigma : {0.3, 1.0, 10.0, 100.0}) {
    for (const double q : {1e-6, 1e-3, 0.5, 1.0}) {
      const std::vector<double> r = rdp_poisson_subsampled_gaussian(q, sigma, orders);
      for (size_t k = 0; k < r.size(); ++k) {
        CHECK_MESSAGE((std::isfinite(r[k]) && r[k] > 0.0), "q = ", q, ", sigma = ", sigma, ", alpha = ", orders[k],
                      ": ", r[k]);
      }
    }
  }
}

TEST_CASE("rdp: invalid parameters throw, naming the parameter") {
  CHECK_THROWS_WITH_TEXT(AccountingError, rdp_poisson_subsampled_gaussian(1.5, 1.0, 2.0),
                         "sampling_rate must be in [0, 1], but is 1.5.");
  CHECK_THROWS_WITH_TEXT(AccountingError, rdp_poisson_subsampled_gaussian(-0.1, 1.0, 2.0), "sampling_rate");
  CHECK_THROWS_WITH_TEXT(AccountingError, rdp_poisson_subsampled_gaussian(std::nan(""), 1.0, 2.0), "sampling_rate");
  CHECK_THROWS_WITH_TEXT(AccountingError, rdp_poisson_subsampled_gaussian(0.1, -1.0, 2.0),
                         "noise_multiplier must be finite and non-negative, but is -1.");
  CHECK_THROWS_WITH_TEXT(AccountingError, rdp_poisson_subsampled_gaussian(0.1, kInf, 2.0), "noise_multiplier");
  CHECK_THROWS_WITH_TEXT(AccountingError, rdp_poisson_subsampled_gaussian(0.1, std::nan(""), 2.0), "noise_multiplier");
  CHECK_THROWS_WITH_TEXT(AccountingError, rdp_poisson_subsampled_gaussian(0.1, 1.0, 1.0),
                         "order must be finite and > 1");
  CHECK_THROWS_WITH_TEXT(AccountingError, rdp_poisson_subsampled_gaussian(0.1, 1.0, kInf), "order");
  CHECK_THROWS_WITH_TEXT(AccountingError, rdp_gaussian(-2.0, 2.0), "noise_multiplier");
}
