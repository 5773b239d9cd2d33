// The stateful PLD accountant: ledger -> (q, sigma) groups -> one-step PLDs -> self-composition
// -> convolution of the groups, per direction; cached until the next compose().
#include "dp/accounting/pld_accountant.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "dp/accounting/accountant_json.hpp"
#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/ledger_groups.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// The grid step may grow to h * 2^40 (1e-4 -> 1e8) before the PLD gives up (domain_exceeded).
constexpr int kMaxIntervalDoublings = 40;
// Losses live on [.., kMaxGridLoss = 300]: a coarser grid than 1 would be meaningless (and
// e^{loss} of its points would overflow).
constexpr double kMaxInterval = 1.0;

PldOptions validated(PldOptions o) {
  const double h = o.value_discretization_interval;
  check_in<AccountingError>(h, Bounds::left_open(0.0, 1.0), "value_discretization_interval");
  check_in<AccountingError>(o.composition.tail_mass_truncation, Bounds::closed(0.0, 1e-6), "tail_mass_truncation");
  const int64_t max_bins = o.composition.max_bins;
  check_that<AccountingError>(max_bins >= 1024 && max_bins <= (int64_t{1} << 26), "max_bins", "in [1024, 2^26]", max_bins);
  o.composition.allow_coarsening = true;  // the PLD stays an upper bound when coarsened
  return o;
}

void check_delta(double delta) {
  check_in<AccountingError>(delta, Bounds::closed(0.0, 1.0), "delta");
}

// The group's step self-composed g.count times, at the interval h = value_discretization_interval
// doubled until the composition fits max_bins without coarsening (connect-the-dots stays tight;
// rounding a fine composed grid up would add ~h/2 per step); nullopt when no interval <=
// kMaxInterval fits (domain exceeded). FFT sizes and convolutions are added to `totals`.
std::optional<PldPmf> self_composed_group(const GaussianStepGroup& g, PldDirection direction, const PldOptions& options,
                                          int64_t step_bins, PldCompositionStatus& totals) {
  // One step must fit step_bins on a grid no coarser than kMaxInterval (q = 1 with sigma below
  // ~1e-3 spans losses down to -1/(2 sigma^2)): otherwise say so before building anything.
  if (subsampled_gaussian_grid_bins(g.sampling_rate, g.noise_multiplier, direction, kMaxInterval) > step_bins)
    return std::nullopt;
  PldCompositionOptions no_coarsening = options.composition;
  no_coarsening.allow_coarsening = false;
  for (int doublings = 0;; ++doublings) {
    const double interval = std::ldexp(options.value_discretization_interval, doublings);
    if (doublings > kMaxIntervalDoublings || interval > kMaxInterval) return std::nullopt;  // no grid fits
    const PldPmf step = subsampled_gaussian_pld(g.sampling_rate, g.noise_multiplier, direction, interval,
                                                options.discretisation, step_bins);
    if (step.interval > kMaxInterval) return std::nullopt;  // coarsened past the largest meaningful step
    PldCompositionStatus status;
    PldPmf part = self_compose_pmf(step, g.count, no_coarsening, status);
    totals.largest_fft = std::max(totals.largest_fft, status.largest_fft);
    totals.convolutions += status.convolutions;
    if (!status.exceeded) {
      part.coarsenings += doublings;
      return part;
    }
    // The window scales like 1/interval: jump straight to a step that should fit.
    const double ratio = status.needed_bins / static_cast<double>(options.composition.max_bins);
    if (ratio > 2.0) doublings += static_cast<int>(std::min(40.0, std::ceil(std::log2(ratio)))) - 1;
  }
}

// total = the PLD of every group in one direction, each self-composed then convolved in ledger
// order (the identity for a NonPrivate ledger); false on domain exceeded (total then partial).
bool compose_direction(const LedgerGroups& groups, PldDirection direction, const PldOptions& options,
                       int64_t step_bins, PldPmf& total, PldCompositionStatus& status) {
  total = identity_pmf(options.value_discretization_interval);
  if (groups.non_private) return true;
  for (const GaussianStepGroup& g : groups.groups) {
    const std::optional<PldPmf> part = self_composed_group(g, direction, options, step_bins, status);
    if (!part) return false;
    total = compose_pmfs(total, *part, options.composition, status);
  }
  return true;
}

}  // namespace

PldAccountant::PldAccountant(PldOptions options) : options_(validated(options)) {}

bool PldAccountant::supports(const DpEvent& event) const { return is_gaussian_event(event); }

void PldAccountant::compose(const DpEvent& event, int64_t count) {
  append_gaussian_event(ledger_, event, count, name());
  cache_.reset();
}

const PldAccountant::Composed& PldAccountant::composed() const {
  if (cache_) return *cache_;
  auto out = std::make_shared<Composed>();
  const LedgerGroups groups = composition_groups(ledger_);
  out->non_private = groups.non_private;
  for (const GaussianStepGroup& g : groups.groups) out->no_noise = out->no_noise || g.noise_multiplier == 0.0;
  const int64_t step_bins = std::max<int64_t>(1024, options_.composition.max_bins / 2);
  bool symmetric = true;  // q = 1 everywhere: both directions have the same PLD
  for (const GaussianStepGroup& g : groups.groups) symmetric = symmetric && g.sampling_rate == 1.0;
  for (const PldDirection direction : {PldDirection::kRemove, PldDirection::kAdd}) {
    PldPmf& total = direction == PldDirection::kRemove ? out->remove : out->add;
    if (direction == PldDirection::kAdd && symmetric) {
      total = out->remove;
      break;
    }
    out->domain_exceeded = !compose_direction(groups, direction, options_, step_bins, total, out->status);
    if (out->domain_exceeded) break;
  }
  cache_ = out;
  return *cache_;
}

