// RunAccounting (experiments/run/run_accounting.hpp): the headline ε is the smallest valid upper
// bound of the reported accountants for the steps charged so far; an accountant that fails is
// reported as failed and RDP steps in; the planned check's estimates serve the last report;
// computed on two threads they are the same values as on one.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <limits>
#include <vector>

#include "dp/accounting/dp_event.hpp"
#include "dp/accounting/epsilon_summary.hpp"
#include "experiments/config/config_schema.hpp"
#include "experiments/run/run_accounting.hpp"

namespace dpt {
namespace {

PrivacyConfig privacy(std::optional<AccountantKind> accountant) {  // absent: "all"
  PrivacyConfig p;
  p.accountant = accountant;
  return p;
}

Resolved resolved(int64_t steps) {
  Resolved r;
  r.dataset_size = 1000;
  r.sampling_rate = 0.05;
  r.steps = steps;
  r.steps_per_epoch = 20;
  r.delta = 1e-5;
  r.noise_multiplier = 1.0;
  return r;
}

void charge(RunAccounting& a, int64_t steps) {
  for (int64_t t = 0; t < steps; ++t) a.charged().compose(DpEvent::poisson_sampled_gaussian(0.05, 1.0));
}

TEST_CASE("the headline is the smallest valid upper bound of every reported accountant") {
  RunAccounting a(privacy(std::nullopt), resolved(100));
  charge(a, 60);
  CHECK(a.steps_charged() == 60);
  const std::vector<EpsilonEstimate>& e = a.estimates();
  REQUIRE(e.size() == 4);  // rdp, pld, prv, gdp
  double smallest = std::numeric_limits<double>::infinity();
  for (const EpsilonEstimate& x : e) {
    if (x.valid && x.upper_bound && x.upper) smallest = std::min(smallest, *x.upper);
  }
  CHECK(std::isfinite(smallest));
  CHECK(a.headline_epsilon() == smallest);
  CHECK(a.headline_epsilon() < a.rdp_epsilon());  // PLD/PRV are tighter than RDP here
  // Recomputed for 60 steps from nothing: the same number (what resume checks an epoch's ε against).
  CHECK(a.headline_epsilon_at(60) == a.headline_epsilon());
  CHECK(a.headline_epsilon_at(30) < a.headline_epsilon());
  CHECK(a.headline_epsilon_at(0) == 0.0);
}

TEST_CASE("the accountants computed side by side give the values of one after the other, in order") {
  const int before = omp_get_max_threads();
  std::vector<EpsilonEstimate> by_threads[2];
  for (const int threads : {1, 2}) {
    omp_set_num_threads(threads);
    RunAccounting a(privacy(std::nullopt), resolved(100));
    by_threads[threads - 1] = a.estimates_at(60);
  }
  omp_set_num_threads(before);
  REQUIRE(by_threads[0].size() == 4);
  REQUIRE(by_threads[1].size() == 4);
  for (size_t k = 0; k < 4; ++k) {
    CHECK(by_threads[0][k].accountant == by_threads[1][k].accountant);
    CHECK(by_threads[0][k].epsilon == by_threads[1][k].epsilon);  // the same double
    CHECK(by_threads[0][k].valid == by_threads[1][k].valid);
  }
}

TEST_CASE("estimates follow the charged steps, and charge_taken_steps restores a ledger") {
  RunAccounting a(privacy(AccountantKind::kRdp), resolved(100)), b(privacy(AccountantKind::kRdp), resolved(100));
  charge(a, 10);
  const double at10 = a.headline_epsilon();
  charge(a, 10);
  CHECK(a.headline_epsilon() > at10);  // not a stale cache
  b.charge_taken_steps(20);
  CHECK(b.steps_charged() == 20);
  CHECK(b.step_event() == DpEvent::poisson_sampled_gaussian(0.05, 1.0));  // the resolved (q, sigma)
  CHECK(b.charged().ledger()[0].event == b.step_event());
  CHECK(b.to_json() == a.to_json());
  CHECK(b.headline_epsilon() == a.headline_epsilon());
}

TEST_CASE("the last report reuses the planned check's estimates, equal to a fresh computation") {
  RunAccounting a(privacy(AccountantKind::kPld), resolved(40)), fresh(privacy(AccountantKind::kPld), resolved(40));
  a.check_planned();
  a.charge_taken_steps(40);
  fresh.charge_taken_steps(40);
  CHECK(a.headline_epsilon() == fresh.headline_epsilon());
  CHECK(a.estimates().front().accountant == "pld");
}

TEST_CASE("a failing accountant is reported as failed, and RDP gives the headline instead") {
  RunAccounting a(privacy(AccountantKind::kPld), resolved(100), "pld");
  charge(a, 5);
  const std::vector<EpsilonEstimate>& e = a.estimates();
  REQUIRE(e.size() == 2);
  CHECK(e[0].accountant == "pld");
  CHECK_FALSE(e[0].valid);
  CHECK(e[0].status.find("failed: injected failure") == 0);
  CHECK(e[1].accountant == "rdp");
  CHECK(a.headline_epsilon() == e[1].upper.value());
  CHECK(a.headline_epsilon() == a.rdp_epsilon());
}

}  // namespace
}  // namespace dpt

namespace dpt {
namespace {

TEST_CASE("privacy.accountant's names are the registry's, and absent means every accountant") {
  for (const auto& entry : config_schema::kAccountants) {
    if (entry.value) {
      CHECK(entry.name == accountant_name(*entry.value));
      CHECK(reported_accountants(entry.value) == std::vector<AccountantKind>{*entry.value});
    } else {
      CHECK(entry.name == kAllAccountantsName);
      CHECK(reported_accountants(entry.value).size() == kAccountantKinds.size());
    }
  }
}

}  // namespace
}  // namespace dpt
