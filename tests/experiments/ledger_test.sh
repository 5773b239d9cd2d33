#!/usr/bin/env bash
# `dptrain ledger` and privacy.ledger end to end (docs/ledger.md): init / show / verify; a run is
# charged before training, a second run that does not fit is refused (exit 2, no run folder, the
# ledger unchanged); rerunning the same run and resuming a killed one are not charged again, two
# secure-mode runs of one config are charged twice; a
# tampered ledger and a ledger for other data refuse a run; a non-private run is refused; two
# processes charging at once when only one fits: exactly one is charged; a full disk (a file size
# limit) charges nothing and starts nothing.
# Usage: ledger_test.sh DPTRAIN CONFIGS_DIR
set -euo pipefail
dptrain="$1"
configs="$2"
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"

# config NAME LEDGER SEED [privacy.enabled]: tiny_marker with privacy.ledger and a seed.
config() {
  "$py" - "$configs/tiny_marker.json" "$1" "$2" "$3" "${4:-true}" <<'PY'
import json, sys
src, out, ledger, seed, enabled = sys.argv[1:]
c = json.load(open(src))
c["seed"] = int(seed)
if ledger:
    c["privacy"]["ledger"] = ledger
if enabled == "false":
    c["privacy"] = {"enabled": False, "ledger": ledger}
json.dump(c, open(out, "w"))
PY
}
charges() { "$py" -c "import sys; print(sum(1 for _ in open(sys.argv[1])) - 1)" "$1"; }

# 1. init refuses bad budgets and an existing file; verify and show an empty ledger.
"$dptrain" ledger init big.ledger --epsilon 1000 --delta 1e-5 > init.out || fail "init exit $?"
grep -q "created big.ledger" init.out || fail "init printed: $(cat init.out)"
set +e
"$dptrain" ledger init big.ledger --epsilon 3 --delta 1e-5 2> e.err; rc=$?
[ $rc -eq 2 ] && grep -q "already exists" e.err || fail "init over an existing ledger: exit $rc, $(cat e.err)"
"$dptrain" ledger init x.ledger --epsilon -1 --delta 1e-5 2> e.err; rc=$?
[ $rc -eq 2 ] && grep -q -- "--epsilon" e.err || fail "--epsilon -1: exit $rc, $(cat e.err)"
"$dptrain" ledger init x.ledger --epsilon 1 --delta 1 2> e.err; rc=$?
[ $rc -eq 2 ] && grep -q -- "--delta" e.err || fail "--delta 1: exit $rc, $(cat e.err)"
"$dptrain" ledger init x.ledger --epsilon 1 --delta 1e-5 --data-hash nothex 2> e.err; rc=$?
[ $rc -eq 2 ] && grep -q -- "--data-hash" e.err || fail "--data-hash nothex: exit $rc, $(cat e.err)"
set -e
[ ! -e x.ledger ] || fail "a refused init wrote x.ledger"
"$dptrain" ledger verify big.ledger | grep -q "^ok: 0 charges" || fail "verify of an empty ledger"
"$dptrain" ledger show big.ledger | grep -q "^remaining: epsilon = " || fail "show of an empty ledger"
set +e
"$dptrain" ledger verify missing.ledger 2> e.err; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "missing.ledger" e.err || fail "verify of a missing ledger: exit $rc, $(cat e.err)"
[ ! -e missing.ledger.lock ] || fail "verify of a missing ledger left missing.ledger.lock behind"

