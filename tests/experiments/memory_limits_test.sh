#!/usr/bin/env bash
# Sizes that cannot fit are refused before allocation (issue 12, goal 6; docs/config.md,
# "Memory"): `dptrain run` exits 2 within seconds, the message names the field and the memory
# the run would need, and nothing is left behind. Under `ulimit -v` the limit is the address
# space left, so one case is refused on any machine and a small run still trains.
# Usage: memory_limits_test.sh DPTRAIN
set -euo pipefail
dptrain="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# refused NAME FIELD CONFIG_FIELDS [ULIMIT_KB]: exit 2 in < 5 s, FIELD named, no run folder.
refused() {
  local name="$1" field="$2" fields="$3" limit="${4:-unlimited}"
  printf '{"seed": 1, "privacy": {"noise_multiplier": 1}, %s}\n' "$fields" > "$work/$name.json"
  local start end rc=0
  start=$(date +%s.%N)
  (ulimit -v "$limit"; exec timeout 5 "$dptrain" run "$work/$name.json" --out "$work/$name.run") > "$work/$name.log" 2>&1 || rc=$?
  end=$(date +%s.%N)
  [ "$rc" -eq 2 ] || { cat "$work/$name.log" >&2; fail "$name: expected exit 2, got $rc"; }
  grep -qF "dptrain: $field: at " "$work/$name.log" || { cat "$work/$name.log" >&2; fail "$name: the message does not name $field"; }
  grep -qE "the run would need about [0-9.e+]+ [KMGTPE]iB .*available" "$work/$name.log" ||
    { cat "$work/$name.log" >&2; fail "$name: the message does not give the memory needed and available"; }
  [ ! -e "$work/$name.run" ] || fail "$name: a refused run left $work/$name.run behind"
  echo "ok: $name refused in $(awk "BEGIN { printf \"%.2f\", $end - $start }") s: $(cat "$work/$name.log")"
}

refused data_size data.size '"data": {"size": 2147483648}'
refused lstm_hidden 'model.lstm[0].hidden' '"model": {"lstm": [{"hidden": 100000}]}'
refused embedding_dim model.embedding_dim '"model": {"embedding_dim": 1000000000}'
# ~4 GiB of parameters, moments, activations and checkpoint copies against ~1.9 GiB.
refused ulimit_hidden 'model.lstm[0].hidden' '"model": {"lstm": [{"hidden": 4096}]}' 2000000
grep -qF "ulimit -v" "$work/ulimit_hidden.log" || fail "ulimit_hidden: the message does not say the limit is ulimit -v"

# The same limit lets a small run train.
printf '{"seed": 1, "privacy": {"noise_multiplier": 1}, "data": {"size": 200}, "training": {"steps": 2, "batch_size": 16}}\n' > "$work/small.json"
(ulimit -v 2000000; exec timeout 60 "$dptrain" run "$work/small.json" --out "$work/small.run") > "$work/small.log" 2>&1 ||
  { cat "$work/small.log" >&2; fail "small: a small run under ulimit -v 2000000 did not train"; }
[ -s "$work/small.run/model.safetensors" ] || fail "small: no model.safetensors"
echo "ok: a small run trains under the same ulimit -v"

echo "memory limits: all passed"
