// dptrain._dptrain: runs (see bindings.hpp).
#include "python/bindings.hpp"

namespace dpt::python {

void register_runs(pybind11::module_&) {}

}  // namespace dpt::python
