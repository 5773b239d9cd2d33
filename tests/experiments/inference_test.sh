#!/usr/bin/env bash
# `dptrain evaluate` and `dptrain predict` end to end (docs/inference.md): on tiny runs of a
# jsonl classifier, a csv regression and a text language model, evaluate --split test equals the
# run's own test line, evaluate --data on the test examples equals evaluate --split test,
# predict writes JSON lines Python reads (probabilities summing to 1); every refusal (tampered
# weights, edited config.json, another version, an unfinished run, another model, changed data,
# an unknown split, byte or class) exits non-zero naming the file, never 3,
# and leaves the folder as it was.
# Usage: inference_test.sh DPTRAIN
set -euo pipefail
dptrain="$1"
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
digest() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }

# refuse NAME EXPECTED_TEXT FOLDER -- COMMAND...: non-zero (not 3), stderr names EXPECTED_TEXT, FOLDER unchanged.
refuse() {
  local name="$1" expected="$2" folder="$3"
  shift 4
  local before rc
  before=$(digest "$folder")
  set +e
  "$@" > "$work/refused.out" 2> "$work/refused.err"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "$name: expected a refusal, got exit 0"
  [ "$rc" -ne 3 ] || fail "$name: exit 3 (internal error): $(cat "$work/refused.err")"
  grep -qF -- "$expected" "$work/refused.err" || fail "$name: stderr does not name '$expected': $(cat "$work/refused.err")"
  [ "$before" = "$(digest "$folder")" ] || fail "$name: the folder was modified"
  echo "ok: refused $name (exit $rc)"
}

# The test line of metrics.jsonl and evaluate's metrics agree on loss and accuracy to 4 decimals.
same_as_test_line() {  # $1 run folder, $2 evaluate output
  "$py" - "$1/metrics.jsonl" "$2" <<'PY' || fail "evaluate --split test differs from metrics.jsonl's test line ($1)"
import json, sys
test = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert test["kind"] == "test", test
ev = json.load(open(sys.argv[2]))
for k in ("loss", "accuracy"):
    if k in test["test"]:
        assert round(test["test"][k], 4) == round(ev["metrics"][k], 4), (k, test["test"][k], ev["metrics"][k])
assert test["test"]["examples"] == ev["examples"], (test["test"]["examples"], ev["examples"])
assert test["test"] == ev["metrics"], "the metrics differ beyond loss and accuracy"
PY
}

same_metrics() {  # $1, $2 evaluate outputs
  "$py" - "$1" "$2" <<'PY' || fail "evaluate outputs differ: $1 vs $2"
import json, sys
a, b = (json.load(open(p))["metrics"] for p in sys.argv[1:3])
for k in a:
    if isinstance(a[k], float):
        assert round(a[k], 4) == round(b[k], 4), (k, a[k], b[k])
    else:
        assert a[k] == b[k], (k, a[k], b[k])
PY
}

parses() {  # $1 JSON lines file
  "$py" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$1" || fail "$1: not JSON lines"
}

# --- a jsonl text classifier (string labels, observed vocabulary) ---
for i in $(seq 1 200); do
  if [ $((i % 2)) -eq 0 ]; then echo "{\"text\": \"good day number $i\", \"label\": \"pos\"}"; else echo "{\"text\": \"bad night $((i * 7 % 31))\", \"label\": \"neg\"}"; fi
done > "$work/texts.jsonl"
cat > "$work/cls.json" <<JSON
{"name": "tiny_cls", "seed": 5,
 "data": {"source": "jsonl", "path": "$work/texts.jsonl", "max_length": 24, "vocabulary": "observed"},
 "model": {"embedding_dim": 8, "lstm": [{"hidden": 8}]},
 "training": {"steps": 8, "batch_size": 32, "optimizer": {"name": "adam", "learning_rate": 0.02}},
 "privacy": {"enabled": true, "clip_norm": 1.0, "noise_multiplier": 1.0}}
