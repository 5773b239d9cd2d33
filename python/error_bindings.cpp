// dptrain._dptrain: errors (see bindings.hpp). The C++ errors become Python exceptions with the
// messages the CLI prints (experiments/cli/main.cpp, without its "dptrain: " prefix):
//   dptrain.Error (RuntimeError)      dpt::Error, and std::filesystem errors ("<path>: <reason>")
//   ├ dptrain.ConfigError             dpt::ConfigError, with .path and .message
//   ├ dptrain.DatasetError            dpt::DatasetError
//   ├ dptrain.RunFolderError          dpt::IoError: a missing, damaged or unfinished run folder
//   ├ dptrain.TrainingStopped         the run diverged or dropped most of an epoch
//   └ dptrain.AccountingError         dp/accounting's AccountingError (also a ValueError); its
//                                     subclasses UnsupportedEventError and UnreachableTargetError
//                                     are registered by accounting_bindings.cpp
// dpt::RunInterrupted (Ctrl-C during dptrain.run / resume) becomes KeyboardInterrupt. pybind11
// translates after re-taking the GIL, so errors thrown while it was released map the same way.
#include <pybind11/pybind11.h>

#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "datasets/dataset_error.hpp"
#include "experiments/config/config_error.hpp"
#include "dp/accounting/accounting_error.hpp"
#include "experiments/run/trainer.hpp"
#include "python/bindings.hpp"

namespace py = pybind11;

namespace dpt::python {
namespace {

// New exception types live as long as the interpreter (module attributes hold them too).
PyObject* g_error = nullptr;
PyObject* g_config_error = nullptr;
PyObject* g_dataset_error = nullptr;
PyObject* g_run_folder_error = nullptr;
PyObject* g_training_stopped = nullptr;
PyObject* g_accounting_error = nullptr;

PyObject* new_type(py::module_& m, const char* name, PyObject* base, const char* doc) {
  const std::string qualified = std::string("dptrain.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.attr(name) = py::handle(type);
  return type;
}

void raise_config_error(const ConfigError& e) {
  py::object exc = py::reinterpret_steal<py::object>(PyObject_CallFunction(g_config_error, "s", e.what()));
  if (!exc) return;  // the call set a Python error already
  exc.attr("path") = e.path();
  exc.attr("message") = e.message();
  PyErr_SetObject(g_config_error, exc.ptr());
}

void translate(std::exception_ptr p) {
  try {
    std::rethrow_exception(p);
  } catch (const ConfigError& e) {
    raise_config_error(e);
  } catch (const DatasetError& e) {
    PyErr_SetString(g_dataset_error, e.what());
  } catch (const IoError& e) {
    PyErr_SetString(g_run_folder_error, e.what());
  } catch (const TrainingStopped& e) {
    PyErr_SetString(g_training_stopped, e.what());
  } catch (const RunInterrupted& e) {
    PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
  } catch (const Error& e) {
    PyErr_SetString(g_error, e.what());
  } catch (const AccountingError& e) {  // a std::invalid_argument, not a dpt::Error, in C++
    PyErr_SetString(g_accounting_error, e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    PyErr_SetString(g_error, (e.path1().string() + ": " + e.code().message()).c_str());
  }
}

}  // namespace

void register_errors(py::module_& m) {
  g_error = new_type(m, "Error", PyExc_RuntimeError, "Base of every dptrain error; str() is the message the CLI prints.");
  g_config_error = new_type(m, "ConfigError", g_error,
                            "An experiment config breaks a rule of docs/config.md (or is unreadable / not JSON). "
                            ".path: the JSON path of the offending value (\"privacy.clip_norm\"), \"\" for the file; "
                            ".message: the message without the path.");
  g_dataset_error = new_type(m, "DatasetError", g_error, "A data file or the config's data section is wrong (names the file and line).");
  g_run_folder_error = new_type(m, "RunFolderError", g_error,
                                "A run folder is missing, damaged, unfinished or of another dptrain version (names the file).");
  g_training_stopped = new_type(m, "TrainingStopped", g_error,
                                "The run stopped early: non-finite weights or loss, or most of an epoch dropped; its folder keeps "
                                "the last checkpoint.");
  // Both a dptrain.Error (one `except dptrain.Error` catches every dptrain error) and a
  // ValueError (an argument out of range), as dp_accounting raises ValueError.
  const py::tuple bases = py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError));
  g_accounting_error = new_type(m, "AccountingError", bases.ptr(),
                                "An argument of the accounting API is out of range, or a serialised event or accountant is "
                                "malformed (a dptrain.Error and a ValueError; the message names the parameter).");
  py::register_exception_translator(&translate);
}

}  // namespace dpt::python
