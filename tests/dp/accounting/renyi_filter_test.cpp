// The Rényi filter (dp/accounting/renyi_filter.hpp) at hand-computed values: budgets
// B(α) = ε + log(δ/|Λ|)/(α − 1), Gaussian charges of RDP α/(2σ²), fit and refusal at the edge.
#include "dp/accounting/renyi_filter.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "dp/accounting/rdp_accountant.hpp"
#include "dp/accounting/accounting_error.hpp"

namespace dpt {
namespace {

// ε = 10, δ = 1e-5 over Λ = {2, 4}: δ/|Λ| = 5e-6, log(5e-6) = -12.2060726...
//   B(2) = 10 - 12.2060726 = -2.2060726 (nothing fits at α = 2)
//   B(4) = 10 - 12.2060726 / 3 = 5.9313091
constexpr double kLog5e6 = -12.206072645530174;

RenyiFilter two_orders() { return RenyiFilter(10.0, 1e-5, {2.0, 4.0}); }

}  // namespace

TEST_CASE("the budget per order is epsilon + log(delta / |orders|) / (alpha - 1)") {
  const RenyiFilter f = two_orders();
  REQUIRE(f.budget().size() == 2);
  CHECK(f.budget()[0] == doctest::Approx(10.0 + kLog5e6).epsilon(1e-12));
  CHECK(f.budget()[1] == doctest::Approx(10.0 + kLog5e6 / 3.0).epsilon(1e-12));
  CHECK(f.budget()[1] == doctest::Approx(5.9313091).epsilon(1e-7));
}

TEST_CASE("Gaussian charges fit while some order has room, and are refused at the edge") {
  RenyiFilter f = two_orders();
  const std::vector<double> sigma1 = f.event_rdp(DpEvent::gaussian(1.0));  // alpha / 2
  CHECK(sigma1[0] == doctest::Approx(1.0));
  CHECK(sigma1[1] == doctest::Approx(2.0));
  CHECK(f.fitting_order(sigma1) == std::optional<size_t>(1));  // at alpha = 4 only
  f.charge(sigma1);
  f.charge(sigma1);  // spent(4) = 4 <= 5.93
  CHECK_FALSE(f.fits(sigma1));  // 6 > 5.93
  CHECK_THROWS_AS(f.charge(sigma1), AccountingError);  // callers check fits() first
  CHECK(f.spent()[1] == doctest::Approx(4.0));  // a refused charge changes nothing
  // Room left at alpha = 4: 1.9313091; sigma = 1.02 costs 4 / (2 * 1.0404) = 1.9223 (fits),
  // sigma = 1.01 costs 4 / (2 * 1.0201) = 1.9606 (does not).
  CHECK(f.fits(f.event_rdp(DpEvent::gaussian(1.02))));
  CHECK_FALSE(f.fits(f.event_rdp(DpEvent::gaussian(1.01))));
}

TEST_CASE("status: spent epsilon is the filter's conversion, remaining the headroom at the best order") {
  RenyiFilter f = two_orders();
  FilterStatus s = f.status();
  CHECK(s.charges == 0);
  CHECK(s.spent_epsilon == 0.0);
  CHECK(s.remaining_epsilon == doctest::Approx(5.9313091).epsilon(1e-7));
  CHECK(s.best_order == 4.0);
  const std::vector<double> sigma1 = f.event_rdp(DpEvent::gaussian(1.0));
  f.charge(sigma1);
  f.charge(sigma1);
  s = f.status();
  // min(2 + 12.206, 4 + 12.206 / 3) = 8.0687; remaining = 5.9313 - 4 = 10 - 8.0687.
  CHECK(s.spent_epsilon == doctest::Approx(4.0 - kLog5e6 / 3.0).epsilon(1e-12));
  CHECK(s.remaining_epsilon == doctest::Approx(10.0 - s.spent_epsilon).epsilon(1e-12));
  CHECK(f.epsilon_of(sigma1) == doctest::Approx(2.0 - kLog5e6 / 3.0).epsilon(1e-12));
}

TEST_CASE("a non-private event never fits; an unsupported one is refused by the accountant") {
  const RenyiFilter f(1.0, 1e-5);
  CHECK_FALSE(f.fits(f.event_rdp(DpEvent::non_private())));
  CHECK(f.fits(f.event_rdp(DpEvent::no_op())));
  CHECK_THROWS(f.event_rdp(DpEvent::poisson_sampled(0.1, DpEvent::no_op())));
}

TEST_CASE("the default orders are the RDP accountant's, and bad budgets are refused") {
  CHECK(RenyiFilter::default_orders() == RdpAccountant::default_orders());
  CHECK(RenyiFilter(1.0, 1e-5).orders().size() == RdpAccountant::default_orders().size());
  CHECK_THROWS_AS(RenyiFilter(0.0, 1e-5), AccountingError);
  CHECK_THROWS_AS(RenyiFilter(std::nan(""), 1e-5), AccountingError);
  CHECK_THROWS_AS(RenyiFilter(1.0, 0.0), AccountingError);
  CHECK_THROWS_AS(RenyiFilter(1.0, 1.0), AccountingError);
  CHECK_THROWS_AS(RenyiFilter(1.0, 1e-5, {0.5}), AccountingError);
  // At delta = 1e-5 over 156 orders the best budget is at alpha = 1024: eps - 16.56 / 1023.
  CHECK_THROWS_AS(RenyiFilter(0.01, 1e-5), AccountingError);
  CHECK_NOTHROW(RenyiFilter(0.02, 1e-5));
}

TEST_CASE("a DP-SGD run: the filter refuses what its (classic, union-bounded) conversion cannot certify") {
  // 1000 steps of q = 0.01, sigma = 1: the RDP accountant's classic epsilon at delta = 1e-5 is
  // its min over alpha of r + log(1/delta)/(alpha-1); the filter's is the same with log(156/delta).
  const DpEvent run = DpEvent::self_composed(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 1000);
  RdpAccountant classic(RdpAccountant::default_orders(), RdpConversion::kClassic);
  classic.compose(run);
  const double eps_classic = classic.get_epsilon(1e-5);
  RdpAccountant union_bound(RdpAccountant::default_orders(), RdpConversion::kClassic);
  union_bound.compose(run);
  const double eps_filter = union_bound.get_epsilon(1e-5 / 156.0);
  const RenyiFilter f(10.0, 1e-5);
  CHECK(f.epsilon_of(f.event_rdp(run)) == doctest::Approx(eps_filter).epsilon(1e-12));
  CHECK(eps_filter > eps_classic);
  CHECK(RenyiFilter(eps_filter * 1.0001, 1e-5).fits(f.event_rdp(run)));
  CHECK_FALSE(RenyiFilter(eps_filter * 0.9999, 1e-5).fits(f.event_rdp(run)));
}

}  // namespace dpt
