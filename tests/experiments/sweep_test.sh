#!/usr/bin/env bash
# `dptrain sweep` end to end (docs/sweep.md): a grid x seeds sweep of a tiny config with 2 jobs
# writes summary.jsonl / summary.md / selection.json / frontier.svg (XML) and selects by
# validation; a sweep killed mid-run resumes to byte-identical run folders, keeping finished runs
# untouched and leaving no run training; a finished sweep reruns nothing; a tuning sweep runs the
# K trials it drew and reports the tuning bound; bad sweeps are refused (exit 2) before anything
# is written.
# Usage: sweep_test.sh DPTRAIN CONFIGS_DIR
set -euo pipefail
dptrain="$1"
configs="$2"
py=/usr/bin/python3
work=$(mktemp -d)
trap 'pkill -KILL -f "$work" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"
cp "$configs/tiny_marker.json" base.json

cat > grid.json <<'JSON'
{"name": "tiny_grid", "base": "base.json", "set": {"training.epochs": 4},
 "grid": {"privacy.noise_multiplier": [0.8, 1.5]}, "seeds": 2,
 "selection": {"metric": "validation.accuracy", "mode": "max"}}
JSON

# 1. A whole sweep, two jobs side by side.
"$dptrain" sweep grid.json --out s1 --jobs 2 > s1.out 2> s1.err || fail "sweep exit $?: $(cat s1.err)"
[ "$(wc -l < s1/summary.jsonl)" -eq 4 ] || fail "summary.jsonl has $(wc -l < s1/summary.jsonl) rows, expected 4"
grep -q "(selected)" s1/summary.md || fail "summary.md marks no selected run"
grep -q "search included" s1.out || fail "the sweep did not print the price"
"$py" - s1 <<'PY' || fail "summary / selection / frontier are inconsistent"
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
rows = [json.loads(l) for l in open(d + "/summary.jsonl")]
sel = json.load(open(d + "/selection.json"))
assert all(r["status"] == "complete" for r in rows), rows
assert [r["axes"]["seed"] for r in rows] == [7, 8, 7, 8], [r["axes"] for r in rows]
best = max(rows, key=lambda r: r["validation"]["accuracy"])
assert sel["selected"] == best["id"] and [r["id"] for r in rows if r["selected"]] == [best["id"]], (sel, best)
largest = max(r["epsilon"] for r in rows)
# Releasing the best of four runs costs more than any one run (plain composition of all four).
assert sel["epsilon"] > largest * 1.2, (sel["epsilon"], largest)
assert sel["runs_composed"] == 4 and sel["composed_epsilon_rdp"] >= sel["composed_epsilon_pld"] * 0.99
ET.parse(d + "/frontier.svg")
print("ok: 4 runs, selected", sel["selected"], "release eps", round(sel["epsilon"], 4), "largest single run", round(largest, 4))
PY
for r in 000 001 002 003; do
  grep -q '"complete": true' "s1/runs/run-$r/privacy.json" || fail "run-$r is not complete"
done

# 2. Rerunning a finished sweep runs nothing and writes the same summary.
cp s1/summary.jsonl first.jsonl
"$dptrain" sweep grid.json --out s1 > rerun.out 2> rerun.err || fail "rerun exit $?"
! grep -q "starting\|resuming" rerun.err || fail "a finished sweep started runs again: $(cat rerun.err)"
cmp -s first.jsonl s1/summary.jsonl || fail "the rerun's summary.jsonl differs"
echo "ok: a finished sweep reruns nothing"

# 3. Kill the sweep while its second run trains; run it again: finished runs kept, the rest
#    resumed or started, every run folder byte-identical to the uninterrupted sweep.
cat > slow.json <<'JSON'
{"name": "tiny_grid", "base": "base.json", "set": {"training.epochs": 4},
 "grid": {"privacy.noise_multiplier": [0.8, 1.5]}, "seeds": 2,
 "selection": {"metric": "validation.accuracy", "mode": "max"}}
JSON
"$dptrain" sweep slow.json --out s2 --jobs 1 > s2a.out 2> s2a.err &
sweep_pid=$!
for _ in $(seq 1 400); do
  [ -f s2/logs/run-000.status.json ] && [ -f s2/runs/run-001/manifest.json ] && break
  sleep 0.02
