#!/usr/bin/env bash
# Installs what is missing, builds, and runs the default experiment
# (experiments/configs/quickstart.json: an LSTM classifier trained with DP-SGD to epsilon = 3),
# then prints its epsilon budget report. The run folder is runs/quickstart-<time>.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"
cd "$root"
"${DPT_BUILD_DIR:-$root/build}/experiments/dptrain" run experiments/configs/quickstart.json \
  --out "runs/quickstart-$(date +%Y%m%d-%H%M%S)" "$@"
