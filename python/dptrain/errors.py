"""dptrain's exceptions (defined by the C++ module, error_bindings.cpp): ``Error`` (a RuntimeError)
and its subclasses ``ConfigError`` (``.path``, ``.message``), ``DatasetError``, ``RunFolderError``
and ``TrainingStopped``. str() of each is the message the CLI prints after ``dptrain: ``.
"""
from dptrain._dptrain import ConfigError, DatasetError, Error, RunFolderError, TrainingStopped

__all__ = ["Error", "ConfigError", "DatasetError", "RunFolderError", "TrainingStopped"]