# 2. What one run costs: charge it to a large ledger. Its run key is the one without a ledger.
config a.json big.ledger 7
config plain.json "" 7
"$dptrain" run a.json --out ra > ra.out 2> ra.err || fail "run with a ledger: exit $?: $(cat ra.err)"
grep -q "charged epsilon = .* as charge 1" ra.err || fail "the run did not say it was charged: $(cat ra.err)"
"$dptrain" run plain.json --out rp --debug-kill-at-step 0 > /dev/null 2>&1 || true
"$py" - ra rp "$work/big.ledger" <<'PY' || fail "run key, config.json or manifest.json wrong with a ledger"
import json, sys
a, p, ledger = sys.argv[1:]
ma, mp = json.load(open(a + "/manifest.json")), json.load(open(p + "/manifest.json"))
assert ma["run_id"] == mp["run_id"], "privacy.ledger changed the run key"
assert json.load(open(a + "/config.json"))["privacy"]["ledger"] == ledger
assert "ledger" not in json.load(open(p + "/config.json"))["privacy"], "an unset ledger was written"
assert "ledger" not in mp and ma["ledger"]["seq"] == 1 and ma["ledger"]["key"] == ma["run_id"][7:]
PY
eps=$("$py" -c "import json,sys; l=open(sys.argv[1]).read().splitlines(); print(len(l))" big.ledger)
[ "$eps" -eq 2 ] || fail "big.ledger has $eps lines"
one=$("$dptrain" ledger show big.ledger | sed -n 's/^spent: *epsilon = \([0-9.e+-]*\) .*/\1/p')
budget=$("$py" -c "print(float('$one') * 1.1)")  # RDP composes sublinearly: two runs cost ~1.25x one
echo "ok: one run costs epsilon = $one by the filter; budget for the next ledger: $budget"

# 3. A ledger with room for one run: the first is charged, the same run again is not charged
#    twice, a second run (another seed) is refused with the budget, spent and remaining epsilon.
"$dptrain" ledger init one.ledger --epsilon "$budget" --delta 1e-5 > /dev/null
config one7.json one.ledger 7
config one8.json one.ledger 8
"$dptrain" run one7.json --out r7 > /dev/null 2> r7.err || fail "first run: exit $?: $(cat r7.err)"
"$dptrain" run one7.json --out r7-again > /dev/null 2> r7b.err || fail "the same run again: exit $?: $(cat r7b.err)"
grep -q "already charged as charge 1" r7b.err || fail "the same run was not recognised: $(cat r7b.err)"
[ "$(charges one.ledger)" -eq 1 ] || fail "one.ledger holds $(charges one.ledger) charges after the same run twice"
cp one.ledger one.before
set +e
"$dptrain" run one8.json --out r8 > /dev/null 2> r8.err; rc=$?
set -e
[ $rc -eq 2 ] || fail "an over-budget run exited $rc: $(cat r8.err)"
grep -q "refuses this run" r8.err && grep -q "budget epsilon = " r8.err && grep -q "spent epsilon = " r8.err &&
  grep -q "remaining epsilon = " r8.err || fail "the refusal does not give budget, spent and remaining: $(cat r8.err)"
echo "refusal: $(cat r8.err)"
[ ! -e r8 ] || fail "a refused run left its folder r8"
cmp -s one.ledger one.before || fail "a refused run changed the ledger"
"$dptrain" ledger verify one.ledger | grep -q "^ok: 1 charge" || fail "verify after a refusal"

# 4. A killed run stays charged; its resume is not charged again.
"$dptrain" ledger init k.ledger --epsilon 1000 --delta 1e-5 > /dev/null
config k.json k.ledger 9
set +e
"$dptrain" run k.json --out rk --debug-kill-at-step 6 > /dev/null 2>&1; rc=$?
set -e
[ $rc -ne 0 ] || fail "the killed run exited 0"
[ "$(charges k.ledger)" -eq 1 ] || fail "a killed run is not charged"
"$dptrain" resume rk > /dev/null 2> rk.err || fail "resume: exit $?: $(cat rk.err)"
grep -q "already charged" rk.err || fail "resume did not find its charge: $(cat rk.err)"
[ "$(charges k.ledger)" -eq 1 ] || fail "resume charged again: $(charges k.ledger) charges"
echo "ok: killed run charged once, resumed without a second charge"

