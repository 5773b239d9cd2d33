#!/usr/bin/env bash
# Data-parallel runs over MPI end to end (docs/distributed.md): `mpirun -np K dptrain run` writes
# the same model.safetensors, metrics.jsonl and privacy.json, byte for byte, as one process, for
# K = 2 and 3 (private with dropout and a GRU + LSTM stack, and non-private); a rank killed mid-run
# ends the job non-zero within 10 s naming the rank, and the folder resumes on another K (or one
# process) to the uninterrupted bytes; ranks with another config are refused (exit 2, no folder);
# a non-run command on several ranks is refused; secure mode runs on 2 ranks.
# Usage: distributed_run_test.sh DPTRAIN MPIEXEC CONFIGS_DIR
set -euo pipefail
dptrain="$1"
mpiexec="$2"
configs="$3"
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"
# Shared memory between the ranks of this host, without the single-copy mechanism (it needs
# ptrace rights that containers often lack); root is allowed (CI runs as root).
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi() { local np=$1; shift; "$mpiexec" -np "$np" --oversubscribe --allow-run-as-root "$@"; }

cp "$configs/tiny_marker.json" base.json
variant() {  # OUT 'python statements on c (the config dict)'
  "$py" - "$1" "$2" <<'PY'
import json, sys
c = json.load(open("base.json"))
exec(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}
same_files() {  # DIR_A DIR_B (manifest.json records the threads, so it is not compared)
  for f in metrics.jsonl model.safetensors privacy.json privacy.md config.json; do
    cmp -s "$1/$f" "$2/$f" || fail "$2: $f differs from $1"
  done
}

# Chunks of 8 from Poisson batches of about 32: 4-6 chunks per step to spread over the ranks.
variant dp.json 'c["training"]["max_physical_batch_size"] = 8; c["model"].pop("lstm"); c["model"]["recurrent"] = [{"cell": "gru", "hidden": 10, "return_sequences": True, "dropout": 0.2}, {"cell": "lstm", "hidden": 8}]'
variant plain.json 'c["training"]["max_physical_batch_size"] = 8; c["privacy"] = {"enabled": False}'

# 1. K = 1 process, 2 and 3 ranks: the same bytes.
"$dptrain" run dp.json --out one --threads 2 > /dev/null 2> one.err || fail "the single-process run failed: $(cat one.err)"
for k in 2 3; do
  mpi $k "$dptrain" run dp.json --out np$k > /dev/null 2> np$k.err || fail "the $k-rank run failed: $(cat np$k.err)"
  same_files one np$k
  grep -q "distributed: $k ranks" np$k.err || fail "the $k-rank run did not report its communication"
done
"$dptrain" run plain.json --out plain1 --threads 2 > /dev/null 2>&1 || fail "the non-private run failed"
mpi 2 "$dptrain" run plain.json --out plain2 > /dev/null 2> plain2.err || fail "the non-private 2-rank run failed: $(cat plain2.err)"
same_files plain1 plain2
# Whole batches (no max_physical_batch_size): one chunk per step, rank 0 alone; same bytes, and a warning.
"$dptrain" run base.json --out whole1 --threads 2 > /dev/null 2>&1 || fail "the whole-batch run failed"
mpi 2 "$dptrain" run base.json --out whole2 > /dev/null 2> whole2.err || fail "the whole-batch 2-rank run failed: $(cat whole2.err)"
same_files whole1 whole2
grep -q "max_physical_batch_size is 0: every step is one chunk" whole2.err || fail "no warning for whole batches on 2 ranks"
echo "ok: 1 process, 2 and 3 ranks give the same model, metrics and report (private and non-private, chunked and whole)"

# 2. A rank killed mid-run: the job ends non-zero within 10 s, naming it; the folder resumes on
#    another number of ranks, or one process, to the uninterrupted bytes.
for victim in 1 0; do
  start=$(date +%s%N)
  if mpi 2 "$dptrain" run dp.json --out kill$victim --debug-kill-at-step 13 --debug-kill-rank $victim > /dev/null 2> kill$victim.err; then
    fail "the job with rank $victim killed exited 0"
  fi
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$ms" -lt 10000 ] || fail "the job took $ms ms to end after rank $victim died"
  grep -q "rank $victim" kill$victim.err || fail "the job's error does not name rank $victim: $(cat kill$victim.err)"
  echo "ok: rank $victim killed at step 13: the job ended with an error in $ms ms"
done
cp -r kill1 kill1_single
mpi 3 "$dptrain" resume kill1 > /dev/null 2> r3.err || fail "resume on 3 ranks failed: $(cat r3.err)"
same_files one kill1
"$dptrain" resume kill1_single --threads 1 > /dev/null 2>&1 || fail "resume in one process failed"
same_files one kill1_single
mpi 2 "$dptrain" resume kill0 > /dev/null 2>&1 || fail "resume on 2 ranks after rank 0 died failed"
same_files one kill0
echo "ok: killed on 2 ranks, resumed on 3, on 1 process and on 2: the uninterrupted bytes"

# 3. Ranks that read another config are refused before anything is written.
variant other.json 'c["training"]["max_physical_batch_size"] = 8; c["seed"] = 8'
variant same.json 'c["training"]["max_physical_batch_size"] = 8'
set +e
"$mpiexec" --allow-run-as-root -np 1 "$dptrain" run same.json --out mixed : -np 1 "$dptrain" run other.json --out mixed > /dev/null 2> mixed.err
code=$?
set -e
[ "$code" -eq 2 ] || fail "mismatched ranks exited $code, not 2: $(cat mixed.err)"
grep -q "rank 1 of 2 has another dptrain, config or data" mixed.err || fail "no message names the mismatched rank: $(cat mixed.err)"
[ ! -e mixed ] || fail "a refused job left a folder behind"
echo "ok: a rank with another config is refused (exit 2), no folder left"

# 3b. A run that stops (it diverged) stops on every rank at the same step: rank 0 writes the
#     stopped report, says why once, and ends the job (exit 1); the folder is the one-process one.
variant diverge.json 'c["data"]["task"] = "sine"; c["training"]["max_physical_batch_size"] = 9; c["privacy"] = {"enabled": False}; c["training"]["optimizer"] = {"name": "sgd", "learning_rate": 1e6}'
set +e
"$dptrain" run diverge.json --out stop1 > /dev/null 2> stop1.err; code1=$?
mpi 2 "$dptrain" run diverge.json --out stop2 > /dev/null 2> stop2.err; code2=$?
set -e
[ "$code1" -eq 1 ] && [ "$code2" -eq 1 ] || fail "a diverging run exited $code1 alone and $code2 on 2 ranks, not 1: $(cat stop2.err)"
[ "$(grep -c "training stopped at step" stop2.err)" -eq 1 ] || fail "the stop is not said once, by rank 0: $(cat stop2.err)"
grep -q "rank 0 of 2.*training stopped" stop2.err || fail "rank 0 does not say why the run stopped: $(cat stop2.err)"
for f in privacy.json metrics.jsonl; do cmp -s stop1/$f stop2/$f || fail "the stopped run's $f differs on 2 ranks"; done
echo "ok: a diverging run stops on 2 ranks as alone (exit 1, one message from rank 0, the same report)"

# 4. Only run and resume run on several ranks; a taken folder is refused and left as it was.
set +e
mpi 2 "$dptrain" epsilon --noise-multiplier 1 --sampling-rate 0.01 --steps 100 --delta 1e-5 > /dev/null 2> eps.err
code=$?
set -e
[ "$code" -eq 2 ] || fail "epsilon on 2 ranks exited $code, not 2"
grep -q "only \`run\`, \`resume\` and \`sweep\` run on several ranks" eps.err || fail "no message for epsilon on 2 ranks: $(cat eps.err)"
sha=$(sha256sum np2/model.safetensors)
if mpi 2 "$dptrain" run dp.json --out np2 > /dev/null 2> taken.err; then fail "a run into a taken folder exited 0"; fi
grep -q "already holds a run" taken.err || fail "no message for the taken folder: $(cat taken.err)"
[ "$sha" = "$(sha256sum np2/model.safetensors)" ] || fail "the taken folder changed"
echo "ok: epsilon on 2 ranks refused (exit 2); a taken folder refused and unchanged"

# 5. Secure mode: rank 0 draws the sample and the noise from the OS; the run completes.
variant secure.json 'c["training"]["max_physical_batch_size"] = 8; c.pop("seed"); c["privacy"]["secure_mode"] = True'
mpi 2 "$dptrain" run secure.json --out secure > /dev/null 2> secure.err || fail "the secure 2-rank run failed: $(cat secure.err)"
"$py" -c 'import json,sys; sys.exit(0 if json.load(open("secure/privacy.json"))["complete"] else 1)' || fail "the secure run is not complete"
echo "ok: secure mode on 2 ranks completes"

# 6. A sweep over ranks: rank 0 plans and summarises, the runs are dealt out over the ranks (as
#    processes of their own); the summary and every run folder equal the one-process sweep's, and
#    a rerun on 3 ranks runs nothing.
cat > grid.json <<'JSON'
{"name": "tiny_grid", "base": "base.json", "set": {"training.epochs": 2},
 "grid": {"privacy.noise_multiplier": [0.8, 1.5]}, "seeds": 2,
 "selection": {"metric": "validation.accuracy", "mode": "max"}}
JSON
"$dptrain" sweep grid.json --out sweep1 > /dev/null 2> sweep1.err || fail "the one-process sweep failed: $(cat sweep1.err)"
mpi 2 "$dptrain" sweep grid.json --out sweep2 > sweep2.out 2> sweep2.err || fail "the 2-rank sweep failed: $(cat sweep2.err)"
grep -q "2 ranks; rank 0 runs 2 of the 4 runs" sweep2.err || fail "the runs were not dealt out over 2 ranks: $(cat sweep2.err)"
same_summary() {  # A B: summary.jsonl rows equal but for their wall times; selection.json equal
  "$py" - "$1" "$2" <<'PY' || fail "$2's summary or selection differs from $1's"
import json, sys
rows = [[{k: v for k, v in json.loads(l).items() if k != "wall_seconds"} for l in open(d + "/summary.jsonl")] for d in sys.argv[1:]]
assert rows[0] == rows[1] and len(rows[0]) == 4, rows
assert open(sys.argv[1] + "/selection.json").read() == open(sys.argv[2] + "/selection.json").read()
PY
}
same_summary sweep1 sweep2
for r in 000 001 002 003; do same_files sweep1/runs/run-$r sweep2/runs/run-$r; done
mpi 3 "$dptrain" sweep grid.json --out sweep2 > /dev/null 2> rerun.err || fail "the rerun on 3 ranks failed: $(cat rerun.err)"
! grep -q "starting\|resuming" rerun.err || fail "a finished sweep started runs again on 3 ranks: $(cat rerun.err)"
same_summary sweep1 sweep2
echo "ok: a sweep on 2 ranks (2 runs each) gives the one-process sweep's summary and run folders; a rerun on 3 runs nothing"

echo "distributed runs: all passed"
