// dptrain._dptrain: calibration of DP-SGD's noise multiplier and the largest number of steps
// within a budget, over fresh accountants of a _Accountant's kind and settings (without the GIL),
// and their result types NoiseCalibration and StepsBudget.
#include <fmt/core.h>
#include <pybind11/stl.h>

#include <cstdint>

#include "dp/accounting/calibration.hpp"
#include "python/accounting_bindings.hpp"

namespace py = pybind11;

namespace dpt::python {

void register_calibration(py::module_& m) {
  py::class_<NoiseCalibration>(m, "NoiseCalibration",
                               "The result of calibrate_noise_multiplier: the smallest noise multiplier found whose "
                               "epsilon meets the target (float(result) is it).")
      .def_readonly("noise_multiplier", &NoiseCalibration::noise_multiplier,
                    "sigma (noise std / clip norm) with epsilon(sigma) <= target")
      .def_readonly("epsilon", &NoiseCalibration::epsilon, "epsilon at noise_multiplier (<= target)")
      .def_readonly("evaluations", &NoiseCalibration::evaluations, "how many times epsilon(sigma) was computed")
      .def_readonly("relative_width", &NoiseCalibration::relative_width,
                    "sigma * (1 - relative_width) does not meet the target (<= tolerance when converged)")
      .def_readonly("lower_epsilon", &NoiseCalibration::lower_epsilon,
                    "epsilon at that lower end, > target (inf where the accountant certifies nothing)")
      .def_readonly("converged", &NoiseCalibration::converged,
                    "False: narrowing stopped early (not monotone, max_evaluations or certification edge); "
                    "noise_multiplier still meets the target")
      .def_readonly("at_certification_edge", &NoiseCalibration::at_certification_edge,
                    "True: below noise_multiplier the accountant certifies no epsilon at all")
      .def("__float__", [](const NoiseCalibration& c) { return c.noise_multiplier; })
      .def("__repr__", [](const NoiseCalibration& c) {
        return fmt::format("NoiseCalibration(noise_multiplier={}, epsilon={}, evaluations={}, relative_width={}, "
                           "converged={})",
                           c.noise_multiplier, c.epsilon, c.evaluations, c.relative_width,
                           c.converged ? "True" : "False");
      });
  py::class_<StepsBudget>(m, "StepsBudget",
                          "The result of max_steps: the largest number of steps within the budget (int(result) is it).")
      .def_readonly("steps", &StepsBudget::steps, "the largest T with epsilon(T) <= target (0 if one step exceeds it)")
      .def_readonly("epsilon", &StepsBudget::epsilon, "epsilon after that many steps (0 for 0 steps)")
      .def("__int__", [](const StepsBudget& b) { return b.steps; })
      .def("__index__", [](const StepsBudget& b) { return b.steps; })
      .def("__repr__",
           [](const StepsBudget& b) { return fmt::format("StepsBudget(steps={}, epsilon={})", b.steps, b.epsilon); });

  m.def(
      "_calibrate_noise_multiplier",
      [](double target_epsilon, double sampling_rate, int64_t steps, double delta, const NativeAccountant& accountant,
         double tolerance, int max_evaluations) {
        const AccountantFactory factory = accountant_factory(accountant.kind, accountant.settings);
        py::gil_scoped_release release;
        return calibrate_noise_multiplier(target_epsilon, sampling_rate, steps, delta, factory, tolerance,
                                          max_evaluations);
      },
      py::arg("target_epsilon"), py::arg("sampling_rate"), py::arg("steps"), py::arg("delta"), py::arg("accountant"),
      py::arg("tolerance"), py::arg("max_evaluations"));
  m.def(
      "_max_steps",
      [](double target_epsilon, double sampling_rate, double noise_multiplier, double delta,
         const NativeAccountant& accountant, int64_t max_steps) {
        const AccountantFactory factory = accountant_factory(accountant.kind, accountant.settings);
        py::gil_scoped_release release;
        return max_steps_within_budget(target_epsilon, sampling_rate, noise_multiplier, delta, factory, max_steps);
      },
      py::arg("target_epsilon"), py::arg("sampling_rate"), py::arg("noise_multiplier"), py::arg("delta"),
      py::arg("accountant"), py::arg("max_steps"));
}

}  // namespace dpt::python
