// The RDP accountant (Mironov 2017; sampled Gaussian: Mironov, Talwar & Zhang 2019): keeps the
// ledger of events and, per ledger line, the RDP curve of one occurrence; epsilon/delta by
// rdp_conversion.hpp. Supports Gaussian, PoissonSampled(Gaussian), SelfComposed, Composed,
// NoOp, NonPrivate (epsilon = inf); other samplings are rejected, never approximated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "dp/accounting/dp_event.hpp"
#include "dp/accounting/privacy_accountant.hpp"
#include "dp/accounting/rdp_conversion.hpp"

namespace dpt {

// epsilon at a given delta, with how it was obtained.
struct EpsilonResult {
  double epsilon = 0.0;
  double delta = 0.0;
  double optimal_order = 0.0;       // the RDP order attaining epsilon
  bool order_at_grid_edge = false;  // the optimal order is the smallest/largest: widen the grid
};

// delta at a given epsilon.
struct DeltaResult {
  double delta = 1.0;
  double epsilon = 0.0;
  double optimal_order = 0.0;
};

// Bounds on an order grid, so that every epsilon costs at most ~0.3 s (docs/accounting.md,
// "Bounded work"): the RDP of order alpha sums ~alpha series terms (1e9 would take minutes), and
// the default grid holds 156 orders up to 1024.
inline constexpr double kMaxRdpOrder = 10000.0;
inline constexpr std::size_t kMaxRdpOrders = 256;

class RdpAccountant final : public PrivacyAccountant {
 public:
  // 1.1, 1.2, ..., 10.9, 11, 12, ..., 63, 128, 256, 512, 1024: dp_accounting's
  // DEFAULT_RDP_ORDERS, a superset of Opacus's DEFAULT_ALPHAS (which lacks 11 and >= 128).
  static std::vector<double> default_orders();

  // `orders` must be finite, > 1 and <= kMaxRdpOrder, at most kMaxRdpOrders of them (throws
  // AccountingError naming the bad one); they are kept sorted and without duplicates.
  explicit RdpAccountant(std::vector<double> orders = default_orders(),
                         RdpConversion conversion = RdpConversion::kImproved);

  std::string name() const override { return "rdp"; }
  bool supports(const DpEvent& event) const override;
  void compose(const DpEvent& event, int64_t count = 1) override;
  double get_epsilon(double delta) const override;
  double get_delta(double epsilon) const override;
  const std::vector<LedgerEntry>& ledger() const override { return ledger_; }

  // epsilon with the optimal order and a grid-edge flag.
  EpsilonResult get_epsilon_result(double delta) const;
  DeltaResult get_delta_result(double epsilon) const;

  const std::vector<double>& orders() const { return orders_; }
  RdpConversion conversion() const { return conversion_; }
  // Total RDP at each order: sum over ledger lines of count * (RDP of one occurrence).
  std::vector<double> rdp() const;

  // {"accountant": "rdp", "format_version": 1, "neighbouring_relation": "add_or_remove_one",
  //  "orders": [...], "conversion": "improved", "ledger": [...]}
  nlohmann::json to_json() const override;
  // Rebuilds the accountant by replaying the ledger (same ledger => bit-identical epsilon).
  static RdpAccountant from_json(const nlohmann::json& j);

 private:
  // RDP curve of one occurrence of `event`; throws UnsupportedEventError.
  std::vector<double> event_rdp(const DpEvent& event) const;

  std::vector<double> orders_;
  RdpConversion conversion_;
  std::vector<LedgerEntry> ledger_;
  std::vector<std::vector<double>> ledger_rdp_;  // (ledger lines, orders): RDP of one occurrence
};

// A factory of empty RDP accountants, for calibration.
AccountantFactory rdp_accountant_factory(std::vector<double> orders = RdpAccountant::default_orders(),
                                         RdpConversion conversion = RdpConversion::kImproved);

}  // namespace dpt