# 4b. Secure mode: two runs of one config draw different noise, so both are charged (the key has
#     OS random bits, kept in manifest.json). A resume draws fresh noise from its checkpoint on, so
#     each continuation is charged the steps it has left: a folder copied and resumed twice is
#     charged twice (two different models), never "already charged".
"$dptrain" ledger init s.ledger --epsilon 1000 --delta 1e-5 > /dev/null
"$py" - "$configs/tiny_marker.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
del c["seed"]
c["privacy"].update({"secure_mode": True, "ledger": "s.ledger"})
json.dump(c, open("s.json", "w"))
PY
set +e
"$dptrain" run s.json --out rs1 --debug-kill-at-step 3 > /dev/null 2>&1
"$dptrain" run s.json --out rs2 --debug-kill-at-step 3 > /dev/null 2>&1
set -e
[ "$(charges s.ledger)" -eq 2 ] || fail "two secure runs of one config: $(charges s.ledger) charges, expected 2"
cp -r rs1 rs1_copy
"$dptrain" resume rs1 > /dev/null 2> rs1.err || fail "secure resume: exit $?: $(cat rs1.err)"
[ "$(charges s.ledger)" -eq 3 ] || fail "a secure resume was not charged: $(charges s.ledger) charges, expected 3"
"$dptrain" ledger show s.ledger | grep -q "rs1 (secure resume from step" || fail "the resume's charge is not labelled"
"$dptrain" resume rs1_copy > /dev/null 2> rs1c.err || fail "secure resume of a copy: exit $?: $(cat rs1c.err)"
[ "$(charges s.ledger)" -eq 4 ] || fail "a copied secure folder resumed without a charge"
! cmp -s rs1/model.safetensors rs1_copy/model.safetensors || fail "two secure continuations gave the same model"
"$dptrain" resume rs1 > /dev/null 2> rs1f.err || fail "resume of a finished secure run: exit $?"
[ "$(charges s.ledger)" -eq 4 ] || fail "a finished secure run's resume (which trains nothing) was charged"
echo "ok: secure mode: two runs of one config charged twice, each continuation of a copied folder once more"

# 5. A tampered ledger refuses runs and fails verify, naming the line.
cp k.ledger t.ledger
cp k.ledger.head t.ledger.head
"$py" - t.ledger <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
i = s.index('"label":"') + len('"label":"')
open(p, "w").write(s[:i] + "X" + s[i + 1:])
PY
set +e
"$dptrain" ledger verify t.ledger > /dev/null 2> tv.err; rc=$?
[ $rc -eq 2 ] && grep -q "t.ledger:2: " tv.err || fail "verify of a tampered ledger: exit $rc, $(cat tv.err)"
config t.json t.ledger 10
"$dptrain" run t.json --out rt > /dev/null 2> rt.err; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "t.ledger:2: the charge's hash does not match" rt.err || fail "run on a tampered ledger: exit $rc, $(cat rt.err)"
[ ! -e rt ] || fail "a run refused by a tampered ledger left its folder"
head -c -20 k.ledger > cut.ledger
cp k.ledger.head cut.ledger.head
set +e
"$dptrain" ledger verify cut.ledger > /dev/null 2> cut.err; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "cut.ledger:2: the line does not end with a newline" cut.err || fail "truncated ledger: exit $rc, $(cat cut.err)"
echo "ok: tampered and truncated ledgers refused ($(cat rt.err))"

# 6. A ledger for other data refuses the run; for this data it charges.
data=$("$py" -c "import json; print(json.load(open('ra/manifest.json'))['data_hash'])")
"$dptrain" ledger init other.ledger --epsilon 1000 --delta 1e-5 --data-hash "$(printf 'a%.0s' {1..64})" > /dev/null
"$dptrain" ledger init mine.ledger --epsilon 1000 --delta 1e-5 --data-hash "$data" > /dev/null
config o.json other.ledger 7
config m.json mine.ledger 7
set +e
"$dptrain" run o.json --out ro > /dev/null 2> ro.err; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "is for data sha256:aaaa.*, this run's data is $data" ro.err || fail "other data: exit $rc, $(cat ro.err)"
"$dptrain" run m.json --out rm > /dev/null 2> rm.err || fail "a ledger for this data refused it: $(cat rm.err)"

