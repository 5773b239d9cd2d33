#!/usr/bin/env bash
# GRU and bidirectional LSTM on the speed issue's three shapes (docs/performance.md, "GRU and
# bidirectional LSTM"): for each round and each recurrent layer — LSTM, bidirectional LSTM, GRU,
# bidirectional GRU, interleaved so that drifting load on these shared machines hits all alike —
# dp_step_bench --pytorch (full steps, DP vs non-private, PyTorch's non-private step) and
# lstm_step_bench per shape (the step's phases). JSON into OUT; bench/recurrent_cells_table.py
# prints the table from them.
# Usage: bench/recurrent_cells.sh [BUILD_DIR [OUT [ROUNDS [REPS]]]]   (build, /tmp/recurrent_cells, 2, 10)
set -euo pipefail
build=${1:-build}
out=${2:-/tmp/recurrent_cells}
rounds=${3:-2}
reps=${4:-10}
mkdir -p "$out"
configs=("lstm:" "bilstm:--bidirectional" "gru:--cell gru" "bigru:--cell gru --bidirectional")
shapes=("64 64 128" "256 32 64" "32 256 256")
for round in $(seq 1 "$rounds"); do
  for cfg in "${configs[@]}"; do
    name=${cfg%%:*}
    flags=${cfg#*:}
    echo "round $round: $name dp_step_bench (load $(cut -d" " -f1-3 /proc/loadavg))" >&2
    # shellcheck disable=SC2086
    "$build/bench/dp_step_bench" --pytorch --json --reps "$reps" $flags >"$out/dp_${name}_r${round}.json"
    for k in 0 1 2; do
      read -r b t h <<<"${shapes[$k]}"
      echo "round $round: $name lstm_step_bench $b x $t x $h" >&2
      # shellcheck disable=SC2086
      "$build/bench/lstm_step_bench" --batch "$b" --seq "$t" --hidden "$h" --reps "$reps" --json $flags \
        >"$out/phases_${name}_s${k}_r${round}.json"
    done
  done
done
