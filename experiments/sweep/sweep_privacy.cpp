// The privacy price of a sweep (see sweep_privacy.hpp).
#include "experiments/sweep/sweep_privacy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/core.h>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/pld_accountant.hpp"
#include "dp/accounting/rdp_accountant.hpp"
#include "dp/accounting/rdp_conversion.hpp"
#include "dp/accounting/repeat_and_select.hpp"
#include "experiments/config/config_parser.hpp"
#include "experiments/run/run_setup.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// RDP at `orders` of one run.
std::vector<double> run_rdp(const RunMechanism& m, const std::vector<double>& orders) {
  RdpAccountant rdp(orders);
  rdp.compose(event_of(m));
  return rdp.rdp();
}

// The largest number of distinct (q, sigma) groups the composed epsilon is computed with PLD for.
constexpr std::size_t kMaxPldGroups = 100;

// `price` with the tuning bound over `space` (when trials are given). Theorems 2 and 6 make the
// tuning mechanism an RDP mechanism, so the run reports' (improved) RDP conversion applies.
SweepPrice with_tuning(SweepPrice price, const std::vector<RunMechanism>& space, const std::optional<TuningTrials>& trials,
                       const std::vector<double>& orders, double delta) {
  if (trials) {
    const RdpEpsilon t = epsilon_from_rdp(orders, tuning_rdp(space, *trials, orders), delta);
    price.tuning_epsilon = t.epsilon;
    price.tuning_order = t.optimal_order;
    // For comparison: a grid search that ran every point once, composed (PLD; RDP if it fails or the space is large).
    RdpAccountant rdp(orders);
    PldAccountant pld;
    std::set<std::pair<double, double>> groups;
    for (const RunMechanism& m : space) {
      rdp.compose(event_of(m));
      pld.compose(event_of(m));
      groups.emplace(m.sampling_rate, m.noise_multiplier);
    }
    price.space_composed_epsilon = rdp.get_epsilon(delta);
    if (groups.size() <= kMaxPldGroups) {
      try {
        price.space_composed_epsilon = pld.get_epsilon(delta);
      } catch (const AccountingError&) {  // RDP's stands
      }
    }
  }
  return price;
}

}  // namespace

RunMechanism planned_mechanism(const nlohmann::json& config) {
  const ExperimentConfig c = parse_config(config);
  RunMechanism m;
  m.is_private = c.privacy.enabled;
  const RunSetup setup = prepare_run(c);
  m.sampling_rate = setup.resolved.sampling_rate;
  m.noise_multiplier = setup.resolved.noise_multiplier;
  m.steps = setup.resolved.steps;
  m.delta = setup.resolved.delta;
  m.data_hash = setup.data.content_hash;
  m.secure = c.privacy.secure_mode;
  return m;
}

DpEvent event_of(const RunMechanism& m) {
  if (!m.is_private) return DpEvent::non_private();
  return DpEvent::self_composed(DpEvent::poisson_sampled_gaussian(m.sampling_rate, m.noise_multiplier), m.steps);
}

std::vector<double> tuning_rdp(const std::vector<RunMechanism>& space, const TuningTrials& trials,
                               const std::vector<double>& orders) {
  // The mixture's RDP: at most the largest RDP among the points, order by order.
  std::vector<double> base(orders.size(), 0.0);
  for (const RunMechanism& m : space) {
    if (!m.is_private) return std::vector<double>(orders.size(), kInf);
    const std::vector<double> r = run_rdp(m, orders);
    for (std::size_t i = 0; i < orders.size(); ++i) base[i] = std::max(base[i], r[i]);
  }
  return repeat_and_select_rdp(orders, base, trials.mean, trials.shape);
}

SweepPrice sweep_price(const std::vector<RunMechanism>& done, const std::vector<RunMechanism>& space,
                       const std::optional<TuningTrials>& trials, double delta) {
  SweepPrice price;
  price.delta = delta;
  price.runs = static_cast<int64_t>(done.size());
  const std::vector<double> orders = RdpAccountant::default_orders();
  RdpAccountant rdp(orders);
  PldAccountant pld;
  for (const RunMechanism& m : done) {
    const DpEvent e = event_of(m);
    rdp.compose(e);
    pld.compose(e);
  }
  price.composed_epsilon_rdp = rdp.get_epsilon(delta);
  std::set<std::pair<double, double>> groups;  // the PLD composes each distinct (q, sigma) once (~0.1 s each)
  for (const RunMechanism& m : done) groups.emplace(m.sampling_rate, m.noise_multiplier);
  if (groups.size() > kMaxPldGroups) {
    price.composed_epsilon = price.composed_epsilon_rdp;
    price.note = fmt::format("{} distinct (q, sigma) among the runs, more than the {} the PLD composes in bounded time: the "
                             "composed epsilon is RDP's", groups.size(), kMaxPldGroups);
    return with_tuning(price, space, trials, orders, delta);
  }
  try {
    price.composed_epsilon = pld.get_epsilon(delta);
  } catch (const AccountingError& e) {  // a composition the PLD cannot discretise: RDP stands
    price.composed_epsilon = price.composed_epsilon_rdp;
    price.note = std::string("PLD failed (") + e.what() + "); the composed epsilon is RDP's";
  }
  return with_tuning(price, space, trials, orders, delta);
}

}  // namespace dpt
