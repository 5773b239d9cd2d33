// Flattening of DP events into (q, sigma, count) groups for the PLD, PRV and GDP accountants.
#include "dp/accounting/ledger_groups.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "dp/accounting/accounting_error.hpp"

namespace dpt {
namespace {

constexpr double kSqrt2 = std::numbers::sqrt2;
// The largest mu of a merged full-batch step: that of one step at sigma = 1, whose loss grid spans
// ~21 (a step of mu spans mu^2 + 2 kTailSigmas mu; at mu ~ 16.5 it would reach kMaxGridLoss, and
// its grid would cost more to build than the composition saves).
constexpr double kMaxMergedMu = 1.0;

int64_t checked_product(int64_t a, int64_t b) {
  DPT_ACCOUNTING_CHECK(a <= std::numeric_limits<int64_t>::max() / b,
                       "count overflows: " + format_number(a) + " * " + format_number(b) + ".");
  return a * b;
}

void add_steps(LedgerGroups& g, double q, double sigma, int64_t count) {
  if (q == 0.0) return;  // never touches the record
  DPT_ACCOUNTING_CHECK(g.total_steps <= std::numeric_limits<int64_t>::max() - count,
                       "count overflows: " + format_number(g.total_steps) + " + " + format_number(count) + " steps.");
  g.total_steps += count;
  for (GaussianStepGroup& group : g.groups) {
    if (group.sampling_rate == q && group.noise_multiplier == sigma) {
      group.count += count;
      return;
    }
  }
  g.groups.push_back(GaussianStepGroup{q, sigma, count});
}

}  // namespace

bool is_gaussian_event(const DpEvent& event) {
  return std::visit(
      [](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, PoissonSampledEvent>) {
          return x.event->template get_if<GaussianEvent>() != nullptr;
        } else if constexpr (std::is_same_v<T, SelfComposedEvent>) {
          return is_gaussian_event(*x.event);
        } else if constexpr (std::is_same_v<T, ComposedEvent>) {
          return std::all_of(x.events.begin(), x.events.end(), [](const DpEvent& e) { return is_gaussian_event(e); });
        } else {
          return true;  // Gaussian, NoOp, NonPrivate
        }
      },
      event.variant());
}

void add_to_groups(const DpEvent& event, int64_t count, LedgerGroups& groups) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, GaussianEvent>) {
          add_steps(groups, 1.0, x.noise_multiplier, count);
        } else if constexpr (std::is_same_v<T, PoissonSampledEvent>) {
          const GaussianEvent* gaussian = x.event->template get_if<GaussianEvent>();
          if (gaussian == nullptr) {
            throw UnsupportedEventError("Poisson sampling of a non-Gaussian mechanism is not supported: " +
                                        event.describe() + ".");
          }
          add_steps(groups, x.sampling_rate, gaussian->noise_multiplier, count);
        } else if constexpr (std::is_same_v<T, SelfComposedEvent>) {
          add_to_groups(*x.event, checked_product(count, x.count), groups);
        } else if constexpr (std::is_same_v<T, ComposedEvent>) {
          for (const DpEvent& e : x.events) add_to_groups(e, count, groups);
        } else if constexpr (std::is_same_v<T, NonPrivateEvent>) {
          groups.non_private = true;
        }
      },
      event.variant());
}

LedgerGroups group_ledger(const std::vector<LedgerEntry>& ledger) {
  LedgerGroups groups;
  for (const LedgerEntry& entry : ledger) add_to_groups(entry.event, entry.count, groups);
  return groups;
}

