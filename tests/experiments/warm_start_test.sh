#!/usr/bin/env bash
# Warm start (model.init_from / init_select; docs/config.md, "Warm start") end to end: a run's
# model.safetensors as another run's init_from is loaded bit for bit (checked through
# `dptrain grads`, which exports the initial weights); an excluded head keeps its fresh
# initialisation; wrong shapes, missing and extra tensors, corrupt and missing files are refused
# (exit 2) naming the tensor or the file, with no run folder left; the run key follows the
# file's content, not its path; the report records the file and the assumption; a warm-started
# run killed and resumed (after or before its first checkpoint) equals the uninterrupted one.
# Usage: warm_start_test.sh DPTRAIN CONFIGS_DIR
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
# same_tensors A B 'name,name|*' : the named tensors (all of A's non-gradient ones for '*') have
# identical bytes, dtype and shape in both files.
same_tensors() {
  "$py" - "$1" "$2" "$3" <<'PY'
import json, struct, sys
def read(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n]); h.pop("__metadata__", None)
    return {k: (v["dtype"], v["shape"], b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]]) for k, v in h.items()}
a, b = read(sys.argv[1]), read(sys.argv[2])
names = [k for k in a if "/" not in k] if sys.argv[3] == "*" else sys.argv[3].split(",")
for k in names:
    assert k in a and k in b, k
    assert a[k] == b[k], "tensor %s differs" % k
PY
}
# refused CONFIG PATTERN: `run` exits 2 with PATTERN in its message and leaves no run folder.
refused() {
  local rc=0
  "$dptrain" run "$1" --out "$work/refused" > /dev/null 2> refused.err || rc=$?
  [ "$rc" -eq 2 ] || fail "$1: exit $rc, expected 2: $(cat refused.err)"
  grep -qF -- "$2" refused.err || fail "$1: message lacks '$2': $(cat refused.err)"
  [ ! -e "$work/refused" ] || fail "$1: a refused run left a run folder"
}

# 1. A source run: its model.safetensors is the public weights of the warm starts below.
"$dptrain" run base.json --out src > /dev/null 2>&1 || fail "source run failed"
"$py" -c "import json,sys; m=json.load(open('src/config.json'))['model']; sys.exit(any(k.startswith('init_') and k != 'init_seed' for k in m))" \
  || fail "a config without init_from has init_* keys in config.json"

# 2. Every tensor taken: the initial weights equal the file bit for bit.
variant all.json 'c["model"]["init_from"] = "src/model.safetensors"'
"$dptrain" grads all.json --examples 0 --out all.grads > /dev/null
same_tensors all.grads src/model.safetensors '*' || fail "the warm-started weights are not the file's, bit for bit"
echo "ok: loaded tensors equal the file bit for bit"

# 3. The head excluded: the rest from the file, output.* as the fresh initialisation (same init_seed).
variant fresh.json 'c["model"]["init_seed"] = 5'
variant head.json 'c["model"].update(init_seed=5, init_from="src/model.safetensors", init_select={"exclude": ["output."]})'
"$dptrain" grads fresh.json --examples 0 --out fresh.grads > /dev/null
"$dptrain" grads head.json --examples 0 --out head.grads > /dev/null
same_tensors head.grads src/model.safetensors embedding.weight,lstm.weight_ih_l0,lstm.weight_hh_l0,lstm.bias_ih_l0,lstm.bias_hh_l0,head.0.weight,head.0.bias \
  || fail "init_select exclude: the taken tensors are not the file's"
same_tensors head.grads fresh.grads output.weight,output.bias || fail "init_select exclude: the head lost its fresh initialisation"
! same_tensors head.grads src/model.safetensors output.weight 2> /dev/null || fail "the excluded head was loaded"
variant inc.json 'c["model"].update(init_seed=5, init_from="src/model.safetensors", init_select={"include": ["embedding."]})'
"$dptrain" grads inc.json --examples 0 --out inc.grads > /dev/null
same_tensors inc.grads src/model.safetensors embedding.weight && same_tensors inc.grads fresh.grads lstm.weight_ih_l0,head.0.weight,output.weight \
  || fail "init_select include: not exactly the included tensors taken"
