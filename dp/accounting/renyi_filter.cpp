// The Rényi filter (see renyi_filter.hpp; Feldman & Zrnic 2021): per-order budgets, the fit
// test, and the figures `dptrain ledger show` prints.
#include "dp/accounting/renyi_filter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/rdp_accountant.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

std::vector<double> RenyiFilter::default_orders() { return RdpAccountant::default_orders(); }

RenyiFilter::RenyiFilter(double epsilon, double delta, std::vector<double> orders) : epsilon_(epsilon), delta_(delta) {
  if (!(std::isfinite(epsilon) && epsilon > 0.0)) {
    throw AccountingError("epsilon must be finite and > 0, but is " + format_number(epsilon) + ".");
  }
  if (!(delta > 0.0 && delta < 1.0)) throw AccountingError("delta must be in (0, 1), but is " + format_number(delta) + ".");
  try {
    orders_ = RdpAccountant(std::move(orders)).orders();  // validated, sorted, unique
  } catch (const std::exception& e) {
    throw AccountingError(std::string("orders: ") + e.what());
  }
  const double log_share = std::log(delta_ / static_cast<double>(orders_.size()));
  budget_.resize(orders_.size());
  for (size_t k = 0; k < orders_.size(); ++k) budget_[k] = epsilon_ + log_share / (orders_[k] - 1.0);
  spent_.assign(orders_.size(), 0.0);
  if (*std::max_element(budget_.begin(), budget_.end()) <= 0.0) {
    const std::string n = format_number(static_cast<int64_t>(orders_.size()));
    throw AccountingError("epsilon = " + format_number(epsilon_) + " is too small for delta = " + format_number(delta_) +
                          ": at every one of the " + n + " orders the RDP budget epsilon + log(delta / " + n +
                          ") / (alpha - 1) is <= 0, so no run could ever be charged.");
  }
}

std::vector<double> RenyiFilter::event_rdp(const DpEvent& event) const {
  RdpAccountant accountant(orders_, RdpConversion::kClassic);
  accountant.compose(event);
  return accountant.rdp();
}

std::optional<size_t> RenyiFilter::fitting_order(const std::vector<double>& rdp) const {
  if (rdp.size() != orders_.size()) {
    throw AccountingError("an RDP curve of " + format_number(static_cast<int64_t>(rdp.size())) + " orders for a filter of " +
                          format_number(static_cast<int64_t>(orders_.size())) + ".");
  }
  std::optional<size_t> best;
  double best_left = -kInf;
  for (size_t k = 0; k < orders_.size(); ++k) {
    if (!(rdp[k] >= 0.0)) {
      throw AccountingError("RDP must be >= 0, but is " + format_number(rdp[k]) + " at order " + format_number(orders_[k]) + ".");
    }
    const double left = budget_[k] - (spent_[k] + rdp[k]);
    if (left >= 0.0 && left > best_left) {  // spent(α) + r(α) <= B(α)
      best = k;
      best_left = left;
    }
  }
  return best;
}

void RenyiFilter::charge(const std::vector<double>& rdp) {
  if (!fits(rdp)) {
    throw AccountingError("the charge (epsilon = " + format_number(epsilon_of(rdp)) +
                          " alone) does not fit the remaining budget (epsilon = " + format_number(status().remaining_epsilon) +
                          "): check fits() first.");
  }
  for (size_t k = 0; k < orders_.size(); ++k) spent_[k] += rdp[k];
  ++charges_;
}

double RenyiFilter::epsilon_of(const std::vector<double>& rdp) const {
  const double log_inverse_share = std::log(static_cast<double>(orders_.size()) / delta_);
  double best = kInf;
  for (size_t k = 0; k < orders_.size(); ++k) best = std::min(best, rdp[k] + log_inverse_share / (orders_[k] - 1.0));
  return best;
}

FilterStatus RenyiFilter::status() const {
  FilterStatus s;
  s.charges = charges_;
  s.spent_epsilon = charges_ == 0 ? 0.0 : epsilon_of(spent_);
  s.remaining_epsilon = -kInf;
  for (size_t k = 0; k < orders_.size(); ++k) {
    const double left = budget_[k] - spent_[k];
    if (left > s.remaining_epsilon) {
      s.remaining_epsilon = left;
      s.best_order = orders_[k];
    }
  }
  s.remaining_epsilon = std::max(0.0, s.remaining_epsilon);
  return s;
}

}  // namespace dpt
