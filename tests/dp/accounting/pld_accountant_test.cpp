// The PLD, PRV and GDP accountants: closed forms (the Gaussian mechanism, Balle & Wang 2018),
// the interface contract (validate-then-compose, ledger, JSON), heterogeneous composition, and
// bounded cost in the regimes where other accountants fail (Opacus issues: eps > 10,
// delta = 1e-10, 10^6 steps).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/epsilon_summary.hpp"
#include "dp/accounting/gdp_accountant.hpp"
#include "dp/accounting/pld_accountant.hpp"
#include "dp/accounting/prv_accountant.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "tests/dp/accounting/test_helpers.hpp"

using namespace dpt;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// delta(eps) of the Gaussian mechanism with sensitivity 1 and noise sigma (Balle & Wang 2018,
// Thm. 8), computed directly with erfc: Phi(-eps/mu + mu/2) - e^eps Phi(-eps/mu - mu/2), mu = 1/sigma.
double gaussian_delta(double sigma, double eps) {
  const double mu = 1.0 / sigma;
  auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  return phi(-eps / mu + mu / 2.0) - std::exp(eps) * phi(-eps / mu - mu / 2.0);
}

double gaussian_epsilon(double sigma, double delta) {
  double lo = 0.0, hi = 1000.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (gaussian_delta(sigma, mid) > delta ? lo : hi) = mid;
  }
  return hi;
}

template <typename A>
A composed(double q, double sigma, int64_t steps) {
  A accountant;
  accountant.compose(DpEvent::poisson_sampled_gaussian(q, sigma), steps);
  return accountant;
}

}  // namespace

TEST_CASE("pld: the Gaussian mechanism (q = 1, one step) matches its closed form from above") {
  for (const double sigma : {0.5, 1.0, 2.0, 5.0}) {
    const PldAccountant pld = composed<PldAccountant>(1.0, sigma, 1);
    for (const double eps : {0.0, 0.1, 0.5, 1.0, 2.0, 4.0}) {
      const double exact = gaussian_delta(sigma, eps);
      const double ours = pld.get_delta(eps);
      CHECK_MESSAGE(ours >= exact * (1.0 - 1e-9), "sigma ", sigma, " eps ", eps, ": ", ours, " < exact ", exact);
      CHECK_MESSAGE(ours <= exact * (1.0 + 1e-3) + 1e-13, "sigma ", sigma, " eps ", eps, ": ", ours, " vs ", exact);
    }
    for (const double delta : {1e-3, 1e-5, 1e-10}) {
      const double exact = gaussian_epsilon(sigma, delta);
      const double ours = pld.get_epsilon(delta);
      CHECK_MESSAGE(ours >= exact * (1.0 - 1e-9), "sigma ", sigma, " delta ", delta, ": ", ours, " < exact ", exact);
      CHECK_MESSAGE(ours <= exact * (1.0 + 1e-3), "sigma ", sigma, " delta ", delta, ": ", ours, " vs ", exact);
      // The exact Gaussian: GDP with mu = 1/sigma is exact, and PRV brackets it.
      CHECK(dpt::testing::rel_diff(composed<GdpAccountant>(1.0, sigma, 1).get_epsilon(delta), exact) < 1e-9);
      const PrvEpsilonResult prv = composed<PrvAccountant>(1.0, sigma, 1).get_epsilon_result(delta);
      CHECK(prv.lower <= exact);
      CHECK(prv.upper >= exact);
    }
  }
}

TEST_CASE("pld: pessimistic rounding is an upper bound too, looser than connect-the-dots") {
  PldOptions rounding;
  rounding.discretisation = PldDiscretisation::kPessimisticRounding;
  PldAccountant a(rounding);
  a.compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 1000);
  const double dots = composed<PldAccountant>(0.01, 1.0, 1000).get_epsilon(1e-5);
  const double rounded = a.get_epsilon(1e-5);
  CHECK(rounded >= dots);
  CHECK(rounded <= composed<RdpAccountant>(0.01, 1.0, 1000).get_epsilon(1e-5));
}

