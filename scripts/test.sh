#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start=$(date +%s)
"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"
ctest --test-dir "${DPT_BUILD_DIR:-$root/build}" --output-on-failure --parallel "$(nproc)"
echo "scripts/test.sh: all tests passed in $(( $(date +%s) - start )) s"
