// The RDP accountant: closed forms, composition invariances, heterogeneous steps, validation
// before any state change, the ledger and its JSON, infinite cases, and the conversions.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "dp/accounting/rdp_conversion.hpp"
#include "dp/accounting/rdp_math.hpp"
#include "tests/dp/accounting/test_helpers.hpp"

using namespace dpt;
using dpt::testing::rel_diff;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

const DpEvent kStep = DpEvent::poisson_sampled_gaussian(0.01, 1.1);

std::vector<double> rdp_after(const std::vector<std::pair<DpEvent, int64_t>>& events) {
  RdpAccountant accountant;
  for (const auto& [event, count] : events) accountant.compose(event, count);
  return accountant.rdp();
}

void check_rdp_close(const std::vector<double>& a, const std::vector<double>& b, double tolerance) {
  REQUIRE(a.size() == b.size());
  for (size_t k = 0; k < a.size(); ++k) CHECK_MESSAGE(rel_diff(a[k], b[k]) <= tolerance, "order index ", k);
}

}  // namespace

TEST_CASE("default orders: Opacus's and dp_accounting's grids, united") {
  const std::vector<double> orders = RdpAccountant::default_orders();
  REQUIRE(orders.size() == 99 + 53 + 4);
  CHECK(orders.front() == 1.1);
  CHECK(orders[98] == doctest::Approx(10.9).epsilon(1e-15));
  CHECK(orders[99] == 11.0);
  CHECK(orders[151] == 63.0);
  CHECK(orders.back() == 1024.0);
  CHECK(RdpAccountant().orders() == orders);
}

TEST_CASE("q = 1: T Gaussian steps have RDP alpha T / (2 sigma^2)") {
  for (const double sigma : {0.5, 1.0, 10.0}) {
    RdpAccountant sampled;
    sampled.compose(DpEvent::poisson_sampled_gaussian(1.0, sigma), 250);
    RdpAccountant plain;
    plain.compose(DpEvent::gaussian(sigma), 250);
    const std::vector<double> r = sampled.rdp();
    for (size_t k = 0; k < r.size(); ++k) {
      const double alpha = sampled.orders()[k];
      CHECK(r[k] == doctest::Approx(alpha * 250 / (2.0 * sigma * sigma)).epsilon(1e-15));
    }
    CHECK(plain.rdp() == r);
  }
}

TEST_CASE("composition invariances") {
  const std::vector<double> thrice = rdp_after({{kStep, 1}, {kStep, 1}, {kStep, 1}});
  SUBCASE("compose(e, 3) == compose(e) three times, bit for bit") { CHECK(rdp_after({{kStep, 3}}) == thrice); }
  SUBCASE("== SelfComposed(e, 3)") {
    check_rdp_close(rdp_after({{DpEvent::self_composed(kStep, 3), 1}}), thrice, 1e-15);
  }
  SUBCASE("== Composed{e, e, e}") {
    check_rdp_close(rdp_after({{DpEvent::composed({kStep, kStep, kStep}), 1}}), thrice, 1e-15);
  }
  SUBCASE("NoOp and empty Composed add nothing") {
    CHECK(rdp_after({{kStep, 3}, {DpEvent::no_op(), 5}, {DpEvent::composed({}), 1}}) == thrice);
  }
  SUBCASE("the ledger merges consecutive identical events") {
    RdpAccountant accountant;
    for (int k = 0; k < 1000; ++k) accountant.compose(kStep);
    REQUIRE(accountant.ledger().size() == 1);
    CHECK(accountant.ledger()[0].count == 1000);
    CHECK(accountant.ledger()[0].event == kStep);
  }
}

TEST_CASE("heterogeneous composition (sigma or q changing mid-run) adds the RDP curves") {
  const std::vector<double> orders = RdpAccountant::default_orders();
  RdpAccountant accountant;
  accountant.compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 300);
  accountant.compose(DpEvent::poisson_sampled_gaussian(0.02, 2.0), 200);
  accountant.compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 100);
  const std::vector<double> a = rdp_poisson_subsampled_gaussian(0.01, 1.0, orders);
  const std::vector<double> b = rdp_poisson_subsampled_gaussian(0.02, 2.0, orders);
  std::vector<double> expected(orders.size());
  for (size_t k = 0; k < orders.size(); ++k) expected[k] = 400 * a[k] + 200 * b[k];
  check_rdp_close(accountant.rdp(), expected, 1e-14);
  CHECK(accountant.get_epsilon(1e-5) ==
        doctest::Approx(epsilon_from_rdp(orders, expected, 1e-5).epsilon).epsilon(1e-13));
  CHECK(accountant.ledger().size() == 3);
}