done
kill -KILL "$sweep_pid" 2>/dev/null || true
wait "$sweep_pid" 2>/dev/null || true
sleep 0.3
! pgrep -f "$work/s2/runs" > /dev/null && ! pgrep -f "s2/configs" > /dev/null || fail "a run of the killed sweep is still training"
[ -f s2/logs/run-000.status.json ] || fail "the sweep was killed before its first run finished (test timing)"
stamp=$(stat -c %Y.%s s2/runs/run-000/model.safetensors)
"$dptrain" sweep slow.json --out s2 --jobs 1 > s2b.out 2> s2b.err || fail "resumed sweep exit $?: $(cat s2b.err)"
! grep -q "run-000" s2b.err || fail "the finished run-000 was run again"
[ "$stamp" = "$(stat -c %Y.%s s2/runs/run-000/model.safetensors)" ] || fail "run-000's folder was touched"
for r in 000 001 002 003; do
  cmp -s "s1/runs/run-$r/model.safetensors" "s2/runs/run-$r/model.safetensors" || fail "run-$r differs from the uninterrupted sweep"
  cmp -s "s1/runs/run-$r/metrics.jsonl" "s2/runs/run-$r/metrics.jsonl" || fail "run-$r's metrics differ from the uninterrupted sweep"
done
echo "ok: a killed sweep resumes to the same bytes ($(grep -c 'resuming\|starting' s2b.err) runs resumed or started)"

# 4. Tuning trials: K drawn from the trials seed, each a run; the tuning bound is reported.
cat > tune.json <<'JSON'
{"name": "tiny_tune", "base": "base.json", "set": {"training.epochs": 1},
 "grid": {"privacy.noise_multiplier": [1.0, 2.0], "training.optimizer.learning_rate": [0.003, 0.03]},
 "selection": {"metric": "validation.loss", "mode": "min",
               "trials": {"distribution": "poisson", "mean": 3, "seed": 4}}}
JSON
"$dptrain" sweep tune.json --out s3 --jobs 2 > s3.out 2> s3.err || fail "tuning sweep exit $?: $(cat s3.err)"
"$py" - s3 <<'PY' || fail "tuning sweep results are inconsistent"
import json, sys
d = sys.argv[1]
plan = json.load(open(d + "/sweep.json"))
sel = json.load(open(d + "/selection.json"))
rows = [json.loads(l) for l in open(d + "/summary.jsonl")]
k = plan["trials_drawn"]
assert len(rows) == k == len(plan["points"]) == sel["trials"]["drawn"], (k, len(rows))
assert sel["trials"]["search_space"] == 4
assert len({r["axes"]["seed"] for r in rows}) == k, "two trials share a seed"
assert sel["tuning_epsilon_rdp"] is not None and sel["tuning_epsilon_rdp"] > 0
assert sel["epsilon"] == sel["tuning_epsilon_rdp"], sel
if k > 0:
    best = min(rows, key=lambda r: r["validation"]["loss"])
    assert sel["selected"] == best["id"]
print("ok: K =", k, "trials; tuning eps", round(sel["tuning_epsilon_rdp"], 4), "composition", round(sel["composed_epsilon_pld"], 4))
PY

# 4b. Secure mode: K and the trial points come from the OS when the sweep starts (--plan does not
#     show them; trials.seed is refused); a rerun takes them from sweep.json, never drawing again;
#     a sweep.json whose point is not in the search space is refused.
"$py" - base.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.pop("seed", None)
c["privacy"]["secure_mode"] = True
json.dump(c, open("secure_base.json", "w"))
PY
cat > stune.json <<'JSON'
{"name": "tiny_stune", "base": "secure_base.json", "set": {"training.epochs": 1},
 "grid": {"privacy.noise_multiplier": [1.0, 2.0]},
 "selection": {"metric": "validation.loss", "mode": "min",
               "trials": {"distribution": "truncated_negative_binomial", "shape": 1, "mean": 2}}}
JSON
"$dptrain" sweep stune.json --out s8 --plan > splan.out 2> splan.err || fail "secure --plan exit $?: $(cat splan.err)"
"$py" -c 'import json,sys; p=json.load(open(sys.argv[1])); assert p["points"] == [] and "OS" in p["trials_drawn"], p' splan.out \
  || fail "secure --plan showed the trials"
