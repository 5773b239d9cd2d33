// The stateful RDP accountant: ledger of (event, count) with each line's RDP curve; total RDP
// = sum of count * curve (composition theorem, Mironov 2017 Prop. 1), converted to
// (epsilon, delta) by rdp_conversion.cpp.
#include "dp/accounting/rdp_accountant.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "dp/accounting/accountant_json.hpp"
#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/rdp_math.hpp"

namespace dpt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// compose() reuses the RDP curve of an identical event among this many last ledger lines.
constexpr size_t kCurveLookback = 16;

std::vector<double> validated_orders(std::vector<double> orders) {
  DPT_ACCOUNTING_CHECK(!orders.empty(), "orders must not be empty.");
  DPT_ACCOUNTING_CHECK(orders.size() <= kMaxRdpOrders, "orders must hold at most " + format_number(static_cast<int64_t>(kMaxRdpOrders)) +
                                                           " orders, but holds " +
                                                           format_number(static_cast<int64_t>(orders.size())) + ".");
  for (const double alpha : orders) {
    check_finite_above<AccountingError>(alpha, 1.0, "order");
    check_at_most<AccountingError>(alpha, kMaxRdpOrder, "order");
  }
  std::sort(orders.begin(), orders.end());
  orders.erase(std::unique(orders.begin(), orders.end()), orders.end());
  return orders;
}

}  // namespace

std::vector<double> RdpAccountant::default_orders() {
  std::vector<double> orders;
  for (int x = 1; x <= 99; ++x) orders.push_back(1.0 + x / 10.0);
  for (int a = 11; a <= 63; ++a) orders.push_back(a);
  for (const double a : {128.0, 256.0, 512.0, 1024.0}) orders.push_back(a);
  return orders;
}

RdpAccountant::RdpAccountant(std::vector<double> orders, RdpConversion conversion)
    : orders_(validated_orders(std::move(orders))), conversion_(conversion) {}

bool RdpAccountant::supports(const DpEvent& event) const {
  return std::visit(
      [this](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, PoissonSampledEvent>) {
          return x.event->template get_if<GaussianEvent>() != nullptr;
        } else if constexpr (std::is_same_v<T, SelfComposedEvent>) {
          return supports(*x.event);
        } else if constexpr (std::is_same_v<T, ComposedEvent>) {
          return std::all_of(x.events.begin(), x.events.end(), [this](const DpEvent& e) { return supports(e); });
        } else {
          return true;  // Gaussian, NoOp, NonPrivate
        }
      },
      event.variant());
}

std::vector<double> RdpAccountant::event_rdp(const DpEvent& event) const {
  return std::visit(
      [&](const auto& x) -> std::vector<double> {
        using T = std::decay_t<decltype(x)>;
        std::vector<double> rdp(orders_.size(), 0.0);
        if constexpr (std::is_same_v<T, GaussianEvent>) {
          for (size_t k = 0; k < orders_.size(); ++k) rdp[k] = rdp_gaussian(x.noise_multiplier, orders_[k]);
        } else if constexpr (std::is_same_v<T, PoissonSampledEvent>) {
          const GaussianEvent* gaussian = x.event->template get_if<GaussianEvent>();
          if (gaussian == nullptr) {
            throw UnsupportedEventError(
                "the RDP accountant supports Poisson sampling of a Gaussian mechanism only, but got " +
                event.describe() + ".");
          }
          rdp = rdp_poisson_subsampled_gaussian(x.sampling_rate, gaussian->noise_multiplier, orders_);
        } else if constexpr (std::is_same_v<T, SelfComposedEvent>) {
          rdp = event_rdp(*x.event);
          for (double& r : rdp) r *= static_cast<double>(x.count);
        } else if constexpr (std::is_same_v<T, ComposedEvent>) {
          for (const DpEvent& e : x.events) {
            const std::vector<double> part = event_rdp(e);
            for (size_t k = 0; k < rdp.size(); ++k) rdp[k] += part[k];
          }
        } else if constexpr (std::is_same_v<T, NonPrivateEvent>) {
          std::fill(rdp.begin(), rdp.end(), kInf);
        }
        return rdp;  // NoOp: zeros
      },
      event.variant());
}

