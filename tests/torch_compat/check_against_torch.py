#!/usr/bin/env python3
"""Checks dptrain's recurrent models against torch.nn, example by example.

Usage: check_against_torch.py DIR   (DIR written by torch_compat_export DIR MODEL)

Loads DIR/model.safetensors into torch.nn.Embedding -> torch.nn.LSTM or torch.nn.GRU
(num_layers=2, bidirectional when the file has `_reverse` tensors) -> torch.nn.Linear by
PyTorch's own parameter names (so names, shapes and gate order must match), runs each example
alone (no padding) in float64 — the classifier reads torch's h_n of the top layer: the forward
direction after the last step and, when bidirectional, the backward direction after the first
— and compares logits, per-example
losses, the summed gradient, per-example squared gradient norms and the clipped sum
sum_i min(1, C/||g_i||) g_i. Exit 0 when every figure agrees to 1e-9 relative.
The safetensors files are parsed with the standard library and torch (no extra package).
"""
import json
import struct
import sys

import torch

TOLERANCE = 1e-9


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    data = blob[8 + n :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = {"F32": torch.float32, "F64": torch.float64}[entry["dtype"]]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(entry["shape"])
        tensors[name] = t.to(torch.float64)
    return tensors


def rel_diff(a, b):
    a, b = a.reshape(-1), b.reshape(-1)
    denom = max(float(torch.linalg.norm(b)), 1e-300)
    return float(torch.linalg.norm(a - b)) / denom


def main():
    directory = sys.argv[1]
    weights = read_safetensors(f"{directory}/model.safetensors")
    case = read_safetensors(f"{directory}/case.safetensors")

    cell = "gru" if "gru.weight_hh_l0" in weights else "lstm"
    bidirectional = f"{cell}.weight_hh_l0_reverse" in weights
    directions = 2 if bidirectional else 1
    vocab, embed = weights["embedding.weight"].shape
    hidden = weights[f"{cell}.weight_hh_l0"].shape[1]
    classes = weights["output.weight"].shape[0]
    embedding = torch.nn.Embedding(vocab, embed).double()
    module = torch.nn.GRU if cell == "gru" else torch.nn.LSTM
    recurrent = module(embed, hidden, num_layers=2, bidirectional=bidirectional).double()
    output = torch.nn.Linear(directions * hidden, classes).double()
    embedding.load_state_dict({"weight": weights["embedding.weight"]})
    prefix = cell + "."
    recurrent.load_state_dict({k[len(prefix):]: v for k, v in weights.items() if k.startswith(prefix)}, strict=True)
    output.load_state_dict({"weight": weights["output.weight"], "bias": weights["output.bias"]})
    modules = {"embedding": embedding, cell: recurrent, "output": output}
    named = {f"{m}.{n}": p for m, mod in modules.items() for n, p in mod.named_parameters()}
    assert set(named) == set(weights), f"parameter names differ: {sorted(set(named) ^ set(weights))}"

    lengths = [int(x) for x in case["lengths"]]
    labels = [int(x) for x in case["labels"]]
    tokens = case["tokens"].long()
    B = len(lengths)
    clip_norm = float(case["clip_norm"][0])
    summed = {k: torch.zeros_like(p) for k, p in named.items()}
    clipped = {k: torch.zeros_like(p) for k, p in named.items()}
    worst = {}

    def track(what, ours, theirs):
        worst[what] = max(worst.get(what, 0.0), rel_diff(ours, theirs))

    for i in range(B):
        ids = torch.stack([tokens[t * B + i] for t in range(lengths[i])])  # (T_i,)
        for p in named.values():
            p.grad = None
        _, state = recurrent(embedding(ids).unsqueeze(1))
        h_n = state[0] if cell == "lstm" else state  # (layers * directions, 1, H)
        top = torch.cat([h_n[-directions + d, 0] for d in range(directions)])  # [forward | backward]
        logits = output(top)
        loss = torch.nn.functional.cross_entropy(logits.unsqueeze(0), torch.tensor([labels[i]]))
        loss.backward()
        track("logits", case["logits"][i], logits.detach())
        track("loss per example", case["loss_per_example"][i : i + 1], loss.detach().reshape(1))
        sq = sum(float((p.grad ** 2).sum()) for p in named.values())
        track("squared norm per example", case["sq_norm_per_example"][i : i + 1], torch.tensor([sq], dtype=torch.float64))
        factor = min(1.0, clip_norm / sq ** 0.5)
        for k, p in named.items():
            summed[k] += p.grad
            clipped[k] += factor * p.grad
    for k in named:
        track("gradient", case["grad." + k], summed[k])
        track("clipped sum", case["clipped_sum." + k], clipped[k])

    ok = True
    for what, err in worst.items():
        status = "ok" if err <= TOLERANCE else "FAIL"
        ok = ok and err <= TOLERANCE
        print(f"{what:28s} worst relative difference {err:.3e}  {status}")
    kind = ("bidirectional " if bidirectional else "") + cell.upper()
    print(f"torch {torch.__version__}: {'agrees' if ok else 'DISAGREES'} with dptrain on {B} examples ({kind})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