"$dptrain" sweep stune.json --out s8 --jobs 2 > /dev/null 2> s8.err || fail "secure tuning sweep exit $?: $(cat s8.err)"
cp s8/sweep.json s8_first.json
"$dptrain" sweep stune.json --out s8 > /dev/null 2> s8b.err || fail "secure tuning sweep rerun exit $?: $(cat s8b.err)"
cmp -s s8_first.json s8/sweep.json || fail "a rerun of a secure tuning sweep drew K again"
! grep -q "starting\|resuming" s8b.err || fail "a finished secure tuning sweep started runs again"
"$py" - s8 <<'PY' || fail "secure tuning sweep results"
import json, sys
sel = json.load(open(sys.argv[1] + "/selection.json"))
assert sel["trials"]["seed"] is None and "OS" in sel["trials"]["drawn_from"], sel["trials"]
assert "secure mode" in open(sys.argv[1] + "/summary.md").read()
print("ok: secure tuning sweep: K =", sel["trials"]["drawn"], "drawn from the OS")
PY
"$py" - s8/sweep.json <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
if p["points"]:
    p["points"][0]["config"]["privacy"]["noise_multiplier"] = 0.5
else:
    p["trials_drawn"] = 3
json.dump(p, open(sys.argv[1], "w"))
PY
set +e
"$dptrain" sweep stune.json --out s8 > /dev/null 2> s8c.err
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] && grep -q "sweep.json" s8c.err || fail "a tampered secure sweep.json: exit $rc: $(cat s8c.err)"
"$py" -c 'import json,sys; s=json.load(open(sys.argv[1])); s["selection"]["trials"]["mean"] = 5; json.dump(s, open("stune5.json", "w"))' stune.json
cp s8_first.json s8/sweep.json
set +e
"$dptrain" sweep stune5.json --out s8 > /dev/null 2> s8d.err
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "drawn under other trials" s8d.err || fail "a secure K reused under another mean: exit $rc: $(cat s8d.err)"
printf '%s' '{"name": "x", "base": "secure_base.json", "grid": {"privacy.noise_multiplier": [1.0]}, "selection": {"metric": "validation.loss", "mode": "min", "trials": {"distribution": "poisson", "mean": 2, "seed": 3}}}' > sseed.json
set +e
"$dptrain" sweep sseed.json --out s9 > /dev/null 2> sseed.err
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "selection.trials.seed: must be absent in secure mode" sseed.err || fail "trials.seed in secure mode: exit $rc: $(cat sseed.err)"
echo "ok: secure tuning sweeps draw K from the OS once"

# 5. Refusals: exit 2, a message naming the key or the point, nothing written.
refuse() {  # NAME EXPECTED SWEEP_TEXT
  printf '%s' "$3" > bad.json
  set +e
  "$dptrain" sweep bad.json --out "bad_$1" > /dev/null 2> bad.err
  local rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "$1: exit $rc, expected 2: $(cat bad.err)"
  grep -qF -- "$2" bad.err || fail "$1: stderr does not say '$2': $(cat bad.err)"
  [ ! -e "bad_$1" ] || fail "$1: a sweep folder was written"
  echo "ok: refused $1: $(head -c 160 bad.err)"
}
refuse unknown_path "did you mean 'training.optimizer.learning_rate'" \
  '{"name": "x", "base": "base.json", "grid": {"training.optimizer.learnig_rate": [0.1]}}'
refuse empty_grid "grid: is empty" '{"name": "x", "base": "base.json", "grid": {}}'
refuse invalid_point "run-001 (training.batch_size=100000)" \
  '{"name": "x", "base": "base.json", "grid": {"training.batch_size": [16, 100000]}}'
refuse bad_json "bad.json:1:" '{"name": "x", "base": '
refuse bad_metric "did you mean 'validation.accuracy'" \
  '{"name": "x", "base": "base.json", "grid": {"training.epochs": [1]}, "selection": {"metric": "validation.acuracy"}}'
refuse duplicate_point "run-001 (training.epochs=1) is the same run as an earlier point" \
  '{"name": "x", "base": "base.json", "grid": {"training.epochs": [1, 1]}}'
refuse split_axis "data.split_seed / data.splits: must be the same for every run" \
  '{"name": "x", "base": "base.json", "grid": {"data.split_seed": [1, 2]}}'
