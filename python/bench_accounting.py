"""Timing, not a test: 100 PLD get_epsilon calls from Python (a fresh accountant each, so each
computes the PLD) against 100 invocations of `dptrain epsilon --accountant pld` for the same
question. Usage: PYTHONPATH=build/python /usr/bin/python3 python/bench_accounting.py build/experiments/dptrain"""
import os
import subprocess
import sys
import time

# This file's folder holds the package's sources (python/dptrain, without the extension module):
# import the built package from PYTHONPATH instead.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
from dptrain.accounting import PldAccountant, PoissonSampledGaussian  # noqa: E402

Q, SIGMA, STEPS, DELTA, N = 0.01, 1.0, 1000, 1e-5, 100


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else "dptrain"
    event = PoissonSampledGaussian(Q, SIGMA)
    start = time.perf_counter()
    for _ in range(N):
        eps_py = PldAccountant().compose(event, STEPS).get_epsilon(DELTA)
    python_s = time.perf_counter() - start
    args = [cli, "epsilon", "--sampling-rate", repr(Q), "--noise-multiplier", repr(SIGMA), "--steps", str(STEPS),
            "--delta", repr(DELTA), "--accountant", "pld", "--json"]
    start = time.perf_counter()
    for _ in range(N):
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    cli_s = time.perf_counter() - start
    print(f"question: q={Q} sigma={SIGMA} steps={STEPS} delta={DELTA}, pld epsilon {eps_py} (cli: {out.strip()[:60]}...)")
    print(f"python: {N} x PldAccountant().compose().get_epsilon(): {python_s:.3f} s ({1e3 * python_s / N:.2f} ms each)")
    print(f"cli:    {N} x dptrain epsilon --accountant pld: {cli_s:.3f} s ({1e3 * cli_s / N:.2f} ms each)")
    print(f"ratio cli / python: {cli_s / python_s:.3f}")


if __name__ == "__main__":
    main()
