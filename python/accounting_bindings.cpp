// dptrain._dptrain: accounting (see bindings.hpp). The accounting exceptions and the native DP
// event, _Event, which dptrain/accounting.py wraps in dp_accounting-style classes; accountants
// and calibration are in accounting_accountants.cpp and accounting_calibration.cpp.
#include <pybind11/stl.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/dp_event.hpp"
#include "python/accounting_bindings.hpp"
#include "python/bindings.hpp"

namespace py = pybind11;

namespace dpt::python {
namespace {

// Reads an event from the JSON text json.dumps wrote; a malformed text is an AccountingError too.
DpEvent event_from_json_text(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw AccountingError(std::string("the event is not valid JSON: ") + e.what());
  }
  return dp_event_from_json(j);
}

// AccountingError (a ValueError) unless error_bindings.cpp registered it already, then its
// subclasses UnsupportedEventError and UnreachableTargetError. pybind11 tries translators
// newest first, so the subclasses, registered later, are matched before their base.
void register_exceptions(py::module_& m) {
  py::object base;
  if (py::hasattr(m, "AccountingError")) {
    base = m.attr("AccountingError");
  } else {
    base = py::register_exception<AccountingError>(m, "AccountingError", PyExc_ValueError);
    base.attr("__doc__") = "An argument of the accounting API is out of range, or a serialised event or accountant "
                           "is malformed (a ValueError; the message names the parameter).";
  }
  py::object unsupported = py::register_exception<UnsupportedEventError>(m, "UnsupportedEventError", base.ptr());
  unsupported.attr("__doc__") = "The accountant cannot account for this event; nothing was composed.";
  py::object unreachable = py::register_exception<UnreachableTargetError>(m, "UnreachableTargetError", base.ptr());
  unreachable.attr("__doc__") = "No parameter meets the privacy target (e.g. target_epsilon <= 0).";
}

}  // namespace

void register_accounting_events(py::module_& m) {
  register_exceptions(m);
  py::class_<DpEvent>(m, "_Event", "A native DP event (use dptrain.accounting's event classes).")
      .def_static("gaussian", &DpEvent::gaussian, py::arg("noise_multiplier"))
      .def_static("poisson_sampled", &DpEvent::poisson_sampled, py::arg("sampling_rate"), py::arg("event"))
      .def_static("poisson_sampled_gaussian", &DpEvent::poisson_sampled_gaussian, py::arg("sampling_rate"),
                  py::arg("noise_multiplier"))
      .def_static("self_composed", &DpEvent::self_composed, py::arg("event"), py::arg("count"))
      .def_static("composed", &DpEvent::composed, py::arg("events"))
      .def_static("no_op", &DpEvent::no_op)
      .def_static("non_private", &DpEvent::non_private)
      .def_static("from_json", &event_from_json_text, py::arg("text"), "The event of a JSON text (to_json's).")
      .def("to_json", [](const DpEvent& e) { return to_json(e).dump(); }, "The event as JSON text.")
      .def("describe", &DpEvent::describe)
      .def("__eq__", [](const DpEvent& a, const DpEvent& b) { return a == b; }, py::is_operator())
      .def("__repr__", &DpEvent::describe);
}

void register_accounting(py::module_& m) {
  register_accounting_events(m);
  register_accountants(m);
  register_calibration(m);
}

}  // namespace dpt::python
