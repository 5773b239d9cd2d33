#!/usr/bin/env bash
# MPI mode of the step benchmarks (docs/distributed.md, "Measured"): whole DP-SGD steps of
# `dptrain run` on the speed issue's three shapes (Embedding(V -> 64) -> LSTM(H) -> Linear(2),
# fixed length T, expected batch B, N = 16 B, flat clipping, σ = 1, SGD), chunks of B/2
# (training.max_physical_batch_size), in four layouts of this host's 2 cores, interleaved per
# round so that drifting load hits all alike:
#   1x2        1 rank  x 2 threads, chunks of B/2
#   2x1        2 ranks x 1 thread,  chunks of B/2 (the same bits as 1x2)
#   1x1        1 rank  x 1 thread,  chunks of B/2 (the base of the ranks' parallel efficiency)
#   1x2-whole  1 rank  x 2 threads, whole batches (what one process would run unchunked)
# ms/step and rank 0's communication and waiting per step come from the run's "distributed:"
# line (DpStep's own clock: steps only, not evaluation, reports or checkpoints). Prints a
# Markdown table: medians over the rounds, and the efficiencies
#   E(2x1 vs 1x2) = t(1x2) / t(2x1)        (same cores, ranks instead of threads)
#   E(2x1 vs 1x1) = t(1x1) / (2 t(2x1))    (parallel efficiency of the 2 ranks)
# Then peak RSS per rank (VmHWM via /usr/bin/time) for an expected batch of 4,096 at
# 32 x 256 x 256 with max_physical_batch_size 256, on 1 and 2 ranks (2 steps).
# Usage: bench/mpi_step_bench.sh [BUILD_DIR [ROUNDS [STEPS]]]   (build, 3, 24)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
rounds=${2:-3}
steps=${3:-24}
dptrain="$build/experiments/dptrain"
mpiexec=${MPIEXEC:-mpiexec}
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi() { local np=$1; shift; "$mpiexec" -np "$np" --oversubscribe --allow-run-as-root --bind-to none "$@"; }

config() {  # OUT B T H CHUNK STEPS
  "$py" - "$@" <<'PY'
import json, sys
out, B, T, H, chunk, steps = sys.argv[1], *map(int, sys.argv[2:])
json.dump({"name": "mpi_bench", "seed": 1,
           "data": {"source": "generated", "task": "marker", "size": 20 * B, "min_length": T, "max_length": T},
           "model": {"embedding_dim": 64, "lstm": [{"hidden": H}]},
           "training": {"steps": steps, "batch_size": B, "max_physical_batch_size": chunk,
                        "optimizer": {"name": "sgd", "learning_rate": 0.01}},
           "privacy": {"enabled": True, "clip_norm": 1.0, "noise_multiplier": 1.0}}, open(out, "w"))
PY
}

shapes=("64 64 128" "256 32 64" "32 256 256")
for k in 0 1 2; do
  read -r b t h <<<"${shapes[$k]}"
  config s$k.json "$b" "$t" "$h" $((b / 2)) "$steps"
  config s${k}w.json "$b" "$t" "$h" 0 "$steps"
done
line() { grep "^distributed:" "$1" | tail -1; }
for round in $(seq 1 "$rounds"); do
  for k in 0 1 2; do
    echo "round $round shape $k (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    mpi 1 "$dptrain" run s$k.json --out r${round}_s${k}_1x2 --threads 2 > /dev/null 2> e && line e > r${round}_s${k}_1x2.txt
    mpi 2 "$dptrain" run s$k.json --out r${round}_s${k}_2x1 --threads 1 > /dev/null 2> e && line e > r${round}_s${k}_2x1.txt
    mpi 1 "$dptrain" run s$k.json --out r${round}_s${k}_1x1 --threads 1 > /dev/null 2> e && line e > r${round}_s${k}_1x1.txt
    mpi 1 "$dptrain" run s${k}w.json --out r${round}_s${k}_1x2-whole --threads 2 > /dev/null 2> e && line e > r${round}_s${k}_1x2-whole.txt
    cmp -s r${round}_s${k}_1x2/model.safetensors r${round}_s${k}_2x1/model.safetensors || { echo "2x1 and 1x2 differ" >&2; exit 1; }
    rm -rf r${round}_s${k}_*/
  done
