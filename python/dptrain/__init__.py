"""dptrain: differentially private LSTM training and privacy accounting, from Python.

The package wraps dptrain's C++ core (the ``_dptrain`` extension module). See docs/python.md.
"""
from dptrain._dptrain import version as _version
from dptrain.errors import ConfigError, DatasetError, Error, RunFolderError, TrainingStopped
from dptrain.runs import Run, load_run, resume, run

# from dptrain import accounting  # wired by the lead (accounting_bindings.cpp)

__version__ = _version()

__all__ = ["Error", "ConfigError", "DatasetError", "RunFolderError", "TrainingStopped", "Run", "run", "resume", "load_run"]
