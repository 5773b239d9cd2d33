#!/usr/bin/env bash
# Installs the Debian 12 packages dptrain builds with, only those missing. Idempotent; runs
# `apt-get update` only when something must be installed. Needs root (or sudo) to install.
#   --with-torch  also install Debian's python3-torch, for the optional cross-check of the
#                 LSTM against torch.nn (tests/torch_compat/) and for benchmarks against it,
#                 with OpenBLAS (without it torch's BLAS is the reference one, ~10x slower,
#                 and a side-by-side timing would flatter dptrain).
set -euo pipefail

packages=(
  g++ cmake ninja-build         # toolchain (ninja: faster incremental builds)
  libeigen3-dev                 # matrices and GEMM
  libboost-dev                  # Boost.Random for DP noise
  nlohmann-json3-dev            # configs, reports, safetensors headers
  libfmt-dev                    # formatting
  libcli11-dev                  # the dptrain command line
  doctest-dev                   # tests
  pybind11-dev python3-dev python3-numpy   # the Python package (import dptrain; docs/python.md)
  libopenmpi-dev openmpi-bin    # runs on several ranks: mpirun -np K dptrain run (docs/distributed.md)
)

for arg in "$@"; do
  case "$arg" in
    --with-torch) packages+=(python3-torch libopenblas0-pthread) ;;
    *) echo "bootstrap: unknown option $arg (known: --with-torch)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "bootstrap: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
