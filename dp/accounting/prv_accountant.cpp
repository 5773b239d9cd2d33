// PRV accountant: mesh from eps_error, per-direction composition of the mean-corrected
// discretisations, and the Hoeffding bracket (see prv_accountant.hpp).
#include "dp/accounting/prv_accountant.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "dp/accounting/accountant_json.hpp"
#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/ledger_groups.hpp"
#include "dp/accounting/pld_mechanism.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kDefaultDeltaErrorForDeltaQueries = 1e-12;
constexpr int kMaxMeshDoublings = 40;
// A coarser mesh than this says nothing useful (and PLD's grid stops at the same step).
constexpr double kMaxMesh = 1.0;

PrvOptions validated(const PrvOptions& o) {
  check_in<AccountingError>(o.eps_error, Bounds::left_open(0.0, 10.0), "eps_error");
  check_in<AccountingError>(o.delta_error, Bounds::right_open(0.0, 1.0), "delta_error");
  check_that<AccountingError>(o.max_bins >= 1024 && o.max_bins <= (int64_t{1} << 26), "max_bins", "in [1024, 2^26]",
                              o.max_bins);
  check_in<AccountingError>(o.tail_mass_truncation, Bounds::closed(0.0, 1e-6), "tail_mass_truncation");
  return o;
}

// A lower bound on Composed::tail_mass (the remove direction's tails alone, at any mesh <= kMaxMesh).
double tail_mass_floor(const LedgerGroups& groups) {
  double floor = 0.0;
  for (const GaussianStepGroup& g : groups.groups) {
    if (g.noise_multiplier == 0.0) continue;  // no noise: composed() says so
    floor += static_cast<double>(g.count) *
             subsampled_gaussian_prv_tail_floor(g.sampling_rate, g.noise_multiplier, PldDirection::kRemove, kMaxMesh);
  }
  return floor * (1.0 - 1e-12);  // the sum's rounding
}

// Doubles h until one step's grid of every group, in both directions, spans at most max_bins / 2
// bins (relaxed: it had to); false when not even a mesh of kMaxMesh fits (domain exceeded).
bool fit_step_mesh(const LedgerGroups& groups, int64_t max_bins, double& h, bool& relaxed) {
  for (const GaussianStepGroup& g : groups.groups) {
    for (const PldDirection d : {PldDirection::kRemove, PldDirection::kAdd}) {
      if (subsampled_gaussian_grid_bins(g.sampling_rate, g.noise_multiplier, d, kMaxMesh) > max_bins / 2) return false;
      while (subsampled_gaussian_grid_bins(g.sampling_rate, g.noise_multiplier, d, h) > max_bins / 2) {
        h *= 2.0;
        relaxed = true;
      }
    }
  }
  return true;
}

// The factor h grows by when a self-composition needed needed_bins > max_bins: the window scales like
// 1/h, so 2^ceil(log2(needed / max_bins)) (at most 2^40), at least 2.
double mesh_growth(double needed_bins, int64_t max_bins) {
  const double ratio = needed_bins / static_cast<double>(max_bins);
  return ratio > 2.0 ? std::exp2(std::min(40.0, std::ceil(std::log2(ratio)))) : 2.0;
}

// Whether delta is too small for any upper bound, known before composing: the upper bound needs
// delta - eta above the steps' clamped tails and above the +inf mass that every self-composition
// (count > 1) charges, so a delta below them (1e-300) costs nothing. (sigma = 0 or a NonPrivate
// event: never; their epsilon is genuinely inf.)
bool below_certifiable_delta(const LedgerGroups& groups, double delta, double eta, double tail_mass_truncation) {
  PldCompositionOptions composition;
  composition.tail_mass_truncation = tail_mass_truncation;
  const auto& g = groups.groups;
  const bool self_composes = std::any_of(g.begin(), g.end(), [](const GaussianStepGroup& x) { return x.count > 1; });
  const bool no_noise =
      std::any_of(g.begin(), g.end(), [](const GaussianStepGroup& x) { return x.noise_multiplier == 0.0; });
  const bool below_floor = delta <= eta + tail_mass_floor(groups) ||
                           (self_composes && delta - eta < self_composition_infinity_floor(composition));
  return !groups.non_private && !no_noise && below_floor;
}

}  // namespace

