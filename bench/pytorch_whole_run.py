#!/usr/bin/env python3
"""PyTorch's non-private training loop of a dptrain run's model, for bench/whole_run_bench.sh.

Reads the run folder's config.json (model, batch size, optimizer) and data.json (vocabulary,
classes), and a `dptrain grads --examples ...` file for real training inputs (their tokens and
lengths); trains Embedding -> nn.LSTM stack (packed sequences: padding is skipped, as dptrain
skips it) -> pooling (last valid step, or the mean over valid steps) -> tanh dense layers ->
Linear, cross-entropy, torch.optim.Adam/SGD at the config's rate, on batches of the expected
batch size drawn with replacement from those examples, for --steps steps. Prints
{"ms_per_step": median, "total_s": ...}. No evaluation or checkpoints: the loop alone.
Needs Debian's python3-torch (scripts/bootstrap.sh --with-torch).
"""
import argparse
import json
import struct
import time

import numpy as np
import torch

parser = argparse.ArgumentParser()
parser.add_argument("--run", required=True, help="a dptrain run folder (config.json, data.json)")
parser.add_argument("--examples", required=True, help="dptrain grads output with input/<i> and target/<i>")
parser.add_argument("--steps", type=int, required=True)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

config = json.load(open(f"{args.run}/config.json"))
data = json.load(open(f"{args.run}/data.json"))
model_cfg, training = config["model"], config["training"]

raw = open(args.examples, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
header.pop("__metadata__", None)


def tensor(name):
    h = header[name]
    begin, end = h["data_offsets"]
    return np.frombuffer(raw[8 + n + begin:8 + n + end], dtype=np.float32)


ids = sorted(int(k.split("/")[1]) for k in header if k.startswith("input/"))
inputs = [torch.tensor(tensor(f"input/{i}").astype(np.int64)) for i in ids]
targets = [int(tensor(f"target/{i}")[0]) for i in ids]


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(data["vocab_size"], model_cfg["embedding_dim"])
        layers, width = [], model_cfg["embedding_dim"]
        for layer in model_cfg["lstm"]:
            layers.append(torch.nn.LSTM(width, layer["hidden"], batch_first=True))
            width = layer["hidden"]
        self.lstm = torch.nn.ModuleList(layers)
        dense = []
        for d in model_cfg["dense"]:
            dense += [torch.nn.Linear(width, d), torch.nn.Tanh()]
            width = d
        self.dense = torch.nn.Sequential(*dense)
        self.output = torch.nn.Linear(width, data["num_classes"])

    def forward(self, tokens, lengths):
        x = self.embedding(tokens)
        h_n = None
        for lstm in self.lstm:
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, (h_n, _) = lstm(packed)
            x, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        if model_cfg["pooling"] == "mean":
            mask = (torch.arange(x.shape[1])[None, :] < lengths[:, None]).unsqueeze(-1)
            pooled = (x * mask).sum(1) / lengths[:, None]
        else:
            pooled = h_n[-1]
        return self.output(self.dense(pooled))


model = Model()
opt_cfg = training["optimizer"]
if opt_cfg["name"] == "sgd":
    optimizer = torch.optim.SGD(model.parameters(), lr=opt_cfg["learning_rate"], momentum=opt_cfg["momentum"])
else:
    optimizer = torch.optim.Adam(model.parameters(), lr=opt_cfg["learning_rate"])
rng = np.random.default_rng(0)
B = int(training["batch_size"])
times = []
start = time.perf_counter()
for step in range(args.steps):
    t0 = time.perf_counter()
    pick = rng.integers(0, len(inputs), B)
    seqs = [inputs[i] for i in pick]
    lengths = torch.tensor([len(s) for s in seqs])
    tokens = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True)
    labels = torch.tensor([targets[i] for i in pick])
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(tokens, lengths), labels)
    loss.backward()
    optimizer.step()
    times.append((time.perf_counter() - t0) * 1000)
total = time.perf_counter() - start
times.sort()
print(json.dumps({"ms_per_step": times[len(times) // 2], "total_s": total, "steps": args.steps, "examples": len(inputs)}))
