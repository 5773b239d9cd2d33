#!/usr/bin/env python3
"""The table of docs/performance.md, "GRU and bidirectional LSTM", from bench/recurrent_cells.sh's JSON.

Per shape and recurrent layer: ms per step (dp_step_bench), ours non-private, ours DP, DP /
non-private, PyTorch non-private, ours DP / PyTorch non-private — each the median over the
rounds (the rounds' range in brackets for the ratios) — then the phases of lstm_step_bench.
Usage: bench/recurrent_cells_table.py [OUT]   (default /tmp/recurrent_cells)
"""
import glob
import json
import os
import statistics
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/recurrent_cells"
names = {"lstm": "LSTM", "bilstm": "bidirectional LSTM", "gru": "GRU", "bigru": "bidirectional GRU"}


def load(pattern):
    paths = sorted(glob.glob(os.path.join(out, pattern)))
    return [json.load(open(p)) for p in paths if os.path.getsize(p) > 0]  # skips runs in progress


def cell(values, fmt="{:.1f}"):
    if not values:
        return "–"
    m = fmt.format(statistics.median(values))
    if len(values) > 1:
        m += " (" + fmt.format(min(values)) + "–" + fmt.format(max(values)) + ")"
    return m


runs = {k: load(f"dp_{k}_r*.json") for k in names}
print("| B × T × H | layer | ours non-private | ours DP | DP / non-private | PyTorch non-private | ours DP / PyTorch |")
print("|---|---|---|---|---|---|---|")
for s in range(3):
    for k, label in names.items():
        rows = [r["shapes"][s] for r in runs[k] if len(r["shapes"]) > s]
        if not rows:
            continue
        shape = f'{rows[0]["batch"]} × {rows[0]["seq"]} × {rows[0]["hidden"]}'
        np_ms = [r["nonprivate"]["median_ms"] for r in rows]
        dp_ms = [r["dp"]["median_ms"] for r in rows]
        ratio = [r["dp_over_nonprivate_time"] for r in rows]
        torch = [r["pytorch_nonprivate"]["median_ms"] for r in rows if isinstance(r.get("pytorch_nonprivate"), dict)]
        vs = [r["dp"]["median_ms"] / r["pytorch_nonprivate"]["median_ms"] for r in rows
              if isinstance(r.get("pytorch_nonprivate"), dict)]
        print(f"| {shape} | {label} | {cell(np_ms)} | {cell(dp_ms)} | {cell(ratio, '{:.2f}')} | {cell(torch)} | "
              f"{cell(vs, '{:.2f}')} |")

print()
print("| B × T × H | layer | fwd + loss + bwd | `gradient_sum` | clipped sum auto | ghost | fused | DP core / non-private |")
print("|---|---|---|---|---|---|---|---|")
shapes = ["64 × 64 × 128", "256 × 32 × 64", "32 × 256 × 256"]
for s in range(3):
    for k, label in names.items():
        rows = load(f"phases_{k}_s{s}_r*.json")
        if not rows:
            continue
        med = lambda key: cell([r["median_ms"][key] for r in rows])
        print(f"| {shapes[s]} | {label} | {med('nonprivate_fwd_loss_bwd')} | {med('gradient_sum')} | "
              f"{med('clipped_sum_auto')} | {med('clipped_sum_ghost')} | {med('clipped_sum_fused')} | "
              f"{cell([r['ratio_dp_over_nonprivate'] for r in rows], '{:.2f}')} |")