TEST_CASE("epsilon is monotone in q, sigma and steps") {
  auto eps = [](double q, double sigma, int64_t steps) {
    RdpAccountant accountant;
    accountant.compose(DpEvent::poisson_sampled_gaussian(q, sigma), steps);
    return accountant.get_epsilon(1e-5);
  };
  CHECK(eps(0.001, 1.0, 1000) < eps(0.01, 1.0, 1000));
  CHECK(eps(0.01, 1.0, 1000) < eps(0.1, 1.0, 1000));
  CHECK(eps(0.01, 2.0, 1000) < eps(0.01, 1.0, 1000));
  CHECK(eps(0.01, 1.0, 100) < eps(0.01, 1.0, 1000));
  CHECK(eps(0.01, 1.0, 1000) < eps(0.01, 1.0, 10000));
}

TEST_CASE("compose validates everything before changing any state") {
  RdpAccountant accountant;
  accountant.compose(kStep, 10);
  const double before = accountant.get_epsilon(1e-5);
  const DpEvent sampled_noop = DpEvent::poisson_sampled(0.1, DpEvent::no_op());
  CHECK_FALSE(accountant.supports(sampled_noop));
  CHECK_FALSE(accountant.supports(DpEvent::composed({kStep, sampled_noop})));
  CHECK(accountant.supports(DpEvent::composed({kStep, DpEvent::self_composed(DpEvent::gaussian(2.0), 3)})));
  CHECK_THROWS_WITH_TEXT(UnsupportedEventError, accountant.compose(sampled_noop),
                         "does not support PoissonSampled(sampling_rate=0.1, NoOp)");
  CHECK_THROWS_AS(accountant.compose(DpEvent::composed({kStep, sampled_noop})), UnsupportedEventError);
  CHECK_THROWS_WITH_TEXT(AccountingError, accountant.compose(kStep, 0), "count must be >= 1, but is 0.");
  CHECK_THROWS_WITH_TEXT(AccountingError, accountant.compose(kStep, -5), "count");
  CHECK_THROWS_WITH_TEXT(AccountingError, accountant.compose(kStep, std::numeric_limits<int64_t>::max()),
                         "count overflows");
  REQUIRE(accountant.ledger().size() == 1);
  CHECK(accountant.ledger()[0].count == 10);
  CHECK(accountant.get_epsilon(1e-5) == before);
}

TEST_CASE("ledger JSON round trip restores the same epsilon, bit for bit") {
  RdpAccountant accountant(RdpAccountant::default_orders(), RdpConversion::kImproved);
  accountant.compose(kStep, 1000);
  accountant.compose(DpEvent::poisson_sampled_gaussian(0.02, 0.9), 17);
  accountant.compose(DpEvent::self_composed(DpEvent::gaussian(30.0), 2));
  accountant.compose(kStep, 5);
  const nlohmann::json j = accountant.to_json();
  CHECK(j["accountant"] == "rdp");
  CHECK(j["neighbouring_relation"] == "add_or_remove_one");
  const RdpAccountant restored = RdpAccountant::from_json(nlohmann::json::parse(j.dump()));
  CHECK(restored.get_epsilon(1e-5) == accountant.get_epsilon(1e-5));
  CHECK(restored.get_delta(2.0) == accountant.get_delta(2.0));
  CHECK(restored.rdp() == accountant.rdp());
  REQUIRE(restored.ledger().size() == 4);
  for (size_t k = 0; k < 4; ++k) {
    CHECK(restored.ledger()[k].event == accountant.ledger()[k].event);
    CHECK(restored.ledger()[k].count == accountant.ledger()[k].count);
  }
  SUBCASE("settings survive") {
    RdpAccountant custom({2.0, 4.0, 8.5}, RdpConversion::kClassic);
    custom.compose(kStep, 3);
    const RdpAccountant back = RdpAccountant::from_json(custom.to_json());
    CHECK(back.orders() == custom.orders());
    CHECK(back.conversion() == RdpConversion::kClassic);
    CHECK(back.get_epsilon(1e-5) == custom.get_epsilon(1e-5));
  }
  SUBCASE("malformed accountant JSON") {
    nlohmann::json bad = j;
    bad["ledger"][1]["event"]["sampling_rate"] = 1.5;
    CHECK_THROWS_WITH_TEXT(AccountingError, RdpAccountant::from_json(bad),
                           "ledger[1].event.sampling_rate must be in [0, 1], but is 1.5.");
    bad = j;
    bad["orders"] = {0.5, 2.0};
    CHECK_THROWS_WITH_TEXT(AccountingError, RdpAccountant::from_json(bad), "order must be finite and > 1, but is 0.5.");
    bad = j;
    bad.erase("conversion");
    CHECK_THROWS_WITH_TEXT(AccountingError, RdpAccountant::from_json(bad), "conversion is missing");
    bad = j;
    bad["neighbouring_relation"] = "replace_one";
    CHECK_THROWS_WITH_TEXT(AccountingError, RdpAccountant::from_json(bad), "neighbouring_relation");
  }
}