echo "ok: init_select exclude keeps the head's fresh initialisation; include takes only its prefixes"

# 4. Mismatches: the tensor named, both shapes; exit 2; no folder.
variant wide.json 'c["model"].update(init_from="src/model.safetensors", lstm=[{"hidden": 16}])'
refused wide.json "tensor 'lstm.weight_ih_l0' has shape [48, 8] in the file but [64, 8] in the model"
variant nohead.json 'c["model"].update(init_from="src/model.safetensors", dense=[])'
refused nohead.json "tensor 'head.0.bias' [8] is selected by model.init_select but is not a parameter of this model"
variant nohead_ok.json 'c["model"].update(init_from="src/model.safetensors", dense=[], init_select={"exclude": ["head.", "output."]})'
"$dptrain" grads nohead_ok.json --examples 0 --out nohead_ok.grads > /dev/null || fail "tensors the selection leaves out must be ignored"
variant deeper.json 'c["model"].update(init_from="src/model.safetensors", dense=[8, 8])'
refused deeper.json "has no tensor 'head.1.weight' (the model's is [8, 8]; model.init_select takes it)"
variant typo.json 'c["model"].update(init_from="src/model.safetensors", init_select={"exclude": ["ouput."]})'
refused typo.json 'model.init_select.exclude[0]: "ouput." is the prefix of no tensor of the model or of'
"$dptrain" grads wide.json --examples 0 --out wide.grads > /dev/null 2> grads.err && fail "grads accepted a mismatched init_from"
grep -qF "lstm.weight_ih_l0" grads.err || fail "grads: the mismatch is not named: $(cat grads.err)"
echo "ok: wrong shape, extra and missing tensors, a misspelt prefix are refused naming the tensor"