# 7. A non-private run spends epsilon = inf: refused.
config np.json mine.ledger 7 false
set +e
"$dptrain" run np.json --out rnp > /dev/null 2> rnp.err; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "needs epsilon = inf" rnp.err || fail "non-private run: exit $rc, $(cat rnp.err)"

# 8. The race: two processes charge one ledger at once; only one run fits. Exactly one is charged
#    (it is killed before its first step, so the race is over the charge only); repeated.
for round in 1 2 3 4 5; do
  "$dptrain" ledger init race$round.ledger --epsilon "$budget" --delta 1e-5 > /dev/null
  config ra$round.json race$round.ledger $((100 + round))
  config rb$round.json race$round.ledger $((200 + round))
  "$dptrain" run ra$round.json --out race$round-a --debug-kill-at-step 0 > /dev/null 2> race$round-a.err &
  pa=$!
  "$dptrain" run rb$round.json --out race$round-b --debug-kill-at-step 0 > /dev/null 2> race$round-b.err &
  pb=$!
  set +e
  wait $pa; ra=$?
  wait $pb; rb=$?
  set -e
  refused=0
  for rc in $ra $rb; do [ $rc -eq 2 ] && refused=$((refused + 1)); done
  [ $refused -eq 1 ] || fail "race $round: exits $ra and $rb (expected one refused with 2): $(cat race$round-*.err)"
  [ "$(charges race$round.ledger)" -eq 1 ] || fail "race $round: $(charges race$round.ledger) charges"
  "$dptrain" ledger verify race$round.ledger > /dev/null || fail "race $round: the ledger does not verify"
done
echo "ok: race: 5 of 5 rounds charged exactly one of two concurrent runs"

# 9. A full disk: a file size limit below the new ledger's size makes the write fail (SIGXFSZ
#    ignored, so write(2) returns EFBIG): nothing charged, no temp file, no run folder.
"$dptrain" ledger init full.ledger --epsilon 1000 --delta 1e-5 > /dev/null
config f.json full.ledger 11
cp full.ledger full.before
blocks=$(( ($(stat -c %s full.ledger) + 1023) / 1024 ))
set +e
( trap '' XFSZ; ulimit -f "$blocks"; exec "$dptrain" run f.json --out rf ) > /dev/null 2> rf.err; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "File too large" rf.err || fail "full disk: exit $rc, $(cat rf.err)"
cmp -s full.ledger full.before || fail "a failed write changed the ledger"
! ls full.ledger.tmp-* > /dev/null 2>&1 || fail "a failed write left a temp file"
[ ! -e rf ] || fail "a run whose charge failed left its folder"
echo "ok: full disk: $(cat rf.err)"

# 10. A read-only directory (skipped as root, where permissions do not stop writes).
if [ "$(id -u)" -ne 0 ]; then
  mkdir ro && "$dptrain" ledger init ro/r.ledger --epsilon 1000 --delta 1e-5 > /dev/null
  config rr.json ro/r.ledger 12
  cp ro/r.ledger r.before
  chmod a-w ro
  set +e
  "$dptrain" run rr.json --out rr > /dev/null 2> rr.err; rc=$?
  set -e
  chmod u+w ro
  [ $rc -eq 1 ] || fail "read-only directory: exit $rc, $(cat rr.err)"
  cmp -s ro/r.ledger r.before || fail "read-only directory: the ledger changed"
  echo "ok: read-only directory: $(cat rr.err)"
fi
echo "ledger: all passed"