JSON
"$dptrain" run "$work/cls.json" --out "$work/cls" > /dev/null 2>&1 || fail "could not train the classifier"
cls="$work/cls"
"$dptrain" evaluate "$cls" > "$work/cls.eval" || fail "evaluate failed"
same_as_test_line "$cls" "$work/cls.eval"
"$py" -c 'import json,sys; e=json.load(open(sys.argv[1])); assert e["classes"]==["neg","pos"] and e["split"]=="test" and "privacy" in e and len(e["metrics"]["confusion_matrix"])==2' "$work/cls.eval" \
  || fail "evaluate output lacks classes / split / privacy / confusion matrix"
"$dptrain" evaluate "$cls" --split validation > /dev/null || fail "evaluate --split validation failed"
"$dptrain" evaluate "$cls" --split train > "$work/cls.train" || fail "evaluate --split train failed"
grep -q "TRAINING data" "$work/cls.train" || fail "evaluate --split train must say its metrics are outside the DP guarantee"
echo "ok: classifier: evaluate --split test equals the run's test line"

# The test split's lines (data.json: positions in source order) as a new file.
"$py" - "$cls/data.json" "$work/texts.jsonl" "$work/cls_test.jsonl" <<'PY'
import json, sys
ids = json.load(open(sys.argv[1]))["split"]["test"]["ids"]
lines = open(sys.argv[2]).read().splitlines()
open(sys.argv[3], "w").write("".join(lines[i] + "\n" for i in ids))
PY
"$dptrain" evaluate "$cls" --data "$work/cls_test.jsonl" > "$work/cls.data" || fail "evaluate --data failed"
same_metrics "$work/cls.eval" "$work/cls.data"
grep -q "\"data\": \"$work/cls_test.jsonl\"" "$work/cls.data" || fail "evaluate --data must name the data"
echo "ok: classifier: evaluate --data on the test examples equals evaluate --split test"

printf '{"text": "good day", "id": 7}\n\n{"text": "bad night"}\n' > "$work/cls_in.jsonl"
"$dptrain" predict "$cls" --input "$work/cls_in.jsonl" --out "$work/cls.pred" 2> "$work/cls.pred.err" || fail "predict failed"
grep -q "post-processing" "$work/cls.pred.err" || fail "predict must say predictions are post-processing"
parses "$work/cls.pred"
"$py" - "$work/cls.pred" <<'PY' || fail "classifier predictions: wrong shape or probabilities do not sum to 1"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["index"] for l in lines] == [0, 1], lines
for l in lines:
    p = l["probabilities"]
    assert set(p) == {"neg", "pos"} and abs(sum(p.values()) - 1) < 1e-9, p
    assert l["class"] == max(p, key=p.get), l
PY
"$dptrain" predict "$cls" --input "$work/cls_in.jsonl" > "$work/cls.pred.stdout" 2> /dev/null
cmp -s "$work/cls.pred" "$work/cls.pred.stdout" || fail "predict --out and stdout differ"
echo "ok: classifier: predict writes JSON lines with probabilities summing to 1"

# --- refusals, each on a copy of the classifier's folder ---
copy() { rm -rf "$work/$1"; cp -r "$cls" "$work/$1"; echo "$work/$1"; }
d=$(copy tampered)
"$py" - "$d/model.safetensors" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.index(b'"run_id":"sha256:') + len(b'"run_id":"sha256:')
b[i] = ord("0") if b[i] != ord("0") else ord("1")
open(p, "wb").write(bytes(b))
PY
refuse "model.safetensors of another run" "model.safetensors: metadata \"run_id\"" "$d" -- "$dptrain" evaluate "$d"
refuse "predict with model.safetensors of another run" "model.safetensors" "$d" -- "$dptrain" predict "$d" --input "$work/cls_in.jsonl"

d=$(copy flipped)
"$py" - "$d/model.safetensors" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[-1] ^= 1  # one bit of the last weight: metadata and shapes unchanged
open(p, "wb").write(bytes(b))
PY
refuse "a flipped weight bit" "but privacy.json names the released weights" "$d" -- "$dptrain" evaluate "$d"

