#!/usr/bin/env bash
# Recurrent stacks end to end (model.recurrent; docs/config.md, "Recurrent layers"): a DP-SGD run
# of a bidirectional GRU under an LSTM writes torch's tensor names; it is bit-identical for 1 and
# 2 threads and when killed and resumed; per-layer clipping runs with a group per direction; the
# model.lstm and model.recurrent spellings of one LSTM stack are one run (same files, byte for
# byte); and `dptrain evaluate` reads the model back.
# Usage: recurrent_run_test.sh DPTRAIN CONFIGS_DIR
set -euo pipefail
dptrain="$1"
configs="$2"
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"
cp "$configs/tiny_marker.json" base.json

# variant OUT 'python statements on c (the config dict)': writes OUT from base.json.
variant() {
  "$py" - "$1" "$2" <<'PY'
import json, sys
c = json.load(open("base.json"))
exec(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}
same_files() {  # DIR_A DIR_B: the run's outputs are byte for byte equal (manifest.json records the threads)
  for f in metrics.jsonl model.safetensors privacy.json privacy.md config.json; do
    cmp -s "$1/$f" "$2/$f" || fail "$2: $f differs from $1"
  done
}

# 1. A bidirectional GRU (sequences) under an LSTM: names and shapes are torch's.
variant bi.json 'c["model"].pop("lstm"); c["model"]["recurrent"] = [{"cell": "gru", "hidden": 6, "bidirectional": True, "return_sequences": True}, {"cell": "lstm", "hidden": 5}]'
"$dptrain" run bi.json --out a --threads 2 > /dev/null 2> a.err || fail "the bidirectional GRU run failed: $(cat a.err)"
"$py" - a/model.safetensors <<'PY' || fail "model.safetensors does not hold torch's names and shapes"
import json, struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n]); h.pop("__metadata__", None)
shapes = {k: v["shape"] for k, v in h.items()}
want = {"gru.weight_ih_l0": [18, 8], "gru.weight_hh_l0": [18, 6], "gru.bias_ih_l0": [18], "gru.bias_hh_l0": [18],
        "gru.weight_ih_l0_reverse": [18, 8], "gru.weight_hh_l0_reverse": [18, 6], "gru.bias_ih_l0_reverse": [18],
        "gru.bias_hh_l0_reverse": [18], "lstm.weight_ih_l0": [20, 12], "lstm.weight_hh_l0": [20, 5],
        "lstm.bias_ih_l0": [20], "lstm.bias_hh_l0": [20], "head.0.weight": [8, 5]}
for k, s in want.items():
    assert shapes.get(k) == s, (k, shapes.get(k), s)
PY
grep -q '"recurrent"' a/config.json || fail "config.json does not spell the stack as model.recurrent"
echo "ok: a bidirectional GRU under an LSTM trains with torch's tensor names"

# 2. Bit-identical for any thread count, and when killed and resumed.
"$dptrain" run bi.json --out b --threads 1 > /dev/null 2>&1 || fail "the 1-thread run failed"
same_files a b
( "$dptrain" run bi.json --out k --threads 2 --debug-kill-at-step 9 > /dev/null 2>&1 ) 2> /dev/null && fail "the kill did not happen"
"$dptrain" resume k --threads 1 > /dev/null 2>&1 || fail "resume failed"
same_files a k
echo "ok: 1 and 2 threads, and a kill + resume, give the same bytes"

# 3. Per-layer clipping: a group per direction, and the run completes.
variant pl.json 'c["model"].pop("lstm"); c["model"]["recurrent"] = [{"cell": "lstm", "hidden": 6, "bidirectional": True}]; c["privacy"]["clipping"] = "per_layer"'
"$dptrain" run pl.json --out pl > /dev/null 2> pl.err || fail "the per-layer bidirectional run failed: $(cat pl.err)"
echo "ok: per-layer clipping of a bidirectional LSTM"

# 4. The two spellings of one LSTM stack are one run.
variant sp.json 'c["model"].pop("lstm"); c["model"]["recurrent"] = [{"cell": "lstm", "hidden": 12}]'
"$dptrain" run base.json --out l > /dev/null 2>&1 || fail "the model.lstm run failed"
"$dptrain" run sp.json --out r > /dev/null 2>&1 || fail "the model.recurrent run failed"
same_files l r
echo "ok: model.lstm and model.recurrent spell the same run"

# 5. A finished run of the stack is read back: evaluation reproduces its test metrics' split.
"$dptrain" evaluate a > eval.out 2> eval.err || fail "dptrain evaluate of the bidirectional run failed: $(cat eval.err)"
echo "recurrent runs: all passed"