void RdpAccountant::compose(const DpEvent& event, int64_t count) {
  // 1. Validate and compute everything; nothing below may change state until step 2.
  check_at_least<AccountingError>(count, 1, "count");
  if (!supports(event)) {
    throw UnsupportedEventError("the RDP accountant does not support " + event.describe() + ".");
  }
  const bool merge = !ledger_.empty() && ledger_.back().event == event;
  if (merge) {
    DPT_ACCOUNTING_CHECK(ledger_.back().count <= std::numeric_limits<int64_t>::max() - count,
                         "count overflows: " + format_number(ledger_.back().count) + " + " + format_number(count) +
                             " steps of " + event.describe() + ".");
    ledger_.back().count += count;  // 2. commit (cannot throw)
    return;
  }
  std::vector<double> curve;
  const size_t first = ledger_.size() > kCurveLookback ? ledger_.size() - kCurveLookback : 0;
  for (size_t k = ledger_.size(); k-- > first;) {
    if (ledger_[k].event == event) {
      curve = ledger_rdp_[k];
      break;
    }
  }
  if (curve.empty()) curve = event_rdp(event);
  for (const double r : curve) {
    if (!(r >= 0.0)) {
      throw AccountingError("internal error: RDP " + format_number(r) + " for " + event.describe() + ".");
    }
  }
  LedgerEntry entry{event, count};
  ledger_.reserve(ledger_.size() + 1);
  ledger_rdp_.reserve(ledger_rdp_.size() + 1);
  // 2. Commit: moves into reserved capacity, which cannot throw.
  ledger_.push_back(std::move(entry));
  ledger_rdp_.push_back(std::move(curve));
}

std::vector<double> RdpAccountant::rdp() const {
  std::vector<double> total(orders_.size(), 0.0);
  for (size_t line = 0; line < ledger_.size(); ++line) {
    const double n = static_cast<double>(ledger_[line].count);
    for (size_t k = 0; k < orders_.size(); ++k) total[k] += n * ledger_rdp_[line][k];
  }
  return total;
}

EpsilonResult RdpAccountant::get_epsilon_result(double delta) const {
  const RdpEpsilon e = epsilon_from_rdp(orders_, rdp(), delta, conversion_);
  return EpsilonResult{e.epsilon, delta, e.optimal_order, e.order_at_grid_edge};
}

DeltaResult RdpAccountant::get_delta_result(double epsilon) const {
  const RdpDelta d = delta_from_rdp(orders_, rdp(), epsilon);
  return DeltaResult{d.delta, epsilon, d.optimal_order};
}

double RdpAccountant::get_epsilon(double delta) const { return get_epsilon_result(delta).epsilon; }

double RdpAccountant::get_delta(double epsilon) const { return get_delta_result(epsilon).delta; }

nlohmann::json RdpAccountant::to_json() const {
  return {{"accountant", name()},
          {"format_version", kAccountantFormatVersion},
          {"neighbouring_relation", to_string(neighbouring_relation())},
          {"orders", orders_},
          {"conversion", to_string(conversion_)},
          {"ledger", ledger_to_json(ledger_)}};
}

RdpAccountant RdpAccountant::from_json(const nlohmann::json& j) {
  check_accountant_json_header(j, "rdp",
                               {"accountant", "format_version", "neighbouring_relation", "orders", "conversion", "ledger"});
  const nlohmann::json& orders_json = j.at("orders");
  if (!orders_json.is_array()) throw AccountingError("orders must be an array, but is " + orders_json.dump() + ".");
  std::vector<double> orders;
  for (const nlohmann::json& o : orders_json) {
    if (!o.is_number()) throw AccountingError("orders must hold numbers, but holds " + o.dump() + ".");
    orders.push_back(o.get<double>());
  }
  if (!j.at("conversion").is_string())
    throw AccountingError("conversion must be a string, but is " + j.at("conversion").dump() + ".");
  RdpAccountant accountant(std::move(orders), rdp_conversion_from_string(j.at("conversion").get<std::string>()));
  for (const LedgerEntry& entry : ledger_from_json(j.at("ledger"))) accountant.compose(entry.event, entry.count);
  return accountant;
}

AccountantFactory rdp_accountant_factory(std::vector<double> orders, RdpConversion conversion) {
  return [orders = std::move(orders), conversion]() -> std::unique_ptr<PrivacyAccountant> {
    return std::make_unique<RdpAccountant>(orders, conversion);
  };
}

}  // namespace dpt