TEST_CASE("pld/prv/gdp: compose validates before changing state") {
  const DpEvent bad = DpEvent::poisson_sampled(0.1, DpEvent::poisson_sampled_gaussian(0.5, 1.0));
  PldAccountant pld;
  PrvAccountant prv;
  GdpAccountant gdp;
  for (PrivacyAccountant* a : std::initializer_list<PrivacyAccountant*>{&pld, &prv, &gdp}) {
    a->compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 10);
    CHECK_FALSE(a->supports(bad));
    CHECK_THROWS_AS(a->compose(bad), UnsupportedEventError);
    CHECK_THROWS_AS(a->compose(DpEvent::no_op(), 0), AccountingError);
    CHECK_THROWS_AS(a->compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), std::numeric_limits<int64_t>::max()),
                    AccountingError);
    REQUIRE(a->ledger().size() == 1);
    CHECK(a->ledger()[0].count == 10);
    a->compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 5);  // merged
    CHECK(a->ledger().size() == 1);
    CHECK(a->ledger()[0].count == 15);
  }
}

TEST_CASE("pld/prv: JSON round trip gives identical epsilon") {
  PldAccountant pld;
  pld.compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 100);
  pld.compose(DpEvent::gaussian(20.0), 2);
  CHECK(PldAccountant::from_json(pld.to_json()).get_epsilon(1e-5) == pld.get_epsilon(1e-5));
  PrvAccountant prv;
  prv.compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 100);
  CHECK(PrvAccountant::from_json(prv.to_json()).get_epsilon(1e-5) == prv.get_epsilon(1e-5));
  GdpAccountant gdp;
  gdp.compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 100);
  CHECK(GdpAccountant::from_json(gdp.to_json()).get_epsilon(1e-5) == gdp.get_epsilon(1e-5));
  nlohmann::json j = pld.to_json();
  j["surprise"] = 1;
  CHECK_THROWS_WITH_TEXT(AccountingError, PldAccountant::from_json(j), "surprise is not a field");
}

TEST_CASE("pld/prv/gdp from_json: a malformed field is an AccountingError naming the key") {
  const nlohmann::json pld = PldAccountant().to_json();
  const nlohmann::json prv = PrvAccountant().to_json();
  const nlohmann::json gdp = GdpAccountant().to_json();
  auto with = [](nlohmann::json j, const char* key, nlohmann::json value) {
    j[key] = std::move(value);
    return j;
  };
  SUBCASE("numbers and integers of the wrong type") {
    CHECK_THROWS_WITH_TEXT(AccountingError, PldAccountant::from_json(with(pld, "max_bins", "many")),
                           "max_bins must be a 64-bit integer, but is \"many\".");
    CHECK_THROWS_WITH_TEXT(AccountingError, PldAccountant::from_json(with(pld, "max_bins", 1.5)),
                           "max_bins must be a 64-bit integer, but is 1.5.");
    CHECK_THROWS_WITH_TEXT(AccountingError, PrvAccountant::from_json(with(prv, "max_bins", UINT64_MAX)),
                           "max_bins must be a 64-bit integer, but is 18446744073709551615.");
    CHECK_THROWS_WITH_TEXT(AccountingError, PrvAccountant::from_json(with(prv, "eps_error", nullptr)),
                           "eps_error must be a number, but is null.");
    CHECK_THROWS_WITH_TEXT(AccountingError, PldAccountant::from_json(with(pld, "tail_mass_truncation", "0")),
                           "tail_mass_truncation must be a number, but is \"0\".");
  }
  SUBCASE("the shared header") {
    CHECK_THROWS_WITH_TEXT(AccountingError, PrvAccountant::from_json(with(prv, "accountant", "pld")),
                           "accountant must be \"prv\", but is \"pld\".");
    CHECK_THROWS_WITH_TEXT(AccountingError, GdpAccountant::from_json(with(gdp, "format_version", "1")),
                           "format_version must be 1, but is \"1\".");
    CHECK_THROWS_WITH_TEXT(AccountingError, GdpAccountant::from_json(with(gdp, "neighbouring_relation", "replace_one")),
                           "neighbouring_relation must be \"add_or_remove_one\"");
    CHECK_THROWS_WITH_TEXT(AccountingError, GdpAccountant::from_json(nlohmann::json::array()),
                           "gdp accountant must be a JSON object, but is [].");
    nlohmann::json no_ledger = gdp;
    no_ledger.erase("ledger");
    CHECK_THROWS_WITH_TEXT(AccountingError, GdpAccountant::from_json(no_ledger),
                           "ledger is missing from the gdp accountant JSON.");
    CHECK_THROWS_WITH_TEXT(AccountingError, GdpAccountant::from_json(with(gdp, "bound", "upper")),
                           "bound must be \"approximation\", but is \"upper\".");
  }
}

