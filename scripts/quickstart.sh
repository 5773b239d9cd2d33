#!/usr/bin/env bash
# Installs what is missing, builds, and runs the default experiment. Until `dptrain run`
# lands, that is the built-in demo: a tiny LSTM classifier whose loss you watch fall.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"
"${DPT_BUILD_DIR:-$root/build}/experiments/dptrain" demo "$@"
