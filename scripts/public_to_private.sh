#!/usr/bin/env bash
# Public pretraining, then private fine-tuning (docs/public_to_private.md).
#
#   1. builds dptrain if needed, fetches Moby-Dick and SpamAssassin (scripts/fetch-data.sh);
#   2. trains a NON-private character LM on Moby-Dick (public data) once:
#      experiments/configs/moby_pretrain.json -> runs/public_to_private/pretrain/
#      (its model.safetensors is the warm start; skipped when that run is complete);
#   3. fine-tunes with DP-SGD at target epsilon = 3 on SpamAssassin, seeds 1, 2, 3, twice:
#      from the pretrained embedding + LSTM (sweep_public_to_private_warm.json) and from random
#      weights (sweep_public_to_private_scratch.json), into runs/public_to_private/{warm,scratch}/;
#   4. prints seed, epsilon, test accuracy warm vs scratch, mean +- sd.
#
# Idempotent: a complete pretrain is kept, a sweep run again keeps its finished runs and resumes
# the others (docs/sweep.md). Everything is written under runs/public_to_private/ (git-ignored);
# delete that folder to start over. Environment: DPT_BUILD_DIR (default build/), JOBS (fine-tune
# runs side by side, default 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${DPT_BUILD_DIR:-$root/build}"
jobs="${JOBS:-2}"
dptrain="$build/experiments/dptrain"
out="runs/public_to_private"
pretrain="$out/pretrain"
t0=$SECONDS

say() { printf '\n== public_to_private: %s\n' "$*"; }
die() { printf 'public_to_private: %s\n' "$*" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || die "python3 is needed to print the table"

say "build (incremental)"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" --parallel "$(nproc)" --target dptrain
[ -x "$dptrain" ] || die "no dptrain binary at $dptrain after the build"

say "data"
scripts/fetch-data.sh moby_dick spam

# A run folder is complete when its privacy.json says so (what dptrain sweep checks too).
run_complete() {
  [ -f "$1/privacy.json" ] && python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("complete") is True else 1)' "$1/privacy.json"
}

say "pretrain: non-private char LM on Moby-Dick -> $pretrain"
t_pre=$SECONDS
if run_complete "$pretrain"; then
  echo "already complete, kept ($pretrain/privacy.json)"
elif [ -f "$pretrain/manifest.json" ]; then
  echo "unfinished, resuming"
  "$dptrain" resume "$pretrain"
elif [ -e "$pretrain" ]; then
  die "$pretrain exists but never started (no manifest.json): remove it and run again"
else
  mkdir -p "$out"
  "$dptrain" run experiments/configs/moby_pretrain.json --out "$pretrain"
fi
run_complete "$pretrain" || die "pretrain did not complete ($pretrain)"
[ -f "$pretrain/model.safetensors" ] || die "no $pretrain/model.safetensors"
pre_wall=$((SECONDS - t_pre))
echo "pretrain step: ${pre_wall} s"

say "fine-tune, warm start (embedding + LSTM from the pretrain), seeds 1 2 3"
t_warm=$SECONDS
"$dptrain" sweep experiments/configs/sweep_public_to_private_warm.json --out "$out/warm" --jobs "$jobs"
warm_wall=$((SECONDS - t_warm))

say "fine-tune, from scratch (random weights), seeds 1 2 3"
t_scr=$SECONDS
"$dptrain" sweep experiments/configs/sweep_public_to_private_scratch.json --out "$out/scratch" --jobs "$jobs"
scr_wall=$((SECONDS - t_scr))

say "results (test accuracy; epsilon as each run's report states it)"
python3 - "$out" "$pre_wall" "$warm_wall" "$scr_wall" "$((SECONDS - t0))" <<'PY'
import json, statistics, sys
out, pre_wall, warm_wall, scr_wall, total = sys.argv[1], *map(int, sys.argv[2:])

def rows(arm):
    by_seed = {}
    sweep = json.load(open(f"{out}/{arm}/sweep.json"))
    seed_of = {r["id"]: r["config"]["seed"] for r in sweep["points"]}
    for line in open(f"{out}/{arm}/summary.jsonl"):
        r = json.loads(line)
        if r["status"] != "complete":
            sys.exit(f"public_to_private: {arm} {r['id']} is {r['status']}, not complete")
        by_seed[seed_of[r["id"]]] = r
    return by_seed

warm, scratch = rows("warm"), rows("scratch")
# The sweep pins the pretrain's sha256 in every point (docs/sweep.md) and refuses a folder planned
# from other weights; checked here too, from each warm run's own report.
import hashlib
want = "sha256:" + hashlib.sha256(open(f"{out}/pretrain/model.safetensors", "rb").read()).hexdigest()
for r in warm.values():
    got = json.load(open(f"{out}/warm/{r['run_dir']}/privacy.json"))["init_from"]["sha256"]
    if got != want:
        sys.exit(f"public_to_private: {out}/warm/{r['run_dir']} started from {got}, not the current "
                 f"pretrain {want}: delete {out}/warm and run again")
if sorted(warm) != sorted(scratch):
    sys.exit(f"public_to_private: seeds differ: warm {sorted(warm)}, scratch {sorted(scratch)}")
pre = json.load(open(f"{out}/pretrain/privacy.json"))
print(f"pretrain (non-private, Moby-Dick): test bits/byte {pre['results']['test']['bits_per_byte']:.3f}, "
      f"next-byte accuracy {pre['results']['test']['accuracy']:.3f}")
print()
print("| seed | ε warm | ε scratch | δ | test acc warm | test acc scratch | warm − scratch | val acc warm | val acc scratch | wall warm (s) | wall scratch (s) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
tw, ts, d = [], [], []
for s in sorted(warm):
    w, c = warm[s], scratch[s]
    tw.append(w["test"]["accuracy"]); ts.append(c["test"]["accuracy"]); d.append(tw[-1] - ts[-1])
    print(f"| {s} | {w['epsilon']:.4f} | {c['epsilon']:.4f} | {w['delta']:g} | {tw[-1]:.4f} | {ts[-1]:.4f} | {d[-1]:+.4f} | "
          f"{w['validation']['accuracy']:.4f} | {c['validation']['accuracy']:.4f} | {w['wall_seconds']:.1f} | {c['wall_seconds']:.1f} |")
sd = lambda x: statistics.stdev(x) if len(x) > 1 else float("nan")
print(f"| mean ± sd | | | | {statistics.mean(tw):.4f} ± {sd(tw):.4f} | {statistics.mean(ts):.4f} ± {sd(ts):.4f} | "
      f"{statistics.mean(d):+.4f} ± {sd(d):.4f} | | | | |")
print()
print(f"wall time (this invocation): pretrain step {pre_wall} s, warm sweep {warm_wall} s, scratch sweep {scr_wall} s, total {total} s")
PY