TEST_CASE("pld/prv/gdp: special events") {
  SUBCASE("nothing composed: epsilon 0") {
    CHECK(PldAccountant().get_epsilon(1e-5) == 0.0);
    CHECK(PrvAccountant().get_epsilon(1e-5) == 0.0);
    CHECK(GdpAccountant().get_epsilon(1e-5) == 0.0);
  }
  SUBCASE("non-private: epsilon inf") {
    PldAccountant pld;
    PrvAccountant prv;
    pld.compose(DpEvent::non_private());
    prv.compose(DpEvent::non_private());
    CHECK(pld.get_epsilon(1e-5) == kInf);
    CHECK(prv.get_epsilon(1e-5) == kInf);
    CHECK(pld.get_delta(10.0) == 1.0);
  }
  SUBCASE("no noise: epsilon inf below delta = q") {
    CHECK(composed<PldAccountant>(0.01, 0.0, 10).get_epsilon(1e-5) == kInf);
    CHECK(composed<PrvAccountant>(0.01, 0.0, 10).get_epsilon(1e-5) == kInf);
    CHECK(composed<GdpAccountant>(0.01, 0.0, 10).get_epsilon(1e-5) == kInf);
  }
  SUBCASE("q = 0 and no-op charge nothing") {
    PldAccountant pld;
    pld.compose(DpEvent::poisson_sampled_gaussian(0.0, 1.0), 100);
    pld.compose(DpEvent::no_op(), 3);
    CHECK(pld.get_epsilon(1e-5) == 0.0);
  }
}

TEST_CASE("pld/prv: heterogeneous composition (different q and sigma) by convolution") {
  const DpEvent a = DpEvent::poisson_sampled_gaussian(0.01, 1.0);
  const DpEvent b = DpEvent::poisson_sampled_gaussian(0.02, 2.0);
  PldAccountant mixed;
  mixed.compose(a, 500);
  mixed.compose(b, 300);
  mixed.compose(a, 500);
  PldAccountant as_event;
  as_event.compose(DpEvent::composed({DpEvent::self_composed(a, 1000), DpEvent::self_composed(b, 300)}));
  RdpAccountant rdp;
  rdp.compose(a, 1000);
  rdp.compose(b, 300);
  const double eps = mixed.get_epsilon(1e-5);
  CHECK(dpt::testing::rel_diff(eps, as_event.get_epsilon(1e-5)) < 1e-9);
  CHECK(eps <= rdp.get_epsilon(1e-5));
  CHECK(eps > composed<PldAccountant>(0.01, 1.0, 1000).get_epsilon(1e-5));
  CHECK(eps > composed<PldAccountant>(0.02, 2.0, 300).get_epsilon(1e-5));
  PrvAccountant prv;
  prv.compose(a, 1000);
  prv.compose(b, 300);
  const PrvEpsilonResult r = prv.get_epsilon_result(1e-5);
  CHECK(r.lower <= eps);
  CHECK(r.upper >= eps * (1.0 - 1e-3));
  CHECK(r.lower <= r.estimate);
  CHECK(r.estimate <= r.upper);
}

