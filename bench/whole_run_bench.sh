#!/usr/bin/env bash
# Whole runs, not steps (docs/performance.md, "Whole runs"): `dptrain run` of the quickstart and
# the spam config and their non-private twins, each timed as a whole process, with where the time
# went from the run's own "timing:" line (steps, epoch evaluations, reports, checkpoints, the
# finish: test evaluation, model, last report); then, with Debian's torch, PyTorch's non-private
# training loop of the same model on the same data (bench/pytorch_whole_run.py, inputs exported by
# `dptrain grads`; median ms/step over up to TORCH_STEPS steps); then an expected batch of 4,096 with
# max_physical_batch_size 256 against batch 256 at 256 x 32 x 64 (examples/s, peak RSS).
# Rounds are interleaved; medians are printed. Needs the corpora: scripts/fetch-data.sh names spam.
# Usage: bench/whole_run_bench.sh [BUILD_DIR [ROUNDS]]   (build, 3)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
rounds=${2:-3}
dptrain="$build/experiments/dptrain"
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
configs=(quickstart quickstart_nonprivate spam_lstm spam_lstm_nonprivate)
for round in $(seq 1 "$rounds"); do
  for c in "${configs[@]}"; do
    echo "round $round: $c (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    /usr/bin/time -f "process: wall %e s, rss_kb %M" "$dptrain" run "experiments/configs/$c.json" --out "$work/${c}_r$round" \
      --threads 2 > /dev/null 2> "$work/${c}_r$round.err"
  done
done

# PyTorch's loop of the same model (non-private: its fastest), for the run's number of steps or
# TORCH_STEPS (default 60) if fewer: its median ms/step is what the table compares. With
# OPENBLAS_NUM_THREADS=1, torch's faster setting on these 2 cores (docs/performance.md).
torch_ok=0
torch_steps=${TORCH_STEPS:-60}
if "$py" -c "import torch" 2> /dev/null; then
  torch_ok=1
  for c in quickstart spam_lstm; do
    steps=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['training']['steps'])" "$work/${c}_r1/config.json")
    [ "$steps" -le "$torch_steps" ] || steps=$torch_steps
    "$dptrain" grads "experiments/configs/${c}_nonprivate.json" --examples "$(seq -s, 0 511)" --out "$work/$c.examples" > /dev/null
    for round in $(seq 1 "$rounds"); do
      echo "round $round: PyTorch $c ($steps steps)" >&2
      OPENBLAS_NUM_THREADS=1 "$py" bench/pytorch_whole_run.py --run "$work/${c}_nonprivate_r1" --examples "$work/$c.examples" \
        --steps "$steps" > "$work/torch_${c}_r$round.json"
    done
  done
fi

# Large expected batches: 4,096 in chunks of 256 against 256 whole, at 256 x 32 x 64.
large() {  # OUT B CAP
  "$py" - "$@" <<'PY'
import json, sys
out, B, cap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
json.dump({"name": "large_batch", "seed": 1,
           "data": {"source": "generated", "task": "marker", "size": 20 * 4096, "min_length": 32, "max_length": 32},
           "model": {"embedding_dim": 64, "lstm": [{"hidden": 64}]},
           "training": {"steps": 6 if B > 256 else 96, "batch_size": B, "max_physical_batch_size": cap,
                        "optimizer": {"name": "sgd", "learning_rate": 0.01}},
           "privacy": {"enabled": True, "clip_norm": 1.0, "noise_multiplier": 1.0}}, open(out, "w"))
PY
}
large "$work/b4096.json" 4096 256
large "$work/b256.json" 256 0
for round in $(seq 1 "$rounds"); do
  for b in b4096 b256; do
    echo "round $round: $b" >&2
    /usr/bin/time -f "process: wall %e s, rss_kb %M" "$dptrain" run "$work/$b.json" --out "$work/${b}_r$round" --threads 2 \
      > /dev/null 2> "$work/${b}_r$round.err"
  done
done

"$py" - "$work" "$rounds" "$torch_ok" <<'PY'
import json, re, statistics, sys
work, rounds, torch_ok = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
def timing(path):
    t = open(path).read()
    m = re.search(r"timing: (\d+) steps ([\d.]+) s \(([\d.]+) ms/step\), epoch evaluations ([\d.]+) s, reports ([\d.]+) s, "
                  r"checkpoints ([\d.]+) s, finish ([\d.]+) s, in all ([\d.]+) s", t)
    p = re.search(r"process: wall ([\d.]+) s, rss_kb (\d+)", t)
    steps, step_s, ms, ev, rep, ck, fin, train = int(m[1]), *map(float, m.groups()[1:])
    return {"steps": steps, "step_s": step_s, "step_ms": ms, "eval_s": ev, "report_s": rep, "checkpoint_s": ck, "finish_s": fin,
            "train_s": train, "wall_s": float(p[1]), "rss_mb": int(p[2]) / 1024}
med = lambda xs: statistics.median(xs)
print("| run | steps | process wall s | ms/step, everything | ms/step, steps only | evaluations s | reports s | checkpoints s | "
      "finish s | outside the steps | peak RSS MB | PyTorch loop ms/step |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for c in ("quickstart", "quickstart_nonprivate", "spam_lstm", "spam_lstm_nonprivate"):
    r = [timing(f"{work}/{c}_r{k}.err") for k in range(1, rounds + 1)]
    g = lambda key: med([x[key] for x in r])
    outside = med([1 - x["step_s"] / x["wall_s"] for x in r])
    torch_ms = "–"
    base = c.replace("_nonprivate", "")
    if torch_ok and c.endswith("_nonprivate"):
        torch_ms = f"{med([json.load(open(f'{work}/torch_{base}_r{k}.json'))['ms_per_step'] for k in range(1, rounds + 1)]):.2f}"
    print(f"| {c} | {r[0]['steps']} | {g('wall_s'):.2f} | {med([x['wall_s'] / x['steps'] * 1e3 for x in r]):.2f} | {g('step_ms'):.2f} | "
          f"{g('eval_s'):.3f} | {g('report_s'):.3f} | {g('checkpoint_s'):.3f} | {g('finish_s'):.3f} | {outside:.0%} | "
          f"{g('rss_mb'):.0f} | {torch_ms} |")
print()
for b, B in (("b4096", 4096), ("b256", 256)):
    r = [timing(f"{work}/{b}_r{k}.err") for k in range(1, rounds + 1)]
    print(f"expected batch {B} at 256 x 32 x 64{' in chunks of 256' if B > 256 else ''}: "
          f"{med([B / x['step_ms'] * 1e3 for x in r]):.0f} examples/s, {med([x['step_ms'] for x in r]):.1f} ms/step, "
          f"peak RSS {med([x['rss_mb'] for x in r]):.0f} MB")
PY