std::string to_string(PrvStatus status) {
  switch (status) {
    case PrvStatus::kOk: return "ok";
    case PrvStatus::kEpsErrorRelaxed: return "eps_error_relaxed";
    case PrvStatus::kDeltaTooSmall: return "delta_too_small";
    case PrvStatus::kDomainExceeded: return "domain_exceeded";
  }
  return "?";
}

PrvAccountant::PrvAccountant(PrvOptions options) : options_(validated(options)) {}

bool PrvAccountant::supports(const DpEvent& event) const { return is_gaussian_event(event); }

void PrvAccountant::compose(const DpEvent& event, int64_t count) {
  append_gaussian_event(ledger_, event, count, name());
  cache_.reset();
}

const PrvAccountant::Composed& PrvAccountant::cached(std::shared_ptr<Composed> out, double eta) const {
  cache_ = std::move(out);
  cache_eta_ = eta;
  return *cache_;
}

void PrvAccountant::compose_at_mesh(const LedgerGroups& groups, double h, Composed& out,
                                    PldCompositionStatus& status) const {
  PldCompositionOptions composition;
  composition.max_bins = options_.max_bins;
  composition.allow_coarsening = false;  // merging cells would break the mean correction
  composition.tail_mass_truncation = options_.tail_mass_truncation;
  out.tail_mass = 0.0;
  out.mean_error = 0.0;
  for (const PldDirection d : {PldDirection::kRemove, PldDirection::kAdd}) {
    PldPmf total = identity_pmf(h);
    for (const GaussianStepGroup& g : groups.groups) {
      if (status.exceeded) break;
      const PrvStep step = subsampled_gaussian_prv(g.sampling_rate, g.noise_multiplier, d, h);
      const double count = static_cast<double>(g.count);
      out.tail_mass = std::max(out.tail_mass, 0.0) + count * step.tail_mass;
      out.mean_error += count * step.mean_error;
      const PldPmf part = self_compose_pmf(step.pmf, g.count, composition, status);
      if (status.exceeded) break;
      total = compose_pmfs(total, part, composition, status);
    }
    (d == PldDirection::kRemove ? out.remove : out.add) = std::move(total);
  }
}

const PrvAccountant::Composed& PrvAccountant::composed(double eta, bool certified_only) const {
  if (cache_ && cache_eta_ == eta && (cache_->complete || certified_only)) return *cache_;
  auto out = std::make_shared<Composed>();
  const LedgerGroups groups = composition_groups(ledger_);
  out->non_private = groups.non_private;
  out->empty = groups.groups.empty();
  for (const GaussianStepGroup& g : groups.groups) out->no_noise = out->no_noise || g.noise_multiplier == 0.0;
  if (out->non_private || out->empty || out->no_noise) return cached(out, eta);
  const double n = static_cast<double>(groups.total_steps);
  const double spread = std::sqrt(n * -std::log(eta) / 2.0);  // t = h * spread (1/eta may overflow)
  double h = options_.eps_error / spread;
  auto stop = [&](PrvStatus status, bool complete) -> const Composed& {  // no (certified) composition at h
    out->status = status;
    out->complete = complete;
    out->mesh = h;
    return cached(out, eta);
  };
  bool relaxed = false;
  if (!fit_step_mesh(groups, options_.max_bins, h, relaxed) || !(h <= kMaxMesh))
    return stop(PrvStatus::kDomainExceeded, true);
  if (relaxed) out->status = PrvStatus::kEpsErrorRelaxed;
  if (certified_only && relaxed) return stop(PrvStatus::kEpsErrorRelaxed, false);  // a relaxed mesh certifies nothing
  for (int attempt = 0;; ++attempt) {
    if (attempt > kMaxMeshDoublings) {
      out->status = PrvStatus::kDomainExceeded;
      break;
    }
    PldCompositionStatus status;
    compose_at_mesh(groups, h, *out, status);
    if (!status.exceeded) {
      out->largest_fft = status.largest_fft;
      break;
    }
    h *= mesh_growth(status.needed_bins, options_.max_bins);
    out->status = PrvStatus::kEpsErrorRelaxed;
    if (!(h <= kMaxMesh)) return stop(PrvStatus::kDomainExceeded, true);
    if (certified_only) return stop(PrvStatus::kEpsErrorRelaxed, false);
  }
  out->mesh = h;
  out->hoeffding = h * spread;
  return cached(out, eta);
}

