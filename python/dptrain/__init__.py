"""dptrain: differentially private LSTM training and privacy accounting, from Python.

The package wraps dptrain's C++ core (the ``_dptrain`` extension module). See docs/python.md.
"""
from dptrain._dptrain import version as _version

__version__ = _version()