refuse trials_too_many "selection.trials.mean: 80 is too large for this distribution" \
  '{"name": "x", "base": "base.json", "grid": {"training.epochs": [1, 2]}, "selection": {"metric": "validation.loss", "mode": "min", "trials": {"distribution": "truncated_negative_binomial", "shape": 1, "mean": 80, "seed": 1}}}'
refuse ledger_axis "a sweep charges one ledger: name it with the sweep's \"ledger\" key" \
  '{"name": "x", "base": "base.json", "grid": {"privacy.ledger": ["a.ledger", "b.ledger"]}, "ledger": "c.ledger"}'
refuse no_base "missing.json" '{"name": "x", "base": "missing.json", "grid": {"training.epochs": [1]}}'
printf '%s' '{"name": "tiny_grid", "base": "base.json", "grid": {"training.epochs": [1]}}' > other.json
set +e
"$dptrain" sweep other.json --out s1 > /dev/null 2> other.err
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "holds another sweep" other.err || fail "another plan in s1: exit $rc: $(cat other.err)"
echo "ok: refused another plan in the same folder"

# 5b. A folder whose sweep.json is gone but whose runs are there is refused (which point each run
#     trained is unknown); so is a run config that is not its point's.
cp -r s1 s1_noplan
rm s1_noplan/sweep.json
set +e
"$dptrain" sweep grid.json --out s1_noplan > /dev/null 2> np.err; rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] && grep -q "sweep.json: missing, but" np.err || fail "runs without sweep.json: exit $rc: $(cat np.err)"
cp -r s1 s1_edit
"$py" -c 'import json,sys; f=sys.argv[1]; c=json.load(open(f)); c["privacy"]["noise_multiplier"]=3.0; json.dump(c, open(f,"w"))' s1_edit/configs/run-000.json
set +e
"$dptrain" sweep grid.json --out s1_edit > /dev/null 2> ed.err; rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] && grep -q "not run-000's config" ed.err || fail "an edited run config: exit $rc: $(cat ed.err)"
cp -r s1 s1_tamper
"$py" -c 'import json,sys; f=sys.argv[1]; p=json.load(open(f)); p["mechanism"]["noise_multiplier"]*=2; json.dump(p, open(f,"w"))' s1_tamper/runs/run-001/privacy.json
set +e
"$dptrain" sweep grid.json --out s1_tamper > /dev/null 2> tp.err; rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] && grep -q "is not the one this sweep planned for run-001" tp.err || fail "a run's edited privacy.json: exit $rc: $(cat tp.err)"
"$py" -c 'import json,sys; p=json.load(open(sys.argv[1])); assert p["data"]["split_seed"] == 0, p["data"]' s1/configs/run-003.json \
  || fail "the sweep did not fix one split for every run"
echo "ok: runs without their plan, with another config or with a privacy.json that is not their plan's are not reused; one split"

# 6. --plan validates and prints, and writes nothing.
"$dptrain" sweep grid.json --out s4 --plan > plan.out 2> plan.err || fail "--plan exit $?"
"$py" -c 'import json,sys; p=json.load(open(sys.argv[1])); assert len(p["points"]) == 4' plan.out || fail "--plan output"
[ ! -e s4 ] || fail "--plan wrote a folder"
echo "ok: --plan"
# 7. A ledger: a sweep it cannot pay for in full is refused before its first run (nothing
#    written, nothing charged); one it can pay for charges each run once, and a rerun charges nothing.
cat > led.json <<'JSON'
{"name": "tiny_led", "base": "base.json", "set": {"training.epochs": 2},
 "grid": {"privacy.noise_multiplier": [1.0, 2.0]}, "ledger": "budget.ledger",
 "selection": {"metric": "validation.accuracy", "mode": "max"}}
JSON
"$dptrain" ledger init budget.ledger --epsilon 3 --delta 1e-5 > /dev/null
cp budget.ledger before.ledger
set +e
"$dptrain" sweep led.json --out s5 > /dev/null 2> led.err
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "cannot pay for the 2 runs still to train, so none is started" led.err \
  || fail "an unaffordable sweep: exit $rc: $(cat led.err)"