PrvEpsilonResult PrvAccountant::get_epsilon_result(double delta) const { return epsilon_result(delta, false); }

bool PrvAccountant::settled_without_bracket(const Composed& c, double delta, PrvEpsilonResult& r) {
  if (c.non_private || c.no_noise) {
    r.lower = r.estimate = r.upper = delta >= 1.0 ? 0.0 : kInf;
    return true;
  }
  if (!c.complete) {  // certified_only, and the mesh had to be relaxed: no valid bound
    r.status = c.status;
    r.mesh = c.mesh;
    r.estimate = r.upper = kInf;
    return true;
  }
  if (c.empty) return true;
  r.status = c.status;
  r.mesh = c.mesh;
  r.bins = static_cast<int64_t>(std::max(c.remove.probs.size(), c.add.probs.size()));
  r.largest_fft = c.largest_fft;
  if (c.status == PrvStatus::kDomainExceeded) {
    r.lower = 0.0;
    r.estimate = r.upper = kInf;
    return true;
  }
  return false;
}

void PrvAccountant::hoeffding_bracket(const Composed& c, double delta, double eta, PrvEpsilonResult& r) {
  const double t = c.hoeffding + c.mean_error;
  r.eps_error = t;
  const double slack = eta + c.tail_mass;
  const double truncation = std::max(c.remove.truncated_mass, c.add.truncated_mass);
  if (slack + truncation > r.delta_error) r.delta_error = slack + truncation;  // reported honestly
  r.lower = 0.0;
  r.estimate = 0.0;
  r.upper = 0.0;
  for (const PldPmf* pmf : {&c.remove, &c.add}) {
    r.estimate = std::max(r.estimate, pmf_epsilon_for_delta(*pmf, delta));
    // The +inf mass here is truncation and round-off only (sigma > 0): an infinite epsilon of the
    // discretisation says nothing, so it gives no lower bound (0) rather than an infinite one.
    const double at_lower = pmf_epsilon_for_delta(*pmf, std::min(1.0, delta + slack + truncation));
    if (std::isfinite(at_lower)) r.lower = std::max(r.lower, at_lower - t);
    if (delta - slack > 0.0) {
      r.upper = std::max(r.upper, pmf_epsilon_for_delta(*pmf, delta - slack) + t);
    } else {
      r.upper = kInf;
      r.status = PrvStatus::kDeltaTooSmall;
    }
  }
  r.lower = std::max(0.0, r.lower);
  if (std::isinf(r.upper) && r.status == PrvStatus::kOk) r.status = PrvStatus::kDeltaTooSmall;
  // A relaxed mesh is not certified (see PrvStatus): its lower bound is withheld (0), not shown.
  if (r.status == PrvStatus::kEpsErrorRelaxed) r.lower = 0.0;
}

PrvEpsilonResult PrvAccountant::epsilon_result(double delta, bool certified_only) const {
  check_in<AccountingError>(delta, Bounds::closed(0.0, 1.0), "delta");
  PrvEpsilonResult r;
  r.delta_error = options_.delta_error > 0.0 ? options_.delta_error : delta / 1000.0;
  // A subnormal delta (1e-320) would give an eta whose log is inaccurate: keep eta normal (delta is
  // then below delta_error and the upper bound is reported as delta_too_small).
  r.delta_error = std::max(r.delta_error, 2.0 * std::numeric_limits<double>::min());
  const double eta = r.delta_error / 2.0;  // the rest of delta_error is for tails and truncation
  const LedgerGroups groups = composition_groups(ledger_);
  r.total_variation = total_variation_bound(groups);
  if (delta >= r.total_variation) {  // delta(0) = TV <= delta: epsilon = 0 exactly, no PRV needed
    r.by_total_variation = true;
    return r;
  }
  if (below_certifiable_delta(groups, delta, eta, options_.tail_mass_truncation)) {
    r.lower = 0.0;
    r.estimate = r.upper = kInf;
    r.status = PrvStatus::kDeltaTooSmall;
    return r;
  }
  const Composed& c = composed(eta, certified_only);
  if (!settled_without_bracket(c, delta, r)) hoeffding_bracket(c, delta, eta, r);
  return r;
}

