// dptrain._dptrain._Accountant: one native accountant of any kind (rdp, pld, prv, gdp) made
// through the registry from its settings. The heavy calls (compose, get_epsilon, get_delta,
// report) run without the GIL, one at a time per accountant (NativeAccountant::mutex).
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dp/accounting/epsilon_summary.hpp"
#include "dp/accounting/rdp_conversion.hpp"
#include "python/accounting_bindings.hpp"

namespace py = pybind11;

namespace dpt::python {
namespace {

std::unique_ptr<NativeAccountant> make_native(const std::string& kind, std::optional<std::vector<double>> orders,
                                              const std::string& conversion, double value_discretization_interval,
                                              double eps_error, double delta_error) {
  auto out = std::make_unique<NativeAccountant>();
  out->kind = parse_accountant(kind);
  if (orders) out->settings.rdp_orders = std::move(*orders);
  out->settings.rdp_conversion = rdp_conversion_from_string(conversion);
  out->settings.pld.value_discretization_interval = value_discretization_interval;
  out->settings.prv.eps_error = eps_error;
  out->settings.prv.delta_error = delta_error;
  out->accountant = make_accountant(out->kind, out->settings);
  return out;
}

// f(accountant) without the GIL, holding the accountant's mutex (taken after the GIL is released,
// so a thread waiting for it never blocks one that needs the GIL).
template <typename F>
auto unlocked(NativeAccountant& a, F&& f) {
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> lock(a.mutex);
  return f(*a.accountant);
}

}  // namespace

void register_accountants(py::module_& m) {
  py::class_<NativeAccountant>(m, "_Accountant", "A native accountant (use dptrain.accounting's accountant classes).")
      .def(py::init(&make_native), py::arg("kind"), py::arg("orders") = py::none(),
           py::arg("conversion") = "improved", py::arg("value_discretization_interval") = PldOptions().value_discretization_interval,
           py::arg("eps_error") = PrvOptions().eps_error, py::arg("delta_error") = PrvOptions().delta_error)
      .def_property_readonly("name", [](const NativeAccountant& a) { return a.accountant->name(); })
      .def_property_readonly("orders", [](const NativeAccountant& a) { return a.settings.rdp_orders; })
      .def("supports", [](NativeAccountant& a, const DpEvent& e) { return unlocked(a, [&](auto& x) { return x.supports(e); }); })
      .def("compose",
           [](NativeAccountant& a, const DpEvent& e, int64_t count) {
             unlocked(a, [&](PrivacyAccountant& x) {
               x.compose(e, count);
               return 0;
             });
           },
           py::arg("event"), py::arg("count") = 1)
      .def("get_epsilon",
           [](NativeAccountant& a, double delta) { return unlocked(a, [&](auto& x) { return x.get_epsilon(delta); }); })
      .def("get_delta",
           [](NativeAccountant& a, double epsilon) { return unlocked(a, [&](auto& x) { return x.get_delta(epsilon); }); })
      .def("report",
           [](NativeAccountant& a, double delta) {
             return unlocked(a, [&](PrivacyAccountant& x) {
               return to_json(estimate_epsilon(a.kind, x.ledger(), delta, a.settings)).dump();
             });
           },
           "The CLI's JSON (dptrain epsilon --json) of this ledger at delta, as text.")
      .def("ledger",
           [](NativeAccountant& a) {
             return unlocked(a, [&](PrivacyAccountant& x) {
               std::vector<std::pair<DpEvent, int64_t>> out;
               for (const LedgerEntry& entry : x.ledger()) out.emplace_back(entry.event, entry.count);
               return out;
             });
           })
      .def("to_json", [](NativeAccountant& a) { return unlocked(a, [&](auto& x) { return x.to_json().dump(); }); });
}

}  // namespace dpt::python