d=$(copy edited)
sed -i 's/"learning_rate": 0.02/"learning_rate": 0.03/' "$d/config.json"
grep -q '"learning_rate": 0.03' "$d/config.json" || fail "could not edit config.json"
refuse "an edited config.json" "config.json: its SHA-256 differs" "$d" -- "$dptrain" evaluate "$d"

d=$(copy version)
sed -i 's/"dptrain_version": "[^"]*"/"dptrain_version": "0.0.1"/' "$d/manifest.json"
refuse "a folder of another version" "manifest.json: a run folder of dptrain 0.0.1" "$d" -- "$dptrain" evaluate "$d"

d=$(copy datajson)
sed -i 's/"neg"/"NEG"/' "$d/data.json"
refuse "an edited data.json" "data.json: its SHA-256 differs" "$d" -- "$dptrain" evaluate "$d"

d=$(copy unfinished)
rm "$d/model.safetensors"
refuse "an unfinished run" "the run has not finished: no model.safetensors" "$d" -- "$dptrain" evaluate "$d"

# Another model: config.json says embedding_dim 9, with every digest made consistent (a forger):
# the tensor shapes still give it away.
d=$(copy reshaped)
old=$(sha256sum "$d/config.json" | cut -d' ' -f1)
sed -i 's/"embedding_dim": 8/"embedding_dim": 9/' "$d/config.json"
new=$(sha256sum "$d/config.json" | cut -d' ' -f1)
sed -i "s/$old/$new/" "$d/manifest.json"
"$py" - "$d/model.safetensors" "$old" "$new" <<'PY'
import sys
p = sys.argv[1]; b = open(p, "rb").read()
assert sys.argv[2].encode() in b
open(p, "wb").write(b.replace(sys.argv[2].encode(), sys.argv[3].encode()))
PY
refuse "weights of another model" "model.safetensors: tensor 'embedding.weight' has shape" "$d" -- "$dptrain" evaluate "$d"

refuse "an unknown split" "--split" "$cls" -- "$dptrain" evaluate "$cls" --split holdout
refuse "a missing run folder" "$work/nowhere: no such run folder" "$cls" -- "$dptrain" evaluate "$work/nowhere"
refuse "an unreadable --input" "$work/missing.jsonl" "$cls" -- "$dptrain" predict "$cls" --input "$work/missing.jsonl"
refuse "--top-k for a classifier" "--top-k" "$cls" -- "$dptrain" predict "$cls" --input "$work/cls_in.jsonl" --top-k 2
printf '{"text": "good d\xc3\xa9y"}\n' > "$work/unknown_byte.jsonl"
refuse "a byte outside the observed vocabulary (predict)" "unknown_byte.jsonl:1: byte \\xc3" "$cls" -- "$dptrain" predict "$cls" --input "$work/unknown_byte.jsonl"
printf '{"text": "good d\xc3\xa9y", "label": "pos"}\n' > "$work/unknown_byte_data.jsonl"
refuse "a byte outside the observed vocabulary (--data)" "unknown_byte_data.jsonl: byte \\xc3" "$cls" -- "$dptrain" evaluate "$cls" --data "$work/unknown_byte_data.jsonl"
echo '{"text": "good day", "label": "maybe"}' > "$work/unknown_class.jsonl"
refuse "an unknown class" "unknown_class.jsonl: class \"maybe\" is not one of the run's classes" "$cls" -- "$dptrain" evaluate "$cls" --data "$work/unknown_class.jsonl"
refuse "predict --out onto a directory" "$work" "$cls" -- "$dptrain" predict "$cls" --input "$work/cls_in.jsonl" --out "$work"
cp "$work/texts.jsonl" "$work/texts.jsonl.orig"
echo '{"text": "one more", "label": "pos"}' >> "$work/texts.jsonl"
refuse "--split after the data changed" "run_id" "$cls" -- "$dptrain" evaluate "$cls"
mv "$work/texts.jsonl.orig" "$work/texts.jsonl"
"$dptrain" evaluate "$cls" > /dev/null || fail "evaluate after restoring the data"
[ ! -e "$work/partial.jsonl" ] || fail "unexpected file"
set +e
"$dptrain" predict "$cls" --input "$work/unknown_byte.jsonl" --out "$work/partial.jsonl" 2> /dev/null
set -e
[ ! -e "$work/partial.jsonl" ] || fail "a failed predict --out left a file"
echo "ok: a failed predict --out writes nothing"

