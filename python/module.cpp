// dptrain._dptrain: the extension module of `import dptrain` (docs/python.md). Each part of the
// API registers itself from its own file; this one only names the module.
#include <pybind11/pybind11.h>

#include "experiments/run/manifest.hpp"
#include "python/bindings.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_dptrain, m) {
  m.doc() = "dptrain's C++ core: DP-SGD for LSTMs and privacy accounting (use the `dptrain` package, not this module)";
  m.def("version", &dpt::dptrain_version, "dptrain's version, e.g. \"0.3.0\".");
  dpt::python::register_errors(m);
  dpt::python::register_accounting(m);
  dpt::python::register_runs(m);
}
