#!/usr/bin/env bash
# Predefined splits end to end (issue 14): experiments/configs/predefined_splits.json trains on the
# split files scripts/make-example-splits.sh writes; its data.json records exactly those files'
# examples as the splits; another seed keeps the split; the held-out files are checked (an example
# shared with train, a class only in test, an empty or missing file): exit 2 naming the file and
# line, and no run folder left behind.
#   predefined_splits_test.sh DPTRAIN REPO_ROOT
set -euo pipefail
dptrain="$1"
repo="$2"
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
mark=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { [ "$failures" -eq "$mark" ] && echo "ok: $*"; mark=$failures; }

"$repo/scripts/make-example-splits.sh" . > /dev/null
config="$repo/experiments/configs/predefined_splits.json"
# A shorter run of the same config (2 epochs): what is checked here does not need the full one.
sed 's/"epochs": 6/"epochs": 2/' "$config" > short.json
grep -q '"epochs": 2' short.json || fail "could not shorten the example config"

"$dptrain" run short.json --out run > run.out 2> run.err || { cat run.err; fail "the example config on predefined splits failed"; }
grep -q "^test  loss [0-9.]* accuracy [0-9.]*  (.* examples, predefined split; outside the DP guarantee)" run.err \
  || fail "no test line on the terminal: $(tail -2 run.err)"
grep -q "## Results (outside the DP guarantee)" run/privacy.md || fail "privacy.md has no results section"
# data.json: the splits are the files, in file order.
$python - "$work" <<'PY' || fail "data.json does not describe the split files"
import json, sys
d = json.load(open(sys.argv[1] + "/run/data.json"))
split = d["split"]
assert split["kind"] == "predefined", split["kind"]
n = {s: sum(1 for _ in open(f"{sys.argv[1]}/splits/{s}.jsonl")) for s in ("train", "validation", "test")}
start = 0
for s in ("train", "validation", "test"):
    assert split[s]["examples"] == n[s], (s, split[s]["examples"], n[s])
    assert split[s]["ids"] == list(range(start, start + n[s])), s
    start += n[s]
assert d["classes"] == ["negative", "positive"], d["classes"]
priv = json.load(open(sys.argv[1] + "/run/privacy.json"))
assert priv["results"]["test"]["examples"] == n["test"]
assert priv["results"]["covered_by_dp"] is False
PY
ok "the run trains on the split files; data.json lists them in file order; the test metrics are shown"

# Another seed: another run (other noise), the same split.
sed 's/"seed": 7/"seed": 8/' short.json > seed8.json
"$dptrain" run seed8.json --out run8 > /dev/null 2>&1 || fail "the run with seed 8 failed"
$python -c 'import json,sys; a,b=(json.load(open(f))["split"] for f in sys.argv[1:]); assert a==b' run/data.json run8/data.json \
  || fail "another seed changed a predefined split"
cmp -s run/model.safetensors run8/model.safetensors && fail "seed 8 trained the same weights as seed 7"
ok "another seed keeps the split (and trains other weights)"

# Refused held-out files: exit 2, the file (and line) named, no run folder left.
refuse() {  # NAME NEEDLE: the config bad.json refers to the files under bad/
  local name="$1" needle="$2" rc=0
  sed 's|"splits/|"bad/|g' short.json > bad.json
  "$dptrain" run bad.json --out refused > /dev/null 2> err.txt || rc=$?
  [ "$rc" -eq 2 ] || fail "$name: exit $rc, expected 2: $(cat err.txt)"
  grep -qF "$needle" err.txt || fail "$name: the message does not name '$needle': $(cat err.txt)"
  [ ! -e refused ] || fail "$name: a refused run left a folder behind"
  grep -q "internal error" err.txt && fail "$name: internal error"
  rm -rf refused
}
fresh() { rm -rf bad && cp -r splits bad; }
fresh; sed -n 5p bad/train.jsonl >> bad/test.jsonl
refuse "a training text repeated in test" "bad/train.jsonl:5 and bad/test.jsonl:$(wc -l < bad/test.jsonl)"
fresh; echo '{"text": "so so", "label": "neutral"}' >> bad/test.jsonl
refuse "a class only in test" "bad/test.jsonl:$(wc -l < bad/test.jsonl)"
fresh; : > bad/validation.jsonl
refuse "an empty validation file" "bad/validation.jsonl"
fresh; rm bad/test.jsonl
refuse "a missing test file" "bad/test.jsonl"
fresh; printf '{"text": "\\xff", "label": "positive"}\n' >> bad/validation.jsonl
refuse "a malformed line" "bad/validation.jsonl:$(wc -l < bad/validation.jsonl)"
ok "held-out files are checked: exit 2 naming the file and line, nothing written"

if [ "$failures" -eq 0 ]; then echo "predefined splits: all passed"; else echo "predefined splits: $failures failed"; exit 1; fi