TEST_CASE("no noise, NonPrivate and NoOp") {
  SUBCASE("sigma = 0 means epsilon = inf") {
    RdpAccountant accountant;
    accountant.compose(DpEvent::poisson_sampled_gaussian(0.01, 0.0));
    CHECK(accountant.get_epsilon(1e-5) == kInf);
    CHECK(accountant.get_delta(10.0) == 1.0);
    RdpAccountant gaussian;
    gaussian.compose(DpEvent::gaussian(0.0));
    CHECK(gaussian.get_epsilon(1e-5) == kInf);
  }
  SUBCASE("NonPrivate: epsilon = inf whatever else was composed") {
    RdpAccountant accountant;
    accountant.compose(kStep, 100);
    accountant.compose(DpEvent::non_private());
    accountant.compose(kStep, 100);
    CHECK(accountant.get_epsilon(1e-5) == kInf);
    CHECK(accountant.get_epsilon(0.5) == kInf);
    CHECK(accountant.get_delta(100.0) == 1.0);
    CHECK(RdpAccountant::from_json(accountant.to_json()).get_epsilon(1e-5) == kInf);
  }
  SUBCASE("nothing composed, or NoOp only: epsilon = 0, delta = 0") {
    RdpAccountant accountant;
    CHECK(accountant.get_epsilon(1e-5) == 0.0);
    accountant.compose(DpEvent::no_op(), 3);
    CHECK(accountant.get_epsilon(0.0) == 0.0);
    CHECK(accountant.get_delta(0.0) == 0.0);
  }
}

TEST_CASE("epsilon(delta) and delta(epsilon) are consistent") {
  for (const auto& [q, sigma, steps] :
       {std::tuple{0.01, 1.0, 1000}, {0.004, 1.1, 14100}, {0.1, 2.0, 500}, {1.0, 10.0, 100}}) {
    RdpAccountant accountant;
    accountant.compose(DpEvent::poisson_sampled_gaussian(q, sigma), steps);
    for (const double delta0 : {1e-3, 1e-5, 1e-8}) {
      const EpsilonResult e = accountant.get_epsilon_result(delta0);
      const DeltaResult d = accountant.get_delta_result(e.epsilon);
      CHECK(d.delta <= delta0 * (1.0 + 1e-9));
      CHECK(d.delta == doctest::Approx(delta0).epsilon(1e-6));
      CHECK(d.optimal_order == e.optimal_order);
    }
  }
}

