"""docs/python.md's walkthrough (python/examples/walkthrough.py) runs as the page shows: accounting,
a run to epsilon 3, its evaluation and weights, the ConfigError of a bad config."""
import os
import subprocess
import sys
import tempfile
import unittest


class WalkthroughTest(unittest.TestCase):
    def test_walkthrough_runs(self):
        script = os.path.join(os.environ["DPT_SOURCE_DIR"], "python", "examples", "walkthrough.py")
        with tempfile.TemporaryDirectory(prefix="dptrain-walkthrough-") as work:
            out = subprocess.run([sys.executable, script], cwd=work, capture_output=True, text=True, timeout=240)
            self.assertEqual(out.returncode, 0, out.stderr[-2000:])
            lines = out.stdout.splitlines()
        self.assertEqual(lines[0], "pld epsilon: 1.8282  rdp epsilon: 2.1014")
        self.assertIn("epsilon: 3.0 ", out.stdout)
        self.assertIn("ConfigError: privacy.clip_norm | must be > 0, got -1", lines)
        self.assertTrue(any(line.startswith("evaluate(validation): {'examples': 200") for line in lines), lines)


if __name__ == "__main__":
    unittest.main()