PldEpsilonResult PldAccountant::get_epsilon_result(double delta) const {
  check_delta(delta);
  PldEpsilonResult r;
  const LedgerGroups groups = composition_groups(ledger_);
  r.total_variation = total_variation_bound(groups);
  if (delta >= r.total_variation) {  // delta(0) = TV <= delta: epsilon = 0 exactly, no PLD needed
    r.by_total_variation = true;
    return r;
  }
  // Every self-composition (count > 1) puts at least this mass at +inf: delta below it gets inf
  // however the composition turns out, so it is not computed (delta = 1e-300 costs nothing).
  // (With sigma = 0 the infinite loss is genuine and reported as such below.)
  const auto& g = groups.groups;
  const bool self_composes = std::any_of(g.begin(), g.end(), [](const GaussianStepGroup& x) { return x.count > 1; });
  const bool no_noise = std::any_of(g.begin(), g.end(), [](const GaussianStepGroup& x) { return x.noise_multiplier == 0.0; });
  if (!groups.non_private && !no_noise && self_composes && delta < self_composition_infinity_floor(options_.composition)) {
    r.epsilon = r.epsilon_remove = r.epsilon_add = kInf;
    r.delta_below_floor = true;
    return r;
  }
  const Composed& c = composed();
  r.interval = std::max(c.remove.interval, c.add.interval);
  r.coarsenings = std::max(c.remove.coarsenings, c.add.coarsenings);
  r.truncated_mass = std::max(c.remove.truncated_mass, c.add.truncated_mass);
  r.bins = static_cast<int64_t>(std::max(c.remove.probs.size(), c.add.probs.size()));
  r.largest_fft = c.status.largest_fft;
  r.convolutions = c.status.convolutions;
  if (c.non_private) {
    r.epsilon = r.epsilon_remove = r.epsilon_add = delta >= 1.0 ? 0.0 : kInf;
    return r;
  }
  if (c.domain_exceeded) {
    r.epsilon = r.epsilon_remove = r.epsilon_add = kInf;
    r.domain_exceeded = true;
    return r;
  }
  r.epsilon_remove = pmf_epsilon_for_delta(c.remove, delta);
  r.epsilon_add = pmf_epsilon_for_delta(c.add, delta);
  r.epsilon = std::max(r.epsilon_remove, r.epsilon_add);
  r.delta_below_floor = std::isinf(r.epsilon) && !c.no_noise;
  return r;
}

double PldAccountant::get_epsilon(double delta) const { return get_epsilon_result(delta).epsilon; }

double PldAccountant::get_delta(double epsilon) const {
  check_finite_non_negative<AccountingError>(epsilon, "epsilon");
  const double tv = total_variation_bound(composition_groups(ledger_));  // delta(eps) <= delta(0) = TV
  const Composed& c = composed();
  if (c.non_private || c.domain_exceeded) return tv;
  return std::min(tv, std::max(pmf_delta_for_epsilon(c.remove, epsilon), pmf_delta_for_epsilon(c.add, epsilon)));
}

nlohmann::json PldAccountant::to_json() const {
  return {{"accountant", name()},
          {"format_version", kAccountantFormatVersion},
          {"neighbouring_relation", to_string(neighbouring_relation())},
          {"value_discretization_interval", options_.value_discretization_interval},
          {"discretisation", to_string(options_.discretisation)},
          {"tail_mass_truncation", options_.composition.tail_mass_truncation},
          {"max_bins", options_.composition.max_bins},
          {"ledger", ledger_to_json(ledger_)}};
}

PldAccountant PldAccountant::from_json(const nlohmann::json& j) {
  check_accountant_json_header(j, "pld",
                               {"accountant", "format_version", "neighbouring_relation", "value_discretization_interval",
                                "discretisation", "tail_mass_truncation", "max_bins", "ledger"});
  PldOptions o;
  o.value_discretization_interval = json_number(j, "value_discretization_interval");
  o.composition.tail_mass_truncation = json_number(j, "tail_mass_truncation");
  o.composition.max_bins = json_int64(j, "max_bins");
  const nlohmann::json& discretisation = j.at("discretisation");
  if (discretisation == "connect_the_dots") {
    o.discretisation = PldDiscretisation::kConnectTheDots;
  } else if (discretisation == "pessimistic_rounding") {
    o.discretisation = PldDiscretisation::kPessimisticRounding;
  } else {
    throw AccountingError("discretisation must be \"connect_the_dots\" or \"pessimistic_rounding\", but is " +
                          discretisation.dump() + ".");
  }
  PldAccountant accountant(o);
  for (const LedgerEntry& entry : ledger_from_json(j.at("ledger"))) accountant.compose(entry.event, entry.count);
  return accountant;
}

AccountantFactory pld_accountant_factory(PldOptions options) {
  return [options]() -> std::unique_ptr<PrivacyAccountant> { return std::make_unique<PldAccountant>(options); };
}

}  // namespace dpt
