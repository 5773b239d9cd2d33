"""dptrain: differentially private LSTM training and privacy accounting, from Python.

The package wraps dptrain's C++ core (the ``_dptrain`` extension module). See docs/python.md.

    import dptrain
    from dptrain.accounting import PldAccountant, PoissonSampledGaussian
    eps = PldAccountant().compose(PoissonSampledGaussian(0.01, 1.0), 1000).get_epsilon(1e-5)
    run = dptrain.run("experiments/configs/demo_marker.json", out="runs/marker")
    run.evaluate(), run.predict(...), run.metrics
"""
from dptrain._dptrain import version as _version
from dptrain.errors import ConfigError, DatasetError, Error, RunFolderError, TrainingStopped
from dptrain.runs import Run, load_run, resume, run

from dptrain import accounting
from dptrain.accounting import AccountingError

__version__ = _version()

__all__ = ["Error", "ConfigError", "DatasetError", "RunFolderError", "TrainingStopped", "AccountingError",
           "accounting", "Run", "run", "resume", "load_run"]