[ ! -e s5 ] || fail "a refused sweep wrote its folder"
cmp -s before.ledger budget.ledger || fail "a refused sweep changed the ledger"
echo "ok: refused a sweep the ledger cannot pay for: $(tail -c 200 led.err)"
rm -f budget.ledger budget.ledger.head
"$dptrain" ledger init budget.ledger --epsilon 20 --delta 1e-5 > /dev/null
"$dptrain" sweep led.json --out s5 > /dev/null 2> led.err || fail "a sweep within budget: exit $?: $(cat led.err)"
"$dptrain" ledger verify budget.ledger | grep -q "ok: 2 charges" || fail "the ledger does not hold the sweep's 2 charges"
"$dptrain" sweep led.json --out s5 > /dev/null 2> led.err || fail "rerun of the ledger sweep: exit $?"
"$dptrain" ledger verify budget.ledger | grep -q "ok: 2 charges" || fail "a rerun of a finished sweep charged the ledger again"
echo "ok: a sweep charges each run once"
# A ledger for this very data (its data hash) pays for the sweep; one for other data refuses it.
data=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['data_hash'])" s5/runs/run-000/manifest.json)
rm -f budget.ledger budget.ledger.head
"$dptrain" ledger init budget.ledger --epsilon 20 --delta 1e-5 --data-hash "$data" > /dev/null
"$dptrain" sweep led.json --out s6 > /dev/null 2> led.err || fail "a sweep charged to its data's ledger: exit $?: $(cat led.err)"
rm -f budget.ledger budget.ledger.head
"$dptrain" ledger init budget.ledger --epsilon 20 --delta 1e-5 --data-hash "sha256:$(printf 'b%.0s' {1..64})" > /dev/null
set +e
"$dptrain" sweep led.json --out s7 > /dev/null 2> led.err
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "is for data sha256:bbbb" led.err && [ ! -e s7 ] || fail "a ledger for other data: exit $rc: $(cat led.err)"
echo "ok: a sweep on a ledger's own data runs, on a ledger for other data is refused"
# A ledger named another way than the sweep's "ledger" key is refused before anything runs.
printf '%s' '{"name": "x", "base": "base.json", "grid": {"privacy": [{"noise_multiplier": 1.0, "ledger": "a.ledger"}, {"noise_multiplier": 2.0, "ledger": "b.ledger"}]}, "ledger": "budget.ledger"}' > lp.json
set +e
"$dptrain" sweep lp.json --out s10 > /dev/null 2> lp.err; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "a sweep charges one ledger" lp.err && [ ! -e s10 ] || fail "a ledger inside a grid object: exit $rc: $(cat lp.err)"
"$py" -c 'import json; c=json.load(open("base.json")); c["privacy"]["ledger"]="budget.ledger"; json.dump(c, open("base_ledger.json","w"))'
printf '%s' '{"name": "x", "base": "base_ledger.json", "grid": {"privacy.noise_multiplier": [1.0, 2.0]}}' > lb.json
set +e
"$dptrain" sweep lb.json --out s11 > /dev/null 2> lb.err; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "a sweep charges one ledger" lb.err || fail "a ledger in the base config: exit $rc: $(cat lb.err)"
echo "ok: a ledger in a grid object or the base config is refused"
# A secure tuning sweep the ledger refuses keeps its draw: the rerun is refused with the same K.
cat > sled.json <<'JSON'
{"name": "tiny_sled", "base": "secure_base.json", "set": {"training.epochs": 1},
 "grid": {"privacy.noise_multiplier": [1.0, 2.0]}, "ledger": "tiny.ledger",
 "selection": {"metric": "validation.loss", "mode": "min",
               "trials": {"distribution": "truncated_negative_binomial", "shape": 1, "mean": 3}}}
JSON
"$dptrain" ledger init tiny.ledger --epsilon 0.5 --delta 1e-5 > /dev/null
set +e
"$dptrain" sweep sled.json --out s12 > /dev/null 2> sled.err; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "cannot pay" sled.err || fail "a secure tuning sweep over budget: exit $rc: $(cat sled.err)"
cp s12/sweep.json sled_first.json
set +e
"$dptrain" sweep sled.json --out s12 > /dev/null 2> sled2.err; rc=$?
set -e
[ "$rc" -eq 2 ] && cmp -s sled_first.json s12/sweep.json || fail "a refused secure tuning sweep drew K again: exit $rc"
echo "ok: a secure tuning sweep refused by its ledger keeps its K"
echo "sweep: all passed"