TEST_CASE("conversions: classic is looser, delta edge cases, optimal order at the grid edge") {
  RdpAccountant improved;
  RdpAccountant classic(RdpAccountant::default_orders(), RdpConversion::kClassic);
  improved.compose(kStep, 5000);
  classic.compose(kStep, 5000);
  CHECK(classic.get_epsilon(1e-5) > improved.get_epsilon(1e-5));
  CHECK(improved.get_epsilon(0.0) == kInf);
  CHECK(improved.get_epsilon(1.0) == 0.0);
  CHECK_THROWS_WITH_TEXT(AccountingError, improved.get_epsilon(-1e-5), "delta must be in [0, 1], but is -1e-05.");
  CHECK_THROWS_WITH_TEXT(AccountingError, improved.get_epsilon(std::nan("")), "delta");
  CHECK_THROWS_WITH_TEXT(AccountingError, improved.get_delta(-1.0), "epsilon must be finite and non-negative");
  CHECK_FALSE(improved.get_epsilon_result(1e-5).order_at_grid_edge);

  RdpAccountant narrow({1.5, 2.0, 4.0});  // the best order here is ~ 8: the grid is too narrow
  narrow.compose(DpEvent::poisson_sampled_gaussian(0.004266666666666667, 1.1), 14100);
  const EpsilonResult e = narrow.get_epsilon_result(1e-5);
  CHECK(e.optimal_order == 4.0);
  CHECK(e.order_at_grid_edge);
  CHECK_THROWS_WITH_TEXT(AccountingError, RdpAccountant({2.0, 1.0}), "order must be finite and > 1, but is 1.");
  CHECK_THROWS_WITH_TEXT(AccountingError, RdpAccountant(std::vector<double>{}), "orders must not be empty.");
  // Bounded work: order 1e9 would sum ~1e9 series terms per epsilon (minutes); at most 256 orders.
  CHECK_THROWS_WITH_TEXT(AccountingError, RdpAccountant({2.0, 1e9}), "order must be <= 10000, but is 1e+09.");
  CHECK_THROWS_WITH_TEXT(AccountingError, RdpAccountant({10000.5}), "order must be <= 10000, but is 10000.5.");
  CHECK(RdpAccountant({kMaxRdpOrder}).orders().back() == kMaxRdpOrder);
  std::vector<double> many;
  for (int k = 0; k <= static_cast<int>(kMaxRdpOrders); ++k) many.push_back(2.0 + k);
  CHECK_THROWS_WITH_TEXT(AccountingError, RdpAccountant(many), "orders must hold at most 256 orders, but holds 257.");
  many.pop_back();
  CHECK(RdpAccountant(many).orders().size() == kMaxRdpOrders);
  CHECK(rdp_conversion_from_string("classic") == RdpConversion::kClassic);
  CHECK_THROWS_WITH_TEXT(AccountingError, rdp_conversion_from_string("tight"), "conversion must be");
}

TEST_CASE("no overflow: sigma in {0.3, 1, 10, 100}, q in {1e-6, 1e-3, 1}, steps in {1, 10^7}") {
  const double sigmas[] = {0.3, 1.0, 10.0, 100.0};
  const double rates[] = {1e-6, 1e-3, 1.0};
  const int64_t steps[] = {1, 10'000'000};
  double eps[4][3][2];  // (sigma, q, steps)
  for (int s = 0; s < 4; ++s) {
    for (int r = 0; r < 3; ++r) {
      for (int t = 0; t < 2; ++t) {
        RdpAccountant accountant;
        accountant.compose(DpEvent::poisson_sampled_gaussian(rates[r], sigmas[s]), steps[t]);
        eps[s][r][t] = accountant.get_epsilon(1e-5);
        const double delta = accountant.get_delta(1.0);
        CHECK_MESSAGE((std::isfinite(eps[s][r][t]) && eps[s][r][t] >= 0.0), "sigma ", sigmas[s], " q ", rates[r],
                      " steps ", steps[t], ": ", eps[s][r][t]);
        CHECK((delta >= 0.0 && delta <= 1.0));
      }
    }
  }
  for (int s = 0; s < 4; ++s) {
    for (int r = 0; r < 3; ++r) {
      for (int t = 0; t < 2; ++t) {
        if (t > 0) CHECK(eps[s][r][t] >= eps[s][r][t - 1]);  // more steps: more epsilon
        if (r > 0) CHECK(eps[s][r][t] >= eps[s][r - 1][t]);  // larger q: more epsilon
        if (s > 0) CHECK(eps[s][r][t] <= eps[s - 1][r][t]);  // more noise: less epsilon
      }
    }
  }
}
