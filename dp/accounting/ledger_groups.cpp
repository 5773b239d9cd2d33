// Flattening of DP events into (q, sigma, count) groups for the PLD, PRV and GDP accountants.
#include "dp/accounting/ledger_groups.hpp"

#include <algorithm>
#include <limits>

#include "dp/accounting/accounting_error.hpp"

namespace dpt {
namespace {

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

}  // namespace dpt

namespace dpt {

void append_gaussian_event(std::vector<LedgerEntry>& ledger, const DpEvent& event, int64_t count,
                           const std::string& accountant) {
  DPT_ACCOUNTING_CHECK(count >= 1, "count must be >= 1, but is " + format_number(count) + ".");
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