TEST_CASE("pld/prv/gdp: failing regimes of other accountants give valid values at bounded cost") {
  // Opacus issues: large epsilon, delta = 1e-10, 10^6 steps. Cost is bounded by construction:
  // every FFT is at most 2 * max_bins long and a query runs a fixed number of them.
  struct Regime {
    double q, sigma;
    int64_t steps;
    double delta;
  };
  for (const Regime r : {Regime{0.1, 0.6, 1000, 1e-5}, Regime{0.01, 1.0, 1000, 1e-10},
                         Regime{0.01, 1.0, 1000000, 1e-5}, Regime{0.5, 0.3, 10000000, 1e-10}}) {
    CAPTURE(r.q);
    CAPTURE(r.sigma);
    CAPTURE(r.steps);
    CAPTURE(r.delta);
    const PldAccountant pld = composed<PldAccountant>(r.q, r.sigma, r.steps);
    const PldEpsilonResult e = pld.get_epsilon_result(r.delta);
    // Finite, or inf because delta is below what the PLD can certify (FFT round-off ~T 2^-52 is
    // charged to delta): then it says so and the headline falls back to RDP.
    CHECK((std::isfinite(e.epsilon) || e.delta_below_floor));
    if (r.steps <= 1000000 && r.delta >= 1e-5) CHECK(std::isfinite(e.epsilon));
    std::vector<EpsilonEstimate> all;
    for (const std::string& name : accountant_names()) {
      all.push_back(estimate_epsilon(name, {{DpEvent::poisson_sampled_gaussian(r.q, r.sigma), r.steps}}, r.delta));
    }
    const int best = headline_index(all);
    REQUIRE(best >= 0);
    CHECK(std::isfinite(all[static_cast<size_t>(best)].epsilon));
    CHECK(e.largest_fft <= 2 * pld.options().composition.max_bins);
    CHECK(e.convolutions <= 64);
    CHECK(e.bins <= pld.options().composition.max_bins);
    const PrvEpsilonResult p = composed<PrvAccountant>(r.q, r.sigma, r.steps).get_epsilon_result(r.delta);
    CHECK(p.largest_fft <= 2 * PrvOptions().max_bins);
    if (std::isfinite(e.epsilon)) CHECK(p.lower <= e.epsilon);  // both bounds (PLD may be looser when coarsened)
    CHECK(p.lower <= p.upper);
    // GDP: a number or inf (beyond eps = 1e6), never NaN or an exception.
    CHECK_FALSE(std::isnan(composed<GdpAccountant>(r.q, r.sigma, r.steps).get_epsilon(r.delta)));
  }
}

TEST_CASE("gdp: the CLT formula of Bu et al. 2020") {
  const GdpAccountant gdp = composed<GdpAccountant>(0.01, 1.0, 1000);
  const double mu = 0.01 * std::sqrt(1000.0 * std::expm1(1.0));
  CHECK(dpt::testing::rel_diff(gdp.mu(), mu) < 1e-12);
  const double eps = gdp.get_epsilon(1e-5);
  CHECK(dpt::testing::rel_diff(gdp_delta(mu, eps), 1e-5) < 1e-6);
  CHECK(gdp.to_json()["bound"] == "approximation");
}

