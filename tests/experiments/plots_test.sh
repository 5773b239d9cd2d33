#!/usr/bin/env bash
# Plots end to end (docs/plots.md): a run writes epsilon.svg and training.svg (XML that parses)
# and links them from privacy.md; `dptrain plot` writes the same bytes again; a resumed run
# writes the same plots as an uninterrupted one; a non-private run has training.svg only; a
# sweep's frontier.svg is written again by `dptrain plot`; missing or damaged folders and files
# exit 2 naming them; every SVG of the unit tests (plots_tests) parses too.
# Usage: plots_test.sh DPTRAIN CONFIGS_DIR PLOTS_TESTS
set -euo pipefail
dptrain="$1"
configs="$2"
unit="$3"
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
parses() { "$py" -c 'import sys, xml.etree.ElementTree as E
for f in sys.argv[1:]:
    r = E.parse(f).getroot()
    assert r.tag == "{http://www.w3.org/2000/svg}svg", (f, r.tag)' "$@"; }
cd "$work"
cp "$configs/tiny_marker.json" base.json

# 1. A run writes both plots, privacy.md links them; `dptrain plot` writes the same bytes.
"$dptrain" run base.json --out r > /dev/null 2> r.err || fail "run exit $?: $(cat r.err)"
for f in epsilon.svg training.svg; do [ -f "r/$f" ] || fail "the run wrote no $f"; done
parses r/epsilon.svg r/training.svg || fail "a run's SVG does not parse as XML"
grep -q '^## Plots' r/privacy.md && grep -qF '](epsilon.svg)' r/privacy.md && grep -qF '](training.svg)' r/privacy.md \
  || fail "privacy.md does not link the plots: $(cat r/privacy.md)"
grep -q '>rdp (upper bound)<' r/epsilon.svg && grep -q '>reported ε' r/epsilon.svg || fail "epsilon.svg lacks the accountants"
cp r/epsilon.svg eps.before; cp r/training.svg train.before
rm r/training.svg
"$dptrain" plot r > plot.out 2> plot.err || fail "plot exit $?: $(cat plot.err)"
cmp -s eps.before r/epsilon.svg && cmp -s train.before r/training.svg || fail "dptrain plot wrote other bytes than the run"
echo "ok: a run writes epsilon.svg and training.svg; dptrain plot writes the same bytes"

# 2. Killed and resumed: the same plots as the uninterrupted run.
set +e
("$dptrain" run base.json --out k --debug-kill-at-step 13) > /dev/null 2>&1
set -e
"$dptrain" resume k > /dev/null 2> k.err || fail "resume exit $?: $(cat k.err)"
cmp -s r/epsilon.svg k/epsilon.svg && cmp -s r/training.svg k/training.svg || fail "a resumed run's plots differ"
echo "ok: a resumed run writes the same plots"

# 3. Non-private: training.svg only, and the report links only it.
sed 's/"enabled": true/"enabled": false/' base.json > np.json
"$dptrain" run np.json --out np > /dev/null 2> np.err || fail "non-private run exit $?: $(cat np.err)"
[ -f np/training.svg ] && [ ! -e np/epsilon.svg ] || fail "a non-private run: $(ls np)"
grep -qF '](training.svg)' np/privacy.md && ! grep -qF 'epsilon.svg' np/privacy.md || fail "non-private privacy.md links"
"$dptrain" plot np > /dev/null 2> np.err || fail "plot of a non-private run exit $?: $(cat np.err)"
parses np/training.svg || fail "non-private training.svg does not parse"
echo "ok: a non-private run has training.svg only"

# 4. A sweep's frontier.svg, written again by dptrain plot.
cat > grid.json <<'JSON'
{"name": "tiny_grid", "base": "base.json", "set": {"training.epochs": 1},
 "grid": {"privacy.noise_multiplier": [0.8, 1.5]},
 "selection": {"metric": "validation.accuracy", "mode": "max"}}
JSON
"$dptrain" sweep grid.json --out s --jobs 1 > s.out 2> s.err || fail "sweep exit $?: $(cat s.err)"
parses s/frontier.svg || fail "frontier.svg does not parse"
grep -q '>selected run<' s/frontier.svg || fail "frontier.svg does not mark the selected run"
cp s/frontier.svg frontier.before; rm s/frontier.svg
"$dptrain" plot s > /dev/null 2> s.err || fail "plot of a sweep exit $?: $(cat s.err)"
cmp -s frontier.before s/frontier.svg || fail "dptrain plot wrote another frontier.svg than the sweep"
echo "ok: dptrain plot writes a sweep's frontier.svg again, the same bytes"

# 5. Refusals: exit 2 naming the folder or file; nothing written.
refuse() {  # NAME DIR EXPECTED
  set +e
  "$dptrain" plot "$2" > /dev/null 2> bad.err
  local rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "$1: exit $rc, expected 2: $(cat bad.err)"
  grep -qF -- "$3" bad.err || fail "$1: stderr does not name '$3': $(cat bad.err)"
  echo "ok: refused $1: $(cat bad.err)"
}
refuse missing_folder "$work/nowhere" "$work/nowhere: no such folder"
mkdir plain
refuse not_a_run plain "neither a run folder"
cp -r r damaged; printf '{"run": ' > damaged/privacy.json
refuse damaged_privacy damaged "damaged/privacy.json: not a JSON object"
cp -r r nometrics; rm nometrics/metrics.jsonl
refuse missing_metrics nometrics "nometrics/metrics.jsonl: missing"
cp -r r badfield; "$py" -c 'import json,sys; p=json.load(open(sys.argv[1])); p["mechanism"]["sampling_rate"]="x"; json.dump(p, open(sys.argv[1],"w"))' badfield/privacy.json
refuse bad_field badfield "\"sampling_rate\" is missing or not a number"
cp -r r edited_sigma; "$py" -c 'import json,sys; p=json.load(open(sys.argv[1])); p["mechanism"]["noise_multiplier"]*=2; json.dump(p, open(sys.argv[1],"w"))' edited_sigma/privacy.json
refuse edited_sigma edited_sigma "edited_sigma/privacy.json: its mechanism (q, σ, steps, δ) is not the one manifest.json resolved"
cp -r r edited_eps; "$py" -c 'import json,sys; p=json.load(open(sys.argv[1])); p["epsilon_history"][0]["epsilon"]*=0.5; json.dump(p, open(sys.argv[1],"w"))' edited_eps/privacy.json
refuse edited_epsilon edited_eps "edited_eps/privacy.json: epsilon_history says epsilon ="
cp -r s nosummary; rm nosummary/summary.jsonl
refuse missing_summary nosummary "nosummary/summary.jsonl: missing"
cp -r s badsummary; echo 'not json' >> badsummary/summary.jsonl
refuse damaged_summary badsummary "badsummary/summary.jsonl:3: not a JSON object"

# 6. Every SVG the unit tests build parses.
mkdir unit
DPT_PLOTS_DUMP_DIR="$work/unit" "$unit" > unit.out 2>&1 || fail "plots_tests failed: $(tail -20 unit.out)"
n=$(ls unit/*.svg | wc -l)
[ "$n" -ge 20 ] || fail "plots_tests dumped only $n SVGs"
parses unit/*.svg || fail "an SVG of the unit tests does not parse"
echo "ok: all $n SVGs of the unit tests parse as XML"
echo "plots: all passed"
