#!/usr/bin/env bash
# End-to-end promises of `dptrain run` (issue: experiments): reproducible bit for bit, across
# --threads 1 and 2, and after a SIGKILL + `dptrain resume`; calibration from target_epsilon;
# a bad config writes nothing; the report command prints the report.
# Usage: run_folder_test.sh DPTRAIN CONFIG_DIR
set -euo pipefail
dptrain="$1"
configs="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

same_run() {  # same metrics and weights, byte for byte
  cmp -s "$1/metrics.jsonl" "$2/metrics.jsonl" || fail "metrics.jsonl differ: $1 vs $2"
  cmp -s "$1/model.safetensors" "$2/model.safetensors" || fail "model.safetensors differ: $1 vs $2"
}

for cfg in tiny_marker tiny_target_eps tiny_lm_nonprivate; do
  "$dptrain" run "$configs/$cfg.json" --out "$work/$cfg.a" --threads 1 > "$work/$cfg.a.log"
  for f in config.json manifest.json metrics.jsonl privacy.json privacy.md model.safetensors checkpoint/LATEST; do
    [ -s "$work/$cfg.a/$f" ] || fail "$cfg: $f missing or empty"
  done
  "$dptrain" run "$configs/$cfg.json" --out "$work/$cfg.b" --threads 2 > /dev/null
  same_run "$work/$cfg.a" "$work/$cfg.b"
  echo "ok: $cfg reproducible across reruns and --threads 1/2"

  # Kill mid-run (SIGKILL before step 9), resume, compare with the uninterrupted run.
  set +e
  "$dptrain" run "$configs/$cfg.json" --out "$work/$cfg.k" --debug-kill-at-step 9 > /dev/null 2>&1
  rc=$?
  set -e
  [ "$rc" -eq 137 ] || fail "$cfg: expected the run to be killed (exit 137), got $rc"
  [ ! -f "$work/$cfg.k/model.safetensors" ] || fail "$cfg: a killed run must not have final weights"
  "$dptrain" resume "$work/$cfg.k" > /dev/null
  same_run "$work/$cfg.a" "$work/$cfg.k"
  cmp -s "$work/$cfg.a/privacy.json" "$work/$cfg.k/privacy.json" || fail "$cfg: privacy.json differs after resume"
  echo "ok: $cfg killed at step 9 and resumed equals the uninterrupted run"
done

# Calibration from target_epsilon: sigma recorded, epsilon <= target.
grep -q '"noise_multiplier_calibrated": true' "$work/tiny_target_eps.a/privacy.json" || fail "sigma not marked calibrated"
eps=$(sed -n 's/^  "epsilon": \([0-9.e+-]*\),$/\1/p' "$work/tiny_target_eps.a/privacy.json")
target=$(sed -n 's/^  "target_epsilon": \([0-9.e+-]*\),$/\1/p' "$work/tiny_target_eps.a/privacy.json")
[ -n "$eps" ] && [ -n "$target" ] || fail "privacy.json lacks epsilon or target_epsilon"
awk -v e="$eps" -v t="$target" 'BEGIN { exit !(e <= t && e >= 0.95 * t) }' || fail "calibrated epsilon $eps vs target $target"
grep -q '"target_met": true' "$work/tiny_target_eps.a/privacy.json" || fail "target_met is not true"
echo "ok: calibrated run spends epsilon $eps <= target $target"

# A non-private run says so.
grep -q "Not private" "$work/tiny_lm_nonprivate.a/privacy.md" || fail "non-private report does not say so"

# dptrain report prints privacy.md.
"$dptrain" report "$work/tiny_marker.a" | grep -q "Epsilon budget report" || fail "report command"

# A bad config exits 2 and writes nothing.
echo '{"name": "bad", "seed": 1, "privacy": {"clip_norm": -1, "noise_multiplier": 1}}' > "$work/bad.json"
set +e
"$dptrain" run "$work/bad.json" --out "$work/bad_run" 2> "$work/bad.err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "bad config: expected exit 2, got $rc"
grep -q "privacy.clip_norm" "$work/bad.err" || fail "bad config: message does not name privacy.clip_norm: $(cat "$work/bad.err")"
[ ! -e "$work/bad_run" ] || fail "bad config: the run folder was created"

# Running into an existing run folder is refused and leaves it untouched.
before=$(sha256sum "$work/tiny_marker.a/metrics.jsonl")
set +e
"$dptrain" run "$configs/tiny_marker.json" --out "$work/tiny_marker.a" > /dev/null 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "running into an existing run folder must fail"
[ "$before" = "$(sha256sum "$work/tiny_marker.a/metrics.jsonl")" ] || fail "existing run folder was modified"

echo "run folder promises: all passed"
