// repeat_and_select_rdp against values computed by hand from Papernot & Steinke 2022 (Theorems 2
// and 6), the truncated negative binomial's gamma, and its parameter checks.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/rdp_conversion.hpp"
#include "dp/accounting/repeat_and_select.hpp"

using namespace dpt;

namespace {
const double kInf = std::numeric_limits<double>::infinity();

// The Gaussian mechanism at noise multiplier sigma: RDP lambda / (2 sigma^2) (Mironov 2017).
std::vector<double> gaussian_rdp(const std::vector<double>& orders, double sigma) {
  std::vector<double> r;
  for (double lambda : orders) r.push_back(lambda / (2.0 * sigma * sigma));
  return r;
}
}  // namespace

TEST_CASE("repeat_and_select: geometric K (eta = 1, E[K] = 10, gamma = 0.1) at sigma = 2, by hand") {
  const std::vector<double> orders = {2, 3, 4, 8};
  const std::vector<double> base = gaussian_rdp(orders, 2.0);  // 0.25, 0.375, 0.5, 1
  // Theorem 2: c = (1 + eta) min_{lambda_hat} [(1 - 1/lambda_hat) eps(lambda_hat) + log(1/gamma)/lambda_hat]:
  // lambda_hat = 1: log 10 = 2.3026; 2: 0.125 + 1.1513; 3: 0.25 + 0.7675; 4: 0.375 + 0.5756 (the
  // minimum); 8: 0.875 + 0.2878.
  const double log10 = std::log(10.0);
  const double c = 2.0 * (0.375 + log10 / 4.0);
  // eps'(lambda) = eps(lambda) + c + log(E[K])/(lambda - 1); then the monotone envelope: the
  // orders 2 and 3 take order 4's smaller bound.
  const double at4 = 0.5 + c + log10 / 3.0;
  const double at8 = 1.0 + c + log10 / 7.0;
  CHECK(0.25 + c + log10 > at4);
  CHECK(0.375 + c + log10 / 2.0 > at4);
  const std::vector<double> r = repeat_and_select_rdp(orders, base, 10.0, 1.0);
  REQUIRE(r.size() == 4);
  CHECK(r[0] == doctest::Approx(at4).epsilon(1e-12));
  CHECK(r[1] == doctest::Approx(at4).epsilon(1e-12));
  CHECK(r[2] == doctest::Approx(at4).epsilon(1e-12));
  CHECK(r[3] == doctest::Approx(at8).epsilon(1e-12));
  CHECK(at4 == doctest::Approx(3.1688209).epsilon(1e-7));
}

TEST_CASE("repeat_and_select: Poisson K (Theorem 6) adds mu delta_hat + log(mu)/(lambda - 1)") {
  const std::vector<double> orders = {2, 4, 16, 64};
  const std::vector<double> base = gaussian_rdp(orders, 8.0);
  const double mu = 5.0;
  const std::vector<double> r = repeat_and_select_rdp(orders, base, mu, kInf);
  std::vector<double> raw;
  for (size_t i = 0; i < orders.size(); ++i) {
    const double lambda = orders[i];
    const double eps_hat = std::log1p(1.0 / (lambda - 1.0));
    const double delta_hat = delta_from_rdp(orders, base, eps_hat).delta;
    CHECK(delta_hat > 0.0);
    CHECK(delta_hat < 1.0);
    raw.push_back(base[i] + mu * delta_hat + std::log(mu) / (lambda - 1.0));
  }
  for (size_t i = 0; i < orders.size(); ++i) {
    double envelope = raw[i];
    for (size_t j = i; j < orders.size(); ++j) envelope = std::min(envelope, raw[j]);
    CHECK(r[i] == doctest::Approx(envelope).epsilon(1e-9));
    CHECK(r[i] >= base[i]);  // selection never costs less than one run
  }
}

TEST_CASE("repeat_and_select: more trials cost more, and the bound is at least one run's") {
  const std::vector<double> orders = {1.5, 2, 3, 5, 8, 16, 32};
  const std::vector<double> base = gaussian_rdp(orders, 3.0);
  for (double shape : {-0.5, 0.0, 1.0, 2.0, kInf}) {
    const std::vector<double> few = repeat_and_select_rdp(orders, base, 2.0, shape);
    const std::vector<double> many = repeat_and_select_rdp(orders, base, 50.0, shape);
    for (size_t i = 0; i < orders.size(); ++i) {
      CHECK(few[i] <= many[i]);
      if (shape != kInf) CHECK(few[i] >= base[i]);  // Poisson may draw K = 0
    }
  }
}

TEST_CASE("repeat_and_select: gamma matches E[K] and never exceeds the exact value") {
  CHECK(truncated_negative_binomial_gamma(10.0, 1.0) == doctest::Approx(0.1).epsilon(1e-14));
  CHECK(truncated_negative_binomial_gamma(10.0, 1.0) <= 0.1 + 1e-17);
  for (double eta : {-0.5, 0.0, 0.5, 1.0, 3.0}) {
    const double gamma = truncated_negative_binomial_gamma(7.0, eta);
    CHECK(gamma > 0.0);
    CHECK(gamma < 1.0);
    CHECK(truncated_negative_binomial_mean(gamma, eta) >= 7.0);
    CHECK(truncated_negative_binomial_mean(gamma, eta) == doctest::Approx(7.0).epsilon(1e-12));
  }
  // eta = 0, logarithmic: E[K] = (1/gamma - 1)/log(1/gamma).
  CHECK(truncated_negative_binomial_mean(0.25, 0.0) == doctest::Approx(3.0 / std::log(4.0)).epsilon(1e-14));
}

TEST_CASE("repeat_and_select: invalid parameters are refused by name, +inf RDP stays +inf") {
  const std::vector<double> orders = {2, 4};
  const std::vector<double> base = {0.1, 0.2};
  CHECK_THROWS_AS(repeat_and_select_rdp(orders, base, 1.0, 1.0), AccountingError);  // TNB needs E[K] > 1
  CHECK_THROWS_AS(repeat_and_select_rdp(orders, base, 0.0, kInf), AccountingError);
  CHECK_THROWS_AS(repeat_and_select_rdp(orders, base, 5.0, -1.0), AccountingError);
  CHECK_THROWS_AS(repeat_and_select_rdp(orders, base, 5.0, std::nan("")), AccountingError);
  CHECK_THROWS_AS(repeat_and_select_rdp(orders, base, kInf, 1.0), AccountingError);
  CHECK_THROWS_AS(repeat_and_select_rdp({}, {}, 5.0, 1.0), AccountingError);
  CHECK_THROWS_AS(repeat_and_select_rdp(orders, {0.1}, 5.0, 1.0), AccountingError);
  CHECK_THROWS_AS(repeat_and_select_rdp(orders, {0.1, -0.2}, 5.0, 1.0), AccountingError);
  CHECK_THROWS_AS(repeat_and_select_rdp({1.0, 2.0}, base, 5.0, 1.0), AccountingError);
  CHECK_THROWS_WITH_AS(check_repeat_and_select_parameters(0.5, 1.0, "trials.mean", "trials.shape"),
                       doctest::Contains("trials.mean"), AccountingError);
  const std::vector<double> r = repeat_and_select_rdp(orders, {kInf, kInf}, 5.0, 1.0);
  CHECK(std::isinf(r[0]));
  CHECK(std::isinf(r[1]));
}
