#!/usr/bin/env python3
"""PyTorch's non-private step of dp_step_bench's model, for a side-by-side comparison.

Embedding(256 -> 64) -> nn.LSTM(64, H) -> last step -> Linear(H -> 2), cross-entropy, SGD;
with --cell gru nn.GRU(64, H), with --bidirectional the same cell with bidirectional=True,
whose last step is torch's h_n of both directions concatenated, [forward after the last step |
backward after the first step] -> Linear(2H -> 2), as dptrain's last pooling of a bidirectional
layer. All sequences have the full length T (no packing, as dp_step_bench's batches).
Prints {"median_ms": ...} over --reps steps after 3 warm-ups. Needs Debian's python3-torch.
"""
import argparse
import json
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--batch", type=int, required=True)
parser.add_argument("--seq", type=int, required=True)
parser.add_argument("--hidden", type=int, required=True)
parser.add_argument("--reps", type=int, default=10)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--cell", choices=("lstm", "gru"), default="lstm")
parser.add_argument("--bidirectional", action="store_true")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

directions = 2 if args.bidirectional else 1
embedding = torch.nn.Embedding(256, 64)
cell = torch.nn.GRU if args.cell == "gru" else torch.nn.LSTM
rnn = cell(64, args.hidden, bidirectional=args.bidirectional)
head = torch.nn.Linear(directions * args.hidden, 2)
params = list(embedding.parameters()) + list(rnn.parameters()) + list(head.parameters())
optimizer = torch.optim.SGD(params, lr=0.01)
tokens = torch.randint(0, 256, (args.seq, args.batch))
labels = torch.randint(0, 2, (args.batch,))


def last_step(out, state):
    if not args.bidirectional:
        return out[-1]  # (B, H): the output after the last step
    h_n = state[0] if args.cell == "lstm" else state  # (2, B, H): forward, backward
    return torch.cat((h_n[0], h_n[1]), dim=1)  # (B, 2H) [forward after T | backward after 1]


times = []
for r in range(3 + args.reps):
    start = time.perf_counter()
    optimizer.zero_grad()
    out, state = rnn(embedding(tokens))
    loss = torch.nn.functional.cross_entropy(head(last_step(out, state)), labels)
    loss.backward()
    optimizer.step()
    if r >= 3:
        times.append((time.perf_counter() - start) * 1000)
times.sort()
print(json.dumps({"median_ms": times[len(times) // 2], "cell": args.cell, "bidirectional": args.bidirectional}))