LedgerGroups merge_full_batch_steps(const LedgerGroups& groups) {
  double mu2 = 0.0;  // sum n_i / sigma_i^2 over the q = 1 groups
  int full_batch_groups = 0;
  int64_t full_batch_steps = 0;
  for (const GaussianStepGroup& g : groups.groups) {
    if (g.sampling_rate != 1.0) continue;
    if (g.noise_multiplier == 0.0) return groups;
    mu2 += static_cast<double>(g.count) / (g.noise_multiplier * g.noise_multiplier);
    ++full_batch_groups;
    full_batch_steps += g.count;  // cannot overflow: total_steps did not
  }
  if (full_batch_steps <= 1 || !std::isfinite(mu2)) return groups;  // nothing to merge, or no normal double
  // k equal steps of mu^2 / k each, k the fewest with mu / sqrt(k) <= kMaxMergedMu (any k is exact;
  // the 1e-9 keeps 100 steps at sigma = 10 one step despite rounding).
  const double k = std::max(1.0, std::ceil(mu2 * (1.0 - 1e-9) / (kMaxMergedMu * kMaxMergedMu)));
  if (!(k < static_cast<double>(full_batch_steps))) return groups;  // no fewer steps than as they are
  // Each division and addition rounds by <= 1/2 ulp: 1e-15 per group covers them, and the
  // nextafter below the square root's, so the merged sigma is never above the exact one.
  mu2 *= 1.0 + 1e-15 * full_batch_groups;
  const double sigma = std::nextafter(std::sqrt(k / mu2), 0.0);
  if (!std::isnormal(sigma)) return groups;
  LedgerGroups out;
  out.non_private = groups.non_private;
  out.groups.push_back(GaussianStepGroup{1.0, sigma, static_cast<int64_t>(k)});
  out.total_steps = static_cast<int64_t>(k);
  for (const GaussianStepGroup& g : groups.groups) {
    if (g.sampling_rate == 1.0) continue;
    out.groups.push_back(g);
    out.total_steps += g.count;
  }
  return out;
}

LedgerGroups composition_groups(const std::vector<LedgerEntry>& ledger) {
  return merge_full_batch_steps(group_ledger(ledger));
}

double total_variation_bound(const LedgerGroups& groups) {
  if (groups.non_private) return 1.0;
  if (groups.groups.empty()) return 0.0;
  double log_same = 0.0;  // log prod_i (1 - t_i)^{n_i}
  double t_one = 0.0;     // t of the only step, if there is one
  for (const GaussianStepGroup& g : groups.groups) {
    // erf(x) <= 1 exactly, so TV <= q; the factor covers the rounding of erf and of the product.
    const double erf_term = g.noise_multiplier == 0.0 ? 1.0 : std::erf(1.0 / (2.0 * kSqrt2 * g.noise_multiplier));
    const double t = std::min(g.sampling_rate, g.sampling_rate * erf_term * (1.0 + 1e-15));
    if (!(t < 1.0)) return 1.0;
    log_same += static_cast<double>(g.count) * std::log1p(-t);
    t_one = t;
  }
  if (groups.total_steps == 1) return t_one;
  // log1p, the product and expm1 are each within a few ulp: 1e-12 relative is ample.
  return std::min(1.0, -std::expm1(log_same) * (1.0 + 1e-12));
}

}  // namespace dpt

namespace dpt {

void append_gaussian_event(std::vector<LedgerEntry>& ledger, const DpEvent& event, int64_t count,
                           const std::string& accountant) {
  check_at_least<AccountingError>(count, 1, "count");
  if (!is_gaussian_event(event)) {
    throw UnsupportedEventError("the " + accountant + " accountant does not support " + event.describe() + ".");
  }
  LedgerGroups trial = group_ledger(ledger);
  add_to_groups(event, count, trial);  // throws on overflow
  if (!ledger.empty() && ledger.back().event == event) {
    DPT_ACCOUNTING_CHECK(ledger.back().count <= std::numeric_limits<int64_t>::max() - count,
                         "count overflows: " + format_number(ledger.back().count) + " + " + format_number(count) +
                             " steps of " + event.describe() + ".");
    ledger.back().count += count;
    return;
  }
  ledger.push_back(LedgerEntry{event, count});
}

}  // namespace dpt
