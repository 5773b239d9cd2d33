// The privacy-random-variable accountant (Gopi, Lee & Wutschitz 2021, "Numerical Composition of
// Differential Privacy"; microsoft/prv_accountant): each step's privacy loss Y (clamped to a
// range holding all but ~1e-23 of it) is discretised on a mesh h, cell-centred and shifted so
// that its mean is exact; the steps are composed by FFT. The rounding errors are independent,
// mean-zero and of range h, so by Hoeffding the composed loss is within
// t = h sqrt(n log(1/eta) / 2) of the exact one except with probability eta, which gives
//   lower = eps_D(delta + delta_error) - t <= true epsilon <= eps_D(delta - delta_error) + t = upper,
// delta_error covering eta, the clamped tails and the FFT truncation. h is chosen so that
// t = eps_error. Both directions of add/remove-one adjacency are composed; each bound is the
// maximum over the two. Supports what the PLD accountant supports.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "dp/accounting/pld_pmf.hpp"
#include "dp/accounting/privacy_accountant.hpp"

namespace dpt {

struct LedgerGroups;

struct PrvOptions {
  double eps_error = 0.01;    // target half-width t of the bracket around the estimate (absolute)
  double delta_error = 0.0;   // 0: delta / 1000 for epsilon queries, 1e-12 for delta queries
  int64_t max_bins = int64_t{1} << 21;  // largest composed grid; beyond it h grows (eps_error relaxed)
  double tail_mass_truncation = 1e-15;
};

enum class PrvStatus {
  kOk,
  kEpsErrorRelaxed,  // the mesh for eps_error would exceed max_bins: a coarser mesh was used and
                     // the bracket (with the larger eps_error reported) is NOT certified
  kDeltaTooSmall,    // delta <= delta_error: no upper bound (upper = inf); lower and estimate hold
  kDomainExceeded,   // no mesh fits max_bins: no result (all inf), use another accountant
};
std::string to_string(PrvStatus status);  // "ok", "eps_error_relaxed", "delta_too_small", "domain_exceeded"

struct PrvEpsilonResult {
  double lower = 0.0;     // a lower bound on the true epsilon
  double estimate = 0.0;  // eps_D(delta): not a bound
  double upper = 0.0;     // an upper bound (inf when unavailable, see status)
  PrvStatus status = PrvStatus::kOk;
  double eps_error = 0.0;    // the t actually achieved
  double delta_error = 0.0;
  double mesh = 0.0;
  int64_t bins = 0;
  int64_t largest_fft = 0;
  // total_variation_bound of the ledger (ledger_groups.hpp); when delta >= it, epsilon = 0
  // exactly (lower = estimate = upper = 0, status ok) and nothing was composed.
  double total_variation = 1.0;
  bool by_total_variation = false;
  // Bounds usable as guarantees: only at the requested mesh. With a relaxed (coarse) mesh the
  // numerically integrated mean that centres the discretisation may be poorly resolved, so the
  // bracket is reported but not trusted (a fuzz run found a lower bound above the PLD bound at
  // q = 1e-6, sigma = 0.05, 10^7 steps).
  bool upper_valid() const { return status == PrvStatus::kOk; }
};

struct PrvDeltaResult {
  double lower = 0.0;
  double estimate = 0.0;
  double upper = 1.0;
  PrvStatus status = PrvStatus::kOk;
};

class PrvAccountant final : public PrivacyAccountant {
 public:
  explicit PrvAccountant(PrvOptions options = {});

  std::string name() const override { return "prv"; }
  bool supports(const DpEvent& event) const override;
  void compose(const DpEvent& event, int64_t count = 1) override;
  // The upper bound; inf when unavailable or not certified (!upper_valid(): a relaxed mesh,
  // delta too small, domain exceeded), so calibration never relies on an uncertified bound.
  double get_epsilon(double delta) const override;
  // The upper bound on delta; with a relaxed mesh or an exceeded domain only the total-variation
  // bound (which may be 1).
  double get_delta(double epsilon) const override;
  const std::vector<LedgerEntry>& ledger() const override { return ledger_; }

  PrvEpsilonResult get_epsilon_result(double delta) const;
  PrvDeltaResult get_delta_result(double epsilon) const;
  const PrvOptions& options() const { return options_; }

  // {"accountant": "prv", "format_version": 1, "neighbouring_relation": ..., "eps_error": e,
  //  "delta_error": d, "max_bins": n, "tail_mass_truncation": t, "ledger": [...]}
  nlohmann::json to_json() const override;
  static PrvAccountant from_json(const nlohmann::json& j);

 private:
  struct Composed {
    double mesh = 0.0;
    PldPmf remove;
    PldPmf add;
    double tail_mass = 0.0;   // sum over steps of P(Y != L)
    double mean_error = 0.0;  // sum over steps of the mean's quadrature error bound
    double hoeffding = 0.0;   // t / sqrt(log(1/eta)) factor: h sqrt(n / 2)
    PrvStatus status = PrvStatus::kOk;
    bool non_private = false;
    bool no_noise = false;
    bool empty = false;
    int64_t largest_fft = 0;
    bool complete = true;  // false: stopped at the first sign of a relaxed mesh (PMFs not composed)
  };
  // Composition for the given Hoeffding eta (cached for the last eta; not thread-safe). With
  // certified_only, stops as soon as the mesh must be relaxed (then nothing can be certified):
  // get_epsilon's answer, +inf, without the FFTs at the coarser mesh.
  const Composed& composed(double eta, bool certified_only = false) const;
  // Stores `out` as the cache for eta and returns it.
  const Composed& cached(std::shared_ptr<Composed> out, double eta) const;
  // Every group's PRV step at mesh h self-composed and the groups combined, per direction, into
  // out (PMFs, tail_mass, mean_error); status.exceeded when a grid would outgrow max_bins.
  void compose_at_mesh(const LedgerGroups& groups, double h, Composed& out, PldCompositionStatus& status) const;
  // Driver of get_epsilon_result / get_epsilon: the shortcuts, then composed(), then the bracket.
  PrvEpsilonResult epsilon_result(double delta, bool certified_only) const;
  // Fills r when c gives no Hoeffding bracket (non-private, no noise, relaxed with certified_only,
  // empty, domain exceeded) and returns true; otherwise copies c's mesh and sizes into r.
  static bool settled_without_bracket(const Composed& c, double delta, PrvEpsilonResult& r);
  // lower = eps_D(delta + slack + truncation) - t, upper = eps_D(delta - slack) + t, estimate =
  // eps_D(delta), each the max over both directions; slack = eta + tail_mass, t = hoeffding + mean_error.
  static void hoeffding_bracket(const Composed& c, double delta, double eta, PrvEpsilonResult& r);

  PrvOptions options_;
  std::vector<LedgerEntry> ledger_;
  mutable std::shared_ptr<const Composed> cache_;
  mutable double cache_eta_ = -1.0;
};

AccountantFactory prv_accountant_factory(PrvOptions options = {});

}  // namespace dpt
