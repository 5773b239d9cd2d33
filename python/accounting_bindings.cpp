// dptrain._dptrain: accounting (see bindings.hpp).
#include "python/bindings.hpp"

namespace dpt::python {

void register_accounting(pybind11::module_&) {}

}  // namespace dpt::python
