"""Training runs from Python: ``dptrain.run``, ``resume`` and ``load_run``, and ``Run``, a view of a
run folder (docs/run_folders.md) with its config, privacy report, data description and metrics,
and the model's ``evaluate`` / ``predict`` (the C++ of ``dptrain evaluate`` / ``predict``, the
folder verified first). See docs/python.md.
"""
import csv
import json
import os
import tempfile

from dptrain import _dptrain

__all__ = ["Run", "run", "resume", "load_run"]

_MAX_THREADS = 256


def _threads(threads):
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= _MAX_THREADS:
        raise ValueError(f"threads must be an integer in [1, {_MAX_THREADS}] or None, but is {threads!r}")
    return threads


def _safetensors_header(path):
    """(header size, header dict) of a safetensors file: 8 bytes little-endian size, then JSON."""
    with open(path, "rb") as f:
        header_size = int.from_bytes(f.read(8), "little")
        return header_size, json.loads(f.read(header_size))


def _path(value, what):
    """os.fspath(value), refusing an embedded NUL (C++ would cut the path there, as open() refuses)."""
    path = os.fspath(value)
    if "\0" in (path if isinstance(path, str) else path.decode("latin-1")):
        raise ValueError(f"{what}: embedded null byte in {path!r}")
    return path


def _read_json(path):
    """The JSON of a run folder's file; a damaged one is a RunFolderError naming it."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise _dptrain.RunFolderError(f"{path}: not valid JSON ({e})") from None


class Run:
    """A run folder: ``dptrain.run`` / ``resume`` return one, ``load_run`` opens one.

    The files are read when asked for (a resumed run shows its new metrics). ``evaluate`` and
    ``predict`` need a finished run and verify the folder first (RunFolderError if damaged).
    """

    def __init__(self, path):
        """Opens the run folder ``path`` (it must hold config.json and manifest.json)."""
        path = _path(path, "path")
        for name in ("config.json", "manifest.json"):
            if not os.path.isfile(os.path.join(path, name)):
                raise _dptrain.RunFolderError(f"{os.path.join(path, name)}: not found: {path} is not a run folder")
        self._path = path

    @property
    def path(self):
        """The run folder."""
        return self._path

    def _file(self, name):
        return os.path.join(self._path, name)

    @property
    def config(self):
        """config.json as a dict: the resolved config (every default filled)."""
        return _read_json(self._file("config.json"))

    @property
    def manifest(self):
        """manifest.json as a dict (run_id, version, file digests)."""
        return _read_json(self._file("manifest.json"))

    @property
    def privacy(self):
        """privacy.json as a dict: the epsilon budget report (and results of a finished run)."""
        return _read_json(self._file("privacy.json"))

    @property
    def data(self):
        """data.json as a dict: vocabulary, classes, standardisation, split."""
        return _read_json(self._file("data.json"))

    @property
    def metrics(self):
        """metrics.jsonl as a list of dicts, one per line (epoch lines, then the test line)."""
        path = self._file("metrics.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lines = text.split("\n")
        if not text.endswith("\n"):
            lines.pop()  # a line still being written (the run is in progress, or was killed in it)
        rows = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except ValueError as e:
                raise _dptrain.RunFolderError(f"{path}:{number}: not valid JSON ({e})") from None
        return rows

    def metrics_frame(self):
        """metrics as a pandas DataFrame (nested entries flattened, e.g. ``validation.loss``)."""
        try:
            import pandas
        except ImportError as e:
            raise ImportError("Run.metrics_frame needs pandas: apt-get install python3-pandas") from e
        return pandas.json_normalize(self.metrics)

    @property
    def epsilon(self):
        """privacy.json's epsilon (the run's spent budget); None for a non-private run."""
        return self.privacy.get("epsilon")

    @property
    def finished(self):
        """True when the run has written model.safetensors (its last file)."""
        return os.path.isfile(self._file("model.safetensors"))

    def verify(self):
        """Verifies the finished folder as ``dptrain evaluate`` does; RunFolderError names the bad file."""
        _dptrain._verify(self._path)

    @property
    def model(self):
        """The released weights, verified first: a dict tensor name -> read-only numpy array
        (float32, PyTorch's names and shapes: ``lstm.weight_ih_l0`` ...), memory-mapped from
        model.safetensors (no copy). The safetensors metadata is in ``model_metadata``."""
        self.verify()
        path = self._file("model.safetensors")
        header_size, header = _safetensors_header(path)
        import numpy as np  # Debian's python3-numpy; imported only here
        data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_size)
        dtypes = {"F32": np.float32, "F64": np.float64}
        weights = {}
        for name, t in header.items():
            if name == "__metadata__":
                continue
            begin, end = t["data_offsets"]
            weights[name] = data[begin:end].view(dtypes[t["dtype"]]).reshape(t["shape"])
        return weights

    @property
    def model_metadata(self):
        """model.safetensors's metadata: the run id, the digests of config.json and data.json, and
        the model section of the config (docs/run_folders.md)."""
        return _safetensors_header(self._file("model.safetensors"))[1].get("__metadata__", {})

    def evaluate(self, split="test", data=None):
        """``dptrain evaluate``'s JSON as a dict: metrics on ``split`` ("test", "validation" or
        "train", rebuilt from the run's data) or, given ``data`` (a path), on that new file."""
        if data is None:
            if split not in ("test", "validation", "train"):
                raise ValueError(f"split must be 'test', 'validation' or 'train', but is {split!r}")
            return json.loads(_dptrain._evaluate(self._path, split, ""))
        data = _path(data, "data")
        if not data:
            raise ValueError("data must not be empty")
        return json.loads(_dptrain._evaluate(self._path, "", data))

    def predict(self, inputs, top_k=None):
        """``dptrain predict``'s lines as a list of dicts.

        ``inputs``: a path (JSONL texts or prompts, or a CSV for regression); a list of strings
        (text classifiers, language models: each becomes a line ``{"text": ...}``, and "line" in
        the results counts from 1); or for regression a numpy array (rows x input columns, in
        data.json's column order). ``top_k``: language models, the k most probable next bytes
        (default 5).
        """
        top_k_given = top_k is not None
        k = 5 if top_k is None else top_k
        if isinstance(inputs, (str, os.PathLike)):
            return self._predict_file(_path(inputs, "inputs"), k, top_k_given)
        with tempfile.TemporaryDirectory(prefix="dptrain-predict-") as tmp:
            if isinstance(inputs, (list, tuple)):
                if not all(isinstance(s, str) for s in inputs):
                    raise TypeError("predict: a list of inputs must hold strings")
                path = os.path.join(tmp, "inputs.jsonl")
                with open(path, "w", encoding="utf-8") as f:
                    for s in inputs:
                        f.write(json.dumps({"text": s}) + "\n")
            else:
                path = os.path.join(tmp, "inputs.csv")
                self._write_csv(path, inputs)
            return self._predict_file(path, k, top_k_given)

    def _predict_file(self, path, k, top_k_given):
        if not path:
            raise ValueError("inputs must not be an empty path")
        text = _dptrain._predict(self._path, path, int(k), top_k_given)
        return [json.loads(line) for line in text.splitlines()]

    def _write_csv(self, path, array):
        import numpy

        rows = numpy.asarray(array, dtype=float)
        columns = [c["column"] for c in self.data.get("standardization", {}).get("inputs", [])]
        if rows.ndim != 2 or not columns or rows.shape[1] != len(columns):
            raise ValueError(f"predict: a regression run takes a 2-D array of {len(columns)} columns {columns}, "
                             f"got shape {rows.shape}")
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            writer.writerows([repr(float(v)) for v in row] for row in rows)

    def __repr__(self):
        """Run('<path>', name=..., finished|unfinished, epsilon=...)."""
        try:
            config = self.config
            name = config.get("name")
        except (OSError, ValueError):
            name = "?"
        state = "finished" if self.finished else "unfinished"
        eps = ""
        if os.path.isfile(self._file("privacy.json")):
            try:
                e = self.epsilon
                eps = f", epsilon={e:.4g}" if isinstance(e, (int, float)) else ""
            except (OSError, ValueError):
                pass
        return f"Run({self._path!r}, name={name!r}, {state}{eps})"


def run(config, out=None, threads=None):
    """Trains an experiment like ``dptrain run CONFIG [--out OUT] [--threads N]``; returns its Run.

    ``config``: a dict (the JSON document of docs/config.md) or a path to a JSON file; a bad one
    raises ConfigError with the CLI's message. ``out``: the run folder (default
    ``<output.dir>/<name>``). Same config, same folder bytes as the CLI. Progress lines go to
    stderr. Ctrl-C stops before the next step and raises KeyboardInterrupt; the folder is
    resumable (``dptrain.resume``).
    """
    out = "" if out is None else _path(out, "out")
    if isinstance(config, dict):
        try:
            text = json.dumps(config, allow_nan=False)
        except ValueError:
            raise ValueError("config: NaN and infinity are not JSON numbers; every number of a config must be finite "
                             "(docs/config.md)") from None
        return Run(_dptrain._run(text, False, out, _threads(threads)))
    if isinstance(config, (str, os.PathLike)):
        return Run(_dptrain._run(_path(config, "config"), True, out, _threads(threads)))
    raise TypeError(f"config must be a dict or a path, not {type(config).__name__}")


def resume(run_dir, threads=None):
    """Continues the run in ``run_dir`` from its latest checkpoint like ``dptrain resume``; returns its Run."""
    return Run(_dptrain._resume(_path(run_dir, "run_dir"), _threads(threads)))


def load_run(path):
    """The Run of the folder ``path`` (finished or not); nothing is verified until evaluate/predict/verify."""
    return Run(path)
