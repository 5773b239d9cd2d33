// The parts of dptrain._dptrain's accounting API (register_accounting in accounting_bindings.cpp
// calls them in order), and the one accountant object every Python accountant class wraps.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <mutex>

#include "dp/accounting/accountant_registry.hpp"

namespace dpt::python {

// An accountant with the kind and settings it was made from (calibration and budget searches
// make fresh ones alike). The mutex serialises calls, which run without the GIL: the PLD and PRV
// accountants cache their composition in mutable members and are not thread-safe.
struct NativeAccountant {
  AccountantKind kind = AccountantKind::kRdp;
  AccountantSettings settings;
  std::unique_ptr<PrivacyAccountant> accountant;
  std::mutex mutex;
};

// dptrain._dptrain._Event (DpEvent) and the accounting exceptions.
void register_accounting_events(pybind11::module_& m);
// dptrain._dptrain._Accountant (NativeAccountant).
void register_accountants(pybind11::module_& m);
// NoiseCalibration, StepsBudget, _calibrate_noise_multiplier, _max_steps.
void register_calibration(pybind11::module_& m);

}  // namespace dpt::python
