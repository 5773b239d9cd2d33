#!/usr/bin/env bash
# The norm-method cost model on a grid (issue 19, goal 2; docs/performance.md, "Whole runs"):
# for B in {32, 256, 1024} x T in {16, 64, 256, 1024} x H in {64, 256, 1024}, lstm_step_bench's
# clipped sum timed alone with each method (ghost, fused) and with auto on one recorded tape,
# interleaved, medians of REPS; prints auto / best per shape. Shapes whose step exceeds
# MAX_GFLOP (24·T·B·H·(D+H), D = 64; default 200, about 2 s a step here) are skipped and listed,
# which also keeps every shape far below 8 GB.
# Usage: bench/norm_method_grid.sh [BUILD_DIR [REPS [MAX_GFLOP]]]   (build, 3, 200)
set -euo pipefail
build=${1:-build}
reps=${2:-3}
max_gflop=${3:-200}
py=/usr/bin/python3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for h in 64 256 1024; do
  for t in 16 64 256 1024; do
    for b in 32 256 1024; do
      gflop=$("$py" -c "print(24 * $t * $b * $h * (64 + $h) / 1e9)")
      if "$py" -c "import sys; sys.exit(0 if $gflop <= $max_gflop else 1)"; then
        echo "B $b T $t H $h ($gflop GFLOP)" >&2
        "$build/bench/lstm_step_bench" --batch "$b" --seq "$t" --hidden "$h" --reps "$reps" --json > "$out/$b-$t-$h.json"
      else
        echo "$b $t $h $gflop" >> "$out/skipped.txt"
      fi
    done
  done
done
"$py" - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
rows = []
for p in glob.glob(os.path.join(out, "*.json")):
    j = json.load(open(p))
    s, m = j["shape"], j["median_ms"]
    best = min(("ghost", m["clipped_sum_ghost"]), ("fused", m["clipped_sum_fused"]), key=lambda x: x[1])
    rows.append((s["hidden"], s["seq"], s["batch"], m["clipped_sum_auto"], m["clipped_sum_ghost"], m["clipped_sum_fused"], best))
rows.sort()
print("| H | T | B | auto ms | ghost ms | fused ms | best | auto / best |")
print("|---|---|---|---|---|---|---|---|")
worst = 0.0
for h, t, b, auto, ghost, fused, best in rows:
    r = auto / best[1]
    worst = max(worst, r)
    print(f"| {h} | {t} | {b} | {auto:.2f} | {ghost:.2f} | {fused:.2f} | {best[0]} | {r:.2f}{' **' if r > 1.05 else ''} |")
print(f"\nworst auto / best: {worst:.2f} over {len(rows)} shapes (** : more than 5% above the best)")
skipped = os.path.join(out, "skipped.txt")
if os.path.exists(skipped):
    print("skipped (B T H GFLOP per step):", "; ".join(l.strip() for l in open(skipped)))
PY