# --- a csv regression ---
{
  echo "t,v"
  for i in $(seq 0 159); do awk -v i="$i" 'BEGIN { printf "%d,%.2f\n", i, 50 + 10 * sin(i / 5) + (i * 37 % 11) / 10 }'; done
} > "$work/series.csv"
cat > "$work/reg.json" <<JSON
{"name": "tiny_reg", "seed": 2,
 "data": {"source": "csv", "path": "$work/series.csv", "column": "v", "window": 8},
 "model": {"lstm": [{"hidden": 8}]},
 "training": {"steps": 8, "batch_size": 16, "optimizer": {"name": "adam", "learning_rate": 0.02}},
 "privacy": {"enabled": true, "clip_norm": 1.0, "noise_multiplier": 1.0}}
JSON
"$dptrain" run "$work/reg.json" --out "$work/reg" > /dev/null 2>&1 || fail "could not train the regression"
"$dptrain" evaluate "$work/reg" > "$work/reg.eval" || fail "evaluate (regression) failed"
same_as_test_line "$work/reg" "$work/reg.eval"
"$py" - "$work/reg.eval" "$work/reg/data.json" <<'PY' || fail "regression: mse_original_units is not stddev^2 * mse"
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
s = json.load(open(sys.argv[2]))["standardization"]["target"]["stddev"]
assert m["mse"] == m["loss"] and abs(m["mse_original_units"] - s * s * m["mse"]) <= 1e-9 * m["mse_original_units"], (m, s)
assert abs(m["rmse_original_units"] ** 2 - m["mse_original_units"]) <= 1e-9 * m["mse_original_units"]
PY
# The test windows' rows (window i: rows i .. i+7 -> row i+8) as a new file.
"$py" - "$work/reg/data.json" "$work/series.csv" "$work/reg_test.csv" <<'PY'
import json, sys
first = json.load(open(sys.argv[1]))["split"]["test"]["ids"][0]
lines = open(sys.argv[2]).read().splitlines()
open(sys.argv[3], "w").write(lines[0] + "\n" + "".join(l + "\n" for l in lines[1 + first:]))
PY
"$dptrain" evaluate "$work/reg" --data "$work/reg_test.csv" > "$work/reg.data" || fail "evaluate --data (regression) failed"
same_metrics "$work/reg.eval" "$work/reg.data"
echo "ok: regression: evaluate --split test equals the test line and evaluate --data on its rows"
head -n 11 "$work/series.csv" > "$work/reg_in.csv"  # 10 rows: 3 windows of 8
"$dptrain" predict "$work/reg" --input "$work/reg_in.csv" --out "$work/reg.pred" 2> /dev/null || fail "predict (regression) failed"
parses "$work/reg.pred"
"$py" - "$work/reg.pred" <<'PY' || fail "regression predictions: wrong windows or values"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["last_row"] for l in lines] == [9, 10, 11], lines
assert all(20 < l["prediction"] < 80 for l in lines), lines  # original units: the series is ~40..61
PY
echo "ok: regression: predict gives one value per window, in original units"

# --- a text language model ---
for i in $(seq 1 60); do echo "the cat sat on the mat and the dog ran $((i % 7)) times."; done > "$work/corpus.txt"
cat > "$work/lm.json" <<JSON
{"name": "tiny_lm", "seed": 4,
 "data": {"source": "text", "path": "$work/corpus.txt", "chunk_length": 32, "vocabulary": "observed"},
 "model": {"embedding_dim": 8, "lstm": [{"hidden": 16, "return_sequences": true}]},
 "training": {"steps": 8, "batch_size": 16, "optimizer": {"name": "adam", "learning_rate": 0.02}},
 "privacy": {"enabled": false}}