double PrvAccountant::get_epsilon(double delta) const {
  const PrvEpsilonResult r = epsilon_result(delta, true);
  return r.upper_valid() ? r.upper : kInf;  // an uncertified bracket bounds nothing
}

PrvDeltaResult PrvAccountant::get_delta_result(double epsilon) const {
  check_finite_non_negative<AccountingError>(epsilon, "epsilon");
  PrvDeltaResult r;
  const double delta_error = options_.delta_error > 0.0 ? options_.delta_error : kDefaultDeltaErrorForDeltaQueries;
  const double eta = delta_error / 2.0;
  const double tv = total_variation_bound(composition_groups(ledger_));  // delta(eps) <= delta(0) = TV
  const Composed& c = composed(eta);
  if (c.empty && !c.non_private) {
    r.upper = 0.0;
    return r;
  }
  if (c.non_private || c.no_noise || c.status == PrvStatus::kDomainExceeded) {
    r.lower = 0.0;
    r.estimate = r.upper = tv;
    r.status = c.status;
    return r;
  }
  r.status = c.status;
  const double t = c.hoeffding + c.mean_error;
  const double slack = eta + c.tail_mass;
  const double truncation = std::max(c.remove.truncated_mass, c.add.truncated_mass);
  r.upper = 0.0;
  for (const PldPmf* pmf : {&c.remove, &c.add}) {
    r.estimate = std::max(r.estimate, pmf_delta_for_epsilon(*pmf, epsilon));
    r.upper = std::max(r.upper, pmf_delta_for_epsilon(*pmf, epsilon - t) + slack);
    r.lower = std::max(r.lower, pmf_delta_for_epsilon(*pmf, epsilon + t) - slack - truncation);
  }
  r.upper = std::min(tv, r.upper);
  r.estimate = std::min(tv, r.estimate);
  r.lower = std::clamp(r.lower, 0.0, tv);
  return r;
}

double PrvAccountant::get_delta(double epsilon) const {
  const PrvDeltaResult r = get_delta_result(epsilon);
  // An uncertified bracket bounds nothing; TV still bounds delta(eps) (r.upper is capped by it).
  return r.status == PrvStatus::kOk ? r.upper : total_variation_bound(composition_groups(ledger_));
}

nlohmann::json PrvAccountant::to_json() const {
  return {{"accountant", name()},
          {"format_version", kAccountantFormatVersion},
          {"neighbouring_relation", to_string(neighbouring_relation())},
          {"eps_error", options_.eps_error},
          {"delta_error", options_.delta_error},
          {"max_bins", options_.max_bins},
          {"tail_mass_truncation", options_.tail_mass_truncation},
          {"ledger", ledger_to_json(ledger_)}};
}

PrvAccountant PrvAccountant::from_json(const nlohmann::json& j) {
  check_accountant_json_header(j, "prv",
                               {"accountant", "format_version", "neighbouring_relation", "eps_error", "delta_error",
                                "max_bins", "tail_mass_truncation", "ledger"});
  PrvOptions o;
  o.eps_error = json_number(j, "eps_error");
  o.delta_error = json_number(j, "delta_error");
  o.max_bins = json_int64(j, "max_bins");
  o.tail_mass_truncation = json_number(j, "tail_mass_truncation");
  PrvAccountant accountant(o);
  for (const LedgerEntry& entry : ledger_from_json(j.at("ledger"))) accountant.compose(entry.event, entry.count);
  return accountant;
}

AccountantFactory prv_accountant_factory(PrvOptions options) {
  return [options]() -> std::unique_ptr<PrivacyAccountant> { return std::make_unique<PrvAccountant>(options); };
}

}  // namespace dpt
