#!/usr/bin/env bash
# `dptrain epsilon` and `dptrain calibrate` at the corners of the extreme grid (issue 11): every
# run exits 0 (or 1 with "unreachable" for a calibration that has no answer), never prints an
# internal error, prints one JSON object with an epsilon, and takes less than 30 s.
# Usage: cli_extremes_test.sh path/to/dptrain
set -u
dptrain="$1"
failures=0
slowest=0
slowest_case=""
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

run() {  # run <allowed exit codes regex> <args...>
  local allowed="$1"
  shift
  local start end seconds rc
  start=$(date +%s.%N)
  "$dptrain" "$@" >"$out" 2>"$err"
  rc=$?
  end=$(date +%s.%N)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  if awk -v s="$seconds" -v m="$slowest" 'BEGIN { exit !(s > m) }'; then
    slowest=$seconds
    slowest_case="$*"
  fi
  local why=""
  [[ "$rc" =~ ^($allowed)$ ]] || why="exit code $rc"
  grep -q "internal error" "$err" && why="$why internal error"
  if [ "$rc" -eq 0 ]; then
    grep -q '"epsilon":' "$out" || why="$why no epsilon in the JSON"
  elif [ "$rc" -eq 1 ]; then
    grep -q "unreachable" "$err" || why="$why exit 1 without 'unreachable'"
  fi
  awk -v s="$seconds" 'BEGIN { exit !(s >= 30) }' && why="$why ${seconds} s"
  if [ -n "$why" ]; then
    failures=$((failures + 1))
    echo "FAIL ($why): dptrain $*"
    sed 's/^/  stdout: /' "$out" | head -3
    sed 's/^/  stderr: /' "$err" | head -3
  fi
}

for q in 1e-9 1; do
  for sigma in 1e-12 1e6; do
    for steps in 1 1e8; do
      for delta in 1e-300 0.5; do
        run 0 epsilon --sampling-rate "$q" --noise-multiplier "$sigma" --steps "$steps" --delta "$delta" --accountant all --json
      done
    done
  done
done
# The two crashes of the issue, one accountant at a time (the rdp fallback is printed).
run 0 epsilon --sampling-rate 1 --noise-multiplier 1e-12 --steps 1 --delta 1e-5 --accountant pld --json
grep -q '"status":"domain_exceeded"' "$out" && grep -q '"fallback":{"accountant":"rdp"' "$out" ||
  { failures=$((failures + 1)); echo "FAIL: pld at sigma 1e-12 does not say domain_exceeded with an rdp fallback"; }
run 0 epsilon --sampling-rate 1 --noise-multiplier 1e-9 --steps 1 --delta 1e-5 --accountant prv --json
grep -qE '"status":"(domain_exceeded|delta_too_small)"' "$out" && grep -q '"fallback":{"accountant":"rdp"' "$out" ||
  { failures=$((failures + 1)); echo "FAIL: prv at sigma 1e-9 gives no reason or no rdp fallback"; }
# Beyond the grid: sigma whose square underflows, the largest --steps, a subnormal delta.
run 0 epsilon --sampling-rate 0.5 --noise-multiplier 1e-300 --steps 1 --delta 1e-5 --accountant all --json
run 0 epsilon --sampling-rate 0.01 --noise-multiplier 1 --steps 9007199254740992 --delta 1e-5 --accountant all --json
run 0 epsilon --sampling-rate 0.01 --noise-multiplier 1 --steps 1000 --delta 1e-320 --accountant all --json

# Calibration at opposite corners (the doctest extremes_test.cpp covers all of them).
for accountant in rdp pld prv gdp; do
  run "0|1" calibrate --target-epsilon 1 --sampling-rate 1e-9 --steps 1e8 --delta 1e-300 --accountant "$accountant" --json
  run "0|1" calibrate --target-epsilon 100 --sampling-rate 1 --steps 1e8 --delta 0.5 --accountant "$accountant" --json
  run "0|1" calibrate --target-epsilon 0.01 --sampling-rate 1 --steps 1 --delta 1e-300 --accountant "$accountant" --json
done

echo "slowest: ${slowest} s (dptrain ${slowest_case})"
if [ "$failures" -eq 0 ]; then
  echo "cli extremes: all passed"
else
  echo "cli extremes: $failures failed"
  exit 1
fi