done

# Memory: expected batch 4,096 at 32 x 256 x 256, physical cap 256, 2 steps; VmHWM of each rank.
"$py" - big.json <<'PY'
import json, sys
json.dump({"name": "mpi_mem", "seed": 1,
           "data": {"source": "generated", "task": "marker", "size": 20 * 4096, "min_length": 256, "max_length": 256},
           "model": {"embedding_dim": 64, "lstm": [{"hidden": 256}]},
           "training": {"steps": 2, "batch_size": 4096, "max_physical_batch_size": 256,
                        "optimizer": {"name": "sgd", "learning_rate": 0.01}},
           "privacy": {"enabled": True, "clip_norm": 1.0, "noise_multiplier": 1.0}}, open(sys.argv[1], "w"))
PY
echo "memory: 1 rank" >&2
mpi 1 /usr/bin/time -f "rss_kb %M" "$dptrain" run big.json --out m1 --threads 2 > /dev/null 2> m1.err
echo "memory: 2 ranks" >&2
mpi 2 /usr/bin/time -f "rss_kb %M" "$dptrain" run big.json --out m2 --threads 1 > /dev/null 2> m2.err
cmp -s m1/model.safetensors m2/model.safetensors || { echo "memory runs differ" >&2; exit 1; }

"$py" - "$rounds" <<'PY'
import re, statistics, sys
rounds = int(sys.argv[1])
shapes = ["64 × 64 × 128", "256 × 32 × 64", "32 × 256 × 256"]
def parse(path):
    m = re.search(r"(\d+) ranks x (\d+) threads, (\d+) steps, ([\d.]+) ms/step, of which ([\d.]+) ms/step communication on rank 0 \(([\d.]+) MB/step\)", open(path).read())
    return float(m.group(4)), float(m.group(5)), float(m.group(6))
print("| B × T × H | 1×2 ms/step | 2×1 ms/step | 2×1 comm + wait ms/step | MB/step (rank 0) | 1×1 ms/step | 1×2 whole batches | E(2×1 vs 1×2) | E(2×1 vs 1×1) |")
print("|---|---|---|---|---|---|---|---|---|")
for k, s in enumerate(shapes):
    v = {lay: [parse(f"r{r}_s{k}_{lay}.txt") for r in range(1, rounds + 1)] for lay in ("1x2", "2x1", "1x1", "1x2-whole")}
    med = lambda lay, i=0: statistics.median(x[i] for x in v[lay])
    e1 = statistics.median(a[0] / b[0] for a, b in zip(v["1x2"], v["2x1"]))
    e2 = statistics.median(a[0] / (2 * b[0]) for a, b in zip(v["1x1"], v["2x1"]))
    print(f"| {s} | {med('1x2'):.1f} | {med('2x1'):.1f} | {med('2x1', 1):.1f} | {med('2x1', 2):.2f} | {med('1x1'):.1f} | "
          f"{med('1x2-whole'):.1f} | {e1:.2f} | {e2:.2f} |")
print()
for name, label, cores in (("m1.err", "1 rank x 2 threads", 2), ("m2.err", "2 ranks x 1 thread", 2)):
    text = open(name).read()
    rss = [int(x) / 1024 for x in re.findall(r"rss_kb (\d+)", text)]
    ms, comm, mb = parse(name)
    print(f"expected batch 4096 at 32 x 256 x 256, cap 256, {label}: peak RSS per rank " +
          ", ".join(f"{r:.0f} MB" for r in rss) + f"; {ms / 1000:.2f} s/step, rank 0 comm + wait {comm:.1f} ms/step, "
          f"{mb:.1f} MB/step; tau = {ms * cores / 4096:.2f} ms per example per core (bench/mpi_scaling_model.py --tau-ms)")
PY