TEST_CASE("summary: the headline is the smallest valid upper bound, never the GDP approximation") {
  const std::vector<LedgerEntry> ledger = {{DpEvent::poisson_sampled_gaussian(0.01, 1.0), 1}};
  SUBCASE("one step, q = 0.01: GDP is far below the true epsilon and must not be the headline") {
    std::vector<EpsilonEstimate> all;
    for (const std::string& name : accountant_names()) all.push_back(estimate_epsilon(name, ledger, 1e-5));
    const int best = headline_index(all);
    REQUIRE(best >= 0);
    CHECK(all[static_cast<size_t>(best)].accountant == "pld");
    CHECK(all[3].accountant == "gdp");
    CHECK(all[3].epsilon < all[static_cast<size_t>(best)].epsilon);  // the approximation undercounts here
    CHECK(to_json(all[3])["bound"] == "approximation");
  }
  SUBCASE("delta below PLD's truncation floor: PLD says so and RDP becomes the headline") {
    std::vector<EpsilonEstimate> all;
    for (const char* name : {"rdp", "pld", "prv"}) all.push_back(estimate_epsilon(name, ledger, 1e-300));
    CHECK_FALSE(all[1].valid);
    CHECK(all[1].status == "infinity_mass_above_delta");
    CHECK_FALSE(all[2].valid);
    CHECK(all[2].status == "delta_too_small");
    CHECK(headline_index(all) == 0);
    CHECK(std::isfinite(all[0].epsilon));
  }
}

TEST_CASE("prv: brackets the exact Gaussian at small sigma (both directions' thresholds for q = 1)") {
  // Regression: log(e^u - (1 - q)) was computed as expm1(u) + q, which is 0 for u << 0 when q = 1,
  // shifting the add direction's mean correction by 160 (found by a fuzz run).
  for (const double delta : {0.5, 1e-5}) {
    const double exact = gaussian_epsilon(0.05, delta);
    const PrvEpsilonResult r = composed<PrvAccountant>(1.0, 0.05, 1).get_epsilon_result(delta);
    CHECK(r.lower <= exact);
    CHECK(r.upper >= exact);
    CHECK(composed<PldAccountant>(1.0, 0.05, 1).get_epsilon(delta) >= exact * (1.0 - 1e-9));
  }
}

TEST_CASE("pld: tiny sigma over many steps never undercounts (fails closed)") {
  // Regression (fuzz): sigma = 0.01, q = 1, 10^6 steps (true epsilon ~5e9) gave epsilon 0 when the
  // grid interval grew past 709 and e^{loss} overflowed into NaN masses.
  const PldEpsilonResult r = composed<PldAccountant>(1.0, 0.01, 1000000).get_epsilon_result(1e-10);
  CHECK(r.epsilon == kInf);
  CHECK((r.domain_exceeded || r.delta_below_floor));
  PldPmf nan_pmf = identity_pmf(1e-4);
  nan_pmf.probs = {0.5, std::nan("")};
  CHECK(pmf_epsilon_for_delta(nan_pmf, 1e-5) == kInf);
  CHECK(pmf_delta_for_epsilon(nan_pmf, 1.0) == 1.0);
}

TEST_CASE("summary: extreme valid inputs never throw; a method out of its domain says so") {
  // Regression (fuzz): sigma = 1e-3, q = 1, 10^7 steps made the PLD interval grow to inf and throw.
  const std::vector<LedgerEntry> ledger = {{DpEvent::poisson_sampled_gaussian(1.0, 1e-3), 10000000}};
  for (const double delta : {1e-300, 0.5}) {
    std::vector<EpsilonEstimate> all;
    for (const std::string& name : accountant_names()) {
      CHECK_NOTHROW(all.push_back(estimate_epsilon(name, ledger, delta)));
    }
    for (const EpsilonEstimate& e : all) CHECK_FALSE(std::isnan(e.epsilon));
    const int best = headline_index(all);
    REQUIRE(best >= 0);  // RDP always answers
    CHECK(all[static_cast<size_t>(best)].valid);
  }
}

TEST_CASE("GDP at delta 0: the Gaussian mechanism has epsilon = inf (not where delta(epsilon) underflows)") {
  GdpAccountant gdp;
  gdp.compose(DpEvent::poisson_sampled_gaussian(0.01, 1.0), 1000);
  CHECK(std::isinf(gdp.get_epsilon(0.0)));
  CHECK(std::isfinite(gdp.get_epsilon(1e-5)));
  GdpAccountant nothing;  // mu = 0: no privacy loss, epsilon 0 at every delta
  CHECK(nothing.get_epsilon(0.0) == 0.0);
}
