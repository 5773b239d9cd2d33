// One step of the subsampled Gaussian as a discrete PLD or PRV (dp/accounting/pld_mechanism.*):
// what each discretisation pass promises on its own — the masses form a distribution
// (rounded_up_masses, connect_the_dots_masses, cell_centred_pmf), connect-the-dots reproduces the
// true delta at grid points (chord_cells), and the PRV mean correction gives the loss's exact
// mean within mean_error (simpson_mean, grid_mean; q = 1: E[L] = KL = 1/(2 sigma^2)).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "dp/accounting/pld_mechanism.hpp"
#include "dp/accounting/pld_pmf.hpp"

using namespace dpt;

namespace {

double mass(const PldPmf& pmf) { return std::accumulate(pmf.probs.begin(), pmf.probs.end(), 0.0); }

// delta(eps) = P(L > eps) - e^eps Q(L > eps) of one remove-direction step, from the threshold
// L > eps <=> x > t = sigma^2 log((e^eps - (1 - q)) / q) + 1/2 (eps > log(1 - q)).
double exact_remove_delta(double q, double sigma, double eps) {
  const double t = sigma * sigma * std::log((std::exp(eps) - (1.0 - q)) / q) + 0.5;
  auto upper_tail = [](double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); };  // P(Z > z)
  const double p_above = (1.0 - q) * upper_tail(t / sigma) + q * upper_tail((t - 1.0) / sigma);
  return p_above - std::exp(eps) * upper_tail(t / sigma);
}

}  // namespace

TEST_CASE("pld step: the masses and the +inf mass sum to 1, every mass >= 0") {
  for (const PldDiscretisation discretisation :
       {PldDiscretisation::kConnectTheDots, PldDiscretisation::kPessimisticRounding}) {
    for (const PldDirection direction : {PldDirection::kRemove, PldDirection::kAdd}) {
      for (const double q : {1e-3, 0.1, 0.5, 1.0}) {
        for (const double sigma : {0.5, 1.0, 5.0}) {
          const PldPmf pmf = subsampled_gaussian_pld(q, sigma, direction, 1e-3, discretisation, int64_t{1} << 20);
          const double total = mass(pmf) + pmf.infinity_mass;
          CHECK_MESSAGE(std::abs(total - 1.0) < 1e-12, to_string(discretisation), " ", to_string(direction), " q ", q,
                        " sigma ", sigma, ": total mass ", total);
          CHECK(*std::min_element(pmf.probs.begin(), pmf.probs.end()) >= 0.0);
        }
      }
    }
  }
}

TEST_CASE("pld step: connect-the-dots gives the true delta at grid points") {
  for (const double q : {0.1, 1.0}) {
    const double sigma = 1.0;
    const PldPmf pmf = subsampled_gaussian_pld(q, sigma, PldDirection::kRemove, 1e-3,
                                               PldDiscretisation::kConnectTheDots, int64_t{1} << 20);
    for (const double eps : {0.05, 0.2, 0.5, 1.0, 2.0}) {
      const int64_t k = static_cast<int64_t>(std::llround(eps / pmf.interval)) - pmf.offset;
      const double l = pmf.loss(k);  // the grid point nearest eps
      const double exact = exact_remove_delta(q, sigma, l);
      const double ours = pmf_delta_for_epsilon(pmf, l);
      CHECK_MESSAGE(std::abs(ours - exact) <= 1e-9 * exact, "q ", q, " eps ", l, ": ", ours, " vs exact ", exact);
    }
  }
}

TEST_CASE("prv step: the cell masses sum to 1; with the mean correction the mean is E[L] within mean_error") {
  for (const PldDirection direction : {PldDirection::kRemove, PldDirection::kAdd}) {
    for (const double q : {1e-3, 0.1, 1.0}) {
      for (const double sigma : {0.5, 1.0, 5.0}) {
        const PrvStep step = subsampled_gaussian_prv(q, sigma, direction, 1e-3);
        CHECK_MESSAGE(std::abs(mass(step.pmf) - 1.0) < 1e-12, to_string(direction), " q ", q, " sigma ", sigma);
        CHECK(step.pmf.infinity_mass == 0.0);
        CHECK(step.tail_mass < 1e-20);
        if (q == 1.0) {  // L ~ N(1/(2 sigma^2), 1/sigma^2) in both directions; the clamped tails are ~1e-23
          const double mean = pmf_mean(step.pmf);
          const double kl = 1.0 / (2.0 * sigma * sigma);
          CHECK_MESSAGE(std::abs(mean - kl) <= step.mean_error, to_string(direction), " sigma ", sigma, ": mean ",
                        mean, " vs ", kl, ", mean_error ", step.mean_error);
        }
      }
    }
  }
}
