"""dptrain.run / resume / load_run and Run against the CLI: the same config gives the same
model.safetensors bytes as `dptrain run`; a bad config raises ConfigError with the CLI's message
and JSON path; Run.evaluate / predict equal `dptrain evaluate` / `predict`; a damaged folder
raises RunFolderError naming the file; Ctrl-C stops a run resumably (KeyboardInterrupt), and
`dptrain resume` then ends with the bytes of an uninterrupted run."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import dptrain

CLI = os.environ["DPTRAIN_CLI"]
SOURCE = os.environ["DPT_SOURCE_DIR"]


def cli(*args, check=True):
    return subprocess.run([CLI, *args], capture_output=True, text=True, check=check)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def demo_marker(steps=6):
    """experiments/configs/demo_marker.json, shortened (a fixed sigma, RDP only: seconds, not minutes)."""
    with open(os.path.join(SOURCE, "experiments/configs/demo_marker.json")) as f:
        config = json.load(f)
    config["data"]["size"] = 600
    del config["training"]["epochs"]
    config["training"]["steps"] = steps
    config["privacy"] = {"enabled": True, "clip_norm": 1.0, "noise_multiplier": 1.0, "accountant": "rdp"}
    return config


def tiny_generated(steps):
    return {"name": "tiny", "seed": 3,
            "data": {"source": "generated", "task": "marker", "size": 400, "min_length": 4, "max_length": 12},
            "model": {"embedding_dim": 8, "lstm": [{"hidden": 8}], "dense": []},
            "training": {"steps": steps, "batch_size": 32, "optimizer": {"name": "adam", "learning_rate": 0.01}},
            "privacy": {"enabled": True, "clip_norm": 1.0, "noise_multiplier": 1.0, "accountant": "rdp"},
            "eval": {"every_epochs": 5, "batch_size": 256},
            "output": {"dir": "runs", "checkpoint_every_steps": 25}}


class RunsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dptrain-test-runs-")
        cls.dir = cls.tmp.name
        # A tiny jsonl text classifier (tests/experiments/inference_test.sh), trained from Python.
        cls.texts = os.path.join(cls.dir, "texts.jsonl")
        with open(cls.texts, "w") as f:
            for i in range(1, 201):
                if i % 2 == 0:
                    f.write(json.dumps({"text": f"good day number {i}", "label": "pos"}) + "\n")
                else:
                    f.write(json.dumps({"text": f"bad night {i * 7 % 31}", "label": "neg"}) + "\n")
        cls.cls_config = {"name": "tiny_cls", "seed": 5,
                          "data": {"source": "jsonl", "path": cls.texts, "max_length": 24, "vocabulary": "observed"},
                          "model": {"embedding_dim": 8, "lstm": [{"hidden": 8}]},
                          "training": {"steps": 8, "batch_size": 32, "optimizer": {"name": "adam", "learning_rate": 0.02}},
                          "privacy": {"enabled": True, "clip_norm": 1.0, "noise_multiplier": 1.0, "accountant": "rdp"}}
        cls.cls_run = dptrain.run(cls.cls_config, out=os.path.join(cls.dir, "cls"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def write_config(self, name, config):
        path = self.path(name)
        with open(path, "w") as f:
            json.dump(config, f)
        return path

    def test_run_equals_the_cli(self):
        config = demo_marker()
        run = dptrain.run(config, out=self.path("py_marker"), threads=2)
        cli("run", self.write_config("marker.json", config), "--out", self.path("cli_marker"))
        self.assertEqual(read_bytes(os.path.join(run.path, "model.safetensors")),
                         read_bytes(self.path("cli_marker/model.safetensors")))
        self.assertEqual(run.config["name"], "demo_marker")
        self.assertEqual(run.metrics[-1]["kind"], "test")
        self.assertEqual(run.epsilon, run.privacy["epsilon"])
        self.assertGreater(run.epsilon, 0)
        self.assertIn("demo_marker", repr(run))
        try:
            import pandas  # noqa: F401
            self.assertEqual(len(run.metrics_frame()), len(run.metrics))
        except ImportError:
            with self.assertRaisesRegex(ImportError, "apt-get install python3-pandas"):
                run.metrics_frame()
        # a path to a config file works too, and gives the same bytes
        from_file = dptrain.run(self.path("marker.json"), out=self.path("py_marker_file"))
        self.assertEqual(read_bytes(os.path.join(from_file.path, "model.safetensors")),
                         read_bytes(self.path("cli_marker/model.safetensors")))

    def test_bad_config_raises_the_clis_config_error(self):
        config = demo_marker()
        config["privacy"]["clip_norm"] = -1
        with self.assertRaises(dptrain.ConfigError) as caught:
            dptrain.run(config, out=self.path("bad"))
        e = caught.exception
        self.assertIsInstance(e, dptrain.Error)
        self.assertEqual(e.path, "privacy.clip_norm")
        result = cli("run", self.write_config("bad.json", config), "--out", self.path("bad_cli"), check=False)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr, f"dptrain: {e}\n")
        self.assertEqual(str(e), f"{e.path}: {e.message}")
        self.assertFalse(os.path.exists(self.path("bad")))
        config = demo_marker()
        config["training"]["unknown_key"] = 1
        with self.assertRaises(dptrain.ConfigError) as caught:
            dptrain.run(config, out=self.path("bad2"))
        result = cli("run", self.write_config("bad2.json", config), check=False)
        self.assertEqual(result.stderr, f"dptrain: {caught.exception}\n")

    def test_model_is_the_released_weights(self):
        weights = self.cls_run.model
        self.assertEqual(weights["lstm.weight_ih_l0"].shape, (32, 8))  # 4 gates x hidden 8, embedding 8
        self.assertEqual(str(weights["lstm.weight_ih_l0"].dtype), "float32")
        self.assertFalse(weights["output.bias"].flags.writeable)  # a read-only view of the file
        self.assertEqual(self.cls_run.model_metadata["run_id"], self.cls_run.manifest["run_id"])
        # The bytes of every tensor, in file order, are the file's data section.
        blob = read_bytes(os.path.join(self.cls_run.path, "model.safetensors"))
        header = 8 + int.from_bytes(blob[:8], "little")
        total = sum(w.nbytes for w in weights.values())
        self.assertEqual(total, len(blob) - header)

    def test_evaluate_equals_the_cli(self):
        run = dptrain.load_run(self.cls_run.path)
        self.assertEqual(run.evaluate(), json.loads(cli("evaluate", run.path).stdout))
        self.assertEqual(run.evaluate(split="train"), json.loads(cli("evaluate", run.path, "--split", "train").stdout))
        self.assertEqual(run.evaluate(data=self.texts), json.loads(cli("evaluate", run.path, "--data", self.texts).stdout))

    def test_predict_equals_the_cli(self):
        run = self.cls_run
        prompts = ["good day number 4", "bad night 3", "good night 12"]
        inputs = self.path("prompts.jsonl")
        with open(inputs, "w") as f:
            f.writelines(json.dumps({"text": p}) + "\n" for p in prompts)
        expected = [json.loads(line) for line in cli("predict", run.path, "--input", inputs).stdout.splitlines()]
        self.assertEqual(len(expected), 3)
        self.assertEqual(run.predict(inputs), expected)
        self.assertEqual(run.predict(prompts), expected)
        self.assertAlmostEqual(sum(expected[0]["probabilities"].values()), 1.0, places=9)

    def test_predict_numpy_rows_equals_the_cli_on_the_csv(self):
        import math

        import numpy as np
        csv = self.path("series.csv")
        rows = [(100 + 10 * math.sin(i / 5), 20 + 3 * math.cos(i / 7)) for i in range(120)]
        with open(csv, "w") as f:
            f.write("load,temp\n")
            f.writelines(f"{a!r},{b!r}\n" for a, b in rows)
        config = {"name": "tiny_series", "seed": 2,
                  "data": {"source": "csv", "path": csv, "column": "load", "columns": ["load", "temp"], "window": 6},
                  "model": {"lstm": [{"hidden": 8}]},
                  "training": {"steps": 6, "batch_size": 16},
                  "privacy": {"noise_multiplier": 1.0, "accountant": "rdp"}}
        run = dptrain.run(config, out=self.path("series"))
        head = self.path("series_head.csv")
        with open(head, "w") as f:
            f.write("load,temp\n")
            f.writelines(f"{a!r},{b!r}\n" for a, b in rows[:10])
        expected = [json.loads(line) for line in cli("predict", run.path, "--input", head).stdout.splitlines()]
        self.assertEqual(len(expected), 10 - 6 + 1)  # one prediction per window of 6 rows
        got = run.predict(np.array(rows[:10]))
        self.assertEqual([g["prediction"] for g in got], [e["prediction"] for e in expected])
        target = run.data["standardization"]["target"]
        self.assertEqual(target["column"], "load")
        self.assertGreater(target["mean"], 90)  # the scale predictions are mapped back with: original units
        self.assertEqual(run.data["standardization"]["inputs"][1]["column"], "temp")

    def test_hostile_paths_configs_and_files(self):
        with self.assertRaisesRegex(ValueError, "embedded null byte"):
            dptrain.run(self.cls_config, out=self.path("nul\0tail"))
        self.assertFalse(os.path.exists(self.path("nul")))
        with self.assertRaisesRegex(ValueError, "NaN and infinity are not JSON numbers"):
            dptrain.run({"seed": 1, "privacy": {"noise_multiplier": float("nan")}})
        copy = self.path("torn")
        subprocess.run(["cp", "-r", self.cls_run.path, copy], check=True)
        with open(os.path.join(copy, "metrics.jsonl"), "a") as f:
            f.write('{"kind":"step","st')  # a line still being written
        self.assertEqual(dptrain.load_run(copy).metrics, self.cls_run.metrics)
        with open(os.path.join(copy, "metrics.jsonl"), "a") as f:
            f.write('\n')  # now a damaged, complete line
        with self.assertRaisesRegex(dptrain.RunFolderError, r"metrics.jsonl:\d+: not valid JSON"):
            dptrain.load_run(copy).metrics
        with open(os.path.join(copy, "privacy.json"), "w") as f:
            f.write("{")
        with self.assertRaisesRegex(dptrain.RunFolderError, "privacy.json: not valid JSON"):
            dptrain.load_run(copy).epsilon

    def test_damaged_folder_raises_run_folder_error(self):
        damaged = self.path("damaged")
        subprocess.run(["cp", "-r", self.cls_run.path, damaged], check=True)
        weights = os.path.join(damaged, "model.safetensors")
        data = bytearray(read_bytes(weights))
        data[-1] ^= 1
        with open(weights, "wb") as f:
            f.write(data)
        run = dptrain.load_run(damaged)
        for use in (run.verify, run.evaluate, lambda: run.predict(["good day"])):
            with self.assertRaises(dptrain.RunFolderError) as caught:
                use()
            self.assertIn("model.safetensors", str(caught.exception))
        cli_error = cli("evaluate", damaged, check=False).stderr
        self.assertEqual(cli_error, f"dptrain: error: {caught.exception}\n")
        with self.assertRaises(dptrain.RunFolderError):
            dptrain.load_run(self.path("no_such_run"))
        with self.assertRaises(dptrain.DatasetError):
            run = self.cls_run
            bad = self.path("bad_prompts.jsonl")
            with open(bad, "w") as f:
                f.write("not json\n")
            run.predict(bad)

    def test_ctrl_c_stops_resumably(self):
        config = self.write_config("long.json", tiny_generated(700))
        interrupted = self.path("interrupted")
        code = ("import dptrain, json, sys\n"
                "try:\n"
                f"    dptrain.run(json.load(open({config!r})), out={interrupted!r}, threads=1)\n"
                "except KeyboardInterrupt as e:\n"
                "    print(e, file=sys.stderr)\n"
                "    sys.exit(42)\n")
        child = subprocess.Popen(["/usr/bin/python3", "-c", code], env=os.environ.copy(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while not os.path.exists(os.path.join(interrupted, "manifest.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
        self.assertEqual(child.returncode, 42, err)
        self.assertIn("interrupted before step", err)
        self.assertFalse(os.path.exists(os.path.join(interrupted, "model.safetensors")))
        self.assertFalse(dptrain.load_run(interrupted).finished)
        cli("resume", interrupted)
        cli("run", config, "--out", self.path("uninterrupted"))
        self.assertEqual(read_bytes(os.path.join(interrupted, "model.safetensors")),
                         read_bytes(self.path("uninterrupted/model.safetensors")))

    def test_sigint_handler_is_restored(self):
        before = signal.getsignal(signal.SIGINT)
        dptrain.run(tiny_generated(2), out=self.path("handler"))
        self.assertIs(signal.getsignal(signal.SIGINT), before)
        with self.assertRaises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)


if __name__ == "__main__":
    unittest.main()
