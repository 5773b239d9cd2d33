// dptrain._dptrain: errors (see bindings.hpp).
#include "python/bindings.hpp"

namespace dpt::python {

void register_errors(pybind11::module_&) {}

}  // namespace dpt::python
