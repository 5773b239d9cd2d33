#!/usr/bin/env python3
"""PyTorch's non-private step of dp_step_bench's model, for a side-by-side comparison.

Embedding(256 -> 64) -> nn.LSTM(64, H) -> last step -> Linear(H -> 2), cross-entropy, SGD;
prints {"median_ms": ...} over --reps steps after 3 warm-ups. Needs Debian's python3-torch.
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
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

embedding = torch.nn.Embedding(256, 64)
lstm = torch.nn.LSTM(64, args.hidden)
head = torch.nn.Linear(args.hidden, 2)
params = list(embedding.parameters()) + list(lstm.parameters()) + list(head.parameters())
optimizer = torch.optim.SGD(params, lr=0.01)
tokens = torch.randint(0, 256, (args.seq, args.batch))
labels = torch.randint(0, 2, (args.batch,))

times = []
for r in range(3 + args.reps):
    start = time.perf_counter()
    optimizer.zero_grad()
    out, _ = lstm(embedding(tokens))
    loss = torch.nn.functional.cross_entropy(head(out[-1]), labels)
    loss.backward()
    optimizer.step()
    if r >= 3:
        times.append((time.perf_counter() - start) * 1000)
times.sort()
print(json.dumps({"median_ms": times[len(times) // 2]}))