# 5. Missing and corrupt files, a pinned sha256 that differs.
variant missing.json 'c["model"]["init_from"] = "nowhere.safetensors"'
refused missing.json "model.init_from: $work/nowhere.safetensors: no such file"
head -c 100 src/model.safetensors > short.safetensors
variant short.json 'c["model"]["init_from"] = "short.safetensors"'
refused short.json "model.init_from: $work/short.safetensors: not a valid safetensors file"
"$py" -c "import struct; open('huge.safetensors','wb').write(struct.pack('<Q', 1 << 62) + b'{}')"
variant huge.json 'c["model"]["init_from"] = "huge.safetensors"'
refused huge.json "exceeds the file"
"$py" - <<'PY'
import json, struct
b = open("src/model.safetensors", "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n])
h["output.bias"]["data_offsets"][1] += 4096  # past the end of the data
t = json.dumps(h).encode(); open("offsets.safetensors", "wb").write(struct.pack("<Q", len(t)) + t + b[8 + n:])
h = json.loads(b[8:8 + n]); h["output.bias"]["dtype"] = "I32"
t = json.dumps(h).encode(); open("dtype.safetensors", "wb").write(struct.pack("<Q", len(t)) + t + b[8 + n:])
PY
variant offsets.json 'c["model"]["init_from"] = "offsets.safetensors"'
refused offsets.json "tensor 'output.bias' has data_offsets outside the data"
variant dtype.json 'c["model"]["init_from"] = "dtype.safetensors"'
refused dtype.json "tensor 'output.bias' has dtype I32"
variant pinned.json 'c["model"].update(init_from="src/model.safetensors", init_sha256="0" * 64)'
refused pinned.json "model.init_sha256:"
echo "ok: missing, truncated, oversized-header, bad-offset and bad-dtype files and a differing pin are refused naming the file"

# 6. The run key follows the content: not the path, and not another file.
steps='c["training"]["steps"] = 3; c["output"]["checkpoint_every_steps"] = 0'
mkdir elsewhere && cp src/model.safetensors elsewhere/copy.safetensors
variant k0.json "$steps"
variant k1.json "$steps"'; c["model"]["init_from"] = "src/model.safetensors"'
variant k2.json "$steps"'; c["model"]["init_from"] = "elsewhere/copy.safetensors"'
variant k3.json "$steps"'; c["model"]["init_from"] = "all.grads"; c["model"]["init_select"] = {"exclude": ["input/", "target/", "grad/"]}'
for k in k0 k1 k2 k3; do "$dptrain" run $k.json --out $k > /dev/null 2>&1 || fail "$k failed"; done
id() { "$py" -c "import json; print(json.load(open('$1/manifest.json'))['run_id'])"; }
[ "$(id k0)" != "$(id k1)" ] || fail "init_from did not change the run key"
[ "$(id k1)" = "$(id k2)" ] || fail "the same bytes under another path gave another run key"
[ "$(id k1)" != "$(id k3)" ] || fail "another init file gave the same run key"
cmp -s k1/metrics.jsonl k2/metrics.jsonl && same_tensors k1/model.safetensors k2/model.safetensors '*' \
  || fail "the same init bytes elsewhere trained differently"  # (the files' metadata name the config, so their paths)
echo "ok: the run key covers the file's sha256, not its path"

# 7. The report: path, sha256 and tensors in manifest.json / privacy.json; the assumption in privacy.md.
sha=$(sha256sum src/model.safetensors | cut -d' ' -f1)
"$py" - k1 "$work/src/model.safetensors" "$sha" <<'PY' || fail "init_from is not recorded as expected"
import json, sys
d, path, sha = sys.argv[1:]
for f in ("manifest.json", "privacy.json"):
    i = json.load(open(d + "/" + f))["init_from"]
    assert i["path"] == path and i["sha256"] == "sha256:" + sha, (f, i)
    assert i["tensors"][0] == "embedding.weight" and i["tensors"][-1] == "output.bias" and len(i["tensors"]) == 9, i
c = json.load(open(d + "/config.json"))["model"]
assert c["init_from"] == path and c["init_sha256"] == sha, c
PY
grep -qF "The initial weights come from $work/src/model.safetensors (sha256 $sha). They are assumed to be independent of the private training data" k1/privacy.md \
  || fail "privacy.md does not state the assumption"
echo "ok: manifest.json, privacy.json and privacy.md record the file, its sha256, the tensors and the assumption"

# 8. Resume: killed after a checkpoint (the init file then changed: not read again) and before
# the first one (the file read again, pinned by its sha256), both equal to the uninterrupted run.
cp src/model.safetensors pub.safetensors
variant r.json 'c["model"].update(init_from="pub.safetensors", init_select={"exclude": ["output."]})'
"$dptrain" run r.json --out ra > /dev/null 2>&1 || fail "warm run failed"
( "$dptrain" run r.json --out rk --debug-kill-at-step 9 > /dev/null 2>&1 ) 2> /dev/null && fail "the kill did not happen"
( "$dptrain" run r.json --out rb --debug-kill-at-step 2 > /dev/null 2>&1 ) 2> /dev/null && fail "the early kill did not happen"
[ ! -d rb/checkpoint ] || [ -z "$(ls rb/checkpoint)" ] || fail "the early kill came after a checkpoint"
"$dptrain" resume rb > /dev/null 2>&1 || fail "resume before the first checkpoint failed"
cp k3/model.safetensors pub.safetensors  # now other weights: a resume from a checkpoint must not read them
"$dptrain" resume rk > /dev/null 2>&1 || fail "resume from a checkpoint failed"
for d in rk rb; do
  for f in metrics.jsonl model.safetensors privacy.json privacy.md manifest.json config.json; do
    cmp -s ra/$f $d/$f || fail "$d: $f differs from the uninterrupted run"
  done
done
cp src/model.safetensors pub.safetensors
( "$dptrain" run r.json --out rc --debug-kill-at-step 2 > /dev/null 2>&1 ) 2> /dev/null && fail "the early kill did not happen"
cp k3/model.safetensors pub.safetensors
rc=0; "$dptrain" resume rc > /dev/null 2> rc.err || rc=$?
[ "$rc" -ne 0 ] && grep -qF "model.init_sha256" rc.err || fail "resume before a checkpoint from a changed file must be refused (rc $rc): $(cat rc.err)"
echo "ok: a warm-started run killed and resumed equals the uninterrupted run"

echo "warm start: all passed"
