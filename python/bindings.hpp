// The parts of dptrain._dptrain, one file each: module.cpp calls these in order.
#pragma once

#include <pybind11/pybind11.h>

namespace dpt::python {

// dptrain.ConfigError, AccountingError, DatasetError, RunFolderError, ... from the C++ errors
// (error_bindings.cpp).
void register_errors(pybind11::module_& m);
// Events, accountants, calibration (accounting_bindings.cpp).
void register_accounting(pybind11::module_& m);
// run / resume / load_run, evaluate and predict on run folders (run_bindings.cpp).
void register_runs(pybind11::module_& m);

}  // namespace dpt::python