JSON
"$dptrain" run "$work/lm.json" --out "$work/lm" > /dev/null 2>&1 || fail "could not train the language model"
"$dptrain" evaluate "$work/lm" > "$work/lm.eval" || fail "evaluate (language model) failed"
same_as_test_line "$work/lm" "$work/lm.eval"
"$py" -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"]; assert 0 < m["bits_per_byte"] < 8 and m["predicted_bytes"] > 0, m' "$work/lm.eval" \
  || fail "language model: bits_per_byte missing or implausible"
printf '{"text": "the ca"}\n{"text": "the dog ran "}\n' > "$work/lm_in.jsonl"
"$dptrain" predict "$work/lm" --input "$work/lm_in.jsonl" --top-k 3 > "$work/lm.pred" 2> /dev/null || fail "predict (language model) failed"
parses "$work/lm.pred"
"$py" - "$work/lm.pred" <<'PY' || fail "language model predictions: wrong top-k"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 2
for l in lines:
    n = l["next"]
    assert len(n) == 3 and all(0 <= x["byte"] < 256 and x["text"] and 0 < x["p"] <= 1 for x in n), n
    assert all(n[k]["p"] >= n[k + 1]["p"] for k in range(2)), n
PY
"$dptrain" predict "$work/lm" --input "$work/lm_in.jsonl" --top-k 100 > /dev/null 2>&1 && fail "--top-k beyond the vocabulary must be refused"
refuse "--top-k 0" "--top-k" "$work/lm" -- "$dptrain" predict "$work/lm" --input "$work/lm_in.jsonl" --top-k 0
refuse "--top-k beyond the vocabulary" "--top-k: must be in [1," "$work/lm" -- "$dptrain" predict "$work/lm" --input "$work/lm_in.jsonl" --top-k 100
printf '{"text": "the zebra"}\n' > "$work/lm_bad.jsonl"
refuse "a prompt byte outside the vocabulary" "lm_bad.jsonl:1: byte \\x7a (\"z\") is not in the run's vocabulary" "$work/lm" -- "$dptrain" predict "$work/lm" --input "$work/lm_bad.jsonl"
echo "ok: language model: evaluate (bits per byte), predict top-k next bytes"

# --- a generated task: its token ids have no texts (data.json's vocabulary is empty) ---
cat > "$work/gen.json" <<JSON
{"name": "tiny_gen", "seed": 3, "data": {"source": "generated", "task": "marker", "size": 200, "validation_fraction": 0},
 "model": {"embedding_dim": 8, "lstm": [{"hidden": 8}]},
 "training": {"steps": 6, "batch_size": 32}, "privacy": {"noise_multiplier": 1.0}}
JSON
"$dptrain" run "$work/gen.json" --out "$work/gen" > /dev/null 2>&1 || fail "could not train the generated run"
"$dptrain" evaluate "$work/gen" > "$work/gen.eval" || fail "evaluate of a generated run failed"
same_as_test_line "$work/gen" "$work/gen.eval"
printf '{"text": "ab"}\n' > "$work/gen_in.jsonl"
refuse "predict on a generated run" "predict reads texts, CSV rows or prompts of a file source" "$work/gen" -- "$dptrain" predict "$work/gen" --input "$work/gen_in.jsonl"
refuse "--data on a generated run" "so there is no file format to read" "$work/gen" -- "$dptrain" evaluate "$work/gen" --data "$work/gen_in.jsonl"
refuse "a split the run does not have" "--split: the run has no validation split" "$work/gen" -- "$dptrain" evaluate "$work/gen" --split validation
echo "ok: generated task: evaluate --split equals the test line; predict and --data refused; an empty split refused"

# A --data path that is not UTF-8 is bytes: the output stays valid JSON.
cp "$work/texts.jsonl" "$work/caf"$'\xe9'".jsonl"
"$dptrain" evaluate "$cls" --data "$work/caf"$'\xe9'".jsonl" > "$work/latin1.eval" || fail "evaluate --data on a non-UTF-8 path failed"
"$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/latin1.eval" || fail "evaluate output for a non-UTF-8 path is not JSON"
echo "ok: a non-UTF-8 --data path gives valid JSON"

echo "inference: all passed"
