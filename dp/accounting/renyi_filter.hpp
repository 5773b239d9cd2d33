// A Rényi privacy filter over a fixed set of orders (Feldman & Zrnic 2021, "Individual Privacy
// Accounting via a Rényi Filter", NeurIPS; the multi-order form as in Lécuyer 2021, "Practical
// Privacy Filters and Odometers with Rényi Differential Privacy"). A dataset's (ε, δ) budget
// becomes, at each order α of the fixed grid Λ, the RDP budget
//   B(α) = ε + log(δ / |Λ|) / (α − 1)
// (the classic RDP → (ε, δ) conversion at δ/|Λ| per order: a union bound over the orders). A
// charge with per-order RDP r(α) fits iff some α has spent(α) + r(α) ≤ B(α); spent(α) is the sum
// of every accepted charge. Valid however each later charge is chosen from earlier results
// (Feldman & Zrnic, Thm. 3.1 per order); why the orders are fixed and the conversion is the
// classic one: docs/ledger.md. Pure math, like the accountants; the ledger file that keeps a
// filter's charges is experiments/ledger/. Invalid arguments throw AccountingError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "dp/accounting/dp_event.hpp"

namespace dpt {

// What the filter's state means for a user (docs/ledger.md, "What show prints").
struct FilterStatus {
  int64_t charges = 0;
  // The filter's conversion of the spent RDP, min over α of spent(α) + log(|Λ|/δ)/(α − 1): the ε
  // at δ the charges so far are certified for (0 with no charge).
  double spent_epsilon = 0.0;
  // max over α of B(α) − spent(α) (= ε − the conversion above): the RDP headroom at the best order.
  // A charge whose RDP at that order is at most this fits; one of this ε under another
  // conversion need not.
  double remaining_epsilon = 0.0;
  double best_order = 0.0;  // the order attaining remaining_epsilon
};

class RenyiFilter {
 public:
  // The RDP accountant's default orders (dp/accounting/rdp_accountant.hpp), fixed before any run.
  static std::vector<double> default_orders();

  // ε finite and > 0, δ in (0, 1), orders as RdpAccountant accepts them (kept sorted, unique).
  // Throws LedgerError naming the value; also when no order has B(α) > 0 (nothing could fit).
  RenyiFilter(double epsilon, double delta, std::vector<double> orders = default_orders());

  double epsilon() const { return epsilon_; }
  double delta() const { return delta_; }
  const std::vector<double>& orders() const { return orders_; }
  const std::vector<double>& budget() const { return budget_; }  // B(α)
  const std::vector<double>& spent() const { return spent_; }

  // The RDP of `event` at the filter's orders, by the RDP accountant (+inf for NonPrivate).
  // Throws UnsupportedEventError for an event the RDP accountant cannot account for.
  std::vector<double> event_rdp(const DpEvent& event) const;

  // The order index at which `rdp` fits with the most headroom left, if any does.
  std::optional<size_t> fitting_order(const std::vector<double>& rdp) const;
  bool fits(const std::vector<double>& rdp) const { return fitting_order(rdp).has_value(); }
  // Adds `rdp` to spent; throws LedgerRefused unless it fits (the filter is then unchanged).
  void charge(const std::vector<double>& rdp);

  // min over α of rdp(α) + log(|Λ|/δ)/(α − 1): the ε at the budget's δ that this filter's
  // conversion certifies for `rdp` alone (+inf if infinite at every order).
  double epsilon_of(const std::vector<double>& rdp) const;
  FilterStatus status() const;

 private:
  double epsilon_, delta_;
  std::vector<double> orders_, budget_, spent_;
  int64_t charges_ = 0;
};

}  // namespace dpt
